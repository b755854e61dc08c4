//! Publishing a job's events to `chat.events.<job_id>`.
//!
//! Events are progress, not truth (the reply is in Postgres), so a failed publish is logged
//! and the turn goes on. Each event carries `Nats-Msg-Id = <job>:<attempt>:<n>`, so a
//! publish retried after a lost acknowledgement is stored once.

use async_nats::{HeaderMap, jetstream};
use common::jobs::{ChatEvent, events_subject};
use uuid::Uuid;

/// The event publisher of one delivery of one job.
pub struct EventPublisher {
    js: jetstream::Context,
    subject: String,
    msg_id_prefix: String,
    next: u64,
}

impl EventPublisher {
    pub fn new(js: jetstream::Context, job_id: Uuid, attempt: i32) -> Self {
        Self {
            js,
            subject: events_subject(job_id),
            msg_id_prefix: format!("{job_id}:{attempt}"),
            next: 0,
        }
    }

    /// Publishes `event` and waits for JetStream to store it (so events stay in order).
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
        let result = async {
            self.js
                .publish_with_headers(self.subject.clone(), headers, payload.into())
                .await?
                .await
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(subject = %self.subject, error = %e, "event not published");
        }
    }
}
