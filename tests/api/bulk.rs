//! `POST /api/{user_id}/tasks/bulk`: one action on many tasks, each task on its own, never
//! another user's.

use reqwest::Method;
use serde_json::{Value, json};
use sqlx::PgPool;
use taskwire_tests::{TestApp, assert_error, spawn_app};

async fn bulk(app: &TestApp, user: &str, body: Value) -> reqwest::Response {
    app.request(Method::POST, user, &format!("/api/{user}/tasks/bulk"))
        .json(&body)
        .send()
        .await
        .expect("sent")
}

async fn ids(app: &TestApp, user: &str, titles: &[&str]) -> Vec<i64> {
    let mut ids = Vec::new();
    for title in titles {
        let task = app.create_task(user, json!({"title": title})).await;
        ids.push(task["id"].as_i64().expect("id"));
    }
    ids
}

#[sqlx::test(migrations = "../migrations")]
async fn each_task_succeeds_or_is_reported_on_its_own(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let mine = ids(&app, "alice", &["Milk", "Bread", "Eggs"]).await;
    let bobs = ids(&app, "bob", &["Bob's"]).await;
    let missing = bobs[0] + 1000;

    let resp = bulk(
        &app,
        "alice",
        json!({"action": "complete", "task_ids": [mine[0], mine[1], bobs[0], missing, mine[0]]}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("JSON");
    assert_eq!(
        body,
        json!({"status": "completed", "task_ids": [mine[0], mine[1]], "not_found": [bobs[0], missing]})
    );
    let (done, _) = app.list_tasks("alice", "status=completed").await;
    assert_eq!(done.len(), 2);
    let (bob, _) = app.list_tasks("bob", "").await;
    assert_eq!(bob[0]["completed"], false, "bob's task untouched");

    let resp = bulk(
        &app,
        "alice",
        json!({"action": "update", "task_ids": mine, "changes": {"priority": "high", "due_date": "2027-01-15"}}),
    )
    .await;
    let body: Value = resp.json().await.expect("JSON");
    assert_eq!(body["task_ids"], json!(mine));
    let (tasks, _) = app.list_tasks("alice", "priority=high").await;
    assert_eq!(tasks.len(), 3);
    assert!(tasks.iter().all(|t| {
        t["due_date"]
            .as_str()
            .is_some_and(|d| d.starts_with("2027-01-15"))
    }));

    let resp = bulk(
        &app,
        "alice",
        json!({"action": "delete", "task_ids": [mine[2], bobs[0]]}),
    )
    .await;
    let body: Value = resp.json().await.expect("JSON");
    assert_eq!(
        body,
        json!({"status": "deleted", "task_ids": [mine[2]], "not_found": [bobs[0]]})
    );
    assert_eq!(app.list_tasks("alice", "").await.1, 2);
    assert_eq!(app.list_tasks("bob", "").await.1, 1);
    // The REST API does not ask to confirm: its client does.
    let history = app
        .get_json("alice", &format!("/api/alice/tasks/{}/history", mine[2]))
        .await;
    assert_eq!(
        history.as_array().map(Vec::len),
        Some(3),
        "created, updated, deleted"
    );
    assert!(
        history
            .as_array()
            .expect("changes")
            .iter()
            .all(|c| c["source"] == "rest")
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn bad_bulk_requests_are_refused_clearly(pool: PgPool) {
    let app = spawn_app(pool).await;
    let many: Vec<i64> = (1..=101).collect();
    let cases = [
        (
            json!({"action": "complete", "task_ids": []}),
            400,
            "bad_request",
            "no ids",
        ),
        (
            json!({"action": "complete", "task_ids": many}),
            400,
            "bad_request",
            "101 ids",
        ),
        (
            json!({"action": "delete", "task_ids": ["x"]}),
            400,
            "bad_request",
            "not an id",
        ),
        (
            json!({"action": "archive", "task_ids": [1]}),
            400,
            "bad_request",
            "unknown action",
        ),
        (
            json!({"action": "update", "task_ids": [1]}),
            422,
            "validation_failed",
            "update without changes",
        ),
        (
            json!({"action": "update", "task_ids": [1], "changes": {}}),
            422,
            "validation_failed",
            "empty changes",
        ),
        (
            json!({"action": "update", "task_ids": [1], "changes": {"due_date": "when pigs fly"}}),
            422,
            "validation_failed",
            "a date that is not one",
        ),
        (
            json!({"action": "delete", "task_ids": [0]}),
            422,
            "validation_failed",
            "id zero",
        ),
    ];
    for (body, status, code, what) in cases {
        assert_error(bulk(&app, "alice", body).await, status, code, what).await;
    }
}
