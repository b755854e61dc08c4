//! The gateway's NATS handle: the connection (retrying in the background until NATS is up),
//! readiness, the JetStream streams, the job queue's depth, and publishing a job.
//!
//! Following a job's events is in [`crate::feed`]; publishing after a commit, the relay and
//! the deadline sweeper are in [`crate::outbox`].

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use anyhow::Context as _;
use async_nats::jetstream;
use common::{
    config::NatsConfig,
    domain::Job,
    jobs::{ChatJob, JOBS_STREAM, WORKERS_CONSUMER, job_subject, streams},
};
use tokio::sync::watch;

/// Messages a core subscription holds before the client drops what comes next (and reports
/// a slow consumer). It bounds what a live feed whose client stopped reading keeps here:
/// about 0.5 MB of events, after which the feed catches up from the stream, pull by pull.
const SUBSCRIPTION_BUFFER: usize = 1024;

/// The job queue as JetStream sees it (see [`Nats::job_queue_state`]).
#[derive(Debug, Clone, Copy)]
pub struct JobQueueState {
    /// Messages in the work-queue stream: waiting or being worked on.
    pub messages: u64,
    /// The workers' consumer; `None` until a worker has created it.
    pub consumer: Option<ConsumerState>,
}

/// What the workers' consumer holds.
#[derive(Debug, Clone, Copy)]
pub struct ConsumerState {
    /// Jobs no worker has pulled yet.
    pub pending: u64,
    /// Jobs pulled and not yet acknowledged.
    pub ack_pending: u64,
}

/// The connection to NATS and its JetStream context.
#[derive(Clone)]
pub struct Nats {
    pub(crate) client: async_nats::Client,
    pub(crate) js: jetstream::Context,
    /// Set once the JetStream streams are known to exist (see `ensure_streams`).
    streams_ready: Arc<AtomicBool>,
    /// Bumped whenever core deliveries may have been missed (see [`crate::feed`]).
    pub(crate) live_epoch: Arc<watch::Sender<u64>>,
}

impl Nats {
    /// Connects to NATS as `config` says (retrying in the background until it is up), as
    /// `name`.
    pub async fn connect(config: &NatsConfig, name: &str) -> anyhow::Result<Self> {
        let url = config.url.as_str();
        let live_epoch = Arc::new(watch::Sender::new(0u64));
        let on_event = live_epoch.clone();
        let connected_before = Arc::new(AtomicBool::new(false));
        let client = config
            .connect_options()
            .retry_on_initial_connect()
            .name(name)
            .subscription_capacity(SUBSCRIPTION_BUFFER)
            .event_callback(move |event| {
                let live_epoch = on_event.clone();
                let connected_before = connected_before.clone();
                async move {
                    use async_nats::Event;
                    // Core messages published while disconnected, or dropped from a full
                    // subscription, are gone: live feeds catch up from the stream. The first
                    // connection misses nothing: no job was published before it.
                    let missed = match event {
                        Event::Connected => connected_before.swap(true, Ordering::AcqRel),
                        Event::SlowConsumer(_) => true,
                        _ => false,
                    };
                    if missed {
                        live_epoch.send_modify(|epoch| *epoch += 1);
                    }
                    if let Event::SlowConsumer(sid) = event {
                        tracing::warn!(sid, "a NATS subscription overflowed; live event feeds catch up from the stream");
                    }
                }
            })
            .connect(url)
            .await
            .with_context(|| format!("invalid NATS_URL {url}"))?;
        Ok(Self {
            js: jetstream::new(client.clone()),
            client,
            streams_ready: Arc::new(AtomicBool::new(false)),
            live_epoch,
        })
    }

    /// True while the NATS connection is up.
    pub fn connected(&self) -> bool {
        self.client.connection_state() == async_nats::connection::State::Connected
    }

    /// True when the connection is up and the server answers a round trip within `timeout`.
    pub async fn responds(&self, timeout: Duration) -> bool {
        self.connected()
            && tokio::time::timeout(timeout, self.client.flush())
                .await
                .is_ok_and(|r| r.is_ok())
    }

    /// Creates or updates the JetStream streams and records whether that worked, so
    /// readiness stays false until a job published now would be stored.
    pub async fn ensure_streams(&self) -> anyhow::Result<()> {
        let result = streams::ensure_streams(&self.js).await;
        self.streams_ready.store(result.is_ok(), Ordering::Release);
        result
    }

    /// True once the last `ensure_streams` succeeded.
    pub fn streams_ready(&self) -> bool {
        self.streams_ready.load(Ordering::Acquire)
    }

    /// The job queue as JetStream sees it: messages in the work-queue stream (waiting or
    /// being worked on), and of those, how many no worker has pulled yet and how many wait
    /// for a worker's acknowledgement.
    pub async fn job_queue_state(&self) -> anyhow::Result<JobQueueState> {
        let stream = self.js.get_stream(JOBS_STREAM).await?;
        let messages = stream.cached_info().state.messages;
        let consumer = match stream.consumer_info(WORKERS_CONSUMER).await {
            Ok(info) => Some(ConsumerState {
                pending: info.num_pending,
                ack_pending: info.num_ack_pending as u64,
            }),
            Err(e) if e.kind() == jetstream::context::ConsumerInfoErrorKind::NotFound => None,
            Err(e) => return Err(e.into()),
        };
        Ok(JobQueueState { messages, consumer })
    }

    /// Publishes a job and waits for JetStream to store it. Publishing the same job twice is
    /// harmless: `Nats-Msg-Id = job_id` makes JetStream drop the duplicate.
    pub async fn publish_job(&self, job: &Job) -> anyhow::Result<()> {
        streams::publish_job(&self.js, job, &job.id.to_string()).await
    }

    /// True when the work queue still holds a message of `job` (read with direct gets over
    /// its conversation's subject: a few messages at most, one per unanswered turn).
    pub async fn queue_holds(&self, job: &Job) -> anyhow::Result<bool> {
        let stream = self.js.get_stream_no_info(JOBS_STREAM).await?;
        let subject = job_subject(job.conversation_id);
        let mut next = 1;
        loop {
            match stream
                .get_first_raw_message_by_subject(&subject, next)
                .await
            {
                Ok(message) => {
                    let queued: ChatJob = serde_json::from_slice(&message.payload)?;
                    if queued.job_id == job.id {
                        return Ok(true);
                    }
                    next = message.sequence + 1;
                }
                Err(e) if e.kind() == jetstream::stream::RawMessageErrorKind::NoMessageFound => {
                    return Ok(false);
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
}
