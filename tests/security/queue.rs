//! Jobs the queue lost (finding 14): a job marked published that the work queue no longer
//! holds is published again, and a job that passed its deadline after its tools ran says
//! what they did instead of "I didn't do it".

use std::time::Duration;

use common::{
    domain::UserId,
    jobs::JOBS_STREAM,
    tools::{self, LedgerCall},
};
use sqlx::PgPool;
use taskwire_tests::{eventually, spawn_app_with, utc_caller};

async fn queued_messages(app: &taskwire_tests::TestApp) -> u64 {
    let js = app.jetstream().await;
    let mut stream = js.get_stream(JOBS_STREAM).await.expect("jobs stream");
    stream.info().await.expect("info").state.messages
}

#[sqlx::test(migrations = "../migrations")]
async fn a_job_the_queue_lost_is_published_again(pool: PgPool) {
    let app = spawn_app_with(pool, |c| {
        c.chat_wait = Duration::from_millis(10);
        c.outbox_sweep = Duration::from_millis(200);
    })
    .await;
    // Two jobs wait, published; then the queue loses one of them.
    let (_, lost) = app.chat("alice", None, "add buy milk").await;
    app.chat("bob", None, "add buy bread").await;
    let lost = lost["job_id"].as_str().expect("job").to_owned();
    eventually("both marked published", || async {
        sqlx::query_scalar::<_, i64>(
            "select count(*) from chat_jobs where published_at is not null",
        )
        .fetch_one(&app.pool)
        .await
        .expect("count")
            == 2
    })
    .await;
    let js = app.jetstream().await;
    let stream = js.get_stream(JOBS_STREAM).await.expect("jobs stream");
    let lost_subject = format!(
        "chat.jobs.{}",
        sqlx::query_scalar::<_, uuid::Uuid>(
            "select conversation_id from chat_jobs where id = $1::uuid",
        )
        .bind(&lost)
        .fetch_one(&app.pool)
        .await
        .expect("conversation")
    );
    stream.purge().filter(lost_subject).await.expect("purged");
    assert_eq!(queued_messages(&app).await, 1);
    // Long enough ago that JetStream no longer remembers the publish.
    sqlx::query("update chat_jobs set published_at = now() - interval '5 minutes'")
        .execute(&app.pool)
        .await
        .expect("aged");

    eventually("the lost job is queued again", || async {
        queued_messages(&app).await == 2
    })
    .await;
    // The job still queued is not published a second time: give the relay three more
    // sweeps (200 ms each) to do it wrong, since nothing happening has no event to await.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(queued_messages(&app).await, 2, "only the lost one");

    let _worker = app.spawn_worker();
    let end = tokio::time::timeout(Duration::from_secs(20), app.wait_for_job("alice", &lost))
        .await
        .expect("the lost job ended");
    assert_eq!(end.event, "done", "{:?}", end.data);
    let (_, tasks) = app.list_tasks("alice", "").await;
    assert_eq!(tasks, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_job_ended_at_its_deadline_says_what_its_tools_did(pool: PgPool) {
    let app = spawn_app_with(pool.clone(), |c| {
        c.chat_wait = Duration::from_millis(10);
        c.job_deadline = Duration::from_secs(1);
        c.outbox_sweep = Duration::from_millis(200);
    })
    .await;
    let (_, accepted) = app.chat("alice", None, "add buy milk").await;
    let job = accepted["job_id"].as_str().expect("job").to_owned();
    // A worker ran the call, then was lost before it could answer.
    let alice = UserId::parse("alice").expect("user");
    let call = LedgerCall {
        job_id: job.parse().expect("uuid"),
        call_id: "call_1",
        step: 1,
        position: 0,
        name: "add_task",
        arguments: r#"{"title": "Buy milk"}"#,
        attempt: 0, // the job was never started
    };
    tools::execute_recorded(&pool, utc_caller(&alice), &call)
        .await
        .expect("recorded");

    let end = tokio::time::timeout(Duration::from_secs(20), app.wait_for_job("alice", &job))
        .await
        .expect("the job ended");
    assert_eq!(end.data["code"], "abandoned");
    let message = end.data["message"].as_str().expect("message");
    assert!(message.contains("created “Buy milk”"), "{message}");
    assert!(!message.contains("didn't do it"), "{message}");
    let stored: serde_json::Value = sqlx::query_scalar(
        "select tool_calls from messages where job_id = $1::uuid and role = 'assistant'",
    )
    .bind(&job)
    .fetch_one(&pool)
    .await
    .expect("reply");
    assert_eq!(stored[0]["tool"], "add_task");
}
