//! A private nats-server with JetStream for one test, on a free port, killed on drop.
//! `TEST_NATS_SERVER` names the binary (default: `nats-server` on the PATH).

use std::{
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::Duration,
};

use tempfile::TempDir;

/// A running nats-server owned by a test.
pub struct NatsServer {
    pub url: String,
    pub port: u16,
    store: TempDir,
    child: Option<Child>,
}

fn binary() -> PathBuf {
    std::env::var_os("TEST_NATS_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("nats-server"))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl NatsServer {
    /// Starts a server on a free port with a fresh JetStream store.
    pub async fn start() -> Self {
        for _ in 0..5 {
            let port = free_port();
            let mut server = Self {
                url: format!("nats://127.0.0.1:{port}"),
                port,
                store: tempfile::tempdir().expect("temp dir"),
                child: None,
            };
            if server.spawn().await {
                return server;
            }
            // Someone took the port between our probe and the server's bind: try another.
        }
        panic!("nats-server did not start (is it installed? set TEST_NATS_SERVER)");
    }

    async fn spawn(&mut self) -> bool {
        let child = Command::new(binary())
            .args([
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-js",
                "-sd",
            ])
            .arg(self.store.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server runs");
        self.child = Some(child);
        self.wait_ready().await
    }

    /// Polls until the server accepts connections or exits; bounded at 10 s.
    async fn wait_ready(&mut self) -> bool {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while tokio::time::Instant::now() < deadline {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(_)) = child.try_wait()
            {
                self.child = None;
                return false;
            }
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                .await
                .is_ok()
            {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        false
    }

    /// Kills the server (SIGKILL), keeping its store for a restart.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port with the same store.
    pub async fn restart(&mut self) {
        self.kill();
        assert!(
            self.spawn().await,
            "nats-server restarts on port {}",
            self.port
        );
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.kill();
    }
}
