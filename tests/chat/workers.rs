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
