//! "What did you change today?" answered from the change log: every change of the user's
//! today, whatever made it, and nobody else's.

use reqwest::Method;
use serde_json::json;
use sqlx::PgPool;
use taskwire_tests::spawn_app;

#[sqlx::test(migrations = "../migrations")]
async fn the_assistant_tells_what_changed_today_and_by_what(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let _worker = app.spawn_worker();
    let rent = app.create_task("alice", json!({"title": "Pay rent"})).await;
    let rent = rent["id"].as_i64().expect("id");
    app.create_task("bob", json!({"title": "Bob's secret"}))
        .await;
    let reply = app.say("alice", None, "add buy milk").await;
    let conversation = reply["conversation_id"].as_str().expect("conversation");
    let resp = app
        .request(
            Method::PATCH,
            "alice",
            &format!("/api/alice/tasks/{rent}/complete"),
        )
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 200);
    // A change from yesterday is not today's.
    sqlx::query("update task_changes set at = now() - interval '2 days' where task_id = $1 and operation = 'insert'")
        .bind(rent)
        .execute(&pool)
        .await
        .expect("backdated");

    let answer = app
        .say("alice", Some(conversation), "what did you change today?")
        .await;
    let text = answer["response"].as_str().unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(lines[0], "Here's what changed today:");
    assert!(
        lines[1].contains("added “Buy milk”") && lines[1].ends_with(", in chat"),
        "{text}"
    );
    assert!(
        lines[2].contains(&format!("completed “Pay rent” (#{rent})"))
            && lines[2].ends_with(", in the task list"),
        "{text}"
    );
    assert!(!text.contains("Bob"), "only alice's changes");
    assert!(
        !text.contains("added “Pay rent”"),
        "yesterday's add is not today's"
    );
}
