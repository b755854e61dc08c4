//! A fake OpenAI-compatible server on a real socket, scripted per test.
//!
//! `POST /v1/chat/completions` answers with the next queued [`Reply`] (FIFO), streamed as real
//! SSE chunk by chunk when the request asks for `stream: true`, as one JSON completion
//! otherwise. When the queue is empty it answers the default reply if one is set, else a 500
//! saying so. `GET /v1/models` lists one model. Every request body is recorded with its
//! arrival time and `Authorization` header, for assertions.

use std::{
    collections::VecDeque,
    convert::Infallible,
    io,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use bytes::Bytes;
use futures::{Stream, StreamExt, stream};
use poem::{
    Body, EndpointExt, Request, Response, Route, Server, get, handler,
    http::StatusCode,
    listener::{Acceptor, Listener, TcpListener},
    post,
    web::Data,
};
use serde_json::{Value, json};
use tokio::task::JoinHandle;

/// The model name the fake reports when the request names none.
pub const FAKE_MODEL: &str = "fake-model";

/// One scripted answer.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Text streamed as these deltas, then `finish_reason: "stop"`.
    Text { chunks: Vec<String> },
    /// Tool calls streamed one after the other as OpenAI does: a first fragment with id, type,
    /// name and empty arguments, then the argument fragments; `finish_reason: "tool_calls"`.
    ToolCalls(Vec<FakeCall>),
    /// Like [`Reply::ToolCalls`], but the calls' fragments take turns (by `index`).
    InterleavedToolCalls(Vec<FakeCall>),
    /// An error status with an optional `Retry-After` (seconds) and a body sent as is.
    Status {
        code: u16,
        retry_after: Option<u64>,
        body: String,
    },
    /// Accepts the request and never answers.
    Hang,
    /// Streams these text deltas, then stays silent with the connection open.
    Stall { chunks: Vec<String> },
    /// Streams these text deltas, then drops the connection without `finish_reason`/`[DONE]`.
    CutAfter { chunks: Vec<String> },
    /// An SSE body sent exactly as given (for lenient-parsing tests).
    Raw(String),
    /// `reply` with a wait before its first chunk and then `tokens_per_sec` chunks a second.
    Slow {
        ttft: Duration,
        tokens_per_sec: f64,
        reply: Box<Reply>,
    },
}

impl Reply {
    /// Text streamed as these deltas.
    pub fn text<S: Into<String>>(chunks: impl IntoIterator<Item = S>) -> Self {
        Self::Text {
            chunks: chunks.into_iter().map(Into::into).collect(),
        }
    }

    /// An error status in OpenAI's error shape.
    pub fn error(code: u16, message: &str) -> Self {
        Self::Status {
            code,
            retry_after: None,
            body: json!({"error": {"message": message, "type": "fake_error", "param": null, "code": null}})
                .to_string(),
        }
    }
}

/// A tool call the fake streams.
#[derive(Debug, Clone)]
pub struct FakeCall {
    pub id: String,
    pub name: String,
    pub argument_fragments: Vec<String>,
}

impl FakeCall {
    pub fn new(id: &str, name: &str, argument_fragments: &[&str]) -> Self {
        Self {
            id: id.to_owned(),
            name: name.to_owned(),
            argument_fragments: argument_fragments.iter().map(|f| (*f).to_owned()).collect(),
        }
    }

    fn arguments(&self) -> String {
        self.argument_fragments.concat()
    }
}

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct Received {
    pub at: Instant,
    /// The JSON body (a string when the body was not JSON).
    pub body: Value,
    pub authorization: Option<String>,
}

#[derive(Default)]
struct State {
    queue: Mutex<VecDeque<Reply>>,
    default: Mutex<Option<Reply>>,
    received: Mutex<Vec<Received>>,
}

/// The running fake; stops when dropped.
pub struct FakeOpenAi {
    /// `http://127.0.0.1:PORT/v1`
    pub base_url: String,
    state: Arc<State>,
    server: JoinHandle<io::Result<()>>,
}

