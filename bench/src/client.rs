//! The harness's HTTP client: bearer tokens per user, and one chat turn over
//! `POST /api/{user}/chat/stream` timed at `accepted`, first `delta` and `done`.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use eventsource_stream::Eventsource;
use futures::StreamExt;
use secrecy::SecretString;
use serde_json::{Value, json};
use uuid::Uuid;

/// A client for one gateway.
#[derive(Clone)]
pub struct Client {
    pub base: String,
    pub http: reqwest::Client,
    secret: SecretString,
    tokens: Arc<Mutex<HashMap<String, String>>>,
}

/// The timings of one chat turn, measured from the moment the request was sent.
#[derive(Debug, Clone)]
pub struct Turn {
    pub conversation_id: Uuid,
    pub job_id: Uuid,
    pub accepted: Duration,
    pub first_delta: Option<Duration>,
    pub done: Duration,
    /// Wall-clock time the client saw `done`, to compare with the job's timestamps.
    pub done_at: DateTime<Utc>,
    /// When the turn ended (for throughput windows).
    pub ended: Instant,
    /// `done` (true) or `error` (false).
    pub ok: bool,
}

impl Client {
    /// A client for `base` (e.g. `http://127.0.0.1:8080`) minting HS256 tokens with `secret`,
    /// keeping connections alive between requests.
    pub fn new(base: &str, secret: &str) -> anyhow::Result<Self> {
        Self::with_keepalive(base, secret, true)
    }

    /// Like [`Client::new`]; without `keepalive` every request opens its own connection.
    pub fn with_keepalive(base: &str, secret: &str, keepalive: bool) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(if keepalive { 4096 } else { 0 })
            .tcp_nodelay(true)
            .timeout(Duration::from_secs(300))
            .build()?;
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            http,
            secret: SecretString::from(secret.to_owned()),
            tokens: Arc::default(),
        })
    }

    /// A (cached) two-hour token for `user`.
    pub fn token(&self, user: &str) -> anyhow::Result<String> {
        let mut tokens = self
            .tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(token) = tokens.get(user) {
            return Ok(token.clone());
        }
        let token = gateway::auth::mint_token(&self.secret, user, Duration::from_secs(7200))?;
        tokens.insert(user.to_owned(), token.clone());
        Ok(token)
    }

    /// A request to `path` with `user`'s token.
    pub fn request(
        &self,
        method: reqwest::Method,
        user: &str,
        path: &str,
    ) -> anyhow::Result<reqwest::RequestBuilder> {
        Ok(self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(self.token(user)?))
    }

    /// Sends `message` (into `conversation`, or a new one) and reads the stream to its end.
    pub async fn turn(
        &self,
        user: &str,
        conversation: Option<Uuid>,
        message: &str,
    ) -> anyhow::Result<Turn> {
        let mut body = json!({ "message": message });
        if let Some(id) = conversation {
            body["conversation_id"] = json!(id);
        }
        let start = Instant::now();
        let resp = self
            .request(
                reqwest::Method::POST,
                user,
                &format!("/api/{user}/chat/stream"),
            )?
            .json(&body)
            .send()
            .await
            .context("sending the chat request")?;
        if !resp.status().is_success() {
            let status = resp.status();
            let text = resp.text().await.unwrap_or_default();
            bail!("chat answered {status}: {text}");
        }
        read_turn(resp, start).await
    }

    /// Waits until `/readyz` answers 200, for at most `timeout`.
    pub async fn wait_ready(&self, timeout: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            let ready = self
                .http
                .get(format!("{}/readyz", self.base))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if ready {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "the gateway at {} was not ready within {timeout:?}",
                    self.base
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Reads one turn's SSE stream to `done` or `error`.
async fn read_turn(resp: reqwest::Response, start: Instant) -> anyhow::Result<Turn> {
    let mut events = resp.bytes_stream().eventsource();
    let mut accepted = None;
    let mut first_delta = None;
    let mut ids = None;
    while let Some(event) = events.next().await {
        let event = event.context("reading the event stream")?;
        let at = start.elapsed();
        match event.event.as_str() {
            "accepted" => {
                accepted = Some(at);
                let data: Value = serde_json::from_str(&event.data).context("accepted JSON")?;
                ids = Some((
                    uuid_field(&data, "conversation_id")?,
                    uuid_field(&data, "job_id")?,
                ));
            }
            "delta" if first_delta.is_none() => first_delta = Some(at),
            "done" | "error" => {
                let (conversation_id, job_id) = ids.context("the stream had no accepted event")?;
                return Ok(Turn {
                    conversation_id,
                    job_id,
                    accepted: accepted.unwrap_or(at),
                    first_delta,
                    done: at,
                    done_at: Utc::now(),
                    ended: Instant::now(),
                    ok: event.event == "done",
                });
            }
            _ => {}
        }
    }
    bail!("the event stream ended without done or error")
}

fn uuid_field(data: &Value, field: &str) -> anyhow::Result<Uuid> {
    data.get(field)
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("no {field} in {data}"))
}
