//! NATS stopped when a message arrives, and restarted while a turn runs.

use std::time::Duration;

use sqlx::PgPool;
use taskwire_tests::spawn_app_with;

use crate::{assert_one_task_one_reply, count, eventually, job_state, start_slow_turn};

#[sqlx::test(migrations = "../migrations")]
async fn a_message_sent_while_nats_is_down_is_kept_and_answered_when_it_is_back(pool: PgPool) {
    let mut app = spawn_app_with(pool, |c| {
        c.chat_wait = Duration::from_millis(10);
        c.outbox_sweep = Duration::from_millis(200);
    })
    .await;
    let _worker = app.spawn_worker();
    app.nats.kill();

    let ready = app.http.get(app.url("/readyz")).send().await.expect("sent");
    assert_eq!(ready.status(), 503, "not ready without NATS");
    let started = tokio::time::Instant::now();
    let (status, accepted) = app.chat("alice", None, "add buy milk").await;
    assert_eq!(status, 202, "accepted and stored: {accepted}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "no waiting on a dead NATS"
    );
    let job = accepted["job_id"].as_str().expect("job").to_owned();
    let unpublished: i64 = count(
        &app.pool,
        "select count(*) from chat_jobs where published_at is null",
    )
    .await;
    assert_eq!(unpublished, 1, "the job waits in the outbox");

    app.nats.restart().await;
    app.wait_ready().await; // the gateway reconnects by itself
    let end = tokio::time::timeout(Duration::from_secs(30), app.wait_for_job("alice", &job))
        .await
        .expect("answered once NATS is back");
    assert_eq!(end.event, "done");
    assert_one_task_one_reply(&app.pool).await;
    assert_eq!(
        count(
            &app.pool,
            "select count(*) from chat_jobs where published_at is null"
        )
        .await,
        0
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn nats_restarted_during_a_turn_loses_nothing_and_doubles_nothing(pool: PgPool) {
    let mut app = spawn_app_with(pool, |c| c.chat_wait = Duration::from_millis(10)).await;
    let (_worker, job) = start_slow_turn(&app, Duration::from_millis(700)).await;

    app.nats.kill();
    app.nats.restart().await;

    eventually("the job has ended", || async {
        job_state(&app.pool, &job).await.0 == "succeeded"
    })
    .await;
    assert_one_task_one_reply(&app.pool).await;
    // The stack works normally afterwards.
    app.wait_ready().await;
    let (_, accepted) = app.chat("alice", None, "what's on my list?").await;
    let next = accepted["job_id"].as_str().expect("job").to_owned();
    let end = app.wait_for_job("alice", &next).await;
    assert!(
        end.data["response"]
            .as_str()
            .expect("text")
            .to_lowercase()
            .contains("milk"),
        "{:?}",
        end.data
    );
}
