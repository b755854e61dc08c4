//! `GET /api/{user_id}/tasks/{task_id}/history`: every change of a task, in order, with the
//! task's fields before and after and what made it, recorded in the statement of the change.

use reqwest::Method;
use serde_json::{Value, json};
use sqlx::PgPool;
use taskwire_tests::{TestApp, assert_error, spawn_app, total_count};

async fn history(app: &TestApp, user: &str, task: i64, query: &str) -> (Vec<Value>, i64) {
    let resp = app
        .request(
            Method::GET,
            user,
            &format!("/api/{user}/tasks/{task}/history{query}"),
        )
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 200, "history of {task}");
    let total = total_count(&resp);
    (resp.json().await.expect("JSON"), total)
}

fn actions(changes: &[Value]) -> Vec<&str> {
    changes
        .iter()
        .filter_map(|c| c["action"].as_str())
        .collect()
}

async fn send(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> u16 {
    let mut request = app.request(method, "alice", path);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.expect("sent").status().as_u16()
}

#[sqlx::test(migrations = "../migrations")]
async fn every_rest_change_is_listed_with_its_fields_before_and_after(pool: PgPool) {
    let app = spawn_app(pool).await;
    let task = app
        .create_task("alice", json!({"title": "Pay rent", "priority": "low"}))
        .await;
    let id = task["id"].as_i64().expect("id");
    let path = format!("/api/alice/tasks/{id}");
    let renamed = json!({"title": "Pay the rent", "priority": "high"});
    assert_eq!(send(&app, Method::PUT, &path, Some(renamed)).await, 200);
    let toggle = format!("{path}/complete");
    assert_eq!(send(&app, Method::PATCH, &toggle, None).await, 200);
    assert_eq!(send(&app, Method::PATCH, &toggle, None).await, 200);
    // A change that changes nothing is not one.
    let same = json!({"title": "Pay the rent"});
    assert_eq!(send(&app, Method::PUT, &path, Some(same)).await, 200);
    assert_eq!(send(&app, Method::DELETE, &path, None).await, 204);

    let (changes, total) = history(&app, "alice", id, "").await;
    assert_eq!(
        actions(&changes),
        ["created", "updated", "completed", "reopened", "deleted"]
    );
    assert_eq!(total, 5);
    assert!(
        changes.iter().all(|c| c["source"] == "rest"),
        "{changes:#?}"
    );
    assert!(
        changes
            .iter()
            .all(|c| c["job_id"].is_null() && c["undone"] == false)
    );
    assert_eq!(
        changes[1]["changes"],
        json!([
            {"field": "title", "before": "Pay rent", "after": "Pay the rent"},
            {"field": "priority", "before": "low", "after": "high"},
        ])
    );
    assert_eq!(
        changes[2]["changes"],
        json!([{"field": "completed", "before": false, "after": true}])
    );
    let deleted = &changes[4]["changes"];
    assert!(
        deleted
            .as_array()
            .expect("fields")
            .iter()
            .any(|f| f["field"] == "title"
                && f["before"] == "Pay the rent"
                && f["after"].is_null()),
        "{deleted}"
    );
    let ids: Vec<i64> = changes.iter().filter_map(|c| c["id"].as_i64()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "oldest first: {ids:?}");

    let (page, total) = history(&app, "alice", id, "?limit=2&offset=1").await;
    assert_eq!(actions(&page), ["updated", "completed"]);
    assert_eq!(total, 5);
    let (past, total) = history(&app, "alice", id, "?offset=10").await;
    assert!(past.is_empty());
    assert_eq!(total, 5);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_chat_turn_is_named_with_its_job_and_conversation(pool: PgPool) {
    let app = spawn_app(pool).await;
    let _worker = app.spawn_worker();
    let reply = app.say("alice", None, "add buy milk").await;
    let (tasks, _) = app.list_tasks("alice", "").await;
    let id = tasks[0]["id"].as_i64().expect("the task the turn added");
    let path = format!("/api/alice/tasks/{id}");
    let note = json!({"description": "2 litres"});
    assert_eq!(send(&app, Method::PUT, &path, Some(note)).await, 200);

    let (changes, _) = history(&app, "alice", id, "").await;
    assert_eq!(actions(&changes), ["created", "updated"]);
    assert_eq!(changes[0]["source"], "chat");
    assert_eq!(changes[0]["job_id"], reply["job_id"]);
    assert_eq!(changes[0]["conversation_id"], reply["conversation_id"]);
    assert_eq!(changes[1]["source"], "rest");
    assert!(changes[1]["conversation_id"].is_null());
}

#[sqlx::test(migrations = "../migrations")]
async fn another_users_task_and_a_task_never_made_are_not_found(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let bobs = app.create_task("bob", json!({"title": "Bob's"})).await;
    let bobs = bobs["id"].as_i64().expect("id");
    for (task, what) in [(bobs, "bob's task"), (bobs + 1000, "no task")] {
        let resp = app
            .request(
                Method::GET,
                "alice",
                &format!("/api/alice/tasks/{task}/history"),
            )
            .send()
            .await
            .expect("sent");
        assert_error(resp, 404, "not_found", what).await;
    }
    // A task made before changes were recorded has a history with nothing in it yet.
    sqlx::query("alter table tasks disable trigger tasks_record_changes")
        .execute(&pool)
        .await
        .expect("trigger off");
    let old = app.create_task("alice", json!({"title": "Old"})).await;
    sqlx::query("alter table tasks enable trigger tasks_record_changes")
        .execute(&pool)
        .await
        .expect("trigger on");
    let (changes, total) = history(&app, "alice", old["id"].as_i64().expect("id"), "").await;
    assert!(changes.is_empty());
    assert_eq!(total, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_change_made_outside_taskwire_is_recorded_as_such(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let task = app.create_task("alice", json!({"title": "Pay rent"})).await;
    let id = task["id"].as_i64().expect("id");
    sqlx::query("update tasks set priority = 'high' where id = $1")
        .bind(id)
        .execute(&pool)
        .await
        .expect("a hand-made update");
    let (changes, _) = history(&app, "alice", id, "").await;
    assert_eq!(changes[1]["source"], "database");
    assert_eq!(
        changes[1]["changes"],
        json!([{"field": "priority", "before": "medium", "after": "high"}])
    );
}
