//! `/mcp` by hand, for what a well-behaved client never sends: malformed JSON-RPC, unknown
//! methods and tools, huge arguments, NUL bytes, a legacy handshake with a made-up session.
//! Every one gets a JSON-RPC error or an `isError` result with a 4xx or 200 status, never a
//! 500.

use serde_json::{Value, json};
use sqlx::PgPool;
use taskwire_tests::spawn_app;

use crate::clients::{LIST, json_answer, mcp_url, post, rpc, tool_call};

fn text_of(message: &Value) -> &str {
    message["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("a text result in {message}"))
}

#[sqlx::test(migrations = "../migrations")]
async fn malformed_requests_get_json_rpc_errors_never_a_500(pool: PgPool) {
    let app = spawn_app(pool).await;
    let token = app.token("alice");
    let cases: [(&str, &str, &str, u16, i64, &str); 11] = [
        (
            "{",
            "application/json",
            "application/json, text/event-stream",
            400,
            -32700,
            "truncated JSON",
        ),
        (
            "{\"jsonrpc\":\"2.0\",\"id\":1,\u{0}\"method\":\"ping\"}",
            "application/json",
            "application/json, text/event-stream",
            400,
            -32700,
            "a raw NUL byte",
        ),
        (
            "\u{feff}\u{fffd}",
            "application/json",
            "application/json, text/event-stream",
            400,
            -32700,
            "not JSON at all",
        ),
        (
            "[]",
            "application/json",
            "application/json, text/event-stream",
            400,
            -32600,
            "an empty batch",
        ),
        (
            r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#,
            "application/json",
            "application/json, text/event-stream",
            400,
            -32600,
            "a batch",
        ),
        (
            r#""tools/list""#,
            "application/json",
            "application/json, text/event-stream",
            400,
            -32600,
            "a string",
        ),
        (
            r#"{"id":1,"method":"tools/list"}"#,
            "application/json",
            "application/json, text/event-stream",
            400,
            -32600,
            "no jsonrpc",
        ),
        (
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":"add_task"}"#,
            "application/json",
            "application/json, text/event-stream",
            400,
            -32602,
            "params a string",
        ),
        (
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add_task","arguments":[1]}}"#,
            "application/json",
            "application/json, text/event-stream",
            400,
            -32602,
            "arguments an array",
        ),
        (
            LIST,
            "text/plain",
            "application/json, text/event-stream",
            415,
            -32600,
            "wrong content type",
        ),
        (
            LIST,
            "application/json",
            "text/html",
            406,
            -32600,
            "wrong accept",
        ),
    ];
    for (body, content_type, accept, status, code, what) in cases {
        let resp = app
            .http
            .post(mcp_url(&app))
            .bearer_auth(&token)
            .header("content-type", content_type)
            .header("accept", accept)
            .body(body.to_owned())
            .send()
            .await
            .expect("sent");
        let (got, _, message) = json_answer(resp).await;
        assert_eq!(got, status, "{what}: {message}");
        assert_eq!(message["jsonrpc"], "2.0", "{what}");
        assert_eq!(message["error"]["code"], code, "{what}: {message}");
    }
    // GET and DELETE: stateless, POST only.
    for method in [reqwest::Method::GET, reqwest::Method::DELETE] {
        let resp = app
            .http
            .request(method.clone(), mcp_url(&app))
            .bearer_auth(&token)
            .header("accept", "text/event-stream")
            .send()
            .await
            .expect("sent");
        let (status, headers, message) = json_answer(resp).await;
        assert_eq!(status, 405, "{method}");
        assert_eq!(headers["allow"], "POST", "{method}");
        assert_eq!(message["error"]["code"], -32600, "{method}");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn unknown_methods_and_tools_are_json_rpc_errors(pool: PgPool) {
    let app = spawn_app(pool).await;
    let (status, message) = rpc(
        &app,
        "alice",
        json!({"jsonrpc": "2.0", "id": 7, "method": "tasks/drop"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(message["id"], 7);
    assert_eq!(message["error"]["code"], -32601, "{message}");
    let text = message["error"]["message"].as_str().expect("message");
    assert!(
        text.contains("tasks/drop") && text.contains("tools/call"),
        "{text}"
    );
    let (status, message) = rpc(&app, "alice", tool_call(8, "drop_table", json!({}))).await;
    assert_eq!(status, 200);
    assert_eq!(message["error"]["code"], -32602, "{message}");
    let text = message["error"]["message"].as_str().expect("message");
    assert!(
        text.contains("add_task"),
        "names the tools there are: {text}"
    );
    // A notification is accepted without an answer.
    let resp = post(
        &app,
        Some(&app.token("alice")),
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
    )
    .await;
    assert_eq!(resp.status(), 202);
}

#[sqlx::test(migrations = "../migrations")]
async fn huge_requests_and_arguments_are_refused_politely(pool: PgPool) {
    let app = spawn_app(pool).await;
    // Over MAX_BODY_BYTES (64 KiB in tests): refused before it is read as JSON.
    let huge = tool_call(1, "add_task", json!({"title": "x".repeat(100_000)})).to_string();
    let (status, _, message) = json_answer(post(&app, Some(&app.token("alice")), huge).await).await;
    assert_eq!(status, 413);
    assert_eq!(message["error"]["code"], -32600, "{message}");
    // Under the body limit, over the argument limit: a tool error.
    let (status, message) = rpc(
        &app,
        "alice",
        tool_call(
            2,
            "add_task",
            json!({"title": "ok", "description": "y".repeat(30_000)}),
        ),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(message["result"]["isError"], true, "{message}");
    assert!(text_of(&message).contains("at most 16384"), "{message}");
    // Under both: the tool's own rule.
    let (_, message) = rpc(
        &app,
        "alice",
        tool_call(3, "add_task", json!({"title": "z".repeat(5_000)})),
    )
    .await;
    assert_eq!(message["result"]["isError"], true, "{message}");
    assert!(text_of(&message).contains("200"), "{message}");
    let (_, total) = app.list_tasks("alice", "").await;
    assert_eq!(total, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn nul_bytes_in_arguments_are_tool_errors_and_store_nothing(pool: PgPool) {
    let app = spawn_app(pool).await;
    let existing = app.create_task("alice", json!({"title": "Keep"})).await["id"].clone();
    let calls = [
        ("add_task", json!({"title": "a\u{0}b"})),
        ("add_task", json!({"title": "ok", "description": "x\u{0}y"})),
        ("list_tasks", json!({"query": "\u{0}"})),
        ("list_tasks", json!({"status": "pending\u{0}"})),
        (
            "update_task",
            json!({"task_id": existing, "title": "\u{0}"}),
        ),
        ("complete_task", json!({"task_id": "1\u{0}"})),
    ];
    for (i, (tool, arguments)) in calls.iter().enumerate() {
        let (status, message) =
            rpc(&app, "alice", tool_call(i as i64, tool, arguments.clone())).await;
        assert_eq!(status, 200, "{tool} {arguments}");
        assert_eq!(
            message["result"]["isError"], true,
            "{tool} {arguments}: {message}"
        );
    }
    // NUL in a field no tool reads is ignored, as any extra field is.
    let (_, message) = rpc(
        &app,
        "alice",
        tool_call(9, "list_tasks", json!({"extra\u{0}": "\u{0}"})),
    )
    .await;
    assert_eq!(message["result"]["isError"], false, "{message}");
    let (tasks, total) = app.list_tasks("alice", "").await;
    assert_eq!(total, 1, "{tasks:?}");
    assert_eq!(tasks[0]["title"], "Keep");
    // The shared date parser ignores a trailing NUL, as the REST API's create does (it is the
    // same parser); a due date is stored as a timestamp, so no NUL is stored.
    let (_, message) = rpc(
        &app,
        "alice",
        tool_call(
            10,
            "add_task",
            json!({"title": "ok", "due_date": "tomorrow\u{0}"}),
        ),
    )
    .await;
    assert_eq!(message["result"]["isError"], false, "{message}");
    let due = message["result"]["structuredContent"]["due_date"]
        .as_str()
        .expect("a due date");
    assert!(!due.contains('\u{0}'), "{due}");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_legacy_initialize_is_answered_without_a_session(pool: PgPool) {
    let app = spawn_app(pool).await;
    let initialize = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "legacy", "version": "1"}}});
    let resp = post(&app, Some(&app.token("alice")), initialize.to_string()).await;
    assert!(
        resp.headers().get("mcp-session-id").is_none(),
        "stateless: no session"
    );
    let (status, _, message) = json_answer(resp).await;
    assert_eq!(status, 200);
    assert_eq!(
        message["result"]["protocolVersion"], "2025-06-18",
        "{message}"
    );
    assert!(message["result"]["capabilities"]["tools"].is_object());
    // Any later request stands alone, with or without a (made-up) session id.
    let resp = app
        .http
        .post(mcp_url(&app))
        .bearer_auth(app.token("alice"))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-session-id", "no-such-session")
        .header("mcp-protocol-version", "2025-06-18")
        .body(LIST)
        .send()
        .await
        .expect("sent");
    let (status, _, message) = json_answer(resp).await;
    assert_eq!(status, 200);
    assert_eq!(message["result"]["tools"].as_array().map(Vec::len), Some(5));
}
