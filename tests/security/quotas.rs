//! Quotas on stored data (finding 7): task changes per user are rate-limited, a list holds a
//! bounded number of tasks whichever way they are added, and the event stream's store is
//! bounded.

use common::{
    domain::{UserId, task::MAX_TASKS_PER_USER},
    jobs::{EVENTS_STREAM, streams::EVENTS_MAX_BYTES},
};
use reqwest::Method;
use serde_json::json;
use sqlx::PgPool;
use taskwire_tests::{assert_error, spawn_app, spawn_app_with, utc_caller};

#[sqlx::test(migrations = "../migrations")]
async fn task_changes_are_rate_limited_per_user(pool: PgPool) {
    let app = spawn_app_with(pool, |c| c.task_writes_per_minute = 5).await;
    for n in 0..5 {
        app.create_task("alice", json!({"title": format!("Task {n}")}))
            .await;
    }
    let sixth = app
        .request(Method::POST, "alice", "/api/alice/tasks")
        .json(&json!({"title": "One too many"}))
        .send()
        .await
        .expect("sent");
    assert_error(sixth, 429, "too_many_requests", "a sixth change").await;
    let (_, total) = app.list_tasks("alice", "").await;
    assert_eq!(
        total, 5,
        "reads are not limited, and nothing more was added"
    );
    app.create_task("bob", json!({"title": "Bob's own budget"}))
        .await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_list_holds_a_bounded_number_of_tasks(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    sqlx::query(
        "insert into tasks (user_id, title) select 'alice', 'Task ' || n from generate_series(1, $1) n",
    )
    .bind(MAX_TASKS_PER_USER - 1)
    .execute(&pool)
    .await
    .expect("seeded");
    app.create_task("alice", json!({"title": "The last one that fits"}))
        .await;
    let over = app
        .request(Method::POST, "alice", "/api/alice/tasks")
        .json(&json!({"title": "Over the quota"}))
        .send()
        .await
        .expect("sent");
    let message = assert_error(over, 422, "validation_failed", "over the quota").await;
    assert!(message.contains("at most"), "{message}");

    // The add tool (chat and MCP) is held to the same quota.
    let alice = UserId::parse("alice").expect("user");
    let outcome = common::tools::execute(
        &pool,
        utc_caller(&alice),
        "add_task",
        r#"{"title": "Via a tool"}"#,
    )
    .await
    .expect("ran");
    assert!(!outcome.ok);
    assert_eq!(outcome.result["error"], "task_limit");
    let count: i64 = sqlx::query_scalar("select count(*) from tasks where user_id = 'alice'")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(count, MAX_TASKS_PER_USER);
    app.create_task("bob", json!({"title": "Others are not affected"}))
        .await;
}

#[sqlx::test(migrations = "../migrations")]
async fn the_event_store_is_bounded(pool: PgPool) {
    let app = spawn_app(pool).await;
    let mut stream = app
        .jetstream()
        .await
        .get_stream(EVENTS_STREAM)
        .await
        .expect("event stream");
    let info = stream.info().await.expect("info");
    assert_eq!(info.config.max_bytes, EVENTS_MAX_BYTES);
}
