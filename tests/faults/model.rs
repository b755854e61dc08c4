//! A misbehaving model (the fake OpenAI server): rate limits, errors, a hung connection, a
//! cut stream, broken tool arguments, unknown tools. Every turn ends within its deadline,
//! as succeeded or as failed with a code and a message for the user.

use std::{sync::Arc, time::Duration};

use serde_json::{Value, json};
use sqlx::PgPool;
use taskwire_tests::{
    fake_openai::{FakeCall, FakeOpenAi, Reply},
    names, spawn_app_with,
};
use worker::agent::openai::{OpenAiModel, OpenAiSettings};

use crate::{count, job_state};

fn model(fake: &FakeOpenAi, timeout: Duration, retries: u32) -> Arc<OpenAiModel> {
    Arc::new(OpenAiModel::new(OpenAiSettings {
        base_url: fake.base_url.clone(),
        api_key: Some(secrecy::SecretString::from("sk-test".to_owned())),
        model: "fake-model".to_owned(),
        request_timeout: timeout,
        max_retries: retries,
        temperature: None,
    }))
}

async fn stack(pool: PgPool) -> (taskwire_tests::TestApp, FakeOpenAi) {
    let app = spawn_app_with(pool, |c| c.chat_wait = Duration::from_secs(30)).await;
    let fake = FakeOpenAi::start().await;
    (app, fake)
}

