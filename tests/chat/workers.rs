//! Several workers: they share the load, and turns of one conversation still run one at a
//! time, in arrival order.

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use taskwire_tests::spawn_app_with;
use worker::agent::{builtin::BuiltinModel, delayed::Delayed};

fn slow() -> Arc<Delayed> {
    Arc::new(Delayed {
        inner: Arc::new(BuiltinModel::new()),
        delay: Duration::from_millis(150),
    })
}

#[sqlx::test(migrations = "../migrations")]
async fn two_workers_share_the_load(pool: PgPool) {
    let app = spawn_app_with(pool, |c| c.chat_wait = Duration::from_millis(20)).await;
    let _w1 = app.spawn_worker_with(slow(), |c| {
        c.worker_id = Some("w1".into());
        c.concurrency = 1;
    });
    let _w2 = app.spawn_worker_with(slow(), |c| {
        c.worker_id = Some("w2".into());
        c.concurrency = 1;
    });
    let mut jobs = Vec::new();
    for i in 0..6 {
        let (status, body) = app
            .chat("alice", None, &format!("add chore number {i}"))
            .await;
        assert!(status == 200 || status == 202, "{body}");
        jobs.push(body["job_id"].as_str().expect("job").to_owned());
    }
    for job in &jobs {
        let end = app.wait_for_job("alice", job).await;
        assert_eq!(end.event, "done", "{:?}", end.data);
    }
    let per_worker: Vec<(String, i64)> = sqlx::query_as(
        "select worker_id, count(*) from chat_jobs where status = 'succeeded' group by worker_id order by worker_id",
    )
    .fetch_all(&app.pool)
    .await
    .expect("counts");
    assert_eq!(per_worker.len(), 2, "both workers answered: {per_worker:?}");
    assert_eq!(per_worker.iter().map(|(_, n)| n).sum::<i64>(), 6);
    let (tasks, _) = app.list_tasks("alice", "").await;
    assert_eq!(tasks.len(), 6, "each message added exactly one task");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_burst_into_one_conversation_is_answered_one_by_one_in_order(pool: PgPool) {
    let app = spawn_app_with(pool, |c| c.chat_wait = Duration::from_millis(1)).await;
    // Two workers, so the queued turns are really offered to different processes at once.
    let _w1 = app.spawn_worker_with(slow(), |c| c.worker_id = Some("w1".into()));
    let _w2 = app.spawn_worker_with(slow(), |c| c.worker_id = Some("w2".into()));
    let (_, first) = app.chat("alice", None, "add task zero").await;
    let conversation = first["conversation_id"]
        .as_str()
        .expect("conversation")
        .to_owned();
    let mut jobs = vec![first["job_id"].as_str().expect("job").to_owned()];
    let mut sent = vec!["add task zero".to_owned()];
    for text in [
        "add task one",
        "add task two",
        "add task three",
        "what's on my list?",
    ] {
        let (status, body) = app.chat("alice", Some(&conversation), text).await;
        assert!(status == 202 || status == 200, "{body}");
        jobs.push(body["job_id"].as_str().expect("job").to_owned());
        sent.push(text.to_owned());
    }
    for job in &jobs {
        let end = app.wait_for_job("alice", job).await;
        assert_eq!(end.event, "done", "{:?}", end.data);
    }

    // One at a time: each turn started after the previous one finished.
    let spans: Vec<(DateTime<Utc>, DateTime<Utc>)> = sqlx::query_as(
        "select started_at, finished_at from chat_jobs where conversation_id = $1::uuid order by seq",
    )
    .bind(&conversation)
    .fetch_all(&app.pool)
    .await
    .expect("spans");
    assert_eq!(spans.len(), 5);
    for pair in spans.windows(2) {
        assert!(
            pair[1].0 >= pair[0].1,
            "turn started {:?} before the previous finished {:?}",
            pair[1].0,
            pair[0].1
        );
    }

    // The listing shows each message followed by its reply, in the order sent.
    let messages: serde_json::Value = app
        .get_json(
            "alice",
            &format!("/api/alice/conversations/{conversation}/messages"),
        )
        .await;
    let messages = messages.as_array().expect("array");
    assert_eq!(messages.len(), 10);
    for (i, text) in sent.iter().enumerate() {
        assert_eq!(messages[2 * i]["role"], "user");
        assert_eq!(messages[2 * i]["content"], text.as_str());
        assert_eq!(messages[2 * i + 1]["role"], "assistant");
        assert_eq!(
            messages[2 * i + 1]["job_id"],
            messages[2 * i]["job_id"],
            "reply {i} answers message {i}"
        );
    }
    // The last turn saw every earlier one.
    let last = messages[9]["content"]
        .as_str()
        .expect("text")
        .to_lowercase();
    for word in ["zero", "one", "two", "three"] {
        assert!(last.contains(word), "{word} in {last}");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_job_found_finished_announces_its_end_again(pool: PgPool) {
    use common::{
        db,
        domain::{Role, UserId},
        jobs::{ChatEvent, EVENTS_STREAM, events_subject},
    };
    use futures::StreamExt;
    // An earlier delivery answered the job and published its first events, then died
    // before its `done` was stored and before acknowledging the job.
    let app = spawn_app_with(pool, |c| c.chat_wait = Duration::from_millis(20)).await;
    let (status, pending) = app.chat("alice", None, "add buy milk").await;
    assert_eq!(status, 202, "{pending}");
    let job_id: uuid::Uuid = pending["job_id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("job id");
    let conversation: uuid::Uuid = pending["conversation_id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("conversation id");
    let alice = UserId::parse("alice").expect("user");
    let delivery = db::jobs::Delivery {
        job_id,
        user: &alice,
        conversation_id: conversation,
        worker_id: "dead-worker",
        lease: Duration::from_secs(5),
    };
    let started = db::jobs::start_attempt(&app.pool, delivery)
        .await
        .expect("start")
        .expect("job");
    db::jobs::finish(
        &app.pool,
        &db::messages::NewMessage {
            id: uuid::Uuid::now_v7(),
            conversation_id: conversation,
            user_id: &alice,
            role: Role::Assistant,
            content: "Added buy milk.",
            tool_calls: None,
            job_id,
            turn_seq: started.job.seq,
        },
        db::jobs::Ending::Succeeded,
    )
    .await
    .expect("finished");
    let js = app.jetstream().await;
    let mut headers = async_nats::HeaderMap::new();
    headers.insert("Nats-Msg-Id", format!("{job_id}:1:1").as_str());
    let first = serde_json::to_vec(&ChatEvent::Started { attempt: 1 }).expect("json");
    js.publish_with_headers(events_subject(job_id), headers, first.into())
        .await
        .expect("published")
        .await
        .expect("stored");

    // The job is redelivered to a worker, which finds it finished and announces its end:
    // follow the stored events until a terminal one.
    let _worker = app.spawn_worker();
    let events = js
        .get_stream(EVENTS_STREAM)
        .await
        .expect("events stream")
        .create_consumer(async_nats::jetstream::consumer::pull::OrderedConfig {
            filter_subject: events_subject(job_id),
            ..Default::default()
        })
        .await
        .expect("consumer")
        .messages()
        .await
        .expect("messages");
    let ending = tokio::time::timeout(
        Duration::from_secs(20),
        events
            .filter_map(|m| async move {
                let event: ChatEvent = serde_json::from_slice(&m.ok()?.payload).ok()?;
                event.is_terminal().then_some(event)
            })
            .boxed()
            .next(),
    )
    .await
    .expect("the end is stored again")
    .expect("an ending event");
    assert!(
        matches!(ending, ChatEvent::Done { ref response, .. } if response == "Added buy milk."),
        "the stored reply is announced again: {ending:?}"
    );
}
