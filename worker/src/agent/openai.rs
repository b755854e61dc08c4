//! The OpenAI-compatible provider: streamed Chat Completions with tools against any
//! OpenAI-compatible base URL (OpenAI, Ollama, vLLM, llama.cpp server, LM Studio).
//!
//! It goes through async-openai's `byot` streaming API with chunk types of our own
//! ([`stream`]) because the crate's strict types reject what real servers send. Transient
//! failures (429, 5xx, connection failures, timeouts, cut or stalled streams) are retried here
//! and only here, up to `max_retries` times with exponential back-off or after the wait the
//! server asked for, but only while no text of the attempt has reached the sink: once the user
//! has seen part of an answer, the caller decides.
//!
//! async-openai 0.43 shapes a few things here:
//! - its default HTTP layer retries 429s, 5xx and connection failures by itself and drops the
//!   headers of error responses; with its `middleware` feature we install our own layer
//!   ([`http`]) that retries nothing and keeps the status and `Retry-After`;
//! - `[DONE]` is swallowed and a cleanly closed stream looks the same, so an answer counts as
//!   complete only once a chunk carried a `finish_reason`;
//! - `OpenAIConfig` always writes `Authorization: Bearer <key>`; our layer sets the header
//!   itself, and leaves it out when no key is configured (Ollama, vLLM).

mod errors;
mod http;
mod request;
mod stream;
mod whole;

use std::time::Duration;

use async_openai::{Client, config::OpenAIConfig};
use async_trait::async_trait;
use futures::StreamExt;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use tokio::time::timeout;

use super::model::{ChatModel, DeltaSink, ModelError, ModelRequest, ModelTurn};
use stream::{Accumulator, Chunk};

/// OpenAI's own endpoint; other servers are reached by changing the base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";

/// How long to keep reading after `finish_reason` for the end of the stream.
const DRAIN_GRACE: Duration = Duration::from_secs(1);

/// Where and how to reach an OpenAI-compatible server.
#[derive(Debug, Clone)]
pub struct OpenAiSettings {
    /// The API base including `/v1`, e.g. `http://localhost:11434/v1` for Ollama.
    pub base_url: String,
    /// `None` for servers without authentication.
    pub api_key: Option<SecretString>,
    pub model: String,
    /// How long to wait for the response to start, and for each next chunk of the stream.
    /// A steadily streaming answer may take longer than this in total.
    pub request_timeout: Duration,
    /// Further attempts after a transient failure, within one step.
    pub max_retries: u32,
    pub temperature: Option<f32>,
}

impl Default for OpenAiSettings {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            api_key: None,
            model: "gpt-4o-mini".to_owned(),
            request_timeout: Duration::from_secs(60),
            max_retries: 2,
            temperature: None,
        }
    }
}

/// The waits between attempts: `first`, doubling up to `max`.
#[derive(Debug, Clone, Copy)]
struct Backoff {
    first: Duration,
    max: Duration,
}

/// A [`ChatModel`] backed by an OpenAI-compatible Chat Completions endpoint.
#[derive(Debug, Clone)]
pub struct OpenAiModel {
    client: Client<OpenAIConfig>,
    settings: OpenAiSettings,
    backoff: Backoff,
    /// Why requests cannot be sent at all (an API key no HTTP header can carry).
    unusable: Option<&'static str>,
}

impl OpenAiModel {
    /// A model for `settings`, waiting 500 ms, 1 s, 2 s … (at most 10 s) between attempts.
    pub fn new(settings: OpenAiSettings) -> Self {
        let key = settings.api_key.as_ref().map(|key| key.expose_secret());
        let (authorization, unusable) = match http::authorization(key) {
            Ok(header) => (header, None),
            Err(_) => (
                None,
                Some("the API key contains characters an HTTP header cannot carry"),
            ),
        };
        let http_client = reqwest::Client::new();
        let http = http::PlainHttp::new(http_client.clone(), authorization);
        // Every field is set: `OpenAIConfig::new()` would otherwise read OPENAI_* variables.
        // The key stays out of it: `http` writes the `Authorization` header.
        let config = OpenAIConfig::new()
            .with_api_base(settings.base_url.trim_end_matches('/'))
            .with_api_key("")
            .with_org_id("")
            .with_project_id("");
        Self {
            client: Client::build(http_client, config).with_http_service(http),
            settings,
            backoff: Backoff {
                first: Duration::from_millis(500),
                max: Duration::from_secs(10),
            },
            unusable,
        }
    }

