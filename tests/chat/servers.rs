//! A turn that needs the model twice (a tool call, then the answer), against the fake playing
//! each common OpenAI-compatible server's quirks: the whole stack works with every one.

use std::{sync::Arc, time::Duration};

use serde_json::{Value, json};
use sqlx::PgPool;
use taskwire_tests::{
    TestApp, deltas,
    fake_openai::{FakeCall, FakeOpenAi, Reply, ServerKind},
    spawn_app,
};
use worker::agent::openai::{OpenAiModel, OpenAiSettings};

/// The app with a worker talking to the fake, which plays `kind`.
async fn stack(
    pool: PgPool,
    kind: ServerKind,
) -> (TestApp, FakeOpenAi, taskwire_tests::TestWorker) {
    let app = spawn_app(pool).await;
    let fake = FakeOpenAi::start_as(kind).await;
    let model = Arc::new(OpenAiModel::new(OpenAiSettings {
        base_url: fake.base_url.clone(),
        api_key: None,
        model: format!("{kind:?}-model"),
        request_timeout: Duration::from_secs(5),
        max_retries: 1,
        temperature: None,
    }));
    let worker = app.spawn_worker_with(model, |c| c.turn.delta_window = Duration::ZERO);
    (app, fake, worker)
}

/// Queues one turn's replies: add "Buy milk", then the answer in three pieces.
fn queue_add_turn(fake: &FakeOpenAi) {
    fake.push(Reply::ToolCalls(vec![FakeCall::new(
        "call_1",
        "add_task",
        &["{\"title\": ", "\"Buy milk\"}"],
    )]));
    fake.push(Reply::text(["Added ", "“Buy milk”", "."]));
}

/// Runs the add turn over the stream; returns its events' data and the assistant messages the
/// model was sent on the turn's second request.
async fn add_turn(app: &TestApp) -> Vec<taskwire_tests::SseEvent> {
    let events = app
        .chat_stream("alice", json!({"message": "add buy milk"}))
        .await;
    let done = events.last().expect("an ending");
    assert_eq!(done.event, "done", "{done:?}");
    assert_eq!(done.data["response"], "Added “Buy milk”.");
    let (tasks, _) = app.list_tasks("alice", "").await;
    assert_eq!(tasks.len(), 1, "the task was added once");
    events
}

fn assistant_messages(request: &Value) -> Vec<Value> {
    request["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m["role"] == "assistant")
        .cloned()
        .collect()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_turn_works_with_llama_cpp_pythons_server(pool: PgPool) {
    let (app, fake, _worker) = stack(pool, ServerKind::LlamaCppPython).await;
    queue_add_turn(&fake);
    add_turn(&app).await;
    let requests = fake.requests();
    let streamed: Vec<bool> = requests.iter().map(|r| r["stream"] == true).collect();
    assert_eq!(
        streamed,
        [true, false, false],
        "refused streaming with tools once, then asked for whole answers"
    );
    let sent = assistant_messages(&requests[2]);
    assert_eq!(
        sent[0]["content"], "",
        "an empty string beside the tool calls, never null"
    );

    // The next turn does not pay the failed try again.
    queue_add_turn(&fake);
    let reply = app.say("alice", None, "add buy milk").await;
    assert_eq!(reply["response"], "Added “Buy milk”.");
    let later: Vec<bool> = fake.requests()[3..]
        .iter()
        .map(|r| r["stream"] == true)
        .collect();
    assert_eq!(later, [false, false]);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_turn_works_with_a_server_that_refuses_streaming_with_tools(pool: PgPool) {
    let (app, fake, _worker) = stack(pool, ServerKind::RefusesStreamingTools).await;
    queue_add_turn(&fake);
    add_turn(&app).await;
    let streamed: Vec<bool> = fake
        .requests()
        .iter()
        .map(|r| r["stream"] == true)
        .collect();
    assert_eq!(streamed, [true, false, false]);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_turn_works_with_ollama(pool: PgPool) {
    let (app, fake, _worker) = stack(pool, ServerKind::Ollama).await;
    queue_add_turn(&fake);
    let events = add_turn(&app).await;
    assert_eq!(
        deltas(&events).concat(),
        "Added “Buy milk”.",
        "the answer streamed"
    );
    assert!(fake.requests().iter().all(|r| r["stream"] == true));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_turn_works_with_vllm(pool: PgPool) {
    let (app, fake, _worker) = stack(pool, ServerKind::Vllm).await;
    queue_add_turn(&fake);
    let events = add_turn(&app).await;
    assert!(
        deltas(&events).len() >= 2,
        "streamed in pieces: {:?}",
        deltas(&events)
    );
    let call = events
        .iter()
        .find(|e| e.event == "tool_call")
        .expect("the call was announced");
    assert_eq!(call.data["arguments"], json!({"title": "Buy milk"}));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_turn_works_with_lm_studio(pool: PgPool) {
    let (app, fake, _worker) = stack(pool, ServerKind::LmStudio).await;
    queue_add_turn(&fake);
    let events = add_turn(&app).await;
    let calls: Vec<_> = events.iter().filter(|e| e.event == "tool_call").collect();
    assert_eq!(
        calls.len(),
        1,
        "fragments repeating id and name are one call"
    );
    assert_eq!(calls[0].data["tool"], "add_task");
}
