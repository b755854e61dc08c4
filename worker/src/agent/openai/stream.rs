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
mod tests {
    use serde_json::json;

    use super::*;

    /// Feeds JSON chunks through the accumulator; returns the turn and the text deltas.
    fn run(chunks: &[Value]) -> (Result<ModelTurn, ModelError>, Vec<String>) {
        let mut acc = Accumulator::default();
        let mut deltas = Vec::new();
        for chunk in chunks {
            let chunk: Chunk = serde_json::from_value(chunk.clone()).expect("a lenient chunk");
            if let Some(text) = acc.push(chunk).expect("no error chunk") {
                deltas.push(text);
            }
        }
        (acc.finish(), deltas)
    }

    fn turn(chunks: &[Value]) -> ModelTurn {
        run(chunks).0.expect("a finished turn")
    }

    fn delta(delta: Value) -> Value {
        json!({"choices": [{"index": 0, "delta": delta}]})
    }

    fn calls(delta_calls: Value) -> Value {
        delta(json!({"tool_calls": delta_calls}))
    }

    fn stop(reason: &str) -> Value {
        json!({"choices": [{"index": 0, "delta": {}, "finish_reason": reason}]})
    }

    fn call(id: &str, name: &str, arguments: &str) -> ToolCall {
        ToolCall {
            id: id.into(),
            name: name.into(),
            arguments: arguments.into(),
        }
    }

    #[test]
    fn text_deltas_are_passed_on_in_order_and_add_up_to_the_text() {
        let (result, deltas) = run(&[
            delta(json!({"role": "assistant", "content": ""})),
            delta(json!({"content": "Hel"})),
            delta(json!({"content": "lo"})),
            json!({"choices": [{"delta": {"content": "!"}, "finish_reason": "stop"}]}),
        ]);

        assert_eq!(deltas, ["Hel", "lo", "!"]);
        assert_eq!(result.expect("finished").text, "Hello!");
    }

    #[test]
    fn interleaved_fragments_are_assembled_by_index() {
        let turn = turn(&[
            calls(json!([{"index": 0, "id": "a", "type": "function",
                "function": {"name": "add_task", "arguments": ""}}])),
            calls(json!([{"index": 1, "id": "b", "type": "function",
                "function": {"name": "list_tasks", "arguments": ""}}])),
            calls(json!([{"index": 1, "function": {"arguments": "{\"status\""}}])),
            calls(json!([{"index": 0, "function": {"arguments": "{\"title\":"}}])),
            calls(json!([{"index": 0, "function": {"arguments": "\"milk\"}"}}])),
            calls(json!([{"index": 1, "function": {"arguments": ":\"open\"}"}}])),
            stop("tool_calls"),
        ]);

        assert_eq!(
            turn.tool_calls,
            [
                call("a", "add_task", r#"{"title":"milk"}"#),
                call("b", "list_tasks", r#"{"status":"open"}"#),
            ]
        );
        assert_eq!(turn.text, "");
    }

    #[test]
    fn calls_without_index_or_id_are_placed_by_position_and_given_ids() {
        let turn = turn(&[
            calls(json!([
                {"function": {"name": "add_task", "arguments": "{\"title\":\"a\"}"}},
                {"function": {"name": "add_task", "arguments": "{\"title\":\"b\"}"}},
            ])),
            stop("tool_calls"),
        ]);

        assert_eq!(
            turn.tool_calls,
            [
                call("call_0", "add_task", r#"{"title":"a"}"#),
                call("call_1", "add_task", r#"{"title":"b"}"#),
            ]
        );
    }

    #[test]
    fn a_call_without_index_keeps_collecting_its_fragments() {
        let turn = turn(&[
            calls(json!([{"id": "x", "function": {"name": "add_task"}}])),
            calls(json!([{"function": {"arguments": "{\"title\""}}])),
            calls(json!([{"function": {"arguments": ":\"tea\"}"}}])),
            stop("tool_calls"),
        ]);

        assert_eq!(
            turn.tool_calls,
            [call("x", "add_task", r#"{"title":"tea"}"#)]
        );
    }

    #[test]
    fn complete_calls_each_sent_as_index_0_with_their_own_id_stay_apart() {
        let turn = turn(&[
            calls(json!([{"index": 0, "id": "a", "function": {"name": "f", "arguments": "{}"}}])),
            calls(json!([{"index": 0, "id": "b", "function": {"name": "g", "arguments": "{}"}}])),
            stop("tool_calls"),
        ]);

        assert_eq!(
            turn.tool_calls,
            [call("a", "f", "{}"), call("b", "g", "{}")]
        );
    }

    #[test]
    fn arguments_sent_as_an_object_are_written_as_json_text() {
        let turn = turn(&[
            calls(json!([{"index": 0, "id": "c1",
                "function": {"name": "add_task", "arguments": {"title": "milk", "priority": 2}}}])),
            stop("stop"),
        ]);

        let arguments: Value =
            serde_json::from_str(&turn.tool_calls[0].arguments).expect("JSON text");
        assert_eq!(arguments, json!({"title": "milk", "priority": 2}));
    }

    #[test]
    fn missing_arguments_read_as_an_empty_object() {
        let turn = turn(&[
            calls(json!([{"index": 0, "id": "c", "function": {"name": "list_tasks"}}])),
            stop("tool_calls"),
        ]);

        assert_eq!(turn.tool_calls, [call("c", "list_tasks", "{}")]);
    }

    #[test]
    fn a_repeated_name_is_not_doubled() {
        let turn = turn(&[
            calls(
                json!([{"index": 0, "id": "c", "function": {"name": "add_task", "arguments": "{"}}]),
            ),
            calls(json!([{"index": 0, "function": {"name": "add_task", "arguments": "}"}}])),
            stop("tool_calls"),
        ]);

        assert_eq!(turn.tool_calls, [call("c", "add_task", "{}")]);
    }

    #[test]
    fn odd_and_missing_fields_are_ignored() {
        let (result, deltas) = run(&[
            json!({"choices": [{"delta": {"content": "a"}, "finish_reason": ""}], "extra": [1]}),
            json!({"id": 5, "object": null, "choices": [{"index": "zero", "delta": {"content": 7}}]}),
            json!({"choices": null}),
            json!({}),
            json!({"choices": [{"index": 1, "delta": {"content": "other choice"}}]}),
            json!({"choices": [{"delta": {"content": "b"}, "finish_reason": null}]}),
            json!({"choices": [{"message": {"content": "c"}, "finish_reason": "stop"}]}),
        ]);

        assert_eq!(deltas, ["a", "b", "c"]);
        assert_eq!(result.expect("finished").text, "abc");
    }

    #[test]
    fn a_stream_without_finish_reason_is_transient() {
        let (result, _) = run(&[delta(json!({"content": "partial"}))]);

        assert!(
            matches!(result, Err(ModelError::Transient { .. })),
            "{result:?}"
        );
    }

    #[test]
    fn an_error_object_in_the_stream_is_transient() {
        let mut acc = Accumulator::default();
        let chunk: Chunk = serde_json::from_value(
            json!({"error": {"message": "overloaded", "type": "server_error"}}),
        )
        .expect("a lenient chunk");

        let result = acc.push(chunk);

        assert!(
            matches!(&result, Err(ModelError::Transient { message, .. }) if message.contains("overloaded")),
            "{result:?}"
        );
    }
}
