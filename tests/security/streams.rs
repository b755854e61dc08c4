//! Event streams (findings 4 and 11): a user holds a bounded number open and opens them at a
//! bounded rate; an ended job is replayed without a JetStream consumer; a `Last-Event-ID` past
//! every event is a clear 400, not an overflow.

use reqwest::Method;
use serde_json::json;
use sqlx::PgPool;
use taskwire_tests::{TestApp, assert_error, names, read_sse, spawn_app, spawn_app_with};

async fn open_events(app: &TestApp, job: &str, last_event_id: Option<&str>) -> reqwest::Response {
    let mut req = app.request(
        Method::GET,
        "alice",
        &format!("/api/alice/jobs/{job}/events"),
    );
    if let Some(id) = last_event_id {
        req = req.header("Last-Event-ID", id);
    }
    req.send().await.expect("sent")
}

/// A job nobody works on: its streams stay open.
async fn queued_job(app: &TestApp) -> String {
    let (status, body) = app.chat("alice", None, "add buy milk").await;
    assert_eq!(status, 202, "{body}");
    body["job_id"].as_str().expect("job id").to_owned()
}

// Finding 4: 1,000 opens in 1.6 s made 1,003 consumers.
#[sqlx::test(migrations = "../migrations")]
async fn a_user_holds_a_bounded_number_of_open_event_streams(pool: PgPool) {
    let app = spawn_app_with(pool, |c| {
        c.max_event_streams_per_user = 3;
        c.chat_wait = std::time::Duration::from_millis(50);
    })
    .await;
    let job = queued_job(&app).await;
    let mut open = Vec::new();
    for _ in 0..3 {
        let resp = open_events(&app, &job, None).await;
        assert_eq!(resp.status(), 200);
        open.push(resp);
    }
    let refused = open_events(&app, &job, None).await;
    assert_error(refused, 429, "too_many_requests", "a fourth stream").await;
    let streamed = app
        .request(Method::POST, "alice", "/api/alice/chat/stream")
        .json(&json!({"message": "add bread"}))
        .send()
        .await
        .expect("sent");
    assert_error(streamed, 429, "too_many_requests", "a streamed chat too").await;
    let jobs: i64 = sqlx::query_scalar("select count(*) from chat_jobs")
        .fetch_one(&app.pool)
        .await
        .expect("count");
    assert_eq!(jobs, 1, "the refused stream queued nothing");
    let bob = app
        .request(Method::GET, "bob", &format!("/api/bob/jobs/{job}/events"))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        bob.status(),
        404,
        "another user has their own slots (and no such job)"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn event_streams_are_opened_at_a_bounded_rate(pool: PgPool) {
    let app = spawn_app_with(pool, |c| c.event_stream_opens_per_minute = 4).await;
    let _worker = app.spawn_worker();
    let reply = app.say("alice", None, "add buy milk").await;
    let job = reply["job_id"].as_str().expect("job id").to_owned();
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(open_events(&app, &job, None).await.status().as_u16());
    }
    assert_eq!(statuses, [200, 200, 200, 200, 429, 429]);
}

// Finding 4: each replay of an ended job left a consumer behind for ~30 s.
#[sqlx::test(migrations = "../migrations")]
async fn an_ended_job_is_replayed_without_a_consumer(pool: PgPool) {
    let app = spawn_app(pool).await;
    let _worker = app.spawn_worker();
    let live = app
        .chat_stream("alice", json!({"message": "add renew passport by friday"}))
        .await;
    let job = live[0].data["job_id"].as_str().expect("job id").to_owned();
    let job_id: uuid::Uuid = job.parse().expect("uuid");

    for _ in 0..5 {
        let replay = read_sse(open_events(&app, &job, None).await, usize::MAX).await;
        assert_eq!(names(&replay), names(&live), "the whole stream again");
        let rest = read_sse(open_events(&app, &job, Some(&live[2].id)).await, usize::MAX).await;
        assert_eq!(rest.len(), live.len() - 3, "and resumes after an id");
    }
    assert!(
        app.event_consumers_of(job_id).await.is_empty(),
        "no consumer was made for the replays"
    );
}

// Finding 11: `seq + 1` on u64::MAX.
#[sqlx::test(migrations = "../migrations")]
async fn a_last_event_id_past_every_event_is_a_clear_error(pool: PgPool) {
    let app = spawn_app(pool).await;
    let _worker = app.spawn_worker();
    let reply = app.say("alice", None, "add buy milk").await;
    let job = reply["job_id"].as_str().expect("job id").to_owned();
    // The documented maximum is JavaScript's largest exact integer, 2^53 − 1.
    for past in [u64::MAX, 1 << 53] {
        let resp = open_events(&app, &job, Some(&past.to_string())).await;
        assert_error(resp, 400, "bad_request", "Last-Event-ID past 2^53 − 1").await;
    }
    let big = read_sse(
        open_events(&app, &job, Some(&((1u64 << 53) - 1).to_string())).await,
        usize::MAX,
    )
    .await;
    assert!(big.is_empty(), "nothing follows an id past the end");
}
