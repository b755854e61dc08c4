//! How the fake writes a [`Reply`]: streamed as SSE chunk by chunk, or whole.

use std::{convert::Infallible, io, time::Duration};

use bytes::Bytes;
use futures::{Stream, StreamExt, stream};
use poem::{Body, Response, http::StatusCode};
use serde_json::{Value, json};

use super::{FakeCall, Reply, ServerKind, servers};

/// One piece of a streamed body.
pub(super) enum Frame {
    Data(String),
    Cut,
    Stall,
}

pub(super) async fn streamed(reply: Reply, model: &str, server: ServerKind) -> Response {
    let (reply, pacing) = unwrap_slow(reply);
    let frames = match reply {
        Reply::Text { chunks } if server != ServerKind::OpenAi => {
            servers::text(server, model, &chunks)
        }
        Reply::ToolCalls(calls) if server != ServerKind::OpenAi => {
            servers::calls(server, model, &calls)
        }
        Reply::Status { .. } | Reply::StatusWithHeaders { .. } | Reply::Hang => {
            if let Some(pacing) = pacing {
                tokio::time::sleep(pacing.ttft).await;
            }
            return whole(reply, model).await;
        }
        Reply::Text { chunks } => finished(text_chunks(model, &chunks), model, "stop"),
        Reply::ToolCalls(calls) => finished(call_chunks(model, &calls, false), model, "tool_calls"),
        Reply::InterleavedToolCalls(calls) => {
            finished(call_chunks(model, &calls, true), model, "tool_calls")
        }
        Reply::Stall { chunks } => with_last(text_chunks(model, &chunks), Frame::Stall),
        Reply::CutAfter { chunks } => with_last(text_chunks(model, &chunks), Frame::Cut),
        Reply::Dropped => vec![Frame::Cut],
        Reply::Raw(body) => vec![Frame::Data(body)],
        Reply::Slow { .. } => unreachable!("unwrap_slow removed every Slow layer"),
    };
    let mut response = Response::builder()
        .status(StatusCode::OK)
        .content_type("text/event-stream")
        .header("cache-control", "no-cache");
    if let Some(length) = promised_length(&frames) {
        response = response.header("content-length", length.to_string());
    }
    response.body(Body::from_bytes_stream(frame_stream(frames, pacing)))
}

/// For a body that will be cut: a length longer than what is sent. (With chunked encoding
/// the server ends the body cleanly when the stream fails; a short body is a real cut.)
fn promised_length(frames: &[Frame]) -> Option<usize> {
    frames.iter().any(|f| matches!(f, Frame::Cut)).then(|| {
        let sent: usize = frames
            .iter()
            .map(|f| match f {
                Frame::Data(data) => data.len(),
                Frame::Cut | Frame::Stall => 0,
            })
            .sum();
        sent + 1024
    })
}

/// The body stream: each frame on its own, after its pause (or a yield, so frames are not
/// all written at once).
fn frame_stream(
    frames: Vec<Frame>,
    pacing: Option<Pacing>,
) -> impl Stream<Item = Result<Bytes, io::Error>> + Send + 'static {
    let pauses = (0..).map(move |n| match pacing {
        Some(p) if n == 0 => p.ttft,
        Some(p) => p.per_chunk,
        None => Duration::ZERO,
    });
    stream::iter(frames.into_iter().zip(pauses))
        .then(|(frame, pause)| async move {
            if pause.is_zero() {
                tokio::task::yield_now().await;
            } else {
                tokio::time::sleep(pause).await;
            }
            frame
        })
        .flat_map(|frame| match frame {
            Frame::Data(data) => stream::once(async move { Ok(Bytes::from(data)) }).boxed(),
            Frame::Cut => {
                stream::once(async { Err(io::Error::other("fake OpenAI cut the stream")) }).boxed()
            }
            Frame::Stall => stream::pending().boxed(),
        })
}

#[derive(Debug, Clone, Copy)]
struct Pacing {
    ttft: Duration,
    per_chunk: Duration,
}

/// The innermost reply and the pacing of the outermost `Slow`.
fn unwrap_slow(reply: Reply) -> (Reply, Option<Pacing>) {
    let mut reply = reply;
    let mut pacing = None;
    while let Reply::Slow {
        ttft,
        tokens_per_sec,
        reply: inner,
    } = reply
    {
        let per_chunk = if tokens_per_sec > 0.0 {
            Duration::from_secs_f64(1.0 / tokens_per_sec)
        } else {
            Duration::ZERO
        };
        pacing.get_or_insert(Pacing { ttft, per_chunk });
        reply = *inner;
    }
    (reply, pacing)
}

pub(super) fn sse(chunk: &Value) -> String {
    format!("data: {chunk}\n\n")
}

pub(super) fn chunk(model: &str, delta: Value, finish_reason: Option<&str>) -> String {
    sse(&json!({
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish_reason}],
    }))
}

