//! The JetStream side of the contract: the settings of both streams and of the workers'
//! consumer (created or updated at start by whichever process needs them first; these are the
//! only copy), and publishing jobs and events so that a publish repeated after a lost
//! acknowledgement is stored once (`Nats-Msg-Id`).

use std::time::Duration;

use async_nats::jetstream::{self, consumer, stream};

use super::{
    ChatEvent, ChatJob, EVENT_SUBJECTS, EVENTS_STREAM, JOB_SUBJECTS, JOBS_STREAM,
    LIVE_EVENT_SUBJECTS, MAX_DELIVER, WORKERS_CONSUMER, events_subject, job_subject,
};
use uuid::Uuid;

use crate::domain::Job;

/// The header JetStream de-duplicates publishes by.
pub const NATS_MSG_ID: &str = "Nats-Msg-Id";
/// Window in which a republished job (same `Nats-Msg-Id`) is dropped as a duplicate.
pub const DUPLICATE_WINDOW: Duration = Duration::from_secs(120);
/// How long events stay replayable.
pub const EVENTS_MAX_AGE: Duration = Duration::from_secs(3600);

/// How long one job publish may wait for JetStream's acknowledgement.
pub const PUBLISH_TIMEOUT: Duration = Duration::from_secs(5);

/// Publishes `job` to `chat.jobs.<conversation_id>` and waits until JetStream stored it.
/// `msg_id` is the `Nats-Msg-Id`: the job id, so a republished job is dropped as a duplicate
/// within the duplicate window (a deliberate requeue uses a fresh one).
pub async fn publish_job(js: &jetstream::Context, job: &Job, msg_id: &str) -> anyhow::Result<()> {
    let payload = serde_json::to_vec(&ChatJob::for_job(job))?;
    let mut headers = async_nats::HeaderMap::new();
    headers.insert(NATS_MSG_ID, msg_id);
    // W3C trace context: the job id is the trace id, so logs of gateway and worker join.
    headers.insert("traceparent", traceparent(job.id).as_str());
    let ack = tokio::time::timeout(PUBLISH_TIMEOUT, async {
        js.publish_with_headers(job_subject(job.conversation_id), headers, payload.into())
            .await?
            .await
    })
    .await
    .map_err(|_| anyhow::anyhow!("timed out publishing job {}", job.id))??;
    tracing::debug!(job_id = %job.id, seq = ack.sequence, duplicate = ack.duplicate, "job published");
    Ok(())
}

/// A W3C `traceparent` whose trace id is the job id.
pub fn traceparent(job_id: Uuid) -> String {
    let span = Uuid::new_v4().simple().to_string();
    format!("00-{}-{}-01", job_id.simple(), &span[..16])
}

/// Settings of the job stream.
pub fn jobs_stream_config() -> stream::Config {
    stream::Config {
        name: JOBS_STREAM.to_owned(),
        description: Some("Taskwire chat jobs (one per accepted user message)".to_owned()),
        subjects: vec![JOB_SUBJECTS.to_owned()],
        retention: stream::RetentionPolicy::WorkQueue,
        storage: stream::StorageType::File,
        duplicate_window: DUPLICATE_WINDOW,
        max_age: Duration::from_secs(7 * 24 * 3600),
        discard: stream::DiscardPolicy::New,
        ..Default::default()
    }
}

/// The most bytes `CHAT_EVENTS` keeps (1 GiB).
pub const EVENTS_MAX_BYTES: i64 = 1 << 30;

/// Settings of the event stream. Stored events are republished on `chat.live.<job_id>`:
/// following a job there is a core subscription, where a JetStream consumer costs the
/// server a consumer created, fed and deleted per stream (about 1 ms of its CPU each here).
pub fn events_stream_config() -> stream::Config {
    stream::Config {
        name: EVENTS_STREAM.to_owned(),
        description: Some("Taskwire chat job events, replayable for an hour".to_owned()),
        subjects: vec![EVENT_SUBJECTS.to_owned()],
        retention: stream::RetentionPolicy::Limits,
        storage: stream::StorageType::File,
        max_age: EVENTS_MAX_AGE,
        // A bound on the store, so no burst of events can fill the disk NATS shares with the
        // job queue: past it the oldest events (of ended jobs, mostly) go first.
        max_bytes: EVENTS_MAX_BYTES,
        duplicate_window: Duration::from_secs(60),
        discard: stream::DiscardPolicy::Old,
        republish: Some(stream::Republish {
            source: EVENT_SUBJECTS.to_owned(),
            destination: LIVE_EVENT_SUBJECTS.to_owned(),
            headers_only: false,
        }),
        ..Default::default()
    }
}

