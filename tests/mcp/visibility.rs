//! A change made through MCP is the same change everywhere: the REST API (and so the web
//! page's task panel, which reads it) and the assistant's next answer show it, and
//! `/metrics` counts the calls by tool and outcome; the task's history names MCP as the source.

use serde_json::json;
use sqlx::PgPool;
use taskwire_tests::spawn_app;

use crate::clients::{call_tools, rpc, tool_call};

#[sqlx::test(migrations = "../migrations")]
async fn a_task_added_over_mcp_shows_in_the_api_and_in_the_assistants_answer(pool: PgPool) {
    let app = spawn_app(pool).await;
    let _worker = app.spawn_worker();
    let results = call_tools(
        &app,
        "alice",
        &[
            (
                "add_task",
                json!({"title": "Renew passport", "priority": "high"}),
            ),
            ("add_task", json!({"title": "Water the plants"})),
        ],
    )
    .await;
    let passport = results[0]["structured"]["task_id"].as_i64().expect("id");
    let plants = results[1]["structured"]["task_id"].as_i64().expect("id");

    let (tasks, total) = app.list_tasks("alice", "status=pending").await;
    assert_eq!(total, 2, "{tasks:?}");
    let task = app
        .get_json("alice", &format!("/api/alice/tasks/{passport}"))
        .await;
    assert_eq!(task["title"], "Renew passport");
    assert_eq!(task["priority"], "high");

    let reply = app.say("alice", None, "what's left?").await;
    let text = reply["response"]
        .as_str()
        .expect("reply text")
        .to_lowercase();
    assert!(text.contains("renew passport"), "{text}");
    assert!(text.contains("water the plants"), "{text}");

    // Completed over MCP, it is no longer left.
    let done = call_tools(
        &app,
        "alice",
        &[("complete_task", json!({"task_id": plants}))],
    )
    .await;
    assert_eq!(done[0]["is_error"], false, "{done:?}");
    let reply = app.say("alice", None, "what's left?").await;
    let text = reply["response"]
        .as_str()
        .expect("reply text")
        .to_lowercase();
    assert!(text.contains("renew passport"), "{text}");
    assert!(
        !text.contains("water the plants"),
        "done is not left: {text}"
    );
    let (_, pending) = app.list_tasks("alice", "status=pending").await;
    assert_eq!(pending, 1);
}

/// The value of the `taskwire_mcp_calls_total` sample with these labels, 0 if absent.
fn calls_counted(metrics: &str, tool: &str, outcome: &str) -> u64 {
    metrics
        .lines()
        .filter(|line| line.starts_with("taskwire_mcp_calls_total{"))
        .filter(|line| line.contains(&format!("tool=\"{tool}\"")))
        .filter(|line| line.contains(&format!("outcome=\"{outcome}\"")))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}

#[sqlx::test(migrations = "../migrations")]
async fn metrics_count_mcp_calls_by_tool_and_outcome_with_fixed_labels(pool: PgPool) {
    let app = spawn_app(pool).await;
    let scrape = || async { app.metrics().await };
    // Other tests in this process count too: compare before and after.
    let before = scrape().await;
    rpc(
        &app,
        "alice",
        tool_call(1, "add_task", json!({"title": "Counted"})),
    )
    .await;
    rpc(
        &app,
        "alice",
        tool_call(2, "delete_task", json!({"task_id": 987654})),
    )
    .await;
    rpc(&app, "alice", tool_call(3, "no_such_tool_xyz", json!({}))).await;
    let after = scrape().await;
    for (tool, outcome) in [
        ("add_task", "ok"),
        ("delete_task", "tool_error"),
        ("unknown", "unknown_tool"),
    ] {
        assert!(
            calls_counted(&after, tool, outcome) > calls_counted(&before, tool, outcome),
            "{tool} {outcome} counted:\n{after}"
        );
    }
    assert!(
        !after.contains("no_such_tool_xyz"),
        "a made-up name is not a label value"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_tasks_history_names_mcp_as_the_source_of_its_changes(pool: PgPool) {
    let app = spawn_app(pool).await;
    let added = call_tools(&app, "alice", &[("add_task", json!({"title": "Call mom"}))]).await;
    let id = added[0]["structured"]["task_id"]
        .as_i64()
        .unwrap_or_else(|| panic!("a task id in {added:?}"));
    call_tools(&app, "alice", &[("complete_task", json!({"task_id": id}))]).await;
    let history = app
        .get_json("alice", &format!("/api/alice/tasks/{id}/history"))
        .await;
    let changes = history.as_array().expect("changes");
    let seen: Vec<(&str, &str)> = changes
        .iter()
        .map(|c| {
            (
                c["action"].as_str().unwrap_or_default(),
                c["source"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(seen, [("created", "mcp"), ("completed", "mcp")]);
}
