//! Undo: "undo", "put it back" in chat, and `POST /api/{user_id}/jobs/{job_id}/undo`, revert
//! every change of a turn from the change log, exactly: whole rows compared.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use sqlx::PgPool;
use taskwire_tests::{TestApp, assert_error, spawn_app, spawn_app_with};

/// Every task of `user`, whole rows (every column), in id order.
async fn rows(pool: &PgPool, user: &str) -> Vec<Value> {
    sqlx::query_scalar("select to_jsonb(t) from tasks t where user_id = $1 order by id")
        .bind(user)
        .fetch_all(pool)
        .await
        .expect("rows")
}

/// Tasks for alice: "Pay rent" (open), "Buy milk" (done), "Walk the dog" (done); their ids.
async fn seed(app: &TestApp) -> [i64; 3] {
    let mut ids = [0; 3];
    for (i, (title, done)) in [
        ("Pay rent", false),
        ("Buy milk", true),
        ("Walk the dog", true),
    ]
    .into_iter()
    .enumerate()
    {
        let task = app.create_task("alice", json!({"title": title})).await;
        ids[i] = task["id"].as_i64().expect("id");
        if done {
            let resp = app
                .request(
                    Method::PATCH,
                    "alice",
                    &format!("/api/alice/tasks/{}/complete", ids[i]),
                )
                .send()
                .await
                .expect("sent");
            assert_eq!(resp.status(), 200);
        }
    }
    ids
}

async fn undo_over_rest(app: &TestApp, path: &str) -> Value {
    let resp = app
        .request(Method::POST, "alice", path)
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 200, "POST {path}");
    resp.json().await.expect("JSON")
}

fn response(reply: &Value) -> &str {
    reply["response"].as_str().unwrap_or_default()
}

