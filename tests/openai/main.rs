//! The OpenAI-compatible provider against the fake OpenAI server on a real socket: streaming,
//! tool calls, what the requests carry, lenient chunks, and retries of transient failures.

mod failures;
mod retries;
mod streaming;

use std::time::{Duration, Instant};

use async_trait::async_trait;
use secrecy::SecretString;
use serde_json::json;
use taskwire_tests::fake_openai::FakeOpenAi;
use worker::agent::{
    model::{ChatMessage, ChatModel, DeltaSink, ModelError, ModelRequest, ModelTurn, ToolSpec},
    openai::{OpenAiModel, OpenAiSettings},
};

/// Settings pointing at `fake`, with short waits so failing tests fail fast.
fn settings(fake: &FakeOpenAi) -> OpenAiSettings {
    OpenAiSettings {
        base_url: fake.base_url.clone(),
        api_key: Some(SecretString::from("sk-test")),
        model: "gpt-test".into(),
        request_timeout: Duration::from_secs(5),
        max_retries: 2,
        temperature: None,
    }
}

/// A model for `fake` with `settings` adjusted, backing off 10 ms, 20 ms … up to 2 s.
fn model_with(fake: &FakeOpenAi, adjust: impl FnOnce(&mut OpenAiSettings)) -> OpenAiModel {
    let mut settings = settings(fake);
    adjust(&mut settings);
    OpenAiModel::new(settings).with_backoff(Duration::from_millis(10), Duration::from_secs(2))
}

fn model(fake: &FakeOpenAi) -> OpenAiModel {
    model_with(fake, |_| {})
}

/// Records every delta with the time it arrived.
#[derive(Default)]
struct Deltas(Vec<(Instant, String)>);

impl Deltas {
    fn texts(&self) -> Vec<&str> {
        self.0.iter().map(|(_, t)| t.as_str()).collect()
    }
}

#[async_trait]
impl DeltaSink for Deltas {
    async fn delta(&mut self, text: &str) {
        self.0.push((Instant::now(), text.to_owned()));
    }
}

fn user(text: &str) -> ModelRequest {
    ModelRequest {
        messages: vec![ChatMessage::User(text.into())],
        tools: Vec::new().into(),
        dates: sent_at(),
        force_tool: None,
    }
}

/// The user's clock in these tests: Friday 2026-12-04 10:00 in UTC.
fn sent_at() -> common::dates::DateContext {
    let now = chrono::DateTime::parse_from_rfc3339("2026-12-04T10:00:00Z")
        .expect("a fixed instant")
        .to_utc();
    common::dates::DateContext::new(now, common::dates::Zone::UTC)
}

/// What the server receives as the user's last message: the text, then when it was sent.
const SENT_NOTE: &str = "\n\n(sent Friday, December 4, 2026, 10:00 in UTC (UTC+00:00))";

fn add_task_tool() -> ToolSpec {
    ToolSpec {
        name: "add_task",
        description: "Adds a task to the user's list.",
        parameters: json!({
            "type": "object",
            "properties": {
                "title": {"type": "string"},
                "due": {"type": "string", "format": "date"},
            },
            "required": ["title"],
        }),
        ..Default::default()
    }
}

/// Runs one step of `model` on `request`; returns the result and the deltas.
async fn step(
    model: &OpenAiModel,
    request: &ModelRequest,
) -> (Result<ModelTurn, ModelError>, Deltas) {
    let mut deltas = Deltas::default();
    let result = model.step(request, &mut deltas).await;
    (result, deltas)
}

fn assert_transient<T: std::fmt::Debug>(result: &Result<T, ModelError>, what: &str) {
    assert!(
        matches!(result, Err(ModelError::Transient { .. })),
        "{what}: expected Transient, got {result:?}"
    );
}
