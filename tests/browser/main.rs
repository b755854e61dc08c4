//! The web chat page in a real browser: the real gateway and a worker on real sockets, Debian's
//! Chromium driven by `playwright-core` (`tests/browser/e2e.mjs`). Needs `node`, `chromium` and
//! `npm ci` in `tests/browser`; `scripts/test.sh` installs them when missing. When they are
//! missing this test fails and says so: it never passes without having run the browser.

use std::{path::PathBuf, process::Stdio, time::Duration};

use sqlx::PgPool;
use taskwire_tests::spawn_app;

/// Where Debian puts Chromium; `CHROMIUM_PATH` overrides it.
const DEFAULT_CHROMIUM: &str = "/usr/bin/chromium";

fn browser_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("browser")
}

/// Panics with what to install when the browser test cannot run here.
fn require_tools() -> String {
    let how = "run scripts/test.sh (it installs them), or: \
               sudo apt-get install chromium && npm ci --prefix tests/browser";
    let node = std::process::Command::new("node")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        node,
        "the browser test needs Node.js (`node` on PATH): {how}"
    );
    let chromium = std::env::var("CHROMIUM_PATH").unwrap_or_else(|_| DEFAULT_CHROMIUM.to_owned());
    assert!(
        PathBuf::from(&chromium).exists(),
        "the browser test needs Chromium at {chromium}: {how}"
    );
    assert!(
        browser_dir().join("node_modules/playwright-core").is_dir(),
        "the browser test needs playwright-core in tests/browser/node_modules: {how}"
    );
    chromium
}

#[sqlx::test(migrations = "../migrations")]
async fn a_person_signs_up_chats_ticks_a_task_and_signs_out_in_a_real_browser(pool: PgPool) {
    let chromium = require_tools();
    let app = spawn_app(pool).await;
    let _worker = app.spawn_worker();
    let screenshots =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/browser-screenshots");

    let run = tokio::process::Command::new("node")
        .arg(browser_dir().join("e2e.mjs"))
        .arg(&app.base)
        .env("SCREENSHOT_DIR", &screenshots)
        .env("CHROMIUM_PATH", &chromium)
        .current_dir(browser_dir())
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(180), run)
        .await
        .expect("the browser test finishes within 3 minutes")
        .expect("node starts");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the browser test failed ({}); screenshots in {}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        output.status,
        screenshots.display()
    );
    assert!(
        stdout.contains("e2e: all checks passed"),
        "the script ended without its final check\n{stdout}"
    );
}
