//! The quirks of real OpenAI-compatible servers, as the fake plays them (`FakeOpenAi::start_as`).
//! Each is what the server is known to send or refuse; a test named after each server runs a
//! turn that needs the model twice against it.

use serde_json::{Value, json};

use super::{
    FakeCall, Reply,
    replies::{Frame, chunk, finished, sse},
};

/// Which server the fake plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ServerKind {
    /// OpenAI's own API, as the reference.
    #[default]
    OpenAi,
    /// `python -m llama_cpp.server --chat_format chatml-function-calling` (0.3.36): when the
    /// model chooses a tool in a streamed request, it raises "Automatic streaming tool choice
    /// is not supported" after sending `200` and the event-stream headers, so the stream ends
    /// before its first chunk (text streams fine); and it refuses an assistant message whose
    /// `content` is null (422, pydantic's "Input should be a valid string").
    LlamaCppPython,
    /// A server that refuses a streamed request with tools with an error status saying so
    /// (`500: Automatic streaming tool choice is not supported`).
    RefusesStreamingTools,
    /// Ollama's `/v1`: a tool call streamed whole in one chunk, without `index`, the turn
    /// ended with `finish_reason: "stop"` even after tool calls; every text chunk repeats
    /// the role.
    Ollama,
    /// vLLM with `--enable-auto-tool-choice`: `content: null` in every tool-call delta, the
    /// id and name only in the first fragment, and a closing chunk with no choices at all.
    Vllm,
    /// LM Studio: a numeric-looking call id and the function name repeated in every
    /// fragment, `content: ""` beside the calls.
    LmStudio,
}

/// The error a server answers `body` with before looking at it any further, if any.
pub(super) fn refusal(server: ServerKind, body: &Value) -> Option<(u16, Value)> {
    if !matches!(
        server,
        ServerKind::LlamaCppPython | ServerKind::RefusesStreamingTools
    ) {
        return None;
    }
    let messages = body["messages"].as_array().cloned().unwrap_or_default();
    if let Some(at) = messages
        .iter()
        .position(|m| m["role"] == "assistant" && m.get("content").is_none_or(Value::is_null))
    {
        return Some((
            422,
            json!({"detail": [{"type": "string_type", "loc": ["body", "messages", at, "content"],
                "msg": "Input should be a valid string", "input": null}]}),
        ));
    }
    let has_tools = body["tools"].as_array().is_some_and(|t| !t.is_empty());
    if server == ServerKind::RefusesStreamingTools && body["stream"] == true && has_tools {
        return Some((
            500,
            json!({"error": {"message": "Automatic streaming tool choice is not supported",
                "type": "internal_server_error", "param": null, "code": null}}),
        ));
    }
    None
}

/// The reply as `server` plays it: llama-cpp-python drops a streamed answer that is a tool
/// call before its first chunk.
pub(super) fn as_played(server: ServerKind, body: &Value, reply: Reply) -> Reply {
    match reply {
        Reply::ToolCalls(_) if server == ServerKind::LlamaCppPython && body["stream"] == true => {
            Reply::Dropped
        }
        reply => reply,
    }
}

/// Streamed text as `server` writes it.
pub(super) fn text(server: ServerKind, model: &str, chunks: &[String]) -> Vec<Frame> {
    let mut frames = Vec::new();
    for (n, text) in chunks.iter().enumerate() {
        let delta = match server {
            ServerKind::Ollama | ServerKind::LmStudio => {
                json!({"role": "assistant", "content": text})
            }
            _ if n == 0 => json!({"role": "assistant", "content": text}),
            _ => json!({"content": text}),
        };
        frames.push(Frame::Data(chunk(model, delta, None)));
    }
    end(server, frames, model, "stop")
}

/// Streamed tool calls as `server` writes them.
pub(super) fn calls(server: ServerKind, model: &str, calls: &[FakeCall]) -> Vec<Frame> {
    let mut frames = Vec::new();
    for (i, call) in calls.iter().enumerate() {
        match server {
            ServerKind::Ollama => frames.push(Frame::Data(chunk(
                model,
                json!({"role": "assistant", "content": "", "tool_calls": [{"id": call.id,
                    "type": "function", "function": {"name": call.name, "arguments": call.arguments()}}]}),
                None,
            ))),
            ServerKind::Vllm => {
                frames.push(Frame::Data(chunk(
                    model,
                    json!({"content": null, "tool_calls": [{"index": i, "id": call.id, "type": "function",
                        "function": {"name": call.name}}]}),
                    None,
                )));
                for piece in &call.argument_fragments {
                    frames.push(Frame::Data(chunk(
                        model,
                        json!({"content": null, "tool_calls": [{"index": i, "function": {"arguments": piece}}]}),
                        None,
                    )));
                }
            }
            _ => {
                let id = format!("{}", 336_318_021 + i);
                for piece in &call.argument_fragments {
                    frames.push(Frame::Data(chunk(
                        model,
                        json!({"content": "", "tool_calls": [{"index": i, "id": id, "type": "function",
                            "function": {"name": call.name, "arguments": piece}}]}),
                        None,
                    )));
                }
            }
        }
    }
    let reason = if server == ServerKind::Ollama {
        "stop"
    } else {
        "tool_calls"
    };
    end(server, frames, model, reason)
}

fn end(server: ServerKind, frames: Vec<Frame>, model: &str, reason: &str) -> Vec<Frame> {
    let mut frames = finished(frames, model, reason);
    if server == ServerKind::Vllm {
        // The usage chunk, with no choices, before `[DONE]`.
        let done = frames.pop();
        frames.push(Frame::Data(sse(
            &json!({"id": "chatcmpl-fake", "object": "chat.completion.chunk",
            "model": model, "choices": [], "usage": {"prompt_tokens": 1, "completion_tokens": 1}}),
        )));
        frames.extend(done);
    }
    frames
}
