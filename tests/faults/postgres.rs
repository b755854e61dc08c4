//! Postgres restarted under the stack (a private server, so other tests are untouched): the
//! gateway answers 503 meanwhile, never 500, and a turn caught by the outage is retried with
//! back-off and finishes once, instead of failing.

use std::time::Duration;

use sqlx::postgres::PgPoolOptions;
use taskwire_tests::{assert_error, postgres::PgServer, spawn_app_with};

use crate::{assert_one_task_one_reply, eventually, start_slow_turn};

#[tokio::test]
async fn a_postgres_restart_gives_503s_and_turns_finish_once_it_is_back() {
    let pg = tokio::task::spawn_blocking(PgServer::start)
        .await
        .expect("postgres starts");
    let pool = PgPoolOptions::new()
        .max_connections(10)
        .acquire_timeout(Duration::from_secs(1))
        .connect(&pg.url())
        .await
        .expect("connects");
    common::db::migrate(&pool).await.expect("migrated");
    let app = spawn_app_with(pool, |c| c.chat_wait = Duration::from_millis(10)).await;
    let (_worker, job) = start_slow_turn(&app, Duration::from_millis(1500)).await;

    // The outage: the turn's model step is running; its tool call and commit will hit it.
    pg.stop();
    let resp = app
        .request(reqwest::Method::GET, "alice", "/api/alice/tasks")
        .send()
        .await
        .expect("sent");
    assert_error(
        resp,
        503,
        "service_unavailable",
        "tasks while Postgres is down",
    )
    .await;
    let resp = app
        .request(reqwest::Method::POST, "alice", "/api/alice/chat")
        .json(&serde_json::json!({"message": "hello"}))
        .send()
        .await
        .expect("sent");
    assert_error(
        resp,
        503,
        "service_unavailable",
        "chat while Postgres is down",
    )
    .await;
    let ready = app.http.get(app.url("/readyz")).send().await.expect("sent");
    assert_eq!(ready.status(), 503);
    tokio::time::sleep(Duration::from_secs(2)).await; // the outage lasts a while
    pg.start_again();

    eventually("the turn finished after the outage", || async {
        sqlx::query_scalar::<_, String>("select status from chat_jobs where id = $1::uuid")
            .bind(&job)
            .fetch_one(&app.pool)
            .await
            .is_ok_and(|s| s == "succeeded")
    })
    .await;
    assert_one_task_one_reply(&app.pool).await;
    let resp = app
        .request(reqwest::Method::GET, "alice", "/api/alice/tasks")
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 200, "the gateway recovers by itself");
}
