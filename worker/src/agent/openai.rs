//! The OpenAI-compatible provider: streamed Chat Completions with tools against any
//! OpenAI-compatible base URL (OpenAI, Ollama, vLLM, llama.cpp server, LM Studio).
//!
//! It goes through async-openai's `byot` streaming API with chunk types of our own
//! ([`stream`]) because the crate's strict types reject what real servers send. Transient
//! failures (timeouts, cut or stalled streams, 408/409/425, 429s in other shapes) are retried
//! here with exponential back-off, but only while no text of the attempt has reached the sink:
//! once the user has seen part of an answer, the caller decides.
//!
//! async-openai 0.43 shapes a few things here:
//! - its client retries OpenAI-shaped 429s, 5xx and connection failures three times by itself
//!   (honouring `Retry-After`), and without its `middleware` feature that cannot be turned off;
//!   those failures are not retried again here, so `max_retries` covers the rest;
//! - error responses lose their headers, so `Retry-After` is read from the error message
//!   ([`errors`]), where OpenAI states it too;
//! - `[DONE]` is swallowed and a cleanly closed stream looks the same, so an answer counts as
//!   complete only once a chunk carried a `finish_reason`;
//! - `OpenAIConfig` always sends `Authorization: Bearer <key>`; without a key the header is
//!   `Bearer ` with nothing after it, which keyless servers (Ollama, vLLM) ignore.

mod errors;
mod request;
mod stream;

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
        let key = settings
            .api_key
            .as_ref()
            .map_or("", |key| key.expose_secret());
        // async-openai panics on a key that is not a valid header value: refuse it here.
        let unusable = (!key.bytes().all(|b| b == b'\t' || (b >= 0x20 && b != 0x7f)))
            .then_some("the API key contains characters an HTTP header cannot carry");
        // Every field is set: `OpenAIConfig::new()` would otherwise read OPENAI_* variables.
        let config = OpenAIConfig::new()
            .with_api_base(settings.base_url.trim_end_matches('/'))
            .with_api_key(if unusable.is_some() { "" } else { key })
            .with_org_id("")
            .with_project_id("");
        Self {
            client: Client::with_config(config),
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

    /// The wait before the next attempt after `failure`, or `None` to give up: the failure is
    /// permanent or was retried already, text has reached the sink, attempts are used up, or
    /// the server wants a longer pause than we wait inline.
    fn retry_delay(&self, failure: &Failure, retries: u32, emitted: bool) -> Option<Duration> {
        let ModelError::Transient { retry_after, .. } = &failure.error else {
            return None;
        };
        if failure.retried || emitted || retries >= self.settings.max_retries {
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

    /// One request: streams the answer's text into `sink` and sets `emitted` once any has
    /// gone out.
    async fn attempt(
        &self,
        body: &Value,
        sink: &mut dyn DeltaSink,
        emitted: &mut bool,
    ) -> Result<ModelTurn, Failure> {
        let limit = self.settings.request_timeout;
        let chat = self.client.chat();
        let opening = chat.create_stream_byot::<_, Chunk>(body);
        let mut chunks = match timeout(limit, opening).await {
            Err(_) => return Err(timed_out(format!("no response within {limit:?}")).into()),
            Ok(Err(error)) => {
                return Err(Failure {
                    retried: errors::retried_by_client(&error),
                    error: errors::from_openai(error),
                });
            }
            Ok(Ok(chunks)) => chunks,
        };
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
                    return Err(timed_out(format!("the stream stalled for {limit:?}")).into());
                }
            };
            match item {
                Ok(chunk) => {
                    if let Some(text) = answer.push(chunk)? {
                        sink.delta(&text).await;
                        *emitted = true;
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
                Err(error) => return Err(errors::from_openai(error).into()),
            }
        }
        Ok(answer.finish()?)
    }
}

/// A failed attempt, and whether async-openai already retried it.
#[derive(Debug)]
struct Failure {
    error: ModelError,
    retried: bool,
}

impl From<ModelError> for Failure {
    fn from(error: ModelError) -> Self {
        Self {
            error,
            retried: false,
        }
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
        let body = request::body(&self.settings.model, self.settings.temperature, request);
        let mut retries = 0;
        loop {
            let mut emitted = false;
            let failure = match self.attempt(&body, sink, &mut emitted).await {
                Ok(turn) => return Ok(turn),
                Err(failure) => failure,
            };
            let Some(delay) = self.retry_delay(&failure, retries, emitted) else {
                return Err(failure.error);
            };
            retries += 1;
            let error = &failure.error;
            tracing::warn!(%error, retry = retries, ?delay, "model request failed; retrying");
            tokio::time::sleep(delay).await;
        }
    }
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

    fn transient(retry_after: Option<Duration>) -> Failure {
        ModelError::Transient {
            message: "busy".into(),
            retry_after,
        }
        .into()
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
    fn no_retry_after_text_was_sent_attempts_ran_out_or_for_final_failures() {
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
            model.retry_delay(&ModelError::Permanent("no".into()).into(), 0, false),
            None,
            "permanent"
        );
        let retried = Failure {
            retried: true,
            ..transient(None)
        };
        assert_eq!(
            model.retry_delay(&retried, 0, false),
            None,
            "retried by async-openai"
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
            tools: vec![],
        };

        let result = model.step(&request, &mut Ignore).await;

        assert!(
            matches!(result, Err(ModelError::Permanent(_))),
            "{result:?}"
        );
    }
}