#[sqlx::test(migrations = "../migrations")]
async fn undo_in_chat_restores_exactly_the_rows_each_kind_of_turn_changed(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let _worker = app.spawn_worker();
    let [rent, _, _] = seed(&app).await;
    let before = rows(&pool, "alice").await;
    let turns = [
        "add call mom tomorrow".to_owned(),
        format!("mark task {rent} as done"),
        format!("move task {rent} to friday and make it urgent"),
        format!("delete task {rent}"),
        "delete everything I finished".to_owned(),
    ];
    for say in turns {
        let reply = app.say("alice", None, &say).await;
        let conversation = reply["conversation_id"].as_str().expect("conversation");
        assert_ne!(
            rows(&pool, "alice").await,
            before,
            "{say:?} changed something"
        );
        let undone = app.say("alice", Some(conversation), "undo that").await;
        assert!(
            response(&undone).starts_with("Undone: I "),
            "{say:?}: {undone}"
        );
        assert_eq!(
            rows(&pool, "alice").await,
            before,
            "{say:?} then undo: the same rows, ids, dates and all"
        );
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_task_changed_after_the_turn_is_left_alone_and_the_answer_says_so(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let _worker = app.spawn_worker();
    let [rent, milk, walk] = seed(&app).await;
    let reply = app.say("alice", None, "delete everything I finished").await;
    let conversation = reply["conversation_id"].as_str().expect("conversation");
    let rent_path = format!("/api/alice/tasks/{rent}");
    let renamed = app
        .request(Method::PUT, "alice", &rent_path)
        .json(&json!({"title": "Pay the rent"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(renamed.status(), 200);
    let reply = app
        .say(
            "alice",
            Some(conversation),
            &format!("mark task {rent} as done"),
        )
        .await;
    assert!(response(&reply).contains("marked"), "{reply}");
    // Someone reopens it by hand before the undo.
    let reopened = app
        .request(Method::PATCH, "alice", &format!("{rent_path}/complete"))
        .send()
        .await
        .expect("sent");
    assert_eq!(reopened.status(), 200);
    let after_edit = rows(&pool, "alice").await;

    let undone = app.say("alice", Some(conversation), "undo").await;
    assert_eq!(
        response(&undone),
        format!(
            "I didn't change anything: I left “Pay the rent” (#{rent}) alone: it has changed since."
        ),
    );
    assert_eq!(rows(&pool, "alice").await, after_edit, "nothing touched");
    // The undo skipped nothing of the earlier turn: "undo" again brings back the two.
    let again = app.say("alice", Some(conversation), "put them back").await;
    let text = response(&again);
    for id in [milk, walk] {
        assert!(text.contains(&format!("(#{id})")), "{text}");
    }
    let titles: Vec<Value> = rows(&pool, "alice")
        .await
        .iter()
        .map(|r| r["title"].clone())
        .collect();
    assert_eq!(
        titles,
        [
            json!("Pay the rent"),
            json!("Buy milk"),
            json!("Walk the dog")
        ]
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn undoing_twice_does_nothing_and_redo_undoes_the_undo(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let _worker = app.spawn_worker();
    let [rent, _, _] = seed(&app).await;
    let before = rows(&pool, "alice").await;
    let reply = app.say("alice", None, &format!("delete task {rent}")).await;
    let conversation = reply["conversation_id"].as_str().expect("conversation");
    let deleted = rows(&pool, "alice").await;
    app.say("alice", Some(conversation), "undo").await;
    assert_eq!(rows(&pool, "alice").await, before);
    let again = app.say("alice", Some(conversation), "undo").await;
    assert!(
        response(&again).starts_with("There's nothing to undo"),
        "{again}"
    );
    assert_eq!(
        rows(&pool, "alice").await,
        before,
        "the second undo changed nothing"
    );
    let redone = app.say("alice", Some(conversation), "redo").await;
    assert_eq!(
        response(&redone),
        format!("Redone: I removed “Pay rent” (#{rent}).")
    );
    assert_eq!(rows(&pool, "alice").await, deleted);
    // A redo is a change like any other: "undo" reverts it.
    let undone = app.say("alice", Some(conversation), "undo").await;
    assert!(response(&undone).starts_with("Undone"), "{undone}");
    assert_eq!(rows(&pool, "alice").await, before);
}

#[sqlx::test(migrations = "../migrations")]
async fn undo_over_rest_reverts_a_job_once_and_only_the_users_own(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let _worker = app.spawn_worker();
    let [rent, _, _] = seed(&app).await;
    let before = rows(&pool, "alice").await;
    let reply = app.say("alice", None, &format!("delete task {rent}")).await;
    let job = reply["job_id"].as_str().expect("job");
    let path = format!("/api/alice/jobs/{job}/undo");

    let first = undo_over_rest(&app, &path).await;
    assert_eq!(
        first,
        json!({"undone_job_id": job, "items": [{"task_id": rent, "title": "Pay rent", "result": "restored"}]})
    );
    assert_eq!(rows(&pool, "alice").await, before);
    let second = undo_over_rest(&app, &path).await;
    assert_eq!(
        second["items"],
        json!([]),
        "undoing twice does nothing more"
    );
    assert_eq!(rows(&pool, "alice").await, before);

    // The history shows the delete undone, and the restore as the undo's.
    let history = app
        .get_json("alice", &format!("/api/alice/tasks/{rent}/history"))
        .await;
    let last_two: Vec<(Value, Value, Value)> = history
        .as_array()
        .expect("changes")
        .iter()
        .rev()
        .take(2)
        .map(|c| {
            (
                c["action"].clone(),
                c["undone"].clone(),
                c["undo_of"].clone(),
            )
        })
        .collect();
    assert_eq!(
        last_two,
        [
            (json!("created"), json!(false), json!(job)),
            (json!("deleted"), json!(true), Value::Null),
        ]
    );

    let bobs = app
        .request(Method::POST, "bob", &format!("/api/bob/jobs/{job}/undo"))
        .send()
        .await
        .expect("sent");
    assert_error(bobs, 404, "not_found", "another user's job").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_turn_not_answered_yet_cannot_be_undone(pool: PgPool) {
    // No worker: the job stays queued.
    let app = spawn_app_with(pool, |c| c.chat_wait = Duration::from_millis(10)).await;
    let (_, accepted) = app.chat("alice", None, "add buy milk").await;
    let job = accepted["job_id"].as_str().expect("job");
    let resp = app
        .request(
            Method::POST,
            "alice",
            &format!("/api/alice/jobs/{job}/undo"),
        )
        .send()
        .await
        .expect("sent");
    assert_error(resp, 409, "conflict", "a queued job").await;
}
