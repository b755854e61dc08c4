//! Running the MCP clients the tests drive, and speaking JSON-RPC to `/mcp` by hand.

use std::{path::PathBuf, process::Stdio, time::Duration};

use reqwest::{Response, header::HeaderMap};
use serde_json::{Value, json};
use taskwire_tests::TestApp;
use tokio::io::AsyncWriteExt;

const HOW: &str = "run scripts/test.sh (it installs them), or: \
    python3 -m venv tests/mcp/.venv && tests/mcp/.venv/bin/pip install -r tests/mcp/requirements.txt \
    && npm ci --prefix tests/mcp --ignore-scripts";

/// A `tools/list` request.
pub const LIST: &str = r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#;

/// `tests/mcp`.
pub fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("mcp")
}

/// The venv's Python, with the MCP SDK importable; panics with what to install otherwise.
fn python() -> PathBuf {
    let python = dir().join(".venv/bin/python");
    let sdk = std::process::Command::new(&python)
        .args(["-c", "import mcp, httpx2"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        sdk,
        "the MCP test needs the MCP Python SDK in {}: {HOW}",
        python.display()
    );
    python
}

/// The Inspector's CLI; panics with what to install otherwise.
pub fn inspector() -> PathBuf {
    let bin = dir().join("node_modules/.bin/mcp-inspector");
    assert!(
        bin.exists(),
        "the MCP test needs the MCP Inspector at {}: {HOW}",
        bin.display()
    );
    bin
}

/// The URL of `/mcp` on `app`.
pub fn mcp_url(app: &TestApp) -> String {
    app.url("/mcp")
}

/// What a child process printed, and how it ended.
pub struct Run {
    pub success: bool,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `program args` in `tests/mcp` with `stdin` (bounded at 2 minutes).
pub async fn run(program: &PathBuf, args: &[String], stdin: &str) -> Run {
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .current_dir(dir())
        // The Inspector keeps a catalog in the home directory: keep it out of the user's.
        .env(
            "MCP_CATALOG_PATH",
            std::env::temp_dir().join("taskwire-mcp-test-catalog.json"),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("{} starts: {e}", program.display()));
    let mut input = child.stdin.take().expect("stdin piped");
    input
        .write_all(stdin.as_bytes())
        .await
        .expect("stdin written");
    drop(input);
    let output = tokio::time::timeout(Duration::from_secs(120), child.wait_with_output())
        .await
        .expect("the client finishes within 2 minutes")
        .expect("the client ran");
    Run {
        success: output.status.success(),
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs `client.py scenario args` and returns its JSON report; panics with its output when
/// it fails.
pub async fn sdk(scenario: &str, args: &[String], stdin: &str) -> Value {
    let mut argv = vec![
        dir().join("client.py").display().to_string(),
        scenario.to_owned(),
    ];
    argv.extend_from_slice(args);
    let run = run(&python(), &argv, stdin).await;
    assert!(
        run.success,
        "client.py {scenario} failed ({:?})\n--- stdout\n{}\n--- stderr\n{}",
        run.code, run.stdout, run.stderr
    );
    serde_json::from_str(run.stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "client.py {scenario} printed no JSON ({e}):\n{}\n{}",
            run.stdout, run.stderr
        )
    })
}

/// `client.py run` as `token` against `urls` (round-robin): the calls' results in order.
pub async fn sdk_calls(urls: &[String], token: &str, calls: &Value) -> Value {
    let mut args = vec!["--token".to_owned(), token.to_owned()];
    for url in urls {
        args.extend(["--url".to_owned(), url.clone()]);
    }
    sdk("run", &args, &calls.to_string()).await
}

/// Makes `calls` (`[(tool, arguments)]`) through the SDK against `app` as `user`; returns
/// each call's `{tool, is_error, structured, text}`.
pub async fn call_tools(app: &TestApp, user: &str, calls: &[(&str, Value)]) -> Vec<Value> {
    let calls: Vec<Value> = calls
        .iter()
        .map(|(tool, arguments)| json!({"tool": tool, "arguments": arguments}))
        .collect();
    let report = sdk_calls(&[mcp_url(app)], &app.token(user), &json!(calls)).await;
    report["results"].as_array().expect("results").clone()
}

/// A hand-made POST to `/mcp` with `token` (if any) and `body` as it is.
pub async fn post(app: &TestApp, token: Option<&str>, body: impl Into<reqwest::Body>) -> Response {
    let mut req = app
        .http
        .post(mcp_url(app))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(body);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().await.expect("request sent")
}

/// The status, headers and JSON body of `response`, asserting the body is JSON.
pub async fn json_answer(response: Response) -> (u16, HeaderMap, Value) {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body read");
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("status {status}: the body is not JSON ({e}): {text:?}"));
    (status, headers, body)
}

/// A JSON-RPC request to `/mcp` as `user`; returns the status and the JSON-RPC message.
pub async fn rpc(app: &TestApp, user: &str, request: Value) -> (u16, Value) {
    let (status, _, body) =
        json_answer(post(app, Some(&app.token(user)), request.to_string()).await).await;
    (status, body)
}

/// A `tools/call` request body.
pub fn tool_call(id: i64, tool: &str, arguments: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
           "params": {"name": tool, "arguments": arguments}})
}
