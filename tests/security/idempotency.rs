//! A message sent again is not a second turn (finding 13): a client names its message with a
//! `message_id`, and sending that id again answers with the first one's job.

use reqwest::Method;
use serde_json::json;
use sqlx::PgPool;
use taskwire_tests::{assert_error, spawn_app};
use uuid::Uuid;

#[sqlx::test(migrations = "../migrations")]
async fn a_message_sent_again_is_answered_once(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let _worker = app.spawn_worker();
    let id = Uuid::now_v7();
    let body = json!({"message": "add buy milk", "message_id": id});
    let post = |body: serde_json::Value| {
        app.request(Method::POST, "alice", "/api/alice/chat")
            .json(&body)
            .send()
    };
    let first: serde_json::Value = post(body.clone())
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON");
    let again = post(body.clone()).await.expect("sent");
    assert_eq!(again.status(), 200);
    let again: serde_json::Value = again.json().await.expect("JSON");
    assert_eq!(again["job_id"], first["job_id"], "the same turn");
    assert_eq!(again["response"], first["response"]);

    // Streamed, the retry replays the same turn's events.
    let events = app.chat_stream("alice", body).await;
    assert_eq!(events[0].data["job_id"], first["job_id"]);
    assert_eq!(events.last().map(|e| e.event.as_str()), Some("done"));

    let (_, tasks) = app.list_tasks("alice", "").await;
    assert_eq!(tasks, 1, "one task, not three");
    let prompts: i64 = sqlx::query_scalar("select count(*) from messages where role = 'user'")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(prompts, 1);

    // Another user cannot take (or read through) the id.
    let theirs = app
        .request(Method::POST, "bob", "/api/bob/chat")
        .json(&json!({"message": "add buy milk", "message_id": id}))
        .send()
        .await
        .expect("sent");
    assert_error(theirs, 409, "conflict", "another user's message id").await;
}