/// Settings of the workers' consumer. `max_ack_pending` caps jobs in flight across all workers.
pub fn workers_consumer_config(ack_wait: Duration) -> consumer::pull::Config {
    consumer::pull::Config {
        durable_name: Some(WORKERS_CONSUMER.to_owned()),
        description: Some("Taskwire workers".to_owned()),
        ack_policy: consumer::AckPolicy::Explicit,
        ack_wait,
        max_deliver: MAX_DELIVER,
        max_ack_pending: 20_000,
        ..Default::default()
    }
}

/// Creates both streams, or updates them to the settings above.
///
/// NATS before 2.10 cannot add republishing to an existing stream: an event stream made by
/// an older Taskwire is then deleted and made again. Events are progress, kept for replay
/// only (the replies are in Postgres); a client replaying an older job gets its ending
/// rebuilt from Postgres.
pub async fn ensure_streams(js: &jetstream::Context) -> anyhow::Result<()> {
    for config in [jobs_stream_config(), events_stream_config()] {
        let name = config.name.clone();
        let Err(e) = js.create_or_update_stream(config.clone()).await else {
            continue;
        };
        // Never the job stream: it holds the work.
        let stale = name == EVENTS_STREAM
            && match js.get_stream(&name).await {
                Ok(mut stream) => stream
                    .info()
                    .await
                    .is_ok_and(|info| info.config.republish != config.republish),
                Err(_) => false,
            };
        if !stale {
            anyhow::bail!("creating stream {name}: {e}");
        }
        tracing::warn!(stream = %name, "the stream cannot be updated to republish its events; making it again");
        // Another process may be doing the same: whoever deletes second deletes the new one,
        // and makes it again too.
        let _ = js.delete_stream(&name).await;
        js.create_or_update_stream(config)
            .await
            .map_err(|e| anyhow::anyhow!("making stream {name} again: {e}"))?;
    }
    Ok(())
}

/// The workers' consumer, created or updated to the settings above.
pub async fn ensure_workers_consumer(
    js: &jetstream::Context,
    ack_wait: Duration,
) -> anyhow::Result<consumer::PullConsumer> {
    let stream = js
        .get_stream(JOBS_STREAM)
        .await
        .map_err(|e| anyhow::anyhow!("opening stream {JOBS_STREAM}: {e}"))?;
    stream
        .create_consumer(workers_consumer_config(ack_wait))
        .await
        .map_err(|e| anyhow::anyhow!("creating consumer {WORKERS_CONSUMER}: {e}"))
}

/// How long publishing one event may wait for JetStream's acknowledgement.
pub const EVENT_PUBLISH_TIMEOUT: Duration = Duration::from_secs(5);

/// Publishes one event of `job_id` with `Nats-Msg-Id = msg_id` and waits until JetStream
/// stored it (or dropped it as a duplicate of an earlier publish with that id). For events
/// published on their own, such as an ending written by the gateway's deadline sweeper; a
/// worker's turn pipelines its events instead.
pub async fn publish_event(
    js: &jetstream::Context,
    job_id: Uuid,
    msg_id: &str,
    event: &ChatEvent,
) -> anyhow::Result<()> {
    let payload = serde_json::to_vec(event.for_publishing().as_ref())?;
    let mut headers = async_nats::HeaderMap::new();
    headers.insert(NATS_MSG_ID, msg_id);
    tokio::time::timeout(EVENT_PUBLISH_TIMEOUT, async {
        js.publish_with_headers(events_subject(job_id), headers, payload.into())
            .await?
            .await
    })
    .await
    .map_err(|_| anyhow::anyhow!("timed out publishing an event of job {job_id}"))??;
    Ok(())
}