#[sqlx::test(migrations = "../migrations")]
async fn a_rate_limited_model_is_retried_after_the_time_it_asks(pool: PgPool) {
    let (app, fake) = stack(pool).await;
    let _worker = app.spawn_worker_with(model(&fake, Duration::from_secs(5), 2), |_| {});
    fake.push(Reply::Status {
        code: 429,
        retry_after: Some(1),
        body: json!({"error": {"message": "Rate limit reached", "type": "rate_limit_error"}})
            .to_string(),
    });
    fake.push(Reply::text(["Hi!"]));
    let reply = app.say("alice", None, "hello").await;
    assert_eq!(reply["response"], "Hi!");
    let received = fake.received();
    assert_eq!(received.len(), 2);
    assert!(
        received[1].at - received[0].at >= Duration::from_secs(1),
        "waited for Retry-After"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_model_that_never_answers_fails_the_turn_at_its_deadline(pool: PgPool) {
    let (app, fake) = stack(pool).await;
    let _worker = app.spawn_worker_with(model(&fake, Duration::from_secs(60), 0), |c| {
        c.turn.timeout = Duration::from_secs(1);
    });
    fake.set_default(Reply::Hang);
    let started = tokio::time::Instant::now();
    let (status, body) = app.chat("alice", None, "hello").await;
    assert_eq!(status, 502, "{body}");
    assert_eq!(body["error"]["code"], "timeout");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "ended at the deadline"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("took too long")
    );
    let job = body_job(&app).await;
    assert_eq!(job_state(&app.pool, &job).await.0, "failed");
}

async fn body_job(app: &taskwire_tests::TestApp) -> String {
    sqlx::query_scalar("select id::text from chat_jobs order by seq desc limit 1")
        .fetch_one(&app.pool)
        .await
        .expect("job")
}

#[sqlx::test(migrations = "../migrations")]
async fn a_model_down_for_good_fails_the_job_after_its_deliveries_and_tells_the_user(pool: PgPool) {
    let (app, fake) = stack(pool).await;
    let _worker = app.spawn_worker_with(model(&fake, Duration::from_secs(5), 0), |c| {
        c.turn.retry_backoff = Duration::from_millis(20);
    });
    fake.set_default(Reply::Status {
        code: 503,
        retry_after: None,
        body: json!({"error": {"message": "overloaded", "type": "server_error"}}).to_string(),
    });
    let (status, body) = app.chat("alice", None, "add buy milk").await;
    assert_eq!(status, 502, "{body}");
    assert_eq!(body["error"]["code"], "model_unavailable");
    let job = body_job(&app).await;
    let (state, attempts, _, code) = job_state(&app.pool, &job).await;
    assert_eq!(
        (state.as_str(), attempts, code.as_deref()),
        ("failed", 5, Some("model_unavailable")),
        "dead-lettered after max deliveries, and visible"
    );
    assert_eq!(fake.requests().len(), 5, "one model request per delivery");
    let reply: String = sqlx::query_scalar("select content from messages where role = 'assistant'")
        .fetch_one(&app.pool)
        .await
        .expect("reply");
    assert!(
        reply.contains("couldn't reach the language model"),
        "{reply}"
    );
    // The queue is not blocked: the next message is answered.
    fake.push(Reply::text(["Hello!"]));
    let reply = app.say("alice", None, "hello").await;
    assert_eq!(reply["response"], "Hello!");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_stream_cut_in_the_middle_is_retried_and_the_client_told_to_start_over(pool: PgPool) {
    let (app, fake) = stack(pool).await;
    let _worker = app.spawn_worker_with(model(&fake, Duration::from_secs(5), 0), |_| {});
    fake.push(Reply::CutAfter {
        chunks: vec!["Hel".to_owned()],
    });
    fake.push(Reply::text(["Hello ", "again."]));
    let events = app.chat_stream("alice", json!({"message": "hello"})).await;
    let starts: Vec<&Value> = events
        .iter()
        .filter(|e| e.event == "started")
        .map(|e| &e.data["attempt"])
        .collect();
    assert_eq!(starts, [&json!(1), &json!(2)], "{:?}", names(&events));
    let done = events.last().expect("done");
    assert_eq!(done.event, "done");
    assert_eq!(
        done.data["response"], "Hello again.",
        "the reply is the second attempt's only"
    );
    assert_eq!(
        count(
            &app.pool,
            "select count(*) from messages where role = 'assistant'"
        )
        .await,
        1
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn broken_tool_arguments_and_unknown_tools_come_back_as_tool_errors(pool: PgPool) {
    let (app, fake) = stack(pool).await;
    let _worker = app.spawn_worker_with(model(&fake, Duration::from_secs(5), 0), |_| {});
    fake.push(Reply::ToolCalls(vec![
        FakeCall::new("call_1", "add_task", &["{\"title\": \"Buy mi"]),
        FakeCall::new("call_2", "drop_database", &["{}"]),
    ]));
    fake.push(Reply::text(["Sorry, that did not work."]));
    let events = app
        .chat_stream("alice", json!({"message": "add buy milk"}))
        .await;
    let results: Vec<&Value> = events
        .iter()
        .filter(|e| e.event == "tool_result")
        .map(|e| &e.data)
        .collect();
    assert_eq!(results.len(), 2);
    assert_eq!(
        (
            results[0]["ok"].clone(),
            results[0]["result"]["error"].clone()
        ),
        (json!(false), json!("invalid_arguments"))
    );
    assert_eq!(
        (
            results[1]["ok"].clone(),
            results[1]["result"]["error"].clone()
        ),
        (json!(false), json!("unknown_tool"))
    );
    assert_eq!(events.last().expect("done").event, "done");
    assert_eq!(count(&app.pool, "select count(*) from tasks").await, 0);
    // The model was told what went wrong.
    let second = &fake.requests()[1];
    let tool_messages: Vec<&Value> = second["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m["role"] == "tool")
        .collect();
    assert_eq!(tool_messages.len(), 2);
    assert!(
        tool_messages[0]["content"]
            .as_str()
            .expect("content")
            .contains("not valid JSON")
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_poison_message_is_terminated_without_blocking_the_queue(pool: PgPool) {
    let app = spawn_app_with(pool, |c| c.chat_wait = Duration::from_secs(30)).await;
    let _worker = app.spawn_worker();
    let client = async_nats::connect(&app.nats.url).await.expect("nats");
    let js = async_nats::jetstream::new(client);
    js.publish(
        format!("chat.jobs.{}", uuid::Uuid::now_v7()),
        "not a job".into(),
    )
    .await
    .expect("published")
    .await
    .expect("stored");
    let reply = app.say("alice", None, "add buy milk").await;
    assert_eq!(reply["tool_calls"][0]["tool"], "add_task");
    crate::eventually("the poison message is gone", || {
        let js = js.clone();
        async move {
            js.get_stream(common::jobs::JOBS_STREAM)
                .await
                .is_ok_and(|s| s.cached_info().state.messages == 0)
        }
    })
    .await;
}
