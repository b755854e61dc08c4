//! Every job ends: a job nobody finishes before its deadline is ended by the gateway's
//! sweeper, and an operator can hand a failed job back to the workers.

use std::{sync::Arc, time::Duration};

use sqlx::PgPool;
use taskwire_tests::{
    fake_openai::{FakeOpenAi, Reply},
    process::database_url,
    spawn_app_with,
};
use worker::agent::openai::{OpenAiModel, OpenAiSettings};

use crate::{WORKER_BIN, count, eventually, job_state};

#[sqlx::test(migrations = "../migrations")]
async fn a_job_nobody_answers_is_ended_at_its_deadline_and_the_user_told(pool: PgPool) {
    let app = spawn_app_with(pool, |c| {
        c.chat_wait = Duration::from_millis(10);
        c.job_deadline = Duration::from_secs(1);
        c.outbox_sweep = Duration::from_millis(200);
    })
    .await;
    // No worker runs.
    let (status, accepted) = app.chat("alice", None, "add buy milk").await;
    assert_eq!(status, 202);
    let job = accepted["job_id"].as_str().expect("job").to_owned();
    let end = tokio::time::timeout(Duration::from_secs(20), app.wait_for_job("alice", &job))
        .await
        .expect("the job ended");
    assert_eq!(end.event, "error");
    assert_eq!(end.data["code"], "abandoned");
    let (state, _, _, code) = job_state(&app.pool, &job).await;
    assert_eq!(
        (state.as_str(), code.as_deref()),
        ("failed", Some("abandoned"))
    );
    assert_eq!(
        count(
            &app.pool,
            "select count(*) from messages where role = 'assistant'"
        )
        .await,
        1,
        "the user is told"
    );
}

/// Runs `worker requeue <job>` against the test stack.
async fn requeue(app: &taskwire_tests::TestApp, job: &str) -> std::process::Output {
    tokio::process::Command::new(WORKER_BIN)
        .args(["requeue", job])
        .env_clear()
        .env("DATABASE_URL", database_url(app).await)
        .env("NATS_URL", &app.nats.url)
        .output()
        .await
        .expect("worker requeue runs")
}

#[sqlx::test(migrations = "../migrations")]
async fn a_failed_job_can_be_requeued_by_an_operator(pool: PgPool) {
    let app = spawn_app_with(pool, |c| c.chat_wait = Duration::from_secs(20)).await;
    let fake = FakeOpenAi::start().await;
    let model = Arc::new(OpenAiModel::new(OpenAiSettings {
        base_url: fake.base_url.clone(),
        api_key: Some(secrecy::SecretString::from("sk-test".to_owned())),
        model: "fake-model".to_owned(),
        request_timeout: Duration::from_secs(5),
        max_retries: 0,
        temperature: None,
    }));
    let _worker = app.spawn_worker_with(model, |_| {});
    fake.push(Reply::error(401, "invalid api key"));
    let (status, body) = app.chat("alice", None, "hello").await;
    assert_eq!(status, 502, "{body}");
    let job: String = sqlx::query_scalar("select id::text from chat_jobs")
        .fetch_one(&app.pool)
        .await
        .expect("job");
    assert_eq!(job_state(&app.pool, &job).await.0, "failed");

    fake.push(Reply::text(["Hello after all."]));
    let output = requeue(&app, &job).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("requeued"));

    eventually("the requeued job succeeds", || async {
        job_state(&app.pool, &job).await.0 == "succeeded"
    })
    .await;
    let replies: Vec<String> =
        sqlx::query_scalar("select content from messages where role = 'assistant'")
            .fetch_all(&app.pool)
            .await
            .expect("replies");
    assert_eq!(
        replies,
        ["Hello after all."],
        "the failure reply is replaced, not added to"
    );

    // Requeuing a job that has not failed changes nothing and says so.
    let output = requeue(&app, &job).await;
    assert!(!output.status.success());
    assert_eq!(job_state(&app.pool, &job).await.0, "succeeded");
}
