//! Streamed chunks, read leniently, and their accumulation into one [`ModelTurn`].
//!
//! Real OpenAI-compatible servers differ from the OpenAI reference: tool-call deltas without
//! `index` or `id`, `finish_reason: ""` on every chunk, `arguments` as a JSON object, missing
//! `id`/`object`/`type`. Every field here is optional, and a field of an unexpected type reads
//! as absent instead of failing the whole chunk.

use serde::{Deserialize, Deserializer, de::DeserializeOwned};
use serde_json::Value;

use crate::agent::model::{ModelError, ModelTurn, ToolCall};

/// One `data:` event of the stream.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Chunk {
    #[serde(deserialize_with = "lenient_vec")]
    choices: Vec<Choice>,
    /// Some servers report a failure inside an open stream instead of with a status.
    #[serde(deserialize_with = "lenient")]
    error: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Choice {
    #[serde(deserialize_with = "lenient")]
    index: Option<u32>,
    #[serde(deserialize_with = "lenient")]
    delta: Option<Delta>,
    /// A few servers send the final piece as a `message` instead of a `delta`.
    #[serde(deserialize_with = "lenient")]
    message: Option<Delta>,
    #[serde(deserialize_with = "lenient")]
    finish_reason: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Delta {
    #[serde(deserialize_with = "lenient")]
    content: Option<String>,
    #[serde(deserialize_with = "lenient_vec")]
    tool_calls: Vec<ToolCallDelta>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ToolCallDelta {
    #[serde(deserialize_with = "lenient")]
    index: Option<u32>,
    #[serde(deserialize_with = "lenient")]
    id: Option<String>,
    #[serde(deserialize_with = "lenient")]
    function: Option<FunctionDelta>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct FunctionDelta {
    #[serde(deserialize_with = "lenient")]
    name: Option<String>,
    /// A piece of the JSON text, or (some servers) the whole arguments as an object.
    #[serde(deserialize_with = "lenient")]
    arguments: Option<Value>,
}

/// A field of the wrong type (or `null`) reads as absent.
fn lenient<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let value = Value::deserialize(deserializer)?;
    Ok(serde_json::from_value(value).ok())
}

fn lenient_vec<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    Ok(lenient(deserializer)?.unwrap_or_default())
}

/// A tool call being assembled from its fragments.
#[derive(Debug)]
struct PartialCall {
    /// The stream's `index` for this call (or a stand-in when the server sent none).
    key: u32,
    id: Option<String>,
    name: String,
    arguments: String,
}

/// Everything received so far in one streamed answer.
#[derive(Debug, Default)]
pub(super) struct Accumulator {
    text: String,
    calls: Vec<PartialCall>,
    finish_reason: Option<String>,
    chunks: usize,
}

impl Accumulator {
    /// Adds one chunk; returns the text it added, to be streamed on at once.
    pub(super) fn push(&mut self, chunk: Chunk) -> Result<Option<String>, ModelError> {
        self.chunks += 1;
        if let Some(error) = chunk.error.filter(|e| !e.is_null()) {
            return Err(ModelError::Transient {
                message: format!(
                    "the server reported an error mid-stream: {}",
                    describe(&error)
                ),
                retry_after: None,
            });
        }
        let mut text = String::new();
        // Only the first choice is ours: we never ask for `n > 1`.
        for choice in chunk
            .choices
            .into_iter()
            .filter(|c| c.index.unwrap_or(0) == 0)
        {
            let delta = choice.delta.or(choice.message).unwrap_or_default();
            if let Some(content) = delta.content {
                text.push_str(&content);
            }
            for (position, fragment) in delta.tool_calls.into_iter().enumerate() {
                self.add_fragment(position, fragment);
            }
            if let Some(reason) = choice.finish_reason.filter(|r| !r.is_empty()) {
                self.finish_reason = Some(reason);
            }
        }
        self.text.push_str(&text);
        Ok((!text.is_empty()).then_some(text))
    }

    /// Whether the server said the answer is complete.
    pub(super) fn finished(&self) -> bool {
        self.finish_reason.is_some()
    }

    /// The complete answer, or `Transient` when the stream stopped before the server said it
    /// was done. (async-openai swallows `[DONE]`, so `finish_reason` is the only sign.)
    pub(super) fn finish(mut self) -> Result<ModelTurn, ModelError> {
        if !self.finished() {
            let message = if self.chunks == 0 {
                "the stream ended without an answer".to_owned()
            } else {
                format!(
                    "the stream ended after {} chunks without a finish_reason",
                    self.chunks
                )
            };
            return Err(ModelError::Transient {
                message,
                retry_after: None,
            });
        }
        self.calls.sort_by_key(|c| c.key);
        let mut tool_calls = Vec::with_capacity(self.calls.len());
        for (n, call) in self.calls.into_iter().enumerate() {
            if call.name.is_empty() {
                tracing::warn!(
                    index = call.key,
                    "dropping a streamed tool call without a name"
                );
                continue;
            }
            tool_calls.push(ToolCall {
                id: call.id.unwrap_or_else(|| format!("call_{n}")),
                name: call.name,
                arguments: if call.arguments.trim().is_empty() {
                    "{}".to_owned()
                } else {
                    call.arguments
                },
            });
        }
        Ok(ModelTurn {
            text: self.text,
            tool_calls,
        })
    }

    fn add_fragment(&mut self, position: usize, fragment: ToolCallDelta) {
        let id = fragment.id.filter(|id| !id.is_empty());
        let key = self.key_for(position, fragment.index, id.as_deref());
        let at = match self.calls.iter().position(|c| c.key == key) {
            Some(at) => at,
            None => {
                self.calls.push(PartialCall {
                    key,
                    id: None,
                    name: String::new(),
                    arguments: String::new(),
                });
                self.calls.len() - 1
            }
        };
        let call = &mut self.calls[at];
        if call.id.is_none() {
            call.id = id;
        }
        let Some(function) = fragment.function else {
            return;
        };
        if let Some(name) = function.name.filter(|n| !n.is_empty()) {
            // Most servers send the name once; some repeat it, a few split it.
            if call.name.is_empty() {
                call.name = name;
            } else if call.name != name {
                call.name.push_str(&name);
            }
        }
        match function.arguments {
            Some(Value::String(piece)) => call.arguments.push_str(&piece),
            Some(Value::Null) | None => {}
            Some(whole) => call.arguments = whole.to_string(),
        }
    }

    /// Which call a fragment belongs to: its `index`, else its position in the delta; but a
    /// fragment with an id already seen joins that call, and a new id never joins a call that
    /// has another id (servers that number every call 0, or none).
    fn key_for(&self, position: usize, index: Option<u32>, id: Option<&str>) -> u32 {
        let key = index.unwrap_or_else(|| u32::try_from(position).unwrap_or(u32::MAX));
        let Some(id) = id else {
            return key;
        };
        if let Some(known) = self.calls.iter().find(|c| c.id.as_deref() == Some(id)) {
            return known.key;
        }
        match self.calls.iter().find(|c| c.key == key) {
            Some(taken) if taken.id.is_some() => self
                .calls
                .iter()
                .map(|c| c.key)
                .max()
                .unwrap_or(0)
                .saturating_add(1),
            _ => key,
        }
    }
}

/// A short description of an error object sent in the stream.
fn describe(error: &Value) -> String {
    let text = error
        .get("message")
        .and_then(Value::as_str)
        .map_or_else(|| error.to_string(), str::to_owned);
    super::errors::truncate(&text)
}

#[cfg(test)]
mod tests;
