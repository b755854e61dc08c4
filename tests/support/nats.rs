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
    /// A configuration file it reads (in its store), and the environment the file names.
    config: Option<(PathBuf, Vec<(String, String)>)>,
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
                config: None,
            };
            if server.spawn().await {
                return server;
            }
            // Someone took the port between our probe and the server's bind: try another.
        }
        panic!("nats-server did not start (is it installed? set TEST_NATS_SERVER)");
    }

    /// Starts a server with the configuration `text` (its `store_dir` replaced by this
    /// test's store), with `env` set for the variables it names; its address, port and
    /// monitoring port are this test's.
    pub async fn start_with_config(text: &str, env: &[(&str, &str)]) -> Self {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        for _ in 0..5 {
            let port = free_port();
            let store = tempfile::tempdir().expect("temp dir");
            let config = store.path().join("nats.conf");
            let jetstream = store.path().join("jetstream");
            let text: String = text
                .lines()
                .map(|line| {
                    if line.trim_start().starts_with("store_dir:") {
                        format!("    store_dir: \"{}\"", jetstream.display())
                    } else {
                        line.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join("\n");
            std::fs::write(&config, text).expect("config written");
            let mut server = Self {
                url: format!("nats://127.0.0.1:{port}"),
                port,
                store,
                child: None,
                config: Some((config, env.clone())),
            };
            if server.spawn().await {
                return server;
            }
        }
        panic!("nats-server did not start with the configuration given");
    }

    async fn spawn(&mut self) -> bool {
        let mut command = Command::new(binary());
        command.args(["-a", "127.0.0.1", "-p", &self.port.to_string()]);
        match &self.config {
            Some((config, env)) => {
                command
                    .arg("-c")
                    .arg(config)
                    .args(["--http_port", &free_port().to_string()])
                    .envs(env.iter().map(|(k, v)| (k, v)));
            }
            None => {
                command.args(["-js", "-sd"]).arg(self.store.path());
            }
        }
        let child = command
            .stdout(Stdio::null())
            .stderr(if std::env::var_os("TEST_LOG").is_some() {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
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
