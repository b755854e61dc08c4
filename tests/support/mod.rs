//! Shared test support: a private nats-server per test, the real gateway on a free port,
//! tokens, and small HTTP helpers. Postgres comes from `#[sqlx::test]` (a fresh database per
//! test, from `DATABASE_URL`).

pub mod events;
pub mod fake_openai;
pub mod nats;
pub mod postgres;
pub mod process;
pub mod proxy;
pub mod stack;

use std::sync::Once;

use gateway::{App, GatewayConfig};
use reqwest::{Method, RequestBuilder, Response};
use secrecy::SecretString;
use serde_json::Value;
use sqlx::PgPool;
use tokio::{sync::oneshot, task::JoinHandle};

pub use nats::NatsServer;
pub use stack::{SseEvent, SseReader, TestWorker, deltas, names, read_sse};

/// The HS256 secret the test gateways accept.
pub const TEST_SECRET: &str = "taskwire-test-secret-0123456789abcdef";

/// Initialises logging once; logs are shown when `TEST_LOG` is set.
pub fn init_tracing() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            common::telemetry::init(common::telemetry::LogFormat::Pretty, "info,sqlx=warn");
        }
    });
}

/// A gateway running on a free port against a test database and a private NATS server.
pub struct TestApp {
    pub base: String,
    pub pool: PgPool,
    pub http: reqwest::Client,
    pub nats: NatsServer,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
}

/// Starts the gateway with the default test configuration.
pub async fn spawn_app(pool: PgPool) -> TestApp {
    spawn_app_with(pool, |_| {}).await
}

/// Starts the gateway after `configure` adjusted its configuration.
pub async fn spawn_app_with(pool: PgPool, configure: impl FnOnce(&mut GatewayConfig)) -> TestApp {
    spawn_app_on(pool, NatsServer::start().await, configure).await
}

/// Starts the gateway against `nats` after `configure` adjusted its configuration.
pub async fn spawn_app_on(
    pool: PgPool,
    nats: NatsServer,
    configure: impl FnOnce(&mut GatewayConfig),
) -> TestApp {
    init_tracing();
    let mut config = GatewayConfig::for_test("postgres://unused", &nats.url, TEST_SECRET);
    configure(&mut config);
    let app = App::build_with_pool(config, pool.clone())
        .await
        .expect("gateway builds");
    let base = format!("http://127.0.0.1:{}", app.port());
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async move {
        let _ = rx.await;
    }));
    let app = TestApp {
        base,
        pool,
        http: reqwest::Client::new(),
        nats,
        shutdown: Some(tx),
        server: Some(server),
    };
    app.wait_ready().await;
    app
}

impl TestApp {
    /// A valid token for `user`, signed with the test secret.
    pub fn token(&self, user: &str) -> String {
        token_for(user)
    }

    /// The absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A request with `user`'s bearer token.
    pub fn request(&self, method: Method, user: &str, path: &str) -> RequestBuilder {
        self.http
            .request(method, self.url(path))
            .bearer_auth(self.token(user))
    }

    /// `GET path` as `user`; returns the JSON body, asserting 200.
    pub async fn get_json(&self, user: &str, path: &str) -> Value {
        let resp = self
            .request(Method::GET, user, path)
            .send()
            .await
            .expect("request sent");
        assert_eq!(resp.status(), 200, "GET {path}");
        resp.json().await.expect("JSON body")
    }

    /// Creates a task for `user` and returns its JSON; panics unless 201.
    pub async fn create_task(&self, user: &str, body: Value) -> Value {
        let resp = self
            .request(Method::POST, user, &format!("/api/{user}/tasks"))
            .json(&body)
            .send()
            .await
            .expect("request sent");
        assert_eq!(resp.status(), 201, "creating {body}");
        resp.json().await.expect("task JSON")
    }

    /// Lists `user`'s tasks with a query string; returns (tasks, X-Total-Count).
    pub async fn list_tasks(&self, user: &str, query: &str) -> (Vec<Value>, i64) {
        let resp = self
            .request(Method::GET, user, &format!("/api/{user}/tasks?{query}"))
            .send()
            .await
            .expect("request sent");
        assert_eq!(resp.status(), 200, "listing with {query}");
        let total = total_count(&resp);
        (resp.json().await.expect("task list JSON"), total)
    }

