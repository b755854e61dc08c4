//! Tags in chat with the builtin model: "#health" when adding, "tag … as …", "what's on my
//! health list?", a search that finds "the dentist one", and an undo that puts tags back.

use serde_json::{Value, json};
use sqlx::PgPool;
use taskwire_tests::spawn_app;

fn response(reply: &Value) -> &str {
    reply["response"].as_str().unwrap_or_default()
}

async fn tags_of(pool: &PgPool, title: &str) -> Vec<String> {
    sqlx::query_scalar("select tags from tasks where user_id = 'alice' and title = $1")
        .bind(title)
        .fetch_one(pool)
        .await
        .expect("the task")
}

#[sqlx::test(migrations = "../migrations")]
async fn a_user_tags_tasks_and_lists_them_by_tag(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let _worker = app.spawn_worker();
    let reply = app
        .say("alice", None, "add take the vitamins #Health")
        .await;
    assert!(response(&reply).contains("Take the vitamins"), "{reply}");
    assert_eq!(tags_of(&pool, "Take the vitamins").await, ["health"]);

    let report = app
        .create_task("alice", json!({"title": "Write report"}))
        .await;
    app.create_task("alice", json!({"title": "Book dentist appointment"}))
        .await;
    app.create_task("bob", json!({"title": "Bob's pills", "tags": ["health"]}))
        .await;
    let reply = app
        .say("alice", None, &format!("tag task {} as work", report["id"]))
        .await;
    assert_eq!(tags_of(&pool, "Write report").await, ["work"], "{reply}");
    let reply = app
        .say("alice", None, "tag the dentist one as health")
        .await;
    assert_eq!(
        tags_of(&pool, "Book dentist appointment").await,
        ["health"],
        "{reply}"
    );

    for ask in ["what's on my health list?", "show my #health tasks"] {
        let reply = app.say("alice", None, ask).await;
        let text = response(&reply);
        assert!(text.contains("tagged #health"), "{ask}: {text}");
        assert!(text.contains("Take the vitamins #health"), "{ask}: {text}");
        assert!(text.contains("Book dentist appointment"), "{ask}: {text}");
        assert!(!text.contains("Write report"), "{ask}: {text}");
        assert!(!text.contains("Bob"), "{ask}: another user's task: {text}");
    }
    let reply = app.say("alice", None, "what's on my garden list?").await;
    assert!(
        response(&reply).contains("no tasks tagged #garden"),
        "{reply}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn an_undo_puts_the_tags_back(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let _worker = app.spawn_worker();
    let task = app
        .create_task("alice", json!({"title": "Pay rent", "tags": ["home"]}))
        .await;
    let reply = app
        .say(
            "alice",
            None,
            &format!("tag task {} as money and urgent", task["id"]),
        )
        .await;
    assert_eq!(
        tags_of(&pool, "Pay rent").await,
        ["home", "money", "urgent"],
        "{reply}"
    );
    let conversation = reply["conversation_id"].as_str().expect("conversation");
    let undone = app.say("alice", Some(conversation), "undo that").await;
    assert!(response(&undone).starts_with("Undone"), "{undone}");
    assert_eq!(tags_of(&pool, "Pay rent").await, ["home"]);
    // A deleted task comes back with its tags.
    let reply = app
        .say("alice", None, &format!("delete task {}", task["id"]))
        .await;
    let conversation = reply["conversation_id"].as_str().expect("conversation");
    app.say("alice", Some(conversation), "undo").await;
    assert_eq!(tags_of(&pool, "Pay rent").await, ["home"]);
}
