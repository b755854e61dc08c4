//! The whole stack with `MODEL_PROVIDER=openai` against the fake OpenAI-compatible server:
//! the worker offers the tools with their schemas, reassembles a tool call streamed in
//! fragments, feeds the result back as a `tool` message, streams the text as deltas, and
//! rebuilds the history from Postgres on the next turn.

use std::{sync::Arc, time::Duration};

use serde_json::{Value, json};
use sqlx::PgPool;
use taskwire_tests::{
    deltas,
    fake_openai::{FakeCall, FakeOpenAi, Reply},
    names, spawn_app,
};
use worker::agent::openai::OpenAiModel;

fn model(fake: &FakeOpenAi) -> Arc<OpenAiModel> {
    fake.model()
}

fn roles(request: &Value) -> Vec<String> {
    request["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["role"].as_str().expect("role").to_owned())
        .collect()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_turn_with_an_openai_compatible_model_runs_end_to_end(pool: PgPool) {
    let app = spawn_app(pool).await;
    let fake = FakeOpenAi::start().await;
    // Every fragment its own event, so the test can see them as the model streamed them.
    let _worker = app.spawn_worker_with(model(&fake), |c| c.turn.delta_window = Duration::ZERO);
    fake.push(Reply::ToolCalls(vec![FakeCall::new(
        "call_abc",
        "add_task",
        &[
            "{\"ti",
            "tle\": \"Buy",
            " milk\", \"prio",
            "rity\": \"high\"}",
        ],
    )]));
    fake.push(Reply::text([
        "Added ",
        "“Buy milk” ",
        "with high priority.",
    ]));

    let events = app
        .chat_stream("alice", json!({"message": "add buy milk, urgent"}))
        .await;
    let names = names(&events);
    assert_eq!(names.first(), Some(&"accepted"));
    assert_eq!(names.last(), Some(&"done"), "{names:?}");
    let call = events
        .iter()
        .find(|e| e.event == "tool_call")
        .expect("tool_call");
    assert_eq!(
        call.data["arguments"],
        json!({"title": "Buy milk", "priority": "high"}),
        "fragments reassembled"
    );
    let result = events
        .iter()
        .find(|e| e.event == "tool_result")
        .expect("tool_result");
    assert_eq!(result.data["ok"], true);
    assert_eq!(
        deltas(&events),
        ["Added ", "“Buy milk” ", "with high priority."],
        "streamed as it came"
    );
    assert_eq!(
        events.last().expect("done").data["response"],
        "Added “Buy milk” with high priority."
    );

    let (tasks, _) = app.list_tasks("alice", "").await;
    assert_eq!(tasks.len(), 1);
    assert_eq!(
        (tasks[0]["title"].as_str(), tasks[0]["priority"].as_str()),
        (Some("Buy milk"), Some("high"))
    );

    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    let first = &requests[0];
    assert_eq!(first["model"], "fake-model");
    assert_eq!(first["stream"], true);
    let tools: Vec<&str> = first["tools"]
        .as_array()
        .expect("tools offered")
        .iter()
        .map(|t| t["function"]["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        tools,
        [
            "add_task",
            "list_tasks",
            "complete_task",
            "delete_task",
            "update_task",
            "complete_tasks",
            "delete_tasks",
            "update_tasks",
            "list_changes",
            "undo_last_turn"
        ]
    );
    assert_eq!(
        first["tools"][0]["function"]["parameters"]["required"],
        json!(["title"]),
        "schemas offered"
    );
    assert_eq!(roles(first), ["system", "user"]);
    assert!(
        first["messages"][0]["content"]
            .as_str()
            .expect("prompt")
            .contains("Taskwire")
    );

    let second = &requests[1];
    assert_eq!(roles(second), ["system", "user", "assistant", "tool"]);
    let assistant = &second["messages"][2];
    assert_eq!(assistant["tool_calls"][0]["id"], "call_abc");
    assert_eq!(assistant["tool_calls"][0]["function"]["name"], "add_task");
    let tool = &second["messages"][3];
    assert_eq!(tool["tool_call_id"], "call_abc");
    let fed_back: Value =
        serde_json::from_str(tool["content"].as_str().expect("content")).expect("JSON result");
    assert_eq!(fed_back["status"], "created");

    // Next turn: the history comes from Postgres.
    fake.push(Reply::text(["You have one task: Buy milk."]));
    let conversation = events[0].data["conversation_id"]
        .as_str()
        .expect("conversation");
    let reply = app
        .say("alice", Some(conversation), "what's on my list?")
        .await;
    assert_eq!(reply["response"], "You have one task: Buy milk.");
    let third = &fake.requests()[2];
    assert_eq!(roles(third), ["system", "user", "assistant", "user"]);
    // The user's time goes with their last message only (the system prompt stays the same).
    assert_eq!(third["messages"][1]["content"], "add buy milk, urgent");
    assert_eq!(third["messages"][0], first["messages"][0]);
    assert_eq!(
        third["messages"][2]["content"],
        "Added “Buy milk” with high priority."
    );
    let said = third["messages"][3]["content"].as_str().expect("content");
    assert!(said.starts_with("what's on my list?\n\n(sent "), "{said}");
}

#[sqlx::test(migrations = "../migrations")]
async fn streamed_words_within_the_window_are_joined_into_one_delta(pool: PgPool) {
    let app = spawn_app(pool).await;
    let fake = FakeOpenAi::start().await;
    // A window longer than the turn: the first word goes out at once, the rest wait for it.
    let _worker = app.spawn_worker_with(model(&fake), |c| {
        c.turn.delta_window = Duration::from_secs(60);
    });
    fake.push(Reply::text(["Nothing ", "to ", "add, ", "all done."]));

    let events = app.chat_stream("alice", json!({"message": "hello"})).await;
    assert_eq!(
        deltas(&events),
        ["Nothing ", "to add, all done."],
        "{:?}",
        names(&events)
    );
    let done = events.last().expect("events");
    assert_eq!(done.event, "done");
    assert_eq!(done.data["response"], "Nothing to add, all done.");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_model_that_refuses_ends_the_turn_as_failed_with_a_message(pool: PgPool) {
    let app = spawn_app(pool).await;
    let fake = FakeOpenAi::start().await;
    let _worker = app.spawn_worker_with(model(&fake), |_| {});
    fake.push(Reply::error(401, "invalid api key"));
    let (status, body) = app.chat("alice", None, "add buy milk").await;
    assert_eq!(status, 502, "{body}");
    assert_eq!(body["error"]["code"], "model_error");
    let conversation: (String,) = sqlx::query_as("select conversation_id::text from chat_jobs")
        .fetch_one(&app.pool)
        .await
        .expect("job");
    let job: (String, Option<String>) = sqlx::query_as("select status, error_code from chat_jobs")
        .fetch_one(&app.pool)
        .await
        .expect("job");
    assert_eq!(job, ("failed".to_owned(), Some("model_error".to_owned())));
    let messages: Value = app
        .get_json(
            "alice",
            &format!("/api/alice/conversations/{}/messages", conversation.0),
        )
        .await;
    assert_eq!(messages[1]["role"], "assistant", "the user is told");
    assert!(
        messages[1]["content"]
            .as_str()
            .expect("text")
            .starts_with("Sorry"),
        "{messages}"
    );
    assert_eq!(fake.requests().len(), 1, "a refusal is not retried");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_model_whose_calls_all_fail_stops_at_the_step_limit(pool: PgPool) {
    let app = spawn_app(pool).await;
    let fake = FakeOpenAi::start().await;
    let _worker = app.spawn_worker_with(model(&fake), |c| c.turn.max_steps = 3);
    fake.set_default(Reply::ToolCalls(vec![FakeCall::new(
        "call_x",
        "complete_task",
        &["{\"task_id\": 999}"],
    )]));
    let (status, body) = app.chat("alice", None, "finish task 999").await;
    assert_eq!(status, 502, "{body}");
    assert_eq!(body["error"]["code"], "step_limit");
    assert_eq!(fake.requests().len(), 3, "exactly max_steps model calls");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_model_that_loops_after_its_calls_succeeded_answers_with_what_they_did(pool: PgPool) {
    let app = spawn_app(pool).await;
    app.create_task("alice", json!({"title": "Buy milk"})).await;
    let fake = FakeOpenAi::start().await;
    let _worker = app.spawn_worker_with(model(&fake), |c| c.turn.max_steps = 3);
    fake.set_default(Reply::ToolCalls(vec![FakeCall::new(
        "call_x",
        "list_tasks",
        &["{}"],
    )]));
    let (status, body) = app.chat("alice", None, "list my tasks").await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["response"]
            .as_str()
            .is_some_and(|r| r.contains("Buy milk")),
        "{body}"
    );
    assert_eq!(fake.requests().len(), 3, "exactly max_steps model calls");
    let calls: i64 = sqlx::query_scalar("select count(*) from tool_executions")
        .fetch_one(&app.pool)
        .await
        .expect("count");
    assert_eq!(
        calls, 3,
        "repeated call ids were made unique and each recorded"
    );
}
