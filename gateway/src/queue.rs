//! The gateway's side of JetStream: publishing jobs (with the transactional-outbox relay
//! that republishes jobs whose first publish failed) and reading a job's events.

use std::{pin::Pin, time::Duration};

use async_nats::{
    HeaderMap,
    jetstream::{self, consumer::DeliverPolicy},
};
use common::{
    db,
    domain::Job,
    jobs::{ChatEvent, ChatJob, EVENTS_STREAM, events_subject, job_subject},
};
use futures::{Stream, StreamExt};
use sqlx::PgPool;
use uuid::Uuid;

/// How long one publish may wait for JetStream's acknowledgement.
const PUBLISH_TIMEOUT: Duration = Duration::from_secs(5);

/// A job event with its position in the event stream (the SSE id).
#[derive(Debug, Clone)]
pub struct SequencedEvent {
    pub seq: u64,
    pub event: ChatEvent,
}

/// A stream of a job's events, in order.
pub type EventFeed = Pin<Box<dyn Stream<Item = anyhow::Result<SequencedEvent>> + Send>>;

/// Access to the job and event streams.
#[derive(Clone)]
pub struct Queue {
    client: async_nats::Client,
    js: jetstream::Context,
}

impl Queue {
    pub fn new(client: async_nats::Client) -> Self {
        Self {
            js: jetstream::new(client.clone()),
            client,
        }
    }

    /// True while the NATS connection is up.
    pub fn connected(&self) -> bool {
        self.client.connection_state() == async_nats::connection::State::Connected
    }

    /// The JetStream context.
    pub fn jetstream(&self) -> &jetstream::Context {
        &self.js
    }

    /// Publishes a job and waits for JetStream to store it. Publishing the same job twice is
    /// harmless: `Nats-Msg-Id = job_id` makes JetStream drop the duplicate.
    pub async fn publish_job(&self, job: &Job) -> anyhow::Result<()> {
        let payload = serde_json::to_vec(&ChatJob {
            version: ChatJob::VERSION,
            job_id: job.id,
            user_id: job.user_id.clone(),
            conversation_id: job.conversation_id,
            user_message_id: job.user_message_id,
        })?;
        let mut headers = HeaderMap::new();
        headers.insert("Nats-Msg-Id", job.id.to_string().as_str());
        // W3C trace context: the job id is the trace id, so logs of gateway and worker join.
        headers.insert("traceparent", traceparent(job.id).as_str());
        let ack = tokio::time::timeout(PUBLISH_TIMEOUT, async {
            self.js
                .publish_with_headers(job_subject(job.conversation_id), headers, payload.into())
                .await?
                .await
        })
        .await
        .map_err(|_| anyhow::anyhow!("timed out publishing job {}", job.id))??;
        tracing::debug!(job_id = %job.id, seq = ack.sequence, duplicate = ack.duplicate, "job published");
        Ok(())
    }

    /// The events of `job_id`, from the start or after event sequence `after`.
    pub async fn events(&self, job_id: Uuid, after: Option<u64>) -> anyhow::Result<EventFeed> {
        let stream = self.js.get_stream_no_info(EVENTS_STREAM).await?;
        let deliver_policy = match after {
            Some(seq) => DeliverPolicy::ByStartSequence {
                start_sequence: seq + 1,
            },
            None => DeliverPolicy::All,
        };
        let consumer = stream
            .create_consumer(jetstream::consumer::pull::OrderedConfig {
                filter_subject: events_subject(job_id),
                deliver_policy,
                ..Default::default()
            })
            .await?;
        let messages = consumer.messages().await?;
        Ok(Box::pin(messages.filter_map(|message| async move {
            let message = match message {
                Ok(m) => m,
                Err(e) => return Some(Err(anyhow::Error::new(e))),
            };
            let seq = match message.info() {
                Ok(info) => info.stream_sequence,
                Err(e) => return Some(Err(anyhow::anyhow!("event without metadata: {e}"))),
            };
            match serde_json::from_slice::<ChatEvent>(&message.payload) {
                Ok(event) => Some(Ok(SequencedEvent { seq, event })),
                Err(e) => {
                    tracing::warn!(seq, error = %e, "skipping unreadable event");
                    None
                }
            }
        })))
    }

    /// The sequence of the last event of `job_id` still in the event stream, if any.
    pub async fn last_event_seq(&self, job_id: Uuid) -> anyhow::Result<Option<u64>> {
        let stream = self.js.get_stream_no_info(EVENTS_STREAM).await?;
        match stream
            .get_last_raw_message_by_subject(&events_subject(job_id))
            .await
        {
            Ok(message) => Ok(Some(message.sequence)),
            Err(e)
                if matches!(
                    e.kind(),
                    jetstream::stream::LastRawMessageErrorKind::NoMessageFound
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// A W3C `traceparent` whose trace id is the job id.
pub fn traceparent(job_id: Uuid) -> String {
    let span = Uuid::new_v4().simple().to_string();
    format!("00-{}-{}-01", job_id.simple(), &span[..16])
}

/// Publishes `job` after its transaction committed and records that it was published. A
/// failure is logged, not returned: the job is safely stored, and the relay will publish it.
pub async fn publish_after_commit(pool: &PgPool, queue: &Queue, job: &Job) -> bool {
    if !queue.connected() {
        tracing::warn!(job_id = %job.id, "NATS is down; the outbox relay will publish the job when it is back");
        return false;
    }
    match queue.publish_job(job).await {
        Ok(()) => {
            if let Err(e) = db::jobs::mark_published(pool, job.id).await {
                tracing::warn!(job_id = %job.id, error = %e, "published but not marked; the relay will republish (deduplicated)");
            }
            true
        }
        Err(e) => {
            tracing::warn!(job_id = %job.id, error = %e, "publish failed; the outbox relay will retry");
            false
        }
    }
}

/// The outbox relay: every `every`, publishes jobs that were stored but not published (NATS
/// was down, or the gateway died between commit and publish). Several gateways can run it:
/// each locks the rows it publishes.
pub async fn run_relay(pool: PgPool, queue: Queue, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match relay_once(&pool, &queue).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(published = n, "outbox relay published stored jobs"),
            Err(e) => tracing::warn!(error = %e, "outbox relay sweep failed"),
        }
    }
}

/// One sweep; returns how many jobs it published.
pub async fn relay_once(pool: &PgPool, queue: &Queue) -> anyhow::Result<usize> {
    let mut tx = pool.begin().await?;
    // Jobs younger than a second are most likely being published by their own request.
    let jobs = db::jobs::lock_unpublished(&mut *tx, 1000, 100).await?;
    let mut published = 0;
    for job in &jobs {
        queue.publish_job(job).await?;
        db::jobs::mark_published(&mut *tx, job.id).await?;
        published += 1;
    }
    tx.commit().await?;
    Ok(published)
}
