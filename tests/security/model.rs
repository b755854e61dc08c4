//! What a model writes cannot hurt the service (findings 8 and 15): NUL characters are taken
//! out before anything is stored, and a flood of tool calls is cut off.

use std::{sync::Arc, time::Duration};

use sqlx::PgPool;
use taskwire_tests::{
    fake_openai::{FakeCall, FakeOpenAi, Reply},
    spawn_app,
};
use worker::agent::openai::{OpenAiModel, OpenAiSettings};

fn model(fake: &FakeOpenAi) -> Arc<OpenAiModel> {
    Arc::new(OpenAiModel::new(OpenAiSettings {
        base_url: fake.base_url.clone(),
        api_key: Some(secrecy::SecretString::from("sk-test".to_owned())),
        model: "fake-model".to_owned(),
        request_timeout: Duration::from_secs(5),
        max_retries: 0,
        temperature: None,
    }))
}

// Finding 8: a NUL in the reply failed the final statement on every delivery (a stalled
// conversation for 15 minutes); one in tool arguments failed the call and the model retried.
#[sqlx::test(migrations = "../migrations")]
async fn nul_characters_from_a_model_are_dropped_before_anything_is_stored(pool: PgPool) {
    let app = spawn_app(pool).await;
    let fake = FakeOpenAi::start().await;
    let _worker = app.spawn_worker_with(model(&fake), |_| {});
    fake.push(Reply::ToolCalls(vec![FakeCall::new(
        "call_1",
        "add_task",
        &[r#"{"title": "Buy milk\u0000", "description": "2\u0000 litres"}"#],
    )]));
    fake.push(Reply::text(["Added\u{0} “Buy milk”."]));
    let started = std::time::Instant::now();
    let reply = app.say("alice", None, "add buy milk").await;
    assert_eq!(reply["response"], "Added “Buy milk”.");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "answered at once"
    );
    assert_eq!(fake.requests().len(), 2, "no model call spent on the NUL");
    let (tasks, _) = app.list_tasks("alice", "").await;
    assert_eq!(tasks[0]["title"], "Buy milk");
    assert_eq!(tasks[0]["description"], "2 litres");

    // The conversation is free for its next turn.
    fake.push(Reply::text(["Nothing else to do."]));
    let conversation = reply["conversation_id"].as_str().expect("conversation");
    let next = app.say("alice", Some(conversation), "thanks").await;
    assert_eq!(next["response"], "Nothing else to do.");
}

// Finding 15: 300 calls in one step all ran, and the `done` of a turn over large results
// passed NATS's 1 MB limit, was never published, and left the stream waiting.
#[sqlx::test(migrations = "../migrations")]
async fn a_flood_of_tool_calls_is_cut_off_and_the_turn_still_ends(pool: PgPool) {
    let app = spawn_app(pool).await;
    let fake = FakeOpenAi::start().await;
    let _worker = app.spawn_worker_with(model(&fake), |_| {});
    // Large tasks already on the list: the lists below return 100 of them each, ~200 KB.
    for n in 0..80 {
        let description = "e".repeat(2000);
        app.create_task(
            "alice",
            serde_json::json!({"title": format!("Old {n}"), "description": description}),
        )
        .await;
    }
    let adds: Vec<FakeCall> = (0..300)
        .map(|n| {
            let args = format!(
                r#"{{"title": "Task {n}", "description": "{}"}}"#,
                "d".repeat(1900)
            );
            FakeCall::new(&format!("call_{n}"), "add_task", &[args.as_str()])
        })
        .collect();
    fake.push(Reply::ToolCalls(adds));
    let lists: Vec<FakeCall> = (0..30)
        .map(|n| FakeCall::new(&format!("list_{n}"), "list_tasks", &[r#"{"limit": 100}"#]))
        .collect();
    fake.push(Reply::ToolCalls(lists));
    fake.push(Reply::text(["Done."]));

    let events = app
        .chat_stream("alice", serde_json::json!({"message": "add lots of tasks"}))
        .await;
    let done = events.last().expect("events");
    assert_eq!(done.event, "done", "the turn's end reached the client");
    let results: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e.event == "tool_result")
        .map(|e| &e.data)
        .collect();
    let ran = results.iter().filter(|r| r["ok"] == true).count();
    let refused = results
        .iter()
        .filter(|r| r["result"]["error"] == "too_many_calls")
        .count();
    assert_eq!(
        ran,
        2 * worker::agent::runner::MAX_CALLS_PER_STEP, // 20 adds, then 20 of the 30 lists
        "{ran} ran"
    );
    assert_eq!(refused, 300 + 30 - ran);
    let (_, total) = app.list_tasks("alice", "limit=1").await;
    assert_eq!(
        total,
        80 + 20,
        "only the first step's allowance of adds ran"
    );
    let largest = events
        .iter()
        .map(|e| e.data.to_string().len())
        .max()
        .unwrap_or_default();
    assert!(
        largest <= common::jobs::MAX_EVENT_BYTES,
        "largest event {largest} bytes"
    );
}
