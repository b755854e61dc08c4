//! The contract between gateway and workers: the job message, the progress events, the
//! subjects they travel on, and the JetStream settings of both streams.
//!
//! Streams and the consumer are created or updated at start by whichever process needs
//! them first (both do it; the settings here are the only copy).

use std::time::Duration;

use async_nats::jetstream::{self, consumer, stream};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::domain::{Job, JobStatus};

/// Work-queue stream of chat jobs.
pub const JOBS_STREAM: &str = "CHAT_JOBS";
/// Stream of every event of every job, kept for an hour for replay.
pub const EVENTS_STREAM: &str = "CHAT_EVENTS";
/// The durable pull consumer all workers share.
pub const WORKERS_CONSUMER: &str = "workers";
/// How long a delivered job may go without an ack or a progress heartbeat before JetStream
/// hands it to another worker (the default; workers send progress every third of it).
pub const ACK_WAIT: Duration = Duration::from_secs(30);
/// Deliveries before a job is given up on and marked failed.
pub const MAX_DELIVER: i64 = 5;
/// Window in which a republished job (same `Nats-Msg-Id`) is dropped as a duplicate.
pub const DUPLICATE_WINDOW: Duration = Duration::from_secs(120);
/// How long events stay replayable.
pub const EVENTS_MAX_AGE: Duration = Duration::from_secs(3600);

/// The subject a job is published on.
pub fn job_subject(conversation_id: Uuid) -> String {
    format!("chat.jobs.{conversation_id}")
}

/// The subject a job's events are published on.
pub fn events_subject(job_id: Uuid) -> String {
    format!("chat.events.{job_id}")
}

/// The subject JetStream republishes a job's events on once it has stored them, each with its
/// stream sequence in a `Nats-Sequence` header: a core subscription there follows a job live
/// without a consumer (see the event stream's settings).
pub fn live_events_subject(job_id: Uuid) -> String {
    format!("chat.live.{job_id}")
}

/// A chat job: ids only; the worker reads everything else from Postgres.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatJob {
    /// Contract version; workers refuse versions they do not know.
    pub version: u32,
    pub job_id: Uuid,
    pub user_id: String,
    pub conversation_id: Uuid,
    pub user_message_id: Uuid,
}

impl ChatJob {
    /// The version this build writes and understands.
    pub const VERSION: u32 = 1;
}

/// One tool call of a turn as the client sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCallRecord {
    pub tool: String,
    pub arguments: Value,
    pub result: Value,
}

/// Progress of a job, published to `chat.events.<job_id>` in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChatEvent {
    /// The gateway stored the message and queued the job (synthesised by the gateway).
    Accepted {
        conversation_id: Uuid,
        job_id: Uuid,
        message_id: Uuid,
    },
    /// A worker started (or, after a crash, restarted) the turn; text streamed by an earlier
    /// attempt is void.
    Started { attempt: i32 },
    /// A piece of the answer's text.
    Delta { text: String },
    /// The model asked for a tool.
    ToolCall {
        id: String,
        tool: String,
        arguments: Value,
    },
    /// The tool's result.
    ToolResult {
        id: String,
        tool: String,
        ok: bool,
        result: Value,
    },
    /// The turn succeeded; the reply is stored.
    Done {
        job_id: Uuid,
        message_id: Uuid,
        response: String,
        tool_calls: Vec<ToolCallRecord>,
    },
    /// The turn failed; `message_id` is the stored assistant message telling the user.
    Error {
        code: String,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message_id: Option<Uuid>,
    },
}

impl ChatEvent {
    /// Every event's name: its `type` field and SSE event name.
    pub const NAMES: [&'static str; 7] = [
        "accepted",
        "started",
        "delta",
        "tool_call",
        "tool_result",
        "done",
        "error",
    ];

    /// The SSE event name.
    pub fn name(&self) -> &'static str {
        let index = match self {
            Self::Accepted { .. } => 0,
            Self::Started { .. } => 1,
            Self::Delta { .. } => 2,
            Self::ToolCall { .. } => 3,
            Self::ToolResult { .. } => 4,
            Self::Done { .. } => 5,
            Self::Error { .. } => 6,
        };
        Self::NAMES[index]
    }

    /// True for the events that end a job's stream.
    pub fn is_terminal(&self) -> bool {
        Self::is_terminal_name(self.name())
    }

    /// True for the names of the events that end a job's stream (`done`, `error`).
    pub fn is_terminal_name(name: &str) -> bool {
        matches!(name, "done" | "error")
    }
}

/// The ending event of a finished job, rebuilt from Postgres: used when a job's events have
/// expired from the event stream, and by a worker that finds its job already finished (its
/// `done` was lost with a crash) and publishes it again.
pub async fn terminal_event(
    db: impl sqlx::PgExecutor<'_>,
    job: &Job,
) -> crate::Result<Option<ChatEvent>> {
    if !job.status.is_final() {
        return Ok(None);
    }
    let reply = crate::db::messages::reply_to(db, job.id).await?;
    Ok(Some(match (job.status, reply) {
        (JobStatus::Succeeded, Some(reply)) => ChatEvent::Done {
            job_id: job.id,
            message_id: reply.id,
            response: reply.content,
            tool_calls: reply
                .tool_calls
                .and_then(|calls| serde_json::from_value::<Vec<ToolCallRecord>>(calls.0).ok())
                .unwrap_or_default(),
        },
        (_, reply) => ChatEvent::Error {
            code: job
                .error_code
                .clone()
                .unwrap_or_else(|| "failed".to_owned()),
            message: reply
                .as_ref()
                .map(|r| r.content.clone())
                .or_else(|| job.error.clone())
                .unwrap_or_else(|| "The turn failed.".to_owned()),
            message_id: reply.map(|r| r.id),
        },
    }))
}

