//! A fake OpenAI-compatible server on a real socket, scripted per test.
//!
//! `POST /v1/chat/completions` answers with the next queued [`Reply`] (FIFO), streamed as real
//! SSE chunk by chunk when the request asks for `stream: true`, as one JSON completion
//! otherwise. When the queue is empty it answers the default reply if one is set, else a 500
//! saying so. `GET /v1/models` lists one model. Every request body is recorded with its
//! arrival time and `Authorization` header, for assertions; [`FakeOpenAi::wait_for_requests`]
//! waits for arrivals without polling.

mod replies;
mod servers;

pub use servers::ServerKind;

use std::{
    collections::VecDeque,
    io,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use poem::{
    Body, EndpointExt, Request, Response, Route, Server, get, handler,
    http::StatusCode,
    listener::{Acceptor, Listener, TcpListener},
    post,
    web::Data,
};
use serde_json::{Value, json};
use tokio::{sync::watch, task::JoinHandle};

use replies::{json_response, streamed, whole};

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
    /// A status with these headers (e.g. `Retry-After` as an HTTP date) and a body sent as is.
    StatusWithHeaders {
        code: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// Accepts the request and never answers.
    Hang,
    /// Streams these text deltas, then stays silent with the connection open.
    Stall { chunks: Vec<String> },
    /// Streams these text deltas, then drops the connection without `finish_reason`/`[DONE]`.
    CutAfter { chunks: Vec<String> },
    /// Answers `200` with the event-stream headers, then drops the connection before the
    /// first chunk.
    Dropped,
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

struct State {
    /// The server whose quirks the fake plays.
    server: ServerKind,
    queue: Mutex<VecDeque<Reply>>,
    default: Mutex<Option<Reply>>,
    received: Mutex<Vec<Received>>,
    /// How many requests have arrived, for [`FakeOpenAi::wait_for_requests`].
    arrived: watch::Sender<usize>,
}

impl Default for State {
    fn default() -> Self {
        Self {
            server: ServerKind::default(),
            queue: Mutex::default(),
            default: Mutex::default(),
            received: Mutex::default(),
            arrived: watch::Sender::new(0),
        }
    }
}

/// The running fake; stops when dropped.
pub struct FakeOpenAi {
    /// `http://127.0.0.1:PORT/v1`
    pub base_url: String,
    state: Arc<State>,
    server: JoinHandle<io::Result<()>>,
}

impl FakeOpenAi {
    /// The worker's OpenAI-compatible model pointed at this fake (`fake-model`, 5 s timeout,
    /// one retry).
    pub fn model(&self) -> Arc<worker::agent::openai::OpenAiModel> {
        Arc::new(worker::agent::openai::OpenAiModel::new(
            worker::agent::openai::OpenAiSettings {
                base_url: self.base_url.clone(),
                api_key: Some(secrecy::SecretString::from("sk-test".to_owned())),
                model: "fake-model".to_owned(),
                request_timeout: std::time::Duration::from_secs(5),
                max_retries: 1,
                temperature: None,
            },
        ))
    }

    /// Starts the fake on a free port.
    pub async fn start() -> Self {
        Self::start_as(ServerKind::OpenAi).await
    }

    /// Starts the fake playing `server`'s quirks.
    pub async fn start_as(server: ServerKind) -> Self {
        let state = Arc::new(State {
            server,
            ..State::default()
        });
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

    /// Resolves once at least `n` requests have arrived (at once if they have). It has no
    /// timeout of its own: wrap it in one.
    pub async fn wait_for_requests(&self, n: usize) {
        let mut arrived = self.state.arrived.subscribe();
        // The sender lives in `self.state`, so the channel cannot close while we wait.
        let _ = arrived.wait_for(|&count| count >= n).await;
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
    state.arrived.send_replace(number);
    if let Some((status, error)) = servers::refusal(state.server, &body) {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return json_response(status, &error);
    }
    let next = lock(&state.queue).pop_front();
    let Some(reply) = next.or_else(|| lock(&state.default).clone()) else {
        let message = format!("fake OpenAI: no reply queued for request #{number}");
        return json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            &json!({"error": {"message": message, "type": "fake_error"}}),
        );
    };
    let model = body["model"].as_str().unwrap_or(FAKE_MODEL).to_owned();
    let played = servers::as_played(state.server, &body, reply.clone());
    if matches!(played, Reply::Dropped) && !matches!(reply, Reply::Dropped) {
        // The server failed before answering: the same answer waits for the next request.
        lock(&state.queue).push_front(reply);
    }
    let reply = played;
    if body["stream"] == true {
        streamed(reply, &model, state.server).await
    } else {
        whole(reply, &model).await
    }
}