    /// `GET /metrics` with the test metrics token; returns the page, asserting 200.
    pub async fn metrics(&self) -> String {
        let resp = self
            .http
            .get(self.url("/metrics"))
            .bearer_auth(gateway::config::TEST_METRICS_TOKEN)
            .send()
            .await
            .expect("metrics sent");
        assert_eq!(resp.status(), 200, "GET /metrics");
        resp.text().await.expect("metrics text")
    }

    /// Waits (bounded) until `/readyz` answers 200: the NATS connection is made in the
    /// background, as in production.
    pub async fn wait_ready(&self) {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(15);
        loop {
            let resp = self.http.get(self.url("/readyz")).send().await;
            if resp.is_ok_and(|r| r.status() == 200) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "gateway never became ready"
            );
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    /// Stops the gateway gracefully and waits for it; the database and NATS stay up.
    pub async fn stop_gateway(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server
                .await
                .expect("server task")
                .expect("server stopped cleanly");
        }
    }

    /// Starts another gateway on the same database and NATS (as behind a load balancer);
    /// returns its base URL and a sender that stops it when dropped.
    pub async fn spawn_gateway(&self) -> (String, oneshot::Sender<()>) {
        let config = GatewayConfig::for_test("postgres://unused", &self.nats.url, TEST_SECRET);
        let app = App::build_with_pool(config, self.pool.clone())
            .await
            .expect("second gateway builds");
        let base = format!("http://127.0.0.1:{}", app.port());
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(app.run_until_stopped(async move {
            let _ = rx.await;
        }));
        (base, tx)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A valid one-hour token for `user`.
pub fn token_for(user: &str) -> String {
    gateway::auth::mint_token(
        &SecretString::from(TEST_SECRET.to_owned()),
        user,
        std::time::Duration::from_secs(3600),
    )
    .expect("token signs")
}

/// The `X-Total-Count` header as a number.
pub fn total_count(resp: &Response) -> i64 {
    resp.headers()
        .get("x-total-count")
        .expect("X-Total-Count present")
        .to_str()
        .expect("ASCII header")
        .parse()
        .expect("numeric X-Total-Count")
}

/// The response's `Content-Type`, or empty.
pub fn content_type(resp: &Response) -> String {
    resp.headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Asserts the response is the JSON error shape with `status` and `code`; returns the message.
pub async fn assert_error(resp: Response, status: u16, code: &str, what: &str) -> String {
    assert_eq!(resp.status().as_u16(), status, "{what}: status");
    let content_type = content_type(&resp);
    assert!(
        content_type.starts_with("application/json"),
        "{what}: content type {content_type}"
    );
    let body: Value = resp.json().await.expect("error body is JSON");
    assert_eq!(body["error"]["code"], code, "{what}: code in {body}");
    let message = body["error"]["message"]
        .as_str()
        .expect("message is text")
        .to_owned();
    assert!(!message.is_empty(), "{what}: message present");
    message
}

/// Stores a user message and its queued job in `conversation` as the gateway's accept does,
/// without publishing it; returns the job's id.
pub async fn store_queued_job(
    pool: &PgPool,
    user: &common::domain::UserId,
    conversation: uuid::Uuid,
    text: &str,
) -> uuid::Uuid {
    use common::db::jobs::{Acceptance, NewTurn, accept};
    let turn = NewTurn {
        job_id: uuid::Uuid::now_v7(),
        message_id: uuid::Uuid::now_v7(),
        user,
        conversation: Some(conversation),
        new_conversation_id: uuid::Uuid::now_v7(),
        new_conversation_title: "unused",
        time_zone: None,
        prompt: text,
    };
    match accept(pool, turn, i64::MAX).await.expect("accepted") {
        Acceptance::Queued(job) => job.id,
        other => panic!("not stored: {other:?}"),
    }
}

/// Bounded wait for an async condition that has no event to await (state in Postgres or
/// JetStream that nothing announces).
pub async fn eventually<F, Fut>(what: &str, check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    eventually_within(std::time::Duration::from_secs(30), what, check).await;
}

/// [`eventually`] with its own bound.
pub async fn eventually_within<F, Fut>(limit: std::time::Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting until {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// A tool caller for `user` in UTC, now.
pub fn utc_caller(user: &common::domain::UserId) -> common::tools::Caller<'_> {
    common::tools::Caller::new(
        user,
        common::dates::DateContext::new(chrono::Utc::now(), common::dates::Zone::UTC),
    )
}
