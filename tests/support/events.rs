//! Playing a worker's part on a job's event stream, and looking at the stream's consumers.

use async_nats::jetstream;
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

    /// How many consumers of the event stream follow `job`'s events.
    pub async fn event_consumers_of(&self, job: Uuid) -> usize {
        let stream = self
            .jetstream()
            .await
            .get_stream(EVENTS_STREAM)
            .await
            .expect("event stream");
        let subject = events_subject(job);
        let mut consumers = stream.consumers();
        let mut n = 0;
        while let Some(info) = consumers.next().await {
            if info.expect("consumer info").config.filter_subject == subject {
                n += 1;
            }
        }
        n
    }
}
