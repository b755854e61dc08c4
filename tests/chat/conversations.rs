//! Conversations: continuing one (history rebuilt from Postgres), listing, reading,
//! deleting, and another user shut out of all of it.

use reqwest::Method;
use serde_json::json;
use sqlx::PgPool;
use taskwire_tests::{assert_error, spawn_app};

#[sqlx::test(migrations = "../migrations")]
async fn a_conversation_keeps_its_turns_in_order(pool: PgPool) {
    let app = spawn_app(pool).await;
    let _worker = app.spawn_worker();
    let first = app.say("alice", None, "add buy milk").await;
    let conversation = first["conversation_id"].as_str().expect("id").to_owned();
    let second = app
        .say("alice", Some(&conversation), "what's on my list?")
        .await;
    assert_eq!(second["conversation_id"], conversation.as_str());
    assert!(
        second["response"].as_str().expect("text").contains("milk"),
        "{second}"
    );

    let conversations = app.get_json("alice", "/api/alice/conversations").await;
    let list = conversations.as_array().expect("array");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"], conversation.as_str());
    assert_eq!(
        list[0]["title"], "add buy milk",
        "titled by the first message"
    );

    let messages = app
        .get_json(
            "alice",
            &format!("/api/alice/conversations/{conversation}/messages"),
        )
        .await;
    let roles: Vec<&str> = messages
        .as_array()
        .expect("array")
        .iter()
        .map(|m| m["role"].as_str().expect("role"))
        .collect();
    assert_eq!(roles, ["user", "assistant", "user", "assistant"]);
    assert_eq!(messages[0]["content"], "add buy milk");
    assert_eq!(messages[1]["id"], first["message_id"]);
    assert_eq!(
        messages[1]["tool_calls"][0]["tool"], "add_task",
        "the reply keeps its tool calls"
    );
    assert_eq!(messages[3]["content"], second["response"]);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_next_turn_sees_the_earlier_ones(pool: PgPool) {
    let app = spawn_app(pool).await;
    let _worker = app.spawn_worker();
    let first = app.say("alice", None, "add write the report").await;
    let conversation = first["conversation_id"].as_str().expect("id").to_owned();
    // "it" only makes sense with the history: the builtin model resolves it from the
    // earlier turn, which the worker rebuilt from Postgres.
    let second = app
        .say("alice", Some(&conversation), "mark it as done")
        .await;
    assert_eq!(second["tool_calls"][0]["tool"], "complete_task", "{second}");
    let (tasks, _) = app.list_tasks("alice", "status=completed").await;
    assert_eq!(tasks.len(), 1, "the report is done");
}

#[sqlx::test(migrations = "../migrations")]
async fn deleting_a_conversation_removes_its_messages_and_jobs(pool: PgPool) {
    let app = spawn_app(pool).await;
    let _worker = app.spawn_worker();
    let reply = app.say("alice", None, "add buy bread").await;
    let conversation = reply["conversation_id"].as_str().expect("id");
    let job = reply["job_id"].as_str().expect("job");
    let resp = app
        .request(
            Method::DELETE,
            "alice",
            &format!("/api/alice/conversations/{conversation}"),
        )
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 204);
    for path in [
        format!("/api/alice/conversations/{conversation}/messages"),
        format!("/api/alice/jobs/{job}"),
    ] {
        let resp = app
            .request(Method::GET, "alice", &path)
            .send()
            .await
            .expect("sent");
        assert_error(resp, 404, "not_found", &path).await;
    }
    let left: (i64, i64) =
        sqlx::query_as("select (select count(*) from messages), (select count(*) from chat_jobs)")
            .fetch_one(&app.pool)
            .await
            .expect("counts");
    assert_eq!(left, (0, 0), "messages and jobs cascade");
    let (tasks, _) = app.list_tasks("alice", "").await;
    assert_eq!(
        tasks.len(),
        1,
        "tasks stay: they are not part of the conversation"
    );
    let resp = app
        .request(
            Method::DELETE,
            "alice",
            &format!("/api/alice/conversations/{conversation}"),
        )
        .send()
        .await
        .expect("sent");
    assert_error(resp, 404, "not_found", "second delete").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn another_user_is_shut_out_of_every_conversation_endpoint(pool: PgPool) {
    let app = spawn_app(pool).await;
    let _worker = app.spawn_worker();
    let reply = app.say("alice", None, "add alice's secret plan").await;
    let conversation = reply["conversation_id"].as_str().expect("id");
    let job = reply["job_id"].as_str().expect("job");

    // Bob on his own paths, naming Alice's ids: 404, as if they did not exist.
    let not_found = [
        (
            Method::GET,
            format!("/api/bob/conversations/{conversation}/messages"),
            None,
        ),
        (
            Method::DELETE,
            format!("/api/bob/conversations/{conversation}"),
            None,
        ),
        (Method::GET, format!("/api/bob/jobs/{job}"), None),
        (Method::GET, format!("/api/bob/jobs/{job}/events"), None),
        (
            Method::POST,
            "/api/bob/chat".to_owned(),
            Some(json!({"conversation_id": conversation, "message": "delete everything"})),
        ),
        (
            Method::POST,
            "/api/bob/chat/stream".to_owned(),
            Some(json!({"conversation_id": conversation, "message": "hi"})),
        ),
    ];
    for (method, path, body) in not_found {
        let mut req = app.request(method.clone(), "bob", &path);
        if let Some(body) = body {
            req = req.json(&body);
        }
        assert_error(
            req.send().await.expect("sent"),
            404,
            "not_found",
            &format!("{method} {path}"),
        )
        .await;
    }
    let bobs = app.get_json("bob", "/api/bob/conversations").await;
    assert_eq!(bobs, json!([]), "bob lists none of alice's conversations");

    // Bob's token on Alice's paths: 403.
    for (method, path) in [
        (Method::GET, "/api/alice/conversations".to_owned()),
        (
            Method::GET,
            format!("/api/alice/conversations/{conversation}/messages"),
        ),
        (
            Method::DELETE,
            format!("/api/alice/conversations/{conversation}"),
        ),
        (Method::GET, format!("/api/alice/jobs/{job}")),
        (Method::GET, format!("/api/alice/jobs/{job}/events")),
        (Method::POST, "/api/alice/chat".to_owned()),
        (Method::POST, "/api/alice/chat/stream".to_owned()),
    ] {
        let mut req = app.request(method.clone(), "bob", &path);
        if method == Method::POST {
            req = req.json(&json!({"message": "hi"}));
        }
        assert_error(
            req.send().await.expect("sent"),
            403,
            "forbidden",
            &format!("{method} {path}"),
        )
        .await;
    }

    // Alice's conversation is intact.
    let messages = app
        .get_json(
            "alice",
            &format!("/api/alice/conversations/{conversation}/messages"),
        )
        .await;
    assert_eq!(messages.as_array().map(Vec::len), Some(2));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_model_told_to_touch_another_users_tasks_only_reaches_its_own(pool: PgPool) {
    let app = spawn_app(pool).await;
    let _worker = app.spawn_worker();
    let bobs = app.create_task("bob", json!({"title": "Bob's task"})).await;
    let id = bobs["id"].as_i64().expect("id");
    let reply = app.say("alice", None, &format!("delete task {id}")).await;
    assert_eq!(reply["tool_calls"][0]["tool"], "delete_task", "{reply}");
    assert_eq!(
        reply["tool_calls"][0]["result"]["error"], "task_not_found",
        "{reply}"
    );
    let (tasks, _) = app.list_tasks("bob", "").await;
    assert_eq!(tasks.len(), 1, "bob's task survives");
}
