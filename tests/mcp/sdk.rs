//! The official MCP Python SDK as the client: it lists the tools, calls every one of them,
//! gets `isError` results for what an agent can fix, is refused without a valid token and
//! follows the 401 to the resource metadata, and works across two gateways.

use common::tools::{TOOL_NAMES, specs};
use gateway::config::AuthConfig;
use serde_json::{Value, json};
use sqlx::PgPool;
use taskwire_tests::{TEST_SECRET, spawn_app, spawn_app_with};

use crate::clients::{call_tools, mcp_url, sdk, sdk_calls};

fn id_of(result: &Value) -> i64 {
    result["structured"]["task_id"]
        .as_i64()
        .unwrap_or_else(|| panic!("a task id in {result}"))
}

fn ok(results: &[Value], i: usize) -> &Value {
    let result = &results[i];
    assert_eq!(result["is_error"], false, "call {i} succeeds: {result}");
    result
}

#[sqlx::test(migrations = "../migrations")]
async fn the_sdk_lists_five_tools_with_titles_every_hint_and_both_schemas(pool: PgPool) {
    let app = spawn_app(pool).await;
    let args = [
        "--url".to_owned(),
        mcp_url(&app),
        "--token".to_owned(),
        app.token("alice"),
    ];
    let listed = sdk("tools", &args, "").await;
    assert_eq!(listed["server"]["name"], "taskwire", "{listed}");
    assert!(
        listed["instructions"]
            .as_str()
            .is_some_and(|i| i.contains("list_tasks"))
    );
    let tools = listed["tools"].as_array().expect("tools");
    let names: Vec<&str> = tools.iter().filter_map(|t| t["name"].as_str()).collect();
    assert_eq!(names, TOOL_NAMES);
    for (tool, spec) in tools.iter().zip(specs()) {
        let what = spec.name;
        assert_eq!(tool["title"], spec.title, "{what}");
        assert!(
            tool["description"]
                .as_str()
                .is_some_and(|d| d.starts_with(spec.description)),
            "{what}: the description the agent gets"
        );
        assert_eq!(tool["inputSchema"], spec.parameters, "{what}: input schema");
        assert_eq!(tool["outputSchema"], spec.output, "{what}: output schema");
        let hints = &tool["annotations"];
        assert_eq!(hints["readOnlyHint"], spec.hints.read_only, "{what}");
        assert_eq!(hints["destructiveHint"], spec.hints.destructive, "{what}");
        assert_eq!(hints["idempotentHint"], spec.hints.idempotent, "{what}");
        assert_eq!(hints["openWorldHint"], false, "{what}");
    }
    let by_name = |name: &str| &tools[TOOL_NAMES.iter().position(|n| *n == name).expect("known")];
    assert_eq!(by_name("list_tasks")["annotations"]["readOnlyHint"], true);
    assert_eq!(
        by_name("delete_task")["annotations"]["destructiveHint"],
        true
    );
    assert_eq!(by_name("add_task")["annotations"]["idempotentHint"], false);

    // A legacy client's initialize handshake is served too, statelessly.
    let mut legacy = args.to_vec();
    legacy.extend(["--mode".to_owned(), "legacy".to_owned()]);
    let old = sdk("tools", &legacy, "").await;
    assert_eq!(old["protocol_version"], "2025-11-25", "{old}");
    assert_eq!(old["tools"].as_array().map(Vec::len), Some(5));
    assert_eq!(
        listed["protocol_version"], "2026-07-28",
        "the current protocol"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn every_tool_works_through_the_sdk_and_the_rest_api_shows_the_result(pool: PgPool) {
    let app = spawn_app(pool).await;
    let added = call_tools(
        &app,
        "alice",
        &[
            ("add_task", json!({"title": "Renew passport", "priority": "high", "due_date": "tomorrow at 5pm"})),
            ("add_task", json!({"title": "Buy milk", "description": "oat"})),
        ],
    )
    .await;
    let (passport, milk) = (id_of(ok(&added, 0)), id_of(ok(&added, 1)));
    assert_eq!(added[0]["structured"]["status"], "created");
    assert!(
        added[0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("Renew passport"))
    );
    assert!(
        added[0]["structured"]["due_date"]
            .as_str()
            .is_some_and(|d| d.ends_with("T17:00:00Z"))
    );

    let results = call_tools(
        &app,
        "alice",
        &[
            ("list_tasks", json!({"status": "pending", "sort": "title"})),
            (
                "update_task",
                json!({"task_id": passport, "title": "Renew the passport", "priority": "medium"}),
            ),
            ("complete_task", json!({"task_id": passport})),
            ("complete_task", json!({"task_id": passport})),
            ("delete_task", json!({"task_id": milk})),
            ("list_tasks", json!({"status": "completed"})),
        ],
    )
    .await;
    let listed = &ok(&results, 0)["structured"];
    assert_eq!(listed["count"], 2, "{listed}");
    assert_eq!(listed["tasks"][0]["title"], "Buy milk", "sorted by title");
    assert_eq!(ok(&results, 1)["structured"]["title"], "Renew the passport");
    assert_eq!(ok(&results, 2)["structured"]["completed"], true);
    assert_eq!(ok(&results, 3)["structured"]["already_completed"], true);
    assert_eq!(ok(&results, 4)["structured"]["status"], "deleted");
    let done = &ok(&results, 5)["structured"];
    assert_eq!(done["tasks"][0]["id"], passport, "{done}");

    // The REST API shows the same list.
    let (tasks, total) = app.list_tasks("alice", "").await;
    assert_eq!(total, 1, "{tasks:?}");
    assert_eq!(tasks[0]["id"], passport);
    assert_eq!(tasks[0]["title"], "Renew the passport");
    assert_eq!(tasks[0]["completed"], true);
    assert_eq!(tasks[0]["priority"], "medium");
    let instant = |v: &Value| {
        chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("a time: {v}")))
            .expect("RFC 3339")
    };
    assert_eq!(
        instant(&tasks[0]["due_date"]),
        instant(&added[0]["structured"]["due_date"]),
        "the same due date"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn bad_arguments_are_tool_errors_that_say_what_to_do(pool: PgPool) {
    let app = spawn_app(pool).await;
    let cases = [
        (("add_task", json!({})), "title is required"),
        (("add_task", json!({"title": "x".repeat(300)})), "200"),
        (
            (
                "add_task",
                json!({"title": "ok", "due_date": "when pigs fly"}),
            ),
            "due_date",
        ),
        (
            ("add_task", json!({"title": "a\u{0}b"})),
            "control characters",
        ),
        (
            ("complete_task", json!({"task_id": "abc"})),
            "positive integer",
        ),
        (("update_task", json!({"task_id": 1})), "Nothing to update"),
        (("list_tasks", json!({"status": "open"})), "status"),
        (
            ("delete_task", json!({"task_id": 424242})),
            "Call list_tasks",
        ),
    ];
    let calls: Vec<(&str, Value)> = cases.iter().map(|(call, _)| call.clone()).collect();
    let results = call_tools(&app, "alice", &calls).await;
    for ((call, expected), result) in cases.iter().zip(&results) {
        assert_eq!(result["is_error"], true, "{call:?}: {result}");
        let text = result["text"].as_str().expect("text");
        assert!(text.contains(expected), "{call:?}: {text}");
    }
    let (_, total) = app.list_tasks("alice", "").await;
    assert_eq!(total, 0, "no bad call stored anything");
}

#[sqlx::test(migrations = "../migrations")]
async fn another_users_task_is_as_missing_as_a_task_that_does_not_exist(pool: PgPool) {
    let app = spawn_app(pool).await;
    let bobs = app
        .create_task("bob", json!({"title": "Bob's secret"}))
        .await["id"]
        .as_i64()
        .expect("id");
    let missing = bobs + 1000;
    let results = call_tools(
        &app,
        "alice",
        &[
            ("complete_task", json!({"task_id": bobs})),
            ("update_task", json!({"task_id": bobs, "title": "mine now"})),
            ("delete_task", json!({"task_id": bobs})),
            ("complete_task", json!({"task_id": missing})),
        ],
    )
    .await;
    let normalised = |result: &Value, id: i64| {
        assert_eq!(result["is_error"], true, "{result}");
        result["text"]
            .as_str()
            .expect("text")
            .replace(&id.to_string(), "N")
    };
    let unknown = normalised(&results[3], missing);
    assert!(unknown.contains("no task with id N"), "{unknown}");
    for result in &results[..3] {
        assert_eq!(
            normalised(result, bobs),
            unknown,
            "indistinguishable from missing"
        );
    }
    let (tasks, _) = app.list_tasks("bob", "").await;
    assert_eq!(tasks[0]["title"], "Bob's secret");
    assert_eq!(tasks[0]["completed"], false, "untouched");
}

#[sqlx::test(migrations = "../migrations")]
async fn one_client_alternating_between_two_gateways_succeeds_every_time(pool: PgPool) {
    let app = spawn_app(pool).await;
    let (second, _stop) = app.spawn_gateway().await;
    let urls = [mcp_url(&app), format!("{second}/mcp")];
    let calls = json!([
        {"tool": "add_task", "arguments": {"title": "From anywhere"}},
        {"tool": "list_tasks", "arguments": {}},
        {"tool": "add_task", "arguments": {"title": "From anywhere else"}},
        {"tool": "list_tasks", "arguments": {"query": "else"}},
    ]);
    let report = sdk_calls(&urls, &app.token("alice"), &calls).await;
    let results = report["results"].as_array().expect("results");
    for (i, result) in results.iter().enumerate() {
        assert_eq!(result["is_error"], false, "call {i}: {result}");
    }
    assert_eq!(
        results[3]["structured"]["count"], 1,
        "the other gateway sees the first's task"
    );
    let answers = report["answers"].as_array().expect("answers");
    assert!(
        answers.iter().all(|a| a["status"]
            .as_u64()
            .is_some_and(|s| (200..300).contains(&s))),
        "every HTTP request succeeded: {answers:?}"
    );
    let ports = report["ports"].as_object().expect("ports");
    assert_eq!(ports.len(), 2, "both gateways answered: {ports:?}");
    assert!(ports.values().all(|n| n.as_u64() >= Some(2)), "{ports:?}");
    let (_, total) = app.list_tasks("alice", "").await;
    assert_eq!(total, 2);
}

/// A token signed with the test secret, `aud` set to `audience`.
fn token_for_audience(user: &str, audience: &str) -> String {
    let mut config = AuthConfig::with_secret(TEST_SECRET);
    config.audience = Some(audience.to_owned());
    gateway::auth::mint_token_for(&config, user, std::time::Duration::from_secs(600))
        .expect("signs")
}

fn expired_token(user: &str) -> String {
    let now = jsonwebtoken::get_current_timestamp();
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({"sub": user, "exp": now - 600, "aud": "taskwire-mcp"}),
        &jsonwebtoken::EncodingKey::from_secret(TEST_SECRET.as_bytes()),
    )
    .expect("signs")
}

#[sqlx::test(migrations = "../migrations")]
async fn without_a_valid_token_the_sdk_is_refused_and_led_to_valid_metadata(pool: PgPool) {
    let app = spawn_app_with(pool, |config| {
        config.auth.audience = Some("taskwire-mcp".into());
        config.mcp.authorization_servers = vec!["https://auth.example.com".into()];
        config.mcp.scopes = vec!["tasks".into()];
    })
    .await;
    let url = mcp_url(&app);
    let cases = [
        (None, "no token"),
        (Some(expired_token("alice")), "expired"),
        (
            Some(token_for_audience("alice", "another-service")),
            "wrong audience",
        ),
    ];
    for (token, what) in cases {
        let mut args = vec!["--url".to_owned(), url.clone()];
        args.extend(token.iter().flat_map(|t| ["--token".to_owned(), t.clone()]));
        let report = sdk("refused", &args, "").await;
        assert_eq!(report["connected"], false, "{what}: {report}");
        // The SDK shows the message of the JSON-RPC error the 401 carries.
        let error = report["error"].as_str().expect("the SDK's error");
        assert!(error.contains("Unauthorized"), "{what}: {error}");
        assert_eq!(report["status"], 401, "{what}");
        let challenge = report["www_authenticate"]
            .as_str()
            .expect("WWW-Authenticate");
        assert!(
            challenge.starts_with("Bearer resource_metadata=\""),
            "{what}: {challenge}"
        );
        assert!(challenge.contains("scope=\"tasks\""), "{what}: {challenge}");
        assert_eq!(
            challenge.contains("error=\"invalid_token\""),
            token.is_some(),
            "{what}"
        );
        assert_eq!(
            report["resource_metadata"],
            app.url("/.well-known/oauth-protected-resource/mcp"),
            "{what}"
        );
        let documents = report["metadata"].as_array().expect("metadata fetched");
        assert!(documents.len() >= 2, "{what}: the named and the root form");
        for entry in documents {
            assert_eq!(entry["status"], 200, "{what}: {entry}");
            let document = &entry["document"];
            assert_eq!(document["resource"], url, "{what}");
            assert_eq!(
                document["authorization_servers"],
                json!(["https://auth.example.com"])
            );
            assert_eq!(document["scopes_supported"], json!(["tasks"]));
            assert_eq!(document["bearer_methods_supported"], json!(["header"]));
            assert_eq!(entry["resource_allowed"], true, "{what}");
        }
    }
    // The right audience is let in.
    let args = [
        "--url".to_owned(),
        url,
        "--token".to_owned(),
        token_for_audience("alice", "taskwire-mcp"),
    ];
    let listed = sdk("tools", &args, "").await;
    assert_eq!(listed["tools"].as_array().map(Vec::len), Some(5));
}