/// How long one job publish may wait for JetStream's acknowledgement.
pub const PUBLISH_TIMEOUT: Duration = Duration::from_secs(5);

/// Publishes `job` to `chat.jobs.<conversation_id>` and waits until JetStream stored it.
/// `msg_id` is the `Nats-Msg-Id`: the job id, so a republished job is dropped as a duplicate
/// within the duplicate window (a deliberate requeue uses a fresh one).
pub async fn publish_job(js: &jetstream::Context, job: &Job, msg_id: &str) -> anyhow::Result<()> {
    let payload = serde_json::to_vec(&ChatJob {
        version: ChatJob::VERSION,
        job_id: job.id,
        user_id: job.user_id.clone(),
        conversation_id: job.conversation_id,
        user_message_id: job.user_message_id,
    })?;
    let mut headers = async_nats::HeaderMap::new();
    headers.insert("Nats-Msg-Id", msg_id);
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

/// What a user is told when their turn was abandoned (it could not be finished before its
/// deadline, e.g. while the database was unreachable on its last delivery).
pub const ABANDONED_REPLY: &str =
    "Sorry — I couldn't get to that message in time, so I didn't do it. Please send it again.";

/// Settings of the job stream.
pub fn jobs_stream_config() -> stream::Config {
    stream::Config {
        name: JOBS_STREAM.to_owned(),
        description: Some("Taskwire chat jobs (one per accepted user message)".to_owned()),
        subjects: vec!["chat.jobs.>".to_owned()],
        retention: stream::RetentionPolicy::WorkQueue,
        storage: stream::StorageType::File,
        duplicate_window: DUPLICATE_WINDOW,
        max_age: Duration::from_secs(7 * 24 * 3600),
        discard: stream::DiscardPolicy::New,
        ..Default::default()
    }
}

/// Settings of the event stream. Stored events are republished on `chat.live.<job_id>`:
/// following a job there is a core subscription, where a JetStream consumer costs the
/// server a consumer created, fed and deleted per stream (about 1 ms of its CPU each here).
pub fn events_stream_config() -> stream::Config {
    stream::Config {
        name: EVENTS_STREAM.to_owned(),
        description: Some("Taskwire chat job events, replayable for an hour".to_owned()),
        subjects: vec!["chat.events.>".to_owned()],
        retention: stream::RetentionPolicy::Limits,
        storage: stream::StorageType::File,
        max_age: EVENTS_MAX_AGE,
        duplicate_window: Duration::from_secs(60),
        discard: stream::DiscardPolicy::Old,
        republish: Some(stream::Republish {
            source: "chat.events.>".to_owned(),
            destination: "chat.live.>".to_owned(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_serialise_with_a_type_tag() {
        let event = ChatEvent::Delta { text: "Hi".into() };
        assert_eq!(
            serde_json::to_value(&event).expect("serialises"),
            serde_json::json!({"type": "delta", "text": "Hi"})
        );
        assert_eq!(event.name(), "delta");
        let back: ChatEvent =
            serde_json::from_str(r#"{"type":"error","code":"timeout","message":"m"}"#)
                .expect("parses");
        assert!(back.is_terminal());
    }

    #[test]
    fn each_events_name_is_its_type_tag() {
        let id = Uuid::nil();
        let events = [
            ChatEvent::Accepted {
                conversation_id: id,
                job_id: id,
                message_id: id,
            },
            ChatEvent::Started { attempt: 1 },
            ChatEvent::Delta { text: "t".into() },
            ChatEvent::ToolCall {
                id: "c".into(),
                tool: "add_task".into(),
                arguments: serde_json::json!({}),
            },
            ChatEvent::ToolResult {
                id: "c".into(),
                tool: "add_task".into(),
                ok: true,
                result: serde_json::json!({}),
            },
            ChatEvent::Done {
                job_id: id,
                message_id: id,
                response: "r".into(),
                tool_calls: vec![],
            },
            ChatEvent::Error {
                code: "c".into(),
                message: "m".into(),
                message_id: None,
            },
        ];
        let names: Vec<_> = events.iter().map(ChatEvent::name).collect();
        assert_eq!(names, ChatEvent::NAMES);
        for event in &events {
            let json = serde_json::to_value(event).expect("serialises");
            assert_eq!(json["type"], event.name());
        }
        let terminal: Vec<_> = events.iter().filter(|e| e.is_terminal()).collect();
        assert_eq!(terminal.len(), 2);
    }

    #[test]
    fn subjects_carry_the_ids() {
        let id = Uuid::nil();
        assert_eq!(
            job_subject(id),
            "chat.jobs.00000000-0000-0000-0000-000000000000"
        );
        assert_eq!(
            events_subject(id),
            "chat.events.00000000-0000-0000-0000-000000000000"
        );
    }
}
