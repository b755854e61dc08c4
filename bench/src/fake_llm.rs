//! A fake OpenAI-compatible model with a set pace, for the LLM-bound scenarios.
//!
//! `POST /v1/chat/completions` (streamed) answers a turn the way a real agent model does: when
//! the last message is the user's, one `list_tasks` tool call; when it is a tool result, a text
//! answer. Each answer waits `ttft` before its first chunk and then sends one chunk every
//! `1 / tokens_per_sec`, so a turn costs [`FakeLlmConfig::turn_time`] of model time however
//! many run at once.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use bytes::Bytes;
use futures::{StreamExt, stream};
use poem::{
    Body, EndpointExt, Response, Route, Server, handler,
    http::StatusCode,
    listener::{Acceptor, Listener, TcpListener},
    post,
    web::{Data, Json},
};
use serde::Serialize;
use serde_json::{Value, json};

/// The fake model's pace and answer sizes.
#[derive(Debug, Clone, Copy, Serialize, clap::Args)]
pub struct FakeLlmConfig {
    /// Time to the first chunk of every model call, in ms.
    #[arg(long = "ttft-ms", default_value_t = 800)]
    pub ttft_ms: u64,
    /// Chunks (tokens) per second after the first.
    #[arg(long = "tokens-per-sec", default_value_t = 40.0)]
    pub tokens_per_sec: f64,
    /// Argument fragments of the tool call.
    #[arg(long = "tool-tokens", default_value_t = 4)]
    pub tool_tokens: usize,
    /// Words of the text answer.
    #[arg(long = "text-tokens", default_value_t = 16)]
    pub text_tokens: usize,
}

impl Default for FakeLlmConfig {
    fn default() -> Self {
        Self {
            ttft_ms: 800,
            tokens_per_sec: 40.0,
            tool_tokens: 4,
            text_tokens: 16,
        }
    }
}

impl FakeLlmConfig {
    fn per_chunk(&self) -> Duration {
        if self.tokens_per_sec > 0.0 {
            Duration::from_secs_f64(1.0 / self.tokens_per_sec)
        } else {
            Duration::ZERO
        }
    }

    /// Model time of one call sending `frames` chunks: the first after `ttft`, then paced.
    fn call_time(&self, frames: usize) -> Duration {
        let paced = u32::try_from(frames.saturating_sub(1)).unwrap_or(u32::MAX);
        Duration::from_millis(self.ttft_ms) + self.per_chunk() * paced
    }

    /// Model time of one turn: the tool-call answer plus the text answer.
    pub fn turn_time(&self) -> Duration {
        self.call_time(tool_frames(self.tool_tokens, 0).len())
            + self.call_time(text_frames(self.text_tokens).len())
    }
}

struct State {
    config: FakeLlmConfig,
    calls: AtomicU64,
}

/// Serves the fake on `addr` until the process ends (or the returned task is aborted);
/// returns the bound address.
pub async fn serve(
    addr: &str,
    config: FakeLlmConfig,
) -> anyhow::Result<(
    std::net::SocketAddr,
    tokio::task::JoinHandle<std::io::Result<()>>,
)> {
    let state = Arc::new(State {
        config,
        calls: AtomicU64::new(0),
    });
    let app = Route::new()
        .at("/v1/chat/completions", post(completions))
        .data(state);
    let acceptor = TcpListener::bind(addr.to_owned()).into_acceptor().await?;
    let bound = acceptor
        .local_addr()
        .first()
        .and_then(|a| a.as_socket_addr().copied())
        .ok_or_else(|| anyhow::anyhow!("the fake model has no socket address"))?;
    let server = tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
    Ok((bound, server))
}

#[handler]
async fn completions(Json(body): Json<Value>, state: Data<&Arc<State>>) -> Response {
    let call = state.calls.fetch_add(1, Ordering::Relaxed);
    let after_tool = body
        .get("messages")
        .and_then(Value::as_array)
        .and_then(|m| m.last())
        .and_then(|m| m.get("role"))
        .and_then(Value::as_str)
        == Some("tool");
    let config = state.config;
    let frames = if after_tool {
        text_frames(config.text_tokens)
    } else {
        tool_frames(config.tool_tokens, call)
    };
    let ttft = Duration::from_millis(config.ttft_ms);
    let per_chunk = config.per_chunk();
    let body = stream::iter(frames.into_iter().enumerate())
        .then(move |(n, frame)| async move {
            tokio::time::sleep(if n == 0 { ttft } else { per_chunk }).await;
            Ok::<_, std::io::Error>(Bytes::from(frame))
        })
        .chain(stream::once(async {
            Ok(Bytes::from_static(b"data: [DONE]\n\n"))
        }));
    Response::builder()
        .status(StatusCode::OK)
        .content_type("text/event-stream")
        .header("cache-control", "no-cache")
        .body(Body::from_bytes_stream(body))
}

fn chunk(delta: Value, finish: Option<&str>) -> String {
    let chunk = json!({
        "id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 0,
        "model": "bench-model",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    });
    format!("data: {chunk}\n\n")
}

/// A `list_tasks(status="pending")` call: a header and `n` argument fragments, the finish
/// chunk riding on the last one.
fn tool_frames(n: usize, call: u64) -> Vec<String> {
    let arguments = r#"{"status":"pending"}"#;
    let n = n.clamp(1, arguments.len());
    let size = arguments.len().div_ceil(n);
    let mut frames = vec![chunk(
        json!({"role": "assistant", "tool_calls": [{"index": 0, "id": format!("call_{call}"),
            "type": "function", "function": {"name": "list_tasks", "arguments": ""}}]}),
        None,
    )];
    for piece in arguments.as_bytes().chunks(size) {
        let piece = String::from_utf8_lossy(piece);
        frames.push(chunk(
            json!({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}),
            None,
        ));
    }
    let last = frames.len() - 1;
    frames[last].push_str(&chunk(json!({}), Some("tool_calls")));
    frames
}

/// A text answer of `n` words, the finish chunk riding on the last one.
fn text_frames(n: usize) -> Vec<String> {
    let mut frames: Vec<String> = (0..n.max(1))
        .map(|i| {
            let word = if i == 0 { "Here " } else { "word " };
            let delta = if i == 0 {
                json!({"role": "assistant", "content": word})
            } else {
                json!({"content": word})
            };
            chunk(delta, None)
        })
        .collect();
    let last = frames.len() - 1;
    frames[last].push_str(&chunk(json!({}), Some("stop")));
    frames
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_turn_costs_two_first_tokens_and_the_paced_chunks() {
        let config = FakeLlmConfig::default();
        // 0.8 + 4/40 (header, then four fragments) + 0.8 + 15/40 (sixteen words)
        assert_eq!(config.turn_time(), Duration::from_millis(2075));
    }

    #[test]
    fn the_tool_call_fragments_reassemble_into_the_arguments() {
        let frames = tool_frames(4, 7);
        assert_eq!(frames.len(), 5, "a header and four fragments");
        assert!(frames[0].contains("call_7"));
        assert!(frames[4].contains("\"finish_reason\":\"tool_calls\""));
    }
}