impl FakeOpenAi {
    /// Starts the fake on a free port.
    pub async fn start() -> Self {
        let state = Arc::new(State::default());
        let app = Route::new()
            .at("/v1/chat/completions", post(completions))
            .at("/v1/models", get(models))
            .data(state.clone());
        let acceptor = TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .expect("fake OpenAI binds");
        let addr = *acceptor
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr())
            .expect("fake OpenAI has a socket address");
        let server = tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
        Self {
            base_url: format!("http://{addr}/v1"),
            state,
            server,
        }
    }

    /// Queues `reply` as the answer to the next request without one.
    pub fn push(&self, reply: Reply) {
        lock(&self.state.queue).push_back(reply);
    }

    /// The answer for requests that find the queue empty (instead of a 500).
    pub fn set_default(&self, reply: Reply) {
        *lock(&self.state.default) = Some(reply);
    }

    /// Every request body received so far, in order.
    pub fn requests(&self) -> Vec<Value> {
        self.received().into_iter().map(|r| r.body).collect()
    }

    /// Every request received so far, with arrival times and authorization.
    pub fn received(&self) -> Vec<Received> {
        lock(&self.state.received).clone()
    }

    /// How many queued replies no request has taken yet.
    pub fn unused_replies(&self) -> usize {
        lock(&self.state.queue).len()
    }
}

impl Drop for FakeOpenAi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[handler]
async fn models() -> Response {
    json_response(
        StatusCode::OK,
        &json!({"object": "list", "data": [
            {"id": FAKE_MODEL, "object": "model", "created": 0, "owned_by": "taskwire-tests"}
        ]}),
    )
}

#[handler]
async fn completions(req: &Request, body: Body, state: Data<&Arc<State>>) -> Response {
    let raw = body.into_bytes().await.unwrap_or_default();
    let body: Value = serde_json::from_slice(&raw)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&raw).into_owned()));
    let authorization = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let number = {
        let mut received = lock(&state.received);
        received.push(Received {
            at: Instant::now(),
            body: body.clone(),
            authorization,
        });
        received.len()
    };
    let next = lock(&state.queue).pop_front();
    let Some(reply) = next.or_else(|| lock(&state.default).clone()) else {
        let message = format!("fake OpenAI: no reply queued for request #{number}");
        return json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            &json!({"error": {"message": message, "type": "fake_error"}}),
        );
    };
    let model = body["model"].as_str().unwrap_or(FAKE_MODEL).to_owned();
    if body["stream"] == true {
        streamed(reply, &model).await
    } else {
        whole(reply, &model).await
    }
}

/// One piece of a streamed body.
enum Frame {
    Data(String),
    Cut,
    Stall,
}

async fn streamed(reply: Reply, model: &str) -> Response {
    let (reply, pacing) = unwrap_slow(reply);
    let frames = match reply {
        Reply::Status { .. } | Reply::Hang => {
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

fn sse(chunk: &Value) -> String {
    format!("data: {chunk}\n\n")
}

fn chunk(model: &str, delta: Value, finish_reason: Option<&str>) -> String {
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
fn finished(mut frames: Vec<Frame>, model: &str, finish_reason: &str) -> Vec<Frame> {
    frames.push(Frame::Data(chunk(model, json!({}), Some(finish_reason))));
    frames.push(Frame::Data("data: [DONE]\n\n".to_owned()));
    frames
}

fn with_last(mut frames: Vec<Frame>, last: Frame) -> Vec<Frame> {
    frames.push(last);
    frames
}

/// The answer to a request without `stream: true` (and every status or hang).
async fn whole(reply: Reply, model: &str) -> Response {
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
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response = Response::builder()
                .status(status)
                .content_type("application/json");
            if let Some(seconds) = retry_after {
                response = response.header("retry-after", seconds.to_string());
            }
            return response.body(body);
        }
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
        Reply::Stall { .. } | Reply::CutAfter { .. } => {
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

fn json_response(status: StatusCode, body: &Value) -> Response {
    Response::builder()
        .status(status)
        .content_type("application/json")
        .body(body.to_string())
}
