//! The task REST API contract: create, read, update, toggle, delete, list with filters,
//! sorting and pagination, and user isolation on every endpoint.

use reqwest::Method;
use serde_json::{Value, json};
use sqlx::PgPool;
use taskwire_tests::{assert_error, spawn_app};

fn assert_rfc3339_utc(value: &Value, what: &str) {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("{what} is a string: {value}"));
    let parsed = chrono::DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{what} is RFC 3339 ({text}): {e}"));
    assert_eq!(
        parsed.offset().local_minus_utc(),
        0,
        "{what} is UTC: {text}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn creating_a_task_returns_201_with_the_full_task(pool: PgPool) {
    let app = spawn_app(pool).await;
    let resp = app
        .request(Method::POST, "alice", "/api/alice/tasks")
        .json(&json!({
            "title": "  Renew passport  ",
            "description": "Bring two photos",
            "priority": "high",
            "due_date": "2026-11-27T17:00:00Z"
        }))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 201);
    let location = resp.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let task: Value = resp.json().await.expect("json");
    assert!(
        task["id"].as_i64().is_some_and(|id| id > 0),
        "integer id: {task}"
    );
    assert_eq!(location, format!("/api/alice/tasks/{}", task["id"]));
    assert_eq!(task["title"], "Renew passport", "title is trimmed");
    assert_eq!(task["description"], "Bring two photos");
    assert_eq!(task["completed"], false);
    assert_eq!(task["priority"], "high");
    let due = chrono::DateTime::parse_from_rfc3339(task["due_date"].as_str().expect("due"))
        .expect("rfc3339");
    assert_eq!(due.to_rfc3339(), "2026-11-27T17:00:00+00:00");
    for field in ["due_date", "created_at", "updated_at"] {
        assert_rfc3339_utc(&task[field], field);
    }
    let keys: Vec<&String> = task.as_object().expect("object").keys().collect();
    assert_eq!(
        keys,
        [
            "completed",
            "created_at",
            "description",
            "due_date",
            "id",
            "previous_id",
            "priority",
            "repeat",
            "repeat_text",
            "tags",
            "title",
            "updated_at"
        ],
        "exactly the documented fields"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_minimal_task_gets_defaults(pool: PgPool) {
    let app = spawn_app(pool).await;
    let task = app.create_task("alice", json!({"title": "Buy milk"})).await;
    assert_eq!(task["priority"], "medium");
    assert_eq!(task["description"], Value::Null);
    assert_eq!(task["due_date"], Value::Null);
    assert_eq!(task["completed"], false);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_created_task_can_be_read_back(pool: PgPool) {
    let app = spawn_app(pool).await;
    let created = app
        .create_task("alice", json!({"title": "Read back"}))
        .await;
    let resp = app
        .request(
            Method::GET,
            "alice",
            &format!("/api/alice/tasks/{}", created["id"]),
        )
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<Value>().await.expect("json"), created);
}

#[sqlx::test(migrations = "../migrations")]
async fn update_changes_only_the_given_fields(pool: PgPool) {
    let app = spawn_app(pool).await;
    let created = app
        .create_task(
            "alice",
            json!({"title": "Report", "description": "Q3", "due_date": "2026-12-01T09:00:00Z"}),
        )
        .await;
    let path = format!("/api/alice/tasks/{}", created["id"]);

    let resp = app
        .request(Method::PUT, "alice", &path)
        .json(&json!({"priority": "high"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 200);
    let updated: Value = resp.json().await.expect("json");
    assert_eq!(updated["priority"], "high");
    assert_eq!(updated["title"], "Report", "title untouched");
    assert_eq!(updated["description"], "Q3", "description untouched");
    assert_eq!(
        updated["due_date"], created["due_date"],
        "due date untouched"
    );
    assert_eq!(updated["created_at"], created["created_at"]);
    assert_ne!(
        updated["updated_at"], created["updated_at"],
        "updated_at moves"
    );

    let resp = app
        .request(Method::PUT, "alice", &path)
        .json(&json!({"description": null, "due_date": null, "title": "Quarterly report", "completed": true}))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 200);
    let cleared: Value = resp.json().await.expect("json");
    assert_eq!(
        cleared["description"],
        Value::Null,
        "null clears the description"
    );
    assert_eq!(cleared["due_date"], Value::Null, "null clears the due date");
    assert_eq!(cleared["title"], "Quarterly report");
    assert_eq!(cleared["completed"], true);
    assert_eq!(cleared["priority"], "high", "priority kept");
}

#[sqlx::test(migrations = "../migrations")]
async fn toggling_completion_flips_it_each_time(pool: PgPool) {
    let app = spawn_app(pool).await;
    let created = app
        .create_task("alice", json!({"title": "Toggle me"}))
        .await;
    let path = format!("/api/alice/tasks/{}/complete", created["id"]);
    for expected in [true, false, true] {
        let resp = app
            .request(Method::PATCH, "alice", &path)
            .send()
            .await
            .expect("sent");
        assert_eq!(resp.status(), 200);
        let task: Value = resp.json().await.expect("json");
        assert_eq!(task["completed"], expected);
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn deleting_a_task_returns_204_and_it_is_gone(pool: PgPool) {
    let app = spawn_app(pool).await;
    let created = app
        .create_task("alice", json!({"title": "Delete me"}))
        .await;
    let path = format!("/api/alice/tasks/{}", created["id"]);
    let resp = app
        .request(Method::DELETE, "alice", &path)
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 204);
    assert_eq!(
        resp.bytes().await.expect("body").len(),
        0,
        "204 has no body"
    );
    let resp = app
        .request(Method::GET, "alice", &path)
        .send()
        .await
        .expect("sent");
    assert_error(resp, 404, "not_found", "read after delete").await;
    let resp = app
        .request(Method::DELETE, "alice", &path)
        .send()
        .await
        .expect("sent");
    assert_error(resp, 404, "not_found", "second delete").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn missing_tasks_are_404_on_every_endpoint(pool: PgPool) {
    let app = spawn_app(pool).await;
    for (method, path, body) in [
        (Method::GET, "/api/alice/tasks/999999", None),
        (
            Method::PUT,
            "/api/alice/tasks/999999",
            Some(json!({"title": "x"})),
        ),
        (Method::DELETE, "/api/alice/tasks/999999", None),
        (Method::PATCH, "/api/alice/tasks/999999/complete", None),
        (Method::GET, "/api/alice/tasks/0", None),
        (Method::GET, "/api/alice/tasks/-5", None),
        (Method::GET, "/api/alice/tasks/9223372036854775807", None),
    ] {
        let mut req = app.request(method.clone(), "alice", path);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("sent");
        assert_error(resp, 404, "not_found", &format!("{method} {path}")).await;
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn another_users_tasks_are_invisible_on_every_endpoint(pool: PgPool) {
    let app = spawn_app(pool).await;
    let alices = app
        .create_task(
            "alice",
            json!({"title": "Alice's secret", "priority": "high"}),
        )
        .await;
    let id = alices["id"].as_i64().expect("id");

    // Bob, with his own valid token, addressing Alice's task through his own path: 404.
    for (method, path, body) in [
        (Method::GET, format!("/api/bob/tasks/{id}"), None),
        (
            Method::PUT,
            format!("/api/bob/tasks/{id}"),
            Some(json!({"title": "pwned"})),
        ),
        (Method::PATCH, format!("/api/bob/tasks/{id}/complete"), None),
        (Method::DELETE, format!("/api/bob/tasks/{id}"), None),
    ] {
        let mut req = app.request(method.clone(), "bob", &path);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let message = assert_error(
            req.send().await.expect("sent"),
            404,
            "not_found",
            &format!("{method} {path}"),
        )
        .await;
        assert!(!message.contains("alice"), "404 does not reveal the owner");
    }
    let (bobs, total) = app.list_tasks("bob", "q=secret").await;
    assert!(
        bobs.is_empty() && total == 0,
        "bob's list shows none of alice's tasks"
    );

    // Bob's token on Alice's path: 403 on every endpoint, even for tasks that exist.
    for (method, path) in [
        (Method::GET, "/api/alice/tasks".to_owned()),
        (Method::POST, "/api/alice/tasks".to_owned()),
        (Method::GET, format!("/api/alice/tasks/{id}")),
        (Method::PUT, format!("/api/alice/tasks/{id}")),
        (Method::PATCH, format!("/api/alice/tasks/{id}/complete")),
        (Method::DELETE, format!("/api/alice/tasks/{id}")),
    ] {
        let mut req = app.request(method.clone(), "bob", &path);
        if matches!(method, Method::POST | Method::PUT) {
            req = req.json(&json!({"title": "pwned"}));
        }
        assert_error(
            req.send().await.expect("sent"),
            403,
            "forbidden",
            &format!("{method} {path}"),
        )
        .await;
    }

    // Alice's task is untouched.
    let resp = app
        .request(Method::GET, "alice", &format!("/api/alice/tasks/{id}"))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.json::<Value>().await.expect("json"), alices);
    let (alice_tasks, _) = app.list_tasks("alice", "").await;
    assert_eq!(alice_tasks.len(), 1);
}