    /// Changes the waits between attempts to `first`, doubling up to `max`. A server asking
    /// for a longer wait than `max` is not retried here: the `Transient` error carries its
    /// `retry_after` for the caller.
    pub fn with_backoff(mut self, first: Duration, max: Duration) -> Self {
        self.backoff = Backoff { first, max };
        self
    }

    /// The settings this model was built with.
    pub fn settings(&self) -> &OpenAiSettings {
        &self.settings
    }

    /// The wait before the next attempt after `error`, or `None` to give up: the failure is
    /// permanent, text has reached the sink, attempts are used up, or the server wants a
    /// longer pause than we wait inline (the error carries it for the caller).
    fn retry_delay(&self, error: &ModelError, retries: u32, emitted: bool) -> Option<Duration> {
        let ModelError::Transient { retry_after, .. } = error else {
            return None;
        };
        if emitted || retries >= self.settings.max_retries {
            return None;
        }
        match retry_after {
            Some(wait) if *wait > self.backoff.max => None,
            Some(wait) => Some(*wait),
            None => Some(
                self.backoff
                    .first
                    .saturating_mul(2_u32.saturating_pow(retries))
                    .min(self.backoff.max),
            ),
        }
    }

    /// One request: streams the answer's text into `sink`, noting in `progress` how far the
    /// stream got.
    async fn attempt(
        &self,
        body: &Value,
        sink: &mut dyn DeltaSink,
        progress: &mut Progress,
    ) -> Result<ModelTurn, ModelError> {
        let limit = self.settings.request_timeout;
        let chat = self.client.chat();
        let opening = chat.create_stream_byot::<_, Chunk>(body);
        let mut chunks = match timeout(limit, opening).await {
            Err(_) => return Err(timed_out(format!("no response within {limit:?}"))),
            Ok(Err(error)) => return Err(errors::from_openai(error)),
            Ok(Ok(chunks)) => chunks,
        };
        progress.opened = true;
        let mut answer = Accumulator::default();
        loop {
            // After `finish_reason` only the end of the stream is missing: don't wait long.
            let wait = if answer.finished() {
                DRAIN_GRACE.min(limit)
            } else {
                limit
            };
            let item = match timeout(wait, chunks.next()).await {
                Ok(Some(item)) => item,
                Ok(None) => break,
                Err(_) if answer.finished() => break,
                Err(_) => {
                    return Err(timed_out(format!("the stream stalled for {limit:?}")));
                }
            };
            match item {
                Ok(chunk) => {
                    progress.chunks += 1;
                    if let Some(text) = answer.push(chunk)? {
                        sink.delta(&text).await;
                        progress.emitted = true;
                    }
                }
                // A chunk that is not JSON at all; async-openai has logged it. Later chunks
                // still count.
                Err(async_openai::error::OpenAIError::JSONDeserialize(error, _)) => {
                    tracing::warn!(%error, "skipping an unreadable stream chunk");
                }
                Err(error) if answer.finished() => {
                    tracing::debug!(%error, "the stream broke after the answer was complete");
                    break;
                }
                Err(error) => return Err(errors::from_openai(error)),
            }
        }
        answer.finish()
    }

    /// One request for a whole (not streamed) answer; its text goes to `sink` in one piece.
    async fn attempt_whole(
        &self,
        body: &Value,
        sink: &mut dyn DeltaSink,
    ) -> Result<ModelTurn, ModelError> {
        let limit = self.settings.request_timeout;
        let chat = self.client.chat();
        let asking = chat.create_byot::<_, Chunk>(body);
        let completion = match timeout(limit, asking).await {
            Err(_) => return Err(timed_out(format!("no answer within {limit:?}"))),
            Ok(Err(error)) => return Err(errors::from_openai(error)),
            Ok(Ok(completion)) => completion,
        };
        let mut answer = Accumulator::default();
        if let Some(text) = answer.push(completion)? {
            sink.delta(&text).await;
        }
        answer.finish()
    }
}

