//! The MCP Inspector's CLI mode (`@modelcontextprotocol/inspector`, pinned in
//! `tests/mcp/package-lock.json`) against the real gateway: it lists the tools, finds no
//! schema-portability error in them, and calls them with a user's token.

use serde_json::Value;
use sqlx::PgPool;
use taskwire_tests::spawn_app;

use crate::clients::{Run, inspector, mcp_url, run};

/// `mcp-inspector --cli <url> --transport http --header "Authorization: Bearer …" args…`.
async fn inspect(url: &str, token: &str, args: &[&str]) -> Run {
    let mut argv: Vec<String> = vec![
        "--cli".into(),
        url.into(),
        "--transport".into(),
        "http".into(),
        "--header".into(),
        format!("Authorization: Bearer {token}"),
    ];
    argv.extend(args.iter().map(|a| (*a).to_owned()));
    run(&inspector(), &argv, "").await
}

fn json_of(run: &Run) -> Value {
    serde_json::from_str(run.stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "the Inspector printed no JSON ({e}):\n{}\n{}",
            run.stdout, run.stderr
        )
    })
}

#[sqlx::test(migrations = "../migrations")]
async fn the_inspector_cli_lists_and_calls_the_tools(pool: PgPool) {
    let app = spawn_app(pool).await;
    let (url, token) = (mcp_url(&app), app.token("alice"));

    let listed = inspect(&url, &token, &["--method", "tools/list", "--strict"]).await;
    assert!(
        listed.success,
        "tools/list --strict: {}\n{}",
        listed.stdout, listed.stderr
    );
    let tools = json_of(&listed);
    let names: Vec<&str> = tools["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(names, common::tools::TOOL_NAMES);
    assert!(
        listed.stderr.contains("0 errors"),
        "no portability error: {}",
        listed.stderr
    );

    let args = [
        "--method",
        "tools/call",
        "--tool-name",
        "add_task",
        "--tool-arg",
        "title=Call the bank",
        "priority=high",
    ];
    let added = inspect(&url, &token, &args).await;
    assert!(
        added.success,
        "add_task: {}\n{}",
        added.stdout, added.stderr
    );
    let added = json_of(&added);
    assert_eq!(added["isError"], false, "{added}");
    assert_eq!(added["structuredContent"]["status"], "created", "{added}");
    let (tasks, _) = app.list_tasks("alice", "").await;
    assert_eq!(tasks[0]["title"], "Call the bank");
    assert_eq!(tasks[0]["priority"], "high");

    let args = [
        "--method",
        "tools/call",
        "--tool-name",
        "complete_task",
        "--tool-arg",
        "task_id=424242",
    ];
    let missing = inspect(&url, &token, &args).await;
    assert_eq!(
        missing.code,
        Some(5),
        "an isError result is exit 5: {}\n{}",
        missing.stdout,
        missing.stderr
    );
    assert!(missing.stdout.contains("list_tasks"), "{}", missing.stdout);

    let refused = inspect(&url, "not-a-token", &["--method", "tools/list"]).await;
    assert!(
        !refused.success,
        "a bad token is refused: {}",
        refused.stdout
    );
}
