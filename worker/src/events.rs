//! Publishing a job's events to `chat.events.<job_id>`.
//!
//! Events are progress, not truth (the reply is in Postgres), so a failed publish is logged
//! and the turn goes on. Each event carries `Nats-Msg-Id = <job>:<attempt>:<n>`, so a
//! publish retried after a lost acknowledgement is stored once.
//!
//! Publishes are pipelined: one connection keeps their order, so the publisher does not wait
//! for each acknowledgement (a round trip per streamed word) but only keeps a bounded number
//! outstanding, and waits for all of them at the end of the job.

use std::collections::VecDeque;

use async_nats::{HeaderMap, jetstream, jetstream::context::PublishAckFuture};
use common::jobs::{ChatEvent, events_subject};
use uuid::Uuid;

/// Most publishes awaiting JetStream's acknowledgement at once.
const MAX_OUTSTANDING: usize = 64;

/// The event publisher of one delivery of one job.
pub struct EventPublisher {
    js: jetstream::Context,
    subject: String,
    msg_id_prefix: String,
    next: u64,
    outstanding: VecDeque<PublishAckFuture>,
}

impl EventPublisher {
    pub fn new(js: jetstream::Context, job_id: Uuid, attempt: i32) -> Self {
        Self {
            js,
            subject: events_subject(job_id),
            msg_id_prefix: format!("{job_id}:{attempt}"),
            next: 0,
            outstanding: VecDeque::new(),
        }
    }

    /// Publishes `event` after the earlier ones; a terminal event (`done`, `error`) is waited
    /// for, with everything before it.
    pub async fn publish(&mut self, event: &ChatEvent) {
        self.next += 1;
        let payload = match serde_json::to_vec(event) {
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
            self.flush().await;
        }
    }

    /// Waits until JetStream has acknowledged (or refused) every event published so far.
    pub async fn flush(&mut self) {
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
