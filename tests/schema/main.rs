//! The OpenAPI document is true: schemathesis (`tests/schema/.venv`, installed by
//! `scripts/test.sh`'s `ensure_schema_tools`) reads `/openapi.json` from a running gateway with
//! a worker, generates requests from it, and checks every answer against it: statuses, bodies,
//! headers, `Allow` on 405, refusals of schema-breaking requests, acceptance of conforming ones
//! (`tests/schema/schemathesis.toml` says which statuses count as either). No failure passes.
//!
//! `SCHEMATHESIS_MAX_EXAMPLES` (default 100) and `SCHEMATHESIS_SEED` (default fixed, so that
//! CI is repeatable) tune the run; a failure prints schemathesis's report with `curl` lines
//! that reproduce it.

use std::{path::PathBuf, process::Stdio, time::Duration};

use serde_json::Value;
use sqlx::PgPool;
use taskwire_tests::spawn_app_with;

const HOW: &str = "run scripts/test.sh (it installs it), or: python3 -m venv tests/schema/.venv \
    && tests/schema/.venv/bin/pip install -r tests/schema/requirements.txt";

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schema")
}

fn schemathesis() -> PathBuf {
    let bin = dir().join(".venv/bin/schemathesis");
    assert!(
        bin.exists(),
        "the OpenAPI test needs schemathesis at {}: {HOW}",
        bin.display()
    );
    bin
}

fn setting(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

#[sqlx::test(migrations = "../migrations")]
async fn schemathesis_finds_no_difference_between_the_document_and_the_gateway(pool: PgPool) {
    let bin = schemathesis();
    let app = spawn_app_with(pool, |config| {
        // Generated requests should reach the handlers, not the per-user rate limits.
        config.chat_wait = Duration::from_secs(2);
        config.chat_rate_per_minute = 100_000;
        config.chat_burst = 100_000;
        config.task_writes_per_minute = 100_000;
        config.event_stream_opens_per_minute = 100_000;
        config.max_open_jobs_per_user = 1_000;
    })
    .await;
    let _worker = app.spawn_worker();
    let user = "schema-user";
    let report = tempfile::tempdir().expect("a report directory");
    let output = tokio::time::timeout(
        Duration::from_secs(600),
        tokio::process::Command::new(&bin)
            // Schemathesis keeps what it found in `.schemathesis/` there, to try it first next time.
            .current_dir(dir())
            .arg("--config-file")
            .arg(dir().join("schemathesis.toml"))
            .arg("run")
            .arg(app.url("/openapi.json"))
            .args([
                "--max-examples",
                &setting("SCHEMATHESIS_MAX_EXAMPLES", "100"),
            ])
            .args(["--seed", &setting("SCHEMATHESIS_SEED", "20261205")])
            .args(["--checks", "all", "--report", "json", "--report-dir"])
            .arg(report.path())
            .env("SCHEMA_TOKEN", app.token(user))
            .env("SCHEMA_USER", user)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("schemathesis finishes within 10 minutes")
    .expect("schemathesis runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "schemathesis found failures ({:?}):\n{stdout}\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    let summary = run_report(report.path());
    // A run that tested nothing would also have no failures.
    let operations = summary["operations"]["tested"].as_u64().unwrap_or(0);
    let cases = summary["test_cases"]["generated"].as_u64().unwrap_or(0);
    assert!(
        operations >= 20 && cases >= 1_000,
        "schemathesis tested {operations} operations with {cases} cases:\n{stdout}"
    );
}

/// Schemathesis's JSON report in `dir`.
fn run_report(dir: &std::path::Path) -> Value {
    let file = std::fs::read_dir(dir)
        .expect("the report directory")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|path| path.extension().is_some_and(|e| e == "json"))
        .expect("a JSON report");
    serde_json::from_slice(&std::fs::read(&file).expect("the report read"))
        .expect("the report is JSON")
}
