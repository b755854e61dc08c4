//! One chat turn through every endpoint: JSON, SSE, replay and resume, job status.

use serde_json::json;
use sqlx::PgPool;
use taskwire_tests::{deltas, names, spawn_app};

#[sqlx::test(migrations = "../migrations")]
async fn a_chat_message_adds_a_task_and_answers_in_json(pool: PgPool) {
    let app = spawn_app(pool).await;
    let _worker = app.spawn_worker();
    let reply = app.say("alice", None, "add a task to buy groceries").await;
    assert!(reply["conversation_id"].is_string(), "{reply}");
    assert!(reply["job_id"].is_string());
    assert!(reply["message_id"].is_string());
    let calls = reply["tool_calls"].as_array().expect("tool_calls");
    assert_eq!(calls.len(), 1, "{reply}");
    assert_eq!(calls[0]["tool"], "add_task");
    assert_eq!(calls[0]["result"]["status"], "created");
    let response = reply["response"].as_str().expect("response");
    assert!(response.to_lowercase().contains("groceries"), "{response}");
    let (tasks, _) = app.list_tasks("alice", "").await;
    assert_eq!(tasks.len(), 1);
    assert_eq!(
        tasks[0]["title"].as_str().map(str::to_lowercase).as_deref(),
        Some("buy groceries")
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_stream_sends_events_in_order_with_ids(pool: PgPool) {
    let app = spawn_app(pool).await;
    let _worker = app.spawn_worker();
    let events = app
        .chat_stream("alice", json!({"message": "add buy milk tomorrow"}))
        .await;
    let names = names(&events);
    assert_eq!(names.first(), Some(&"accepted"), "{names:?}");
    assert_eq!(names.last(), Some(&"done"), "{names:?}");
    let pos = |n: &str| names.iter().position(|x| *x == n).unwrap_or(usize::MAX);
    assert!(pos("started") < pos("tool_call"), "{names:?}");
    assert!(pos("tool_call") < pos("tool_result"), "{names:?}");
    assert!(pos("tool_result") < pos("delta"), "{names:?}");
    assert!(
        names.iter().filter(|n| **n == "delta").count() > 1,
        "the reply streams in pieces: {names:?}"
    );
    let ids: Vec<u64> = events
        .iter()
        .map(|e| e.id.parse().expect("numeric id"))
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids increase: {ids:?}");
    let text: String = deltas(&events).concat();
    let done = &events.last().expect("done").data;
    assert_eq!(
        text.trim(),
        done["response"].as_str().expect("response").trim(),
        "deltas add up to the reply"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn chat_without_a_user_in_the_path_uses_the_token(pool: PgPool) {
    let app = spawn_app(pool).await;
    let _worker = app.spawn_worker();
    let resp = app
        .request(reqwest::Method::POST, "alice", "/api/chat")
        .json(&json!({"message": "add call mom"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 200);
    let reply: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(reply["tool_calls"][0]["tool"], "add_task", "{reply}");
    let (tasks, _) = app.list_tasks("alice", "").await;
    assert_eq!(tasks.len(), 1, "the task belongs to the token's user");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_turn_slower_than_the_wait_answers_202_and_finishes_later(pool: PgPool) {
    let app = taskwire_tests::spawn_app_with(pool, |c| {
        c.chat_wait = std::time::Duration::from_millis(200)
    })
    .await;
    // No worker yet: the job waits in the queue.
    let (status, pending) = app.chat("alice", None, "add water the plants").await;
    assert_eq!(status, 202, "{pending}");
    assert_eq!(pending["status"], "queued");
    let job_id = pending["job_id"].as_str().expect("job id").to_owned();
    let job = app
        .get_json("alice", &format!("/api/alice/jobs/{job_id}"))
        .await;
    assert_eq!(job["status"], "queued", "{job}");
    assert_eq!(job["attempts"], 0);

    let _worker = app.spawn_worker();
    // Follow the job to its end over SSE (from the start), then check its status.
    let events = app.job_events("alice", &job_id, None).await;
    assert_eq!(names(&events).first(), Some(&"accepted"));
    assert_eq!(names(&events).last(), Some(&"done"), "{:?}", names(&events));
    let job = app
        .get_json("alice", &format!("/api/alice/jobs/{job_id}"))
        .await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["attempts"], 1);
    assert_eq!(
        job["message_id"],
        events.last().expect("done").data["message_id"]
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_job_started_before_its_publish_mark_is_marked_by_its_start(pool: PgPool) {
    // The gateway's mark waits; a worker that starts the job meanwhile marks it in the same
    // statement that starts it (the same `now()`), so the mark has nothing left to write.
    let app = taskwire_tests::spawn_app_with(pool, |c| {
        c.publish_mark_delay = std::time::Duration::from_secs(2);
    })
    .await;
    let _worker = app.spawn_worker();
    let reply = app.say("alice", None, "add buy milk").await;
    let (published, started): (
        Option<chrono::DateTime<chrono::Utc>>,
        Option<chrono::DateTime<chrono::Utc>>,
    ) = sqlx::query_as("select published_at, started_at from chat_jobs where id = $1::uuid")
        .bind(reply["job_id"].as_str().expect("job"))
        .fetch_one(&app.pool)
        .await
        .expect("job row");
    assert!(published.is_some());
    assert_eq!(published, started, "marked published by its start");
}

#[sqlx::test(migrations = "../migrations")]
async fn jobs_published_together_are_all_marked_published(pool: PgPool) {
    // The request path marks its published jobs in batches; with no worker to mark them
    // by starting them, every job still ends up marked, and none is left to the relay
    // (which does not sweep during the test).
    let app = taskwire_tests::spawn_app_with(pool, |c| {
        c.chat_wait = std::time::Duration::from_millis(50);
        c.outbox_sweep = std::time::Duration::from_secs(3600);
    })
    .await;
    let sends = (0..20).map(|i| {
        let user = ["alice", "bob"][i % 2];
        let app = &app;
        async move { app.chat(user, None, &format!("add task {i}")).await }
    });
    for (status, pending) in futures::future::join_all(sends).await {
        assert_eq!(status, 202, "{pending}");
    }
    taskwire_tests::eventually_within(
        std::time::Duration::from_secs(10),
        "every published job is marked",
        || async {
            sqlx::query_scalar::<_, i64>(
                "select count(*) from chat_jobs where published_at is null",
            )
            .fetch_one(&app.pool)
            .await
            .expect("count")
                == 0
        },
    )
    .await;
    let jobs: i64 = sqlx::query_scalar("select count(*) from chat_jobs")
        .fetch_one(&app.pool)
        .await
        .expect("count");
    assert_eq!(jobs, 20);
    let js = app.jetstream().await;
    let stream = js
        .get_stream(common::jobs::JOBS_STREAM)
        .await
        .expect("jobs stream");
    assert_eq!(
        stream.cached_info().state.messages,
        20,
        "each job queued once"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn job_events_replay_from_the_start_and_resume_after_last_event_id(pool: PgPool) {
    let app = spawn_app(pool).await;
    let _worker = app.spawn_worker();
    let live = app
        .chat_stream(
            "alice",
            json!({"message": "add renew passport by friday, it's urgent"}),
        )
        .await;
    let job_id = live[0].data["job_id"].as_str().expect("job id").to_owned();

    let replay = app.job_events("alice", &job_id, None).await;
    let strip = |events: &[taskwire_tests::SseEvent]| -> Vec<(String, String, serde_json::Value)> {
        events
            .iter()
            .map(|e| (e.id.clone(), e.event.clone(), e.data.clone()))
            .collect()
    };
    assert_eq!(strip(&replay), strip(&live), "a replay is the same stream");

    // Resume after the third event: exactly the rest, no duplicates.
    let cut = &live[2];
    let rest = app.job_events("alice", &job_id, Some(&cut.id)).await;
    assert_eq!(strip(&rest), strip(&live[3..]), "resume gives the rest");

    // Resuming after the last event ends at once.
    let last = live.last().expect("done");
    let nothing = app.job_events("alice", &job_id, Some(&last.id)).await;
    assert!(nothing.is_empty(), "{:?}", taskwire_tests::names(&nothing));
}

#[sqlx::test(migrations = "../migrations")]
async fn chat_input_is_validated(pool: PgPool) {
    let app = spawn_app(pool).await;
    let long = "a".repeat(8001);
    let cases: Vec<(serde_json::Value, u16, &str)> = vec![
        (json!({"message": ""}), 422, "validation_failed"),
        (json!({"message": "  \n\t "}), 422, "validation_failed"),
        (json!({"message": long}), 422, "validation_failed"),
        (json!({"message": "a\u{0}b"}), 422, "validation_failed"),
        (
            json!({"message": "hi", "conversation_id": "not-a-uuid"}),
            400,
            "bad_request",
        ),
        (
            json!({"message": "hi", "conversation_id": 42}),
            400,
            "bad_request",
        ),
        (
            json!({"message": "hi", "conversation_id": "00000000-0000-0000-0000-000000000000"}),
            404,
            "not_found",
        ),
        (json!({"text": "hi"}), 400, "bad_request"),
        (json!({}), 400, "bad_request"),
        (json!({"message": {"nested": true}}), 400, "bad_request"),
    ];
    for path in ["/api/alice/chat", "/api/alice/chat/stream", "/api/chat"] {
        for (body, status, code) in &cases {
            let resp = app
                .request(reqwest::Method::POST, "alice", path)
                .json(body)
                .send()
                .await
                .expect("sent");
            taskwire_tests::assert_error(resp, *status, code, &format!("{path} {body}")).await;
        }
    }
    let stored: i64 = sqlx::query_scalar("select count(*) from messages")
        .fetch_one(&app.pool)
        .await
        .expect("count");
    assert_eq!(stored, 0, "nothing stored for refused messages");
}

#[sqlx::test(migrations = "../migrations")]
async fn too_many_unanswered_messages_get_429(pool: PgPool) {
    let app = taskwire_tests::spawn_app_with(pool, |c| {
        c.max_open_jobs_per_user = 2;
        c.chat_wait = std::time::Duration::from_millis(50);
    })
    .await;
    // No worker: messages stay queued.
    for _ in 0..2 {
        let (status, body) = app.chat("alice", None, "add something").await;
        assert_eq!(status, 202, "{body}");
    }
    let resp = app
        .request(reqwest::Method::POST, "alice", "/api/alice/chat")
        .json(&json!({"message": "one more"}))
        .send()
        .await
        .expect("sent");
    assert!(
        resp.headers().get("retry-after").is_some(),
        "Retry-After given"
    );
    taskwire_tests::assert_error(resp, 429, "too_many_requests", "third queued message").await;
    let conversations: i64 =
        sqlx::query_scalar("select count(*) from conversations where user_id = 'alice'")
            .fetch_one(&app.pool)
            .await
            .expect("count");
    assert_eq!(conversations, 2, "a refused message starts no conversation");
    // Another user is not affected.
    let (status, _) = app.chat("bob", None, "add something").await;
    assert_eq!(status, 202);
}

#[sqlx::test(migrations = "../migrations")]
async fn sending_too_fast_gets_429_with_retry_after(pool: PgPool) {
    let app = taskwire_tests::spawn_app_with(pool, |c| {
        c.chat_rate_per_minute = 1;
        c.chat_burst = 2;
        c.chat_wait = std::time::Duration::from_millis(10);
    })
    .await;
    for _ in 0..2 {
        let (status, body) = app.chat("alice", None, "add something").await;
        assert_eq!(status, 202, "within the burst: {body}");
    }
    let resp = app
        .request(reqwest::Method::POST, "alice", "/api/alice/chat/stream")
        .json(&json!({"message": "and more"}))
        .send()
        .await
        .expect("sent");
    let retry_after: u64 = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("numeric Retry-After");
    assert!((1..=60).contains(&retry_after), "Retry-After {retry_after}");
    taskwire_tests::assert_error(resp, 429, "too_many_requests", "third message in a minute").await;
    let (status, _) = app.chat("bob", None, "add something").await;
    assert_eq!(status, 202, "other users have their own budget");
}
