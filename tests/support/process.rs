//! The worker as a real child process, so fault tests can SIGKILL or SIGTERM it.

use std::{process::Stdio, time::Duration};

use tokio::process::{Child, Command};

use crate::TestApp;

/// A worker process attached to a test stack; killed when dropped.
pub struct WorkerProcess {
    pub name: String,
    child: Child,
}

/// The URL of the test database behind `app.pool` (a fresh one per `#[sqlx::test]`).
pub async fn database_url(app: &TestApp) -> String {
    database_url_of(&app.pool).await
}

/// The URL of the test database behind `pool`, for a service to connect to it as configured.
pub async fn database_url_of(pool: &sqlx::PgPool) -> String {
    let name: String = sqlx::query_scalar("select current_database()")
        .fetch_one(pool)
        .await
        .expect("database name");
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL is set for #[sqlx::test]");
    let (server, _) = base
        .rsplit_once('/')
        .expect("DATABASE_URL names a database");
    format!("{server}/{name}")
}

impl WorkerProcess {
    /// Starts `binary` (pass `env!("CARGO_BIN_EXE_taskwire-worker-under-test")`) as worker
    /// `name` with short fault-test timings and `env` on top. Logs show with `TEST_LOG`.
    pub async fn spawn(binary: &str, app: &TestApp, name: &str, env: &[(&str, &str)]) -> Self {
        let mut command = Command::new(binary);
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", database_url(app).await)
            .env("NATS_URL", &app.nats.url)
            .env("WORKER_ID", name)
            .env("JOB_ACK_WAIT", "2s")
            .env("TURN_LEASE", "2s")
            .env("RETRY_BACKOFF", "100ms")
            .env("SHUTDOWN_GRACE", "10s")
            .env("RUST_LOG", "info,sqlx=warn")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .kill_on_drop(true);
        if std::env::var_os("TEST_LOG").is_none() {
            command.stdout(Stdio::null()).stderr(Stdio::null());
        }
        let child = command.spawn().expect("worker process starts");
        Self {
            name: name.to_owned(),
            child,
        }
    }

    /// SIGKILL: the process dies at once, mid-turn, without acking or cleaning up.
    pub async fn kill(&mut self) {
        self.child.kill().await.expect("worker killed");
    }

    /// SIGTERM: the worker should stop pulling, finish its turns and exit.
    pub fn terminate(&self) {
        self.signal("TERM");
    }

    /// Sends signal `name` (`STOP`, `CONT`, `TERM`, …) to the process.
    pub fn signal(&self, name: &str) {
        let pid = self.child.id().expect("worker still running");
        let status = std::process::Command::new("kill")
            .args([&format!("-{name}"), &pid.to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "SIG{name} sent");
    }

    /// Waits for the process to exit (bounded); returns whether it exited successfully.
    pub async fn wait(&mut self, limit: Duration) -> bool {
        tokio::time::timeout(limit, self.child.wait())
            .await
            .expect("worker exited in time")
            .expect("exit status")
            .success()
    }
}
