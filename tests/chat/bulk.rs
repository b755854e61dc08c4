//! Bulk actions in chat: one call for many tasks, with each task's result; a large
//! destructive one waits for the user's own "yes" in their next message.

use reqwest::Method;
use serde_json::{Value, json};
use sqlx::PgPool;
use taskwire_tests::{
    TestApp,
    fake_openai::{FakeCall, FakeOpenAi, Reply},
    spawn_app,
};

/// `n` completed tasks of alice; their ids.
async fn finished(app: &TestApp, n: usize) -> Vec<i64> {
    let mut ids = Vec::new();
    for i in 0..n {
        let task = app
            .create_task("alice", json!({"title": format!("Errand {i}")}))
            .await;
        let id = task["id"].as_i64().expect("id");
        let resp = app
            .request(
                Method::PATCH,
                "alice",
                &format!("/api/alice/tasks/{id}/complete"),
            )
            .send()
            .await
            .expect("sent");
        assert_eq!(resp.status(), 200);
        ids.push(id);
    }
    ids
}

fn response(reply: &Value) -> &str {
    reply["response"].as_str().unwrap_or_default()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_few_tasks_are_changed_at_once_in_one_call(pool: PgPool) {
    let app = spawn_app(pool).await;
    let _worker = app.spawn_worker();
    finished(&app, 3).await;
    let reply = app.say("alice", None, "delete everything I finished").await;
    assert_eq!(
        response(&reply),
        "Deleted 3 completed tasks: “Errand 0”, “Errand 1” and “Errand 2”."
    );
    let tools: Vec<&str> = reply["tool_calls"]
        .as_array()
        .expect("calls")
        .iter()
        .filter_map(|c| c["tool"].as_str())
        .collect();
    assert_eq!(tools, ["list_tasks", "delete_tasks"]);
    assert_eq!(app.list_tasks("alice", "").await.1, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn deleting_many_asks_first_and_yes_carries_it_out(pool: PgPool) {
    let app = spawn_app(pool).await;
    let _worker = app.spawn_worker();
    let ids = finished(&app, 7).await;
    let reply = app.say("alice", None, "delete everything I finished").await;
    let conversation = reply["conversation_id"].as_str().expect("conversation");
    let question = response(&reply);
    assert!(
        question.starts_with("That would delete 7 tasks:")
            && question.contains("Shall I go ahead?"),
        "{question}"
    );
    for id in &ids {
        assert!(question.contains(&format!("(#{id})")), "{question}");
    }
    assert_eq!(
        app.list_tasks("alice", "").await.1,
        7,
        "nothing deleted yet"
    );

    let done = app.say("alice", Some(conversation), "yes").await;
    assert!(
        response(&done).starts_with("Deleted 7 completed tasks"),
        "{done}"
    );
    assert_eq!(app.list_tasks("alice", "").await.1, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn no_leaves_them_and_a_later_yes_alone_confirms_nothing(pool: PgPool) {
    let app = spawn_app(pool).await;
    let _worker = app.spawn_worker();
    finished(&app, 6).await;
    let reply = app.say("alice", None, "delete everything I finished").await;
    let conversation = reply["conversation_id"].as_str().expect("conversation");
    let no = app.say("alice", Some(conversation), "no").await;
    assert_eq!(response(&no), "No problem — I've left your list as it is.");
    assert_eq!(app.list_tasks("alice", "").await.1, 6);
    // The question was two turns ago: "yes" now confirms nothing.
    app.say("alice", Some(conversation), "yes").await;
    assert_eq!(app.list_tasks("alice", "").await.1, 6);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_model_cannot_confirm_for_the_user(pool: PgPool) {
    let app = spawn_app(pool).await;
    let ids = finished(&app, 6).await;
    let fake = FakeOpenAi::start().await;
    let all = format!("{{\"task_ids\": {ids:?}}}");
    let reversed: Vec<i64> = ids.iter().rev().copied().collect();
    let again = format!("{{\"task_ids\": {reversed:?}}}");
    // It lists, deletes, is told to ask, and deletes again at once (other arguments, so the
    // repeat rail does not answer it).
    fake.push(Reply::ToolCalls(vec![FakeCall::new(
        "call_l",
        "list_tasks",
        &["{\"status\": \"completed\"}"],
    )]));
    fake.push(Reply::ToolCalls(vec![FakeCall::new(
        "call_d1",
        "delete_tasks",
        &[&all],
    )]));
    fake.push(Reply::ToolCalls(vec![FakeCall::new(
        "call_d2",
        "delete_tasks",
        &[&again],
    )]));
    fake.push(Reply::text(["Deleted them all."]));
    let _worker = app.spawn_worker_with(fake.model(), |_| {});
    // Even the user's "yes" confirms nothing the turn before did not ask.
    let reply = app.say("alice", None, "yes").await;
    let results: Vec<&str> = reply["tool_calls"]
        .as_array()
        .expect("calls")
        .iter()
        .filter(|c| c["tool"] == "delete_tasks")
        .filter_map(|c| c["result"]["status"].as_str())
        .collect();
    assert_eq!(
        results,
        ["needs_confirmation", "needs_confirmation"],
        "{reply:#}"
    );
    assert_eq!(app.list_tasks("alice", "").await.1, 6, "nothing deleted");
}