#[async_trait]
impl ChatModel for OpenAiModel {
    #[tracing::instrument(name = "openai_step", skip_all, fields(model = %self.settings.model))]
    async fn step(
        &self,
        request: &ModelRequest,
        sink: &mut dyn DeltaSink,
    ) -> Result<ModelTurn, ModelError> {
        if let Some(reason) = self.unusable {
            return Err(ModelError::Permanent(reason.to_owned()));
        }
        let (base_url, model) = (
            self.settings.base_url.as_str(),
            self.settings.model.as_str(),
        );
        let mut stream = request.tools.is_empty() || whole::streams_with_tools(base_url, model);
        // True while a whole answer is asked for because a stream failed as a server that
        // cannot stream with tools fails: its success is remembered.
        let mut probing = false;
        let mut retries = 0;
        loop {
            let body = request::body(model, self.settings.temperature, request, stream);
            let mut progress = Progress::default();
            let attempt = if stream {
                self.attempt(&body, sink, &mut progress).await
            } else {
                self.attempt_whole(&body, sink).await
            };
            let error = match attempt {
                Ok(turn) if stream => return Ok(turn),
                Ok(turn) => {
                    if probing {
                        whole::remember_refusal(base_url, model);
                    }
                    return Ok(turn);
                }
                Err(error) => error,
            };
            // A server that cannot stream with tools says so, or (llama-cpp-python's) opens
            // the stream and drops it before the first chunk: ask once for a whole answer.
            if stream && !request.tools.is_empty() && whole::may_refuse_streaming(&error, &progress)
            {
                stream = false;
                probing = true;
                continue;
            }
            probing = false;
            let Some(delay) = self.retry_delay(&error, retries, progress.emitted) else {
                return Err(error);
            };
            retries += 1;
            tracing::warn!(%error, retry = retries, ?delay, "model request failed; retrying");
            tokio::time::sleep(delay).await;
        }
    }
}

/// How far one streamed attempt got.
#[derive(Debug, Default)]
pub(super) struct Progress {
    /// The server answered 2xx and the stream opened.
    pub(super) opened: bool,
    /// Chunks read.
    pub(super) chunks: usize,
    /// Text reached the sink (the attempt cannot be retried unseen).
    pub(super) emitted: bool,
}

fn timed_out(message: String) -> ModelError {
    ModelError::Transient {
        message,
        retry_after: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(max_retries: u32) -> OpenAiModel {
        OpenAiModel::new(OpenAiSettings {
            max_retries,
            ..OpenAiSettings::default()
        })
        .with_backoff(Duration::from_millis(100), Duration::from_secs(1))
    }

    fn transient(retry_after: Option<Duration>) -> ModelError {
        ModelError::Transient {
            message: "busy".into(),
            retry_after,
        }
    }

    #[test]
    fn back_off_doubles_up_to_the_cap() {
        let model = model(10);
        let delays: Vec<_> = (0..6)
            .map(|n| model.retry_delay(&transient(None), n, false))
            .collect();

        let ms = |n| Some(Duration::from_millis(n));
        assert_eq!(
            delays,
            [ms(100), ms(200), ms(400), ms(800), ms(1000), ms(1000)]
        );
    }

    #[test]
    fn the_servers_wait_is_honoured_unless_it_is_longer_than_the_cap() {
        let model = model(3);

        assert_eq!(
            model.retry_delay(&transient(Some(Duration::from_millis(700))), 0, false),
            Some(Duration::from_millis(700))
        );
        assert_eq!(
            model.retry_delay(&transient(Some(Duration::from_secs(30))), 0, false),
            None
        );
    }

    #[test]
    fn no_retry_after_text_was_sent_attempts_ran_out_or_for_permanent_failures() {
        let model = model(2);

        assert_eq!(
            model.retry_delay(&transient(None), 0, true),
            None,
            "text sent"
        );
        assert_eq!(
            model.retry_delay(&transient(None), 2, false),
            None,
            "attempts used"
        );
        assert_eq!(
            model.retry_delay(&ModelError::Permanent("no".into()), 0, false),
            None,
            "permanent"
        );
    }

    #[tokio::test]
    async fn a_key_that_cannot_be_a_header_is_refused_without_a_request() {
        struct Ignore;
        #[async_trait]
        impl DeltaSink for Ignore {
            async fn delta(&mut self, _text: &str) {}
        }
        let model = OpenAiModel::new(OpenAiSettings {
            base_url: "http://127.0.0.1:9/v1".into(),
            api_key: Some(SecretString::from("sk-line\nbreak")),
            ..OpenAiSettings::default()
        });
        let request = ModelRequest {
            messages: vec![],
            tools: Vec::new().into(),
            dates: common::dates::DateContext::new(chrono::Utc::now(), common::dates::Zone::UTC),
            force_tool: None,
        };

        let result = model.step(&request, &mut Ignore).await;

        assert!(
            matches!(result, Err(ModelError::Permanent(_))),
            "{result:?}"
        );
    }
}
