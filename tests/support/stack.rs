//! Workers in-process beside a test gateway, and chat helpers: JSON chat, SSE streams read
//! over the real socket.

use std::{sync::Arc, time::Duration};

use eventsource_stream::Eventsource;
use futures::StreamExt;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::{sync::oneshot, task::JoinHandle};
use worker::{
    WorkerConfig,
    agent::{builtin::BuiltinModel, model::ChatModel},
};

use crate::TestApp;

/// A worker running in this process against the app's database and NATS.
pub struct TestWorker {
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<anyhow::Result<()>>>,
}

impl TestWorker {
    /// Stops it gracefully (it drains running turns) and waits.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(handle) = self.handle.take() {
            handle
                .await
                .expect("worker task")
                .expect("worker stopped cleanly");
        }
    }

    /// Kills it at once: running turns are abandoned mid-way, as with SIGKILL.
    pub fn abort(mut self) {
        if let Some(handle) = self.handle.take() {
            handle.abort();
        }
    }
}

impl Drop for TestWorker {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            handle.abort();
        }
    }
}

/// One SSE event as a client receives it.
#[derive(Debug, Clone)]
pub struct SseEvent {
    pub id: String,
    pub event: String,
    pub data: Value,
}

impl TestApp {
    /// Starts a worker with the builtin model.
    pub fn spawn_worker(&self) -> TestWorker {
        self.spawn_worker_with(Arc::new(BuiltinModel::new()), |_| {})
    }

    /// Starts a worker with `model` after `configure` adjusted its configuration.
    pub fn spawn_worker_with(
        &self,
        model: Arc<dyn ChatModel>,
        configure: impl FnOnce(&mut WorkerConfig),
    ) -> TestWorker {
        let mut config = WorkerConfig::for_test("postgres://unused", &self.nats.url);
        configure(&mut config);
        let (tx, rx) = oneshot::channel::<()>();
        let handle = tokio::spawn(worker::runtime::run_with(
            config,
            self.pool.clone(),
            model,
            async move {
                let _ = rx.await;
            },
        ));
        TestWorker {
            shutdown: Some(tx),
            handle: Some(handle),
        }
    }

    /// `POST /api/{user}/chat`; returns the status and the JSON body.
    pub async fn chat(
        &self,
        user: &str,
        conversation_id: Option<&str>,
        message: &str,
    ) -> (u16, Value) {
        let mut body = json!({"message": message});
        if let Some(id) = conversation_id {
            body["conversation_id"] = json!(id);
        }
        let resp = self
            .request(Method::POST, user, &format!("/api/{user}/chat"))
            .json(&body)
            .send()
            .await
            .expect("chat sent");
        let status = resp.status().as_u16();
        (status, resp.json().await.expect("chat answer is JSON"))
    }

    /// Like [`TestApp::chat`], asserting 200; returns the reply.
    pub async fn say(&self, user: &str, conversation_id: Option<&str>, message: &str) -> Value {
        let (status, body) = self.chat(user, conversation_id, message).await;
        assert_eq!(status, 200, "chat {message:?}: {body}");
        body
    }

    /// `POST /api/{user}/chat/stream`, read to the end of the stream (bounded at 60 s).
    pub async fn chat_stream(&self, user: &str, body: Value) -> Vec<SseEvent> {
        let resp = self
            .request(Method::POST, user, &format!("/api/{user}/chat/stream"))
            .json(&body)
            .send()
            .await
            .expect("stream sent");
        assert_eq!(resp.status(), 200, "stream accepted");
        read_sse(resp, usize::MAX).await
    }

    /// `GET /api/{user}/jobs/{job}/events`, from the start or after `last_event_id`.
    pub async fn job_events(
        &self,
        user: &str,
        job_id: &str,
        last_event_id: Option<&str>,
    ) -> Vec<SseEvent> {
        let mut req = self.request(
            Method::GET,
            user,
            &format!("/api/{user}/jobs/{job_id}/events"),
        );
        if let Some(id) = last_event_id {
            req = req.header("Last-Event-ID", id);
        }
        let resp = req.send().await.expect("events sent");
        assert_eq!(resp.status(), 200, "events answered");
        read_sse(resp, usize::MAX).await
    }
}

/// Reads SSE events until the server ends the stream or `max` events arrived.
pub async fn read_sse(resp: reqwest::Response, max: usize) -> Vec<SseEvent> {
    let content_type = crate::content_type(&resp);
    assert!(
        content_type.starts_with("text/event-stream"),
        "SSE content type: {content_type}"
    );
    let mut stream = sse_events(resp);
    let mut events = Vec::new();
    let read = async {
        while let Some(event) = stream.next().await {
            events.push(event);
            if events.len() >= max {
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(60), read)
        .await
        .expect("the SSE stream ended within 60 s");
    events
}

/// The events of an SSE response, each checked to be well formed with JSON data.
fn sse_events(resp: reqwest::Response) -> futures::stream::BoxStream<'static, SseEvent> {
    resp.bytes_stream()
        .eventsource()
        .map(|event| {
            let event = event.expect("well-formed SSE");
            SseEvent {
                id: event.id,
                event: event.event,
                data: serde_json::from_str(&event.data).expect("SSE data is JSON"),
            }
        })
        .boxed()
}

/// An SSE response read one event at a time.
pub struct SseReader(futures::stream::BoxStream<'static, SseEvent>);

impl SseReader {
    pub fn new(resp: reqwest::Response) -> Self {
        Self(sse_events(resp))
    }

    /// The next event, or `None` once the stream has ended; waits at most 30 s.
    pub async fn next(&mut self) -> Option<SseEvent> {
        tokio::time::timeout(Duration::from_secs(30), self.0.next())
            .await
            .expect("an SSE event within 30 s")
    }

    /// Reads the `accepted` event that starts a chat stream; returns its job id.
    pub async fn accepted(&mut self) -> uuid::Uuid {
        let accepted = self.next().await.expect("an accepted event");
        assert_eq!(accepted.event, "accepted", "{accepted:?}");
        accepted.data["job_id"]
            .as_str()
            .and_then(|id| id.parse().ok())
            .expect("the job id")
    }
}

impl TestApp {
    /// `POST /api/{user}/chat/stream` with `message`; the stream is read by the caller.
    pub async fn open_chat_stream(&self, user: &str, message: &str) -> SseReader {
        let resp = self
            .request(Method::POST, user, &format!("/api/{user}/chat/stream"))
            .json(&json!({"message": message}))
            .send()
            .await
            .expect("stream sent");
        assert_eq!(resp.status(), 200, "stream accepted");
        SseReader::new(resp)
    }
}

/// The event names, in order.
pub fn names(events: &[SseEvent]) -> Vec<&str> {
    events.iter().map(|e| e.event.as_str()).collect()
}

/// The texts of the `delta` events, in order.
pub fn deltas(events: &[SseEvent]) -> Vec<&str> {
    events
        .iter()
        .filter(|e| e.event == "delta")
        .map(|e| e.data["text"].as_str().expect("delta text"))
        .collect()
}

impl TestApp {
    /// Waits until job `job_id` has ended (following its events), returning its last event.
    pub async fn wait_for_job(&self, user: &str, job_id: &str) -> SseEvent {
        let events = self.job_events(user, job_id, None).await;
        events.last().cloned().expect("the job ended with an event")
    }
}