fn text_chunks(model: &str, chunks: &[String]) -> Vec<Frame> {
    let mut frames = vec![Frame::Data(chunk(
        model,
        json!({"role": "assistant", "content": ""}),
        None,
    ))];
    frames.extend(
        chunks
            .iter()
            .map(|text| Frame::Data(chunk(model, json!({"content": text}), None))),
    );
    frames
}

fn call_chunks(model: &str, calls: &[FakeCall], interleave: bool) -> Vec<Frame> {
    let head = |index: usize, call: &FakeCall| {
        chunk(
            model,
            json!({"tool_calls": [{"index": index, "id": call.id, "type": "function",
                "function": {"name": call.name, "arguments": ""}}]}),
            None,
        )
    };
    let piece = |index: usize, fragment: &str| {
        chunk(
            model,
            json!({"tool_calls": [{"index": index, "function": {"arguments": fragment}}]}),
            None,
        )
    };
    let mut frames = vec![Frame::Data(chunk(
        model,
        json!({"role": "assistant", "content": null}),
        None,
    ))];
    if interleave {
        frames.extend(
            calls
                .iter()
                .enumerate()
                .map(|(i, c)| Frame::Data(head(i, c))),
        );
        let longest = calls
            .iter()
            .map(|c| c.argument_fragments.len())
            .max()
            .unwrap_or(0);
        for n in 0..longest {
            for (i, call) in calls.iter().enumerate() {
                if let Some(fragment) = call.argument_fragments.get(n) {
                    frames.push(Frame::Data(piece(i, fragment)));
                }
            }
        }
    } else {
        for (i, call) in calls.iter().enumerate() {
            frames.push(Frame::Data(head(i, call)));
            frames.extend(
                call.argument_fragments
                    .iter()
                    .map(|f| Frame::Data(piece(i, f))),
            );
        }
    }
    frames
}

/// `frames`, the final chunk with `finish_reason`, and `[DONE]`.
pub(super) fn finished(mut frames: Vec<Frame>, model: &str, finish_reason: &str) -> Vec<Frame> {
    frames.push(Frame::Data(chunk(model, json!({}), Some(finish_reason))));
    frames.push(Frame::Data("data: [DONE]\n\n".to_owned()));
    frames
}

fn with_last(mut frames: Vec<Frame>, last: Frame) -> Vec<Frame> {
    frames.push(last);
    frames
}

/// The answer to a request without `stream: true` (and every status or hang).
pub(super) async fn whole(reply: Reply, model: &str) -> Response {
    let (reply, pacing) = unwrap_slow(reply);
    if let Some(pacing) = pacing {
        tokio::time::sleep(pacing.ttft).await;
    }
    let message = match reply {
        Reply::Status {
            code,
            retry_after,
            body,
        } => {
            let headers =
                retry_after.map(|seconds| ("retry-after".to_owned(), seconds.to_string()));
            return status_response(code, headers.into_iter(), body);
        }
        Reply::StatusWithHeaders {
            code,
            headers,
            body,
        } => return status_response(code, headers.into_iter(), body),
        Reply::Hang => match std::future::pending::<Infallible>().await {},
        Reply::Text { chunks } => json!({"role": "assistant", "content": chunks.concat()}),
        Reply::ToolCalls(calls) | Reply::InterleavedToolCalls(calls) => json!({
            "role": "assistant",
            "content": null,
            "tool_calls": calls.iter().map(|c| json!({
                "id": c.id,
                "type": "function",
                "function": {"name": c.name, "arguments": c.arguments()},
            })).collect::<Vec<_>>(),
        }),
        Reply::Stall { .. } | Reply::CutAfter { .. } | Reply::Dropped => {
            let end = if matches!(reply, Reply::Stall { .. }) {
                Frame::Stall
            } else {
                Frame::Cut
            };
            let frames = vec![Frame::Data("{\"id\":\"chatcmpl-fake\",".to_owned()), end];
            let mut response = Response::builder()
                .status(StatusCode::OK)
                .content_type("application/json");
            if let Some(length) = promised_length(&frames) {
                response = response.header("content-length", length.to_string());
            }
            return response.body(Body::from_bytes_stream(frame_stream(frames, None)));
        }
        Reply::Raw(body) => {
            return Response::builder()
                .status(StatusCode::OK)
                .content_type("application/json")
                .body(body);
        }
        Reply::Slow { .. } => unreachable!("unwrap_slow removed every Slow layer"),
    };
    let finish_reason = if message.get("tool_calls").is_some() {
        "tool_calls"
    } else {
        "stop"
    };
    json_response(
        StatusCode::OK,
        &json!({
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 0,
            "model": model,
            "choices": [{"index": 0, "message": message, "logprobs": null, "finish_reason": finish_reason}],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        }),
    )
}

pub(super) fn json_response(status: StatusCode, body: &Value) -> Response {
    Response::builder()
        .status(status)
        .content_type("application/json")
        .body(body.to_string())
}

fn status_response(
    code: u16,
    headers: impl Iterator<Item = (String, String)>,
    body: String,
) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = Response::builder()
        .status(status)
        .content_type("application/json");
    for (name, value) in headers {
        response = response.header(name, value);
    }
    response.body(body)
}
