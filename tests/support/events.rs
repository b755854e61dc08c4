//! Playing a worker's part on a job's event stream, and looking at the stream's consumers.

use async_nats::jetstream::{self, consumer};
use common::jobs::{ChatEvent, EVENTS_STREAM, events_subject};
use futures::StreamExt;
use uuid::Uuid;

use crate::TestApp;

impl TestApp {
    /// A JetStream context on a connection of its own to the app's NATS.
    pub async fn jetstream(&self) -> jetstream::Context {
        jetstream::new(async_nats::connect(&self.nats.url).await.expect("nats"))
    }

    /// Publishes `events` to `job`'s event stream as a worker would; returns their stream
    /// sequences (the SSE ids a client sees).
    pub async fn publish_events(&self, job: Uuid, events: &[ChatEvent]) -> Vec<u64> {
        let js = self.jetstream().await;
        let mut seqs = Vec::with_capacity(events.len());
        // In windows: JetStream publishes wait on a bounded number of pending acks.
        for window in events.chunks(500) {
            let mut acks = Vec::with_capacity(window.len());
            for event in window {
                let payload = serde_json::to_vec(event).expect("event JSON");
                acks.push(
                    js.publish(events_subject(job), payload.into())
                        .await
                        .expect("published"),
                );
            }
            for ack in acks {
                seqs.push(ack.await.expect("stored").sequence);
            }
        }
        seqs
    }

    /// The consumers of the event stream that follow `job`'s events.
    pub async fn event_consumers_of(&self, job: Uuid) -> Vec<consumer::Info> {
        let stream = self
            .jetstream()
            .await
            .get_stream(EVENTS_STREAM)
            .await
            .expect("event stream");
        let subject = events_subject(job);
        let mut consumers = stream.consumers();
        let mut following = Vec::new();
        while let Some(info) = consumers.next().await {
            let info = info.expect("consumer info");
            if info.config.filter_subject == subject {
                following.push(info);
            }
        }
        following
    }
}
