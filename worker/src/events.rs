//! Publishing a job's events to `chat.events.<job_id>`.
//!
//! Events are progress, not truth (the reply is in Postgres), so a failed publish is logged
//! and the turn goes on. Each event carries `Nats-Msg-Id = <job>:<attempt>:<n>`, so a
//! publish retried after a lost acknowledgement is stored once.
//!
//! Publishes are pipelined: one connection keeps their order, so the publisher does not wait
//! for each acknowledgement (a round trip per streamed word) but only keeps a bounded number
//! outstanding, and waits for all of them at the end of the job.
//!
//! Streamed text is throttled: a `delta` goes out at once when none went out within the
//! window, and words arriving sooner are joined into the next one, sent when a word arrives
//! after the window, or before any other event. A model streaming 40 words a second then
//! costs 20 events a second instead of 40, for JetStream, the gateway and the client alike.

use std::{
    collections::VecDeque,
    time::{Duration, Instant},
};

use async_nats::{HeaderMap, jetstream, jetstream::context::PublishAckFuture};
use async_trait::async_trait;
use common::jobs::{ChatEvent, events_subject};
use uuid::Uuid;

/// Where a turn's progress goes: the job's event stream in the worker ([`EventPublisher`]),
/// a list of events in tests and the eval (`Vec<ChatEvent>`). The agent loop knows only this.
#[async_trait]
pub trait TurnEvents: Send {
    /// Announces `event`, after every earlier one.
    async fn publish(&mut self, event: &ChatEvent);
}

#[async_trait]
impl TurnEvents for Vec<ChatEvent> {
    async fn publish(&mut self, event: &ChatEvent) {
        self.push(event.clone());
    }
}

#[async_trait]
impl TurnEvents for EventPublisher {
    async fn publish(&mut self, event: &ChatEvent) {
        EventPublisher::publish(self, event).await;
    }
}

/// Most publishes awaiting JetStream's acknowledgement at once.
const MAX_OUTSTANDING: usize = 64;

/// The event publisher of one delivery of one job.
pub struct EventPublisher {
    js: jetstream::Context,
    subject: String,
    msg_id_prefix: String,
    next: u64,
    outstanding: VecDeque<PublishAckFuture>,
    window: Duration,
    /// Text held back for the next `delta`.
    held: String,
    /// When the last `delta` went out.
    last_delta: Option<Instant>,
}

impl EventPublisher {
    /// A publisher for one delivery; `window` throttles `delta` events (zero: no throttle).
    pub fn new(js: jetstream::Context, job_id: Uuid, attempt: i32, window: Duration) -> Self {
        Self {
            js,
            subject: events_subject(job_id),
            msg_id_prefix: format!("{job_id}:{attempt}"),
            next: 0,
            outstanding: VecDeque::new(),
            window,
            held: String::new(),
            last_delta: None,
        }
    }

    /// A publisher for announcing again the end of a job found already finished. Its ids
    /// (`<job>:again:<n>`) cannot collide with the events of the delivery that finished it,
    /// which JetStream would otherwise drop as duplicates within its duplicate window; a
    /// second announcement within the window is dropped, as it repeats the first.
    pub fn announcing_again(js: jetstream::Context, job_id: Uuid) -> Self {
        let mut publisher = Self::new(js, job_id, 0, Duration::ZERO);
        publisher.msg_id_prefix = format!("{job_id}:again");
        publisher
    }

    /// Publishes `event` after the earlier ones; a terminal event (`done`, `error`) is waited
    /// for, with everything before it. A `delta` may be joined with the next (module docs).
    pub async fn publish(&mut self, event: &ChatEvent) {
        if let ChatEvent::Delta { text } = event {
            self.held.push_str(text);
            let now = Instant::now();
            if self
                .last_delta
                .is_some_and(|last| now.duration_since(last) < self.window)
            {
                return;
            }
            self.last_delta = Some(now);
            let text = std::mem::take(&mut self.held);
            return self.send(&ChatEvent::Delta { text }).await;
        }
        self.release_held().await;
        self.send(event).await;
    }

    /// Sends the text held back, if any.
    async fn release_held(&mut self) {
        if !self.held.is_empty() {
            self.last_delta = Some(Instant::now());
            let text = std::mem::take(&mut self.held);
            self.send(&ChatEvent::Delta { text }).await;
        }
    }

    async fn send(&mut self, event: &ChatEvent) {
        self.next += 1;
        let payload = match serde_json::to_vec(event.for_publishing().as_ref()) {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, "cannot serialise event");
                return;
            }
        };
        let mut headers = HeaderMap::new();
        headers.insert(
            "Nats-Msg-Id",
            format!("{}:{}", self.msg_id_prefix, self.next).as_str(),
        );
        match self
            .js
            .publish_with_headers(self.subject.clone(), headers, payload.into())
            .await
        {
            Ok(ack) => self.outstanding.push_back(ack),
            Err(e) => tracing::warn!(subject = %self.subject, error = %e, "event not published"),
        }
        while self.outstanding.len() > MAX_OUTSTANDING {
            self.settle_oldest().await;
        }
        if event.is_terminal() {
            self.settle_all().await;
        }
    }

    /// Waits until JetStream has acknowledged (or refused) every event sent so far.
    async fn settle_all(&mut self) {
        while !self.outstanding.is_empty() {
            self.settle_oldest().await;
        }
    }

    async fn settle_oldest(&mut self) {
        if let Some(ack) = self.outstanding.pop_front()
            && let Err(e) = ack.await
        {
            tracing::warn!(subject = %self.subject, error = %e, "event not stored");
        }
    }
}
