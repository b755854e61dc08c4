//! The gateway's side of JetStream: publishing jobs (with the transactional-outbox relay
//! that republishes jobs whose first publish failed) and reading a job's events.
//!
//! A job's events are followed in one of two ways:
//! - **live**, for a job this gateway is about to publish: a core subscription to the events
//!   JetStream republishes once stored (`chat.live.<job_id>`, each with its stream sequence),
//!   made before the job can reach a worker. It costs the server a subscription, not a
//!   consumer. Core delivery can miss messages only across a reconnect or when the
//!   subscription's buffer overflows; both bump [`Queue`]'s live epoch, and every live feed
//!   then catches up from the stream after the last sequence it gave out.
//! - **from the stream**, for any other job (a reconnect with `Last-Event-ID`, `GET
//!   /jobs/{id}/events`): an ordered consumer that replays the stored events and follows on.

use std::{
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use anyhow::Context as _;
use async_nats::{
    header::NATS_SEQUENCE,
    jetstream::{self, consumer::DeliverPolicy},
};
use common::{
    db,
    domain::Job,
    jobs::{
        ChatEvent, EVENTS_STREAM, JOBS_STREAM, WORKERS_CONSUMER, events_subject,
        live_events_subject,
    },
};
use futures::{Stream, StreamExt, stream};
use sqlx::PgPool;
use tokio::sync::{mpsc, watch};
use uuid::Uuid;

/// Errors in a row, with no event between them, after which a job's event feed gives up.
const MAX_FEED_ERRORS: u32 = 10;

/// Messages a core subscription holds before the client drops what comes next (and reports
/// a slow consumer). It bounds what a live feed whose client stopped reading keeps here:
/// about 0.5 MB of events, after which the feed catches up from the stream, pull by pull.
const SUBSCRIPTION_BUFFER: usize = 1024;

/// Reads one stored event; `None` for an unreadable one (skipped).
fn decode(message: &jetstream::Message) -> Option<anyhow::Result<SequencedEvent>> {
    let seq = match message.info() {
        Ok(info) => info.stream_sequence,
        Err(e) => return Some(Err(anyhow::anyhow!("event without metadata: {e}"))),
    };
    decode_payload(seq, &message.payload)
}

/// Reads one event republished by the event stream, its sequence in `Nats-Sequence`.
fn decode_live(message: &async_nats::Message) -> Option<anyhow::Result<SequencedEvent>> {
    let seq = message
        .headers
        .as_ref()
        .and_then(|h| h.get(NATS_SEQUENCE))
        .and_then(|v| v.as_str().parse::<u64>().ok());
    match seq {
        Some(seq) => decode_payload(seq, &message.payload),
        None => Some(Err(anyhow::anyhow!(
            "live event on {} without a stream sequence",
            message.subject
        ))),
    }
}

/// Reads an event's name from its `type` field and keeps its JSON as published: the SSE
/// stream writes the text as it is. `None` for an unreadable event (skipped): not UTF-8 JSON,
/// or a `type` that is not an event's.
fn decode_payload(seq: u64, payload: &[u8]) -> Option<anyhow::Result<SequencedEvent>> {
    /// The `type` field only; serde still checks the whole text is JSON.
    #[derive(serde::Deserialize)]
    struct Head<'a> {
        #[serde(rename = "type", borrow)]
        kind: std::borrow::Cow<'a, str>,
    }
    let read = std::str::from_utf8(payload)
        .map_err(anyhow::Error::from)
        .and_then(|json| Ok((json, serde_json::from_str::<Head<'_>>(json)?)))
        .and_then(|(json, head)| {
            let name = ChatEvent::NAMES
                .into_iter()
                .find(|name| *name == head.kind)
                .ok_or_else(|| anyhow::anyhow!("unknown event type {:?}", head.kind))?;
            Ok(SequencedEvent {
                seq,
                name,
                json: json.to_owned(),
            })
        });
    match read {
        Ok(event) => Some(Ok(event)),
        Err(e) => {
            tracing::warn!(seq, error = %e, "skipping unreadable event");
            None
        }
    }
}

/// Most events of one job held in the gateway for one client at a time.
pub const EVENTS_BATCH: i64 = 64;

/// A job event with its position in the event stream (the SSE id): its name and its JSON,
/// not decoded (a stream only passes it on).
#[derive(Debug, Clone)]
pub struct SequencedEvent {
    pub seq: u64,
    /// One of [`ChatEvent::NAMES`].
    pub name: &'static str,
    pub json: String,
}

impl SequencedEvent {
    /// True for `done` and `error`.
    pub fn is_terminal(&self) -> bool {
        ChatEvent::is_terminal_name(self.name)
    }

    /// The event, decoded.
    pub fn decode(&self) -> anyhow::Result<ChatEvent> {
        Ok(serde_json::from_str(&self.json)?)
    }
}

/// A stream of a job's events, in order.
pub type EventFeed = Pin<Box<dyn Stream<Item = anyhow::Result<SequencedEvent>> + Send>>;

/// See [`Queue::job_queue_state`].
#[derive(Debug, Clone, Copy)]
pub struct JobQueueState {
    pub messages: u64,
    /// `(not yet delivered, delivered and not yet acknowledged)`.
    pub consumer: Option<(u64, u64)>,
}

/// Access to the job and event streams.
#[derive(Clone)]
pub struct Queue {
    client: async_nats::Client,
    js: jetstream::Context,
    /// Set once the JetStream streams are known to exist (see `ensure_streams`).
    streams_ready: Arc<AtomicBool>,
    /// Bumped whenever core deliveries may have been missed (module docs).
    live_epoch: Arc<watch::Sender<u64>>,
}

/// A job's live events, subscribed to before the job was published (see
/// [`Queue::subscribe_live`]); [`Queue::follow_live`] reads them.
pub struct LiveEvents {
    job_id: Uuid,
    subscriber: async_nats::Subscriber,
    epoch: watch::Receiver<u64>,
}

impl Queue {
    /// Connects to NATS at `url` (retrying in the background until it is up), as `name`.
    pub async fn connect(url: &str, name: &str) -> anyhow::Result<Self> {
        let live_epoch = Arc::new(watch::Sender::new(0u64));
        let on_event = live_epoch.clone();
        let connected_before = Arc::new(AtomicBool::new(false));
        let client = async_nats::ConnectOptions::new()
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
        let result = common::jobs::ensure_streams(&self.js).await;
        self.streams_ready.store(result.is_ok(), Ordering::Release);
        result
    }

    /// True once the last `ensure_streams` succeeded.
    pub fn streams_ready(&self) -> bool {
        self.streams_ready.load(Ordering::Acquire)
    }

    /// The JetStream context.
    pub fn jetstream(&self) -> &jetstream::Context {
        &self.js
    }

    /// The job queue as JetStream sees it: messages in the work-queue stream (waiting or
    /// being worked on), and of those, how many no worker has pulled yet and how many wait
    /// for a worker's acknowledgement (`None` until a worker has created the consumer).
    pub async fn job_queue_state(&self) -> anyhow::Result<JobQueueState> {
        let stream = self.js.get_stream(JOBS_STREAM).await?;
        let messages = stream.cached_info().state.messages;
        let consumer = match stream.consumer_info(WORKERS_CONSUMER).await {
            Ok(info) => Some((info.num_pending, info.num_ack_pending as u64)),
            Err(e) if e.kind() == jetstream::context::ConsumerInfoErrorKind::NotFound => None,
            Err(e) => return Err(e.into()),
        };
        Ok(JobQueueState { messages, consumer })
    }

    /// Publishes a job and waits for JetStream to store it. Publishing the same job twice is
    /// harmless: `Nats-Msg-Id = job_id` makes JetStream drop the duplicate.
    pub async fn publish_job(&self, job: &Job) -> anyhow::Result<()> {
        common::jobs::publish_job(&self.js, job, &job.id.to_string()).await
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
                // A client that reads slowly stops the SSE body from being polled, so this
                // feed pulls no more: at most one batch per stream waits in the gateway.
                max_batch: EVENTS_BATCH,
                ..Default::default()
            })
            .await?;
        let messages = consumer.messages().await?;
        // The ordered consumer reports hiccups (missed heartbeats, a reconnect) as errors and
        // recreates itself; only a run of errors without a message in between ends the feed.
        let mut failures = 0u32;
        Ok(Box::pin(messages.filter_map(move |message| {
            let item = match message {
                Ok(message) => {
                    failures = 0;
                    decode(&message)
                }
                Err(e) if failures < MAX_FEED_ERRORS => {
                    failures += 1;
                    tracing::debug!(error = %e, failures, "event feed hiccup; the ordered consumer recovers");
                    None
                }
                Err(e) => Some(Err(anyhow::Error::new(e))),
            };
            async move { item }
        })))
    }

    /// Subscribes to the live events of `job_id`. Call it before the job is published: the
    /// subscription and the publish go out on the same connection, in that order, so the
    /// server has the subscription before any worker can get the job.
    pub async fn subscribe_live(&self, job_id: Uuid) -> anyhow::Result<LiveEvents> {
        let mut epoch = self.live_epoch.subscribe();
        epoch.mark_unchanged();
        let subscriber = self.client.subscribe(live_events_subject(job_id)).await?;
        Ok(LiveEvents {
            job_id,
            subscriber,
            epoch,
        })
    }

    /// The events of a job subscribed to with [`Queue::subscribe_live`]: live while no
    /// delivery can have been missed, then from the stream after the last one given out.
    pub fn follow_live(&self, live: LiveEvents) -> EventFeed {
        enum Source {
            Live(LiveEvents),
            Stream(EventFeed),
            Over,
        }
        let queue = self.clone();
        let job_id = live.job_id;
        Box::pin(stream::unfold(
            (Source::Live(live), None::<u64>),
            move |(mut source, mut last)| {
                let queue = queue.clone();
                async move {
                    loop {
                        let item = match &mut source {
                            Source::Over => return None,
                            Source::Live(live) => {
                                let message = tokio::select! {
                                    biased;
                                    _ = live.epoch.changed() => None,
                                    message = live.subscriber.next() => message,
                                };
                                match message.as_ref().and_then(decode_live) {
                                    Some(item) => item,
                                    None if message.is_some() => continue, // unreadable
                                    None => {
                                        tracing::debug!(%job_id, after = ?last, "live events may have been missed; catching up from the stream");
                                        source = match queue.events(job_id, last).await {
                                            Ok(feed) => Source::Stream(feed),
                                            Err(e) => {
                                                return Some((Err(e), (Source::Over, last)));
                                            }
                                        };
                                        continue;
                                    }
                                }
                            }
                            Source::Stream(feed) => feed.next().await?,
                        };
                        match item {
                            Ok(event) if last.is_some_and(|l| event.seq <= l) => continue,
                            Ok(event) => {
                                last = Some(event.seq);
                                return Some((Ok(event), (source, last)));
                            }
                            Err(e) => return Some((Err(e), (Source::Over, last))),
                        }
                    }
                }
            },
        ))
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

/// Publishes `job` after its transaction committed and records (in a batch) that it was
/// published. A failure is logged, not returned: the job is safely stored, and the relay
/// will publish it.
pub async fn publish_after_commit(marks: &PublishedMarks, queue: &Queue, job: &Job) -> bool {
    if !queue.connected() {
        tracing::warn!(job_id = %job.id, "NATS is down; the outbox relay will publish the job when it is back");
        return false;
    }
    let started = std::time::Instant::now();
    match queue.publish_job(job).await {
        Ok(()) => {
            common::metrics::record_stage(common::metrics::TurnStage::Publish, started);
            marks.record(job.id);
            true
        }
        Err(e) => {
            metrics::counter!("taskwire_job_publish_failures_total").increment(1);
            tracing::warn!(job_id = %job.id, error = %e, "publish failed; the outbox relay will retry");
            false
        }
    }
}

/// Jobs marked published per statement, at most.
const MARK_BATCH: usize = 256;

/// Records, in batches, that JetStream has the jobs requests published: one statement for
/// all the jobs published while the previous one ran, not one per request (a round trip, a
/// commit and a new row version each, and a wait on the row lock when a worker is already
/// starting the job). A mark is written `delay` (`PUBLISH_MARK_DELAY`) after the publish: a
/// worker that started the job by then has marked it itself, and the statement passes over
/// it instead of writing another version of the row (into each of `chat_jobs`' indexes). A
/// mark that is late or lost costs nothing but a republish by the relay, which JetStream
/// drops as a duplicate (`Nats-Msg-Id`).
#[derive(Clone)]
pub struct PublishedMarks {
    tx: mpsc::Sender<(tokio::time::Instant, Uuid)>,
}

impl PublishedMarks {
    /// The marks, and the task that writes them (to be spawned).
    pub fn new(pool: PgPool, delay: Duration) -> (Self, impl Future<Output = ()> + Send + 'static) {
        let (tx, mut rx) = mpsc::channel(4 * MARK_BATCH);
        let writer = async move {
            let mut pending = std::collections::VecDeque::new();
            let mut open = true;
            while open || !pending.is_empty() {
                if pending.is_empty() {
                    match rx.recv().await {
                        Some(mark) => pending.push_back(mark),
                        None => break,
                    }
                }
                if open && let Some(&(recorded, _)) = pending.front() {
                    tokio::time::sleep_until(recorded + delay).await;
                }
                loop {
                    match rx.try_recv() {
                        Ok(mark) => pending.push_back(mark),
                        Err(mpsc::error::TryRecvError::Empty) => break,
                        Err(mpsc::error::TryRecvError::Disconnected) => {
                            open = false; // write what is left, without waiting
                            break;
                        }
                    }
                }
                let now = tokio::time::Instant::now();
                let mut batch = Vec::with_capacity(MARK_BATCH);
                while let Some(&(recorded, id)) = pending.front() {
                    if batch.len() == MARK_BATCH || (open && recorded + delay > now) {
                        break;
                    }
                    batch.push(id);
                    pending.pop_front();
                }
                if batch.is_empty() {
                    continue;
                }
                if let Err(e) = db::jobs::mark_published(&pool, &batch).await {
                    tracing::warn!(jobs = batch.len(), error = %e, "published jobs not marked; the relay will republish them (deduplicated)");
                }
            }
        };
        (Self { tx }, writer)
    }

    fn record(&self, id: Uuid) {
        if self.tx.try_send((tokio::time::Instant::now(), id)).is_err() {
            tracing::debug!(job_id = %id, "too many marks pending; the relay will republish the job (deduplicated)");
        }
    }
}

/// The outbox relay: every `every`, publishes jobs that were stored but not published (NATS
/// was down, or the gateway died between commit and publish), and ends jobs older than
/// `job_deadline` that no worker is running. Several gateways can run it: each locks the
/// rows it handles.
pub async fn run_relay(pool: PgPool, queue: Queue, every: Duration, job_deadline: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match relay_once(&pool, &queue).await {
            Ok(0) => {}
            Ok(n) => {
                metrics::counter!("taskwire_outbox_republished_total").increment(n as u64);
                tracing::info!(published = n, "outbox relay published stored jobs");
            }
            Err(e) => tracing::warn!(error = %e, "outbox relay sweep failed"),
        }
        if let Err(e) = sweep_abandoned(&pool, &queue, job_deadline).await {
            tracing::warn!(error = %e, "abandoned-job sweep failed");
        }
    }
}

/// Ends jobs that missed their deadline (see [`db::jobs::lock_abandoned`]): each gets the
/// abandoned reply and status `failed`, in one transaction, and its `error` event.
pub async fn sweep_abandoned(
    pool: &PgPool,
    queue: &Queue,
    deadline: Duration,
) -> anyhow::Result<usize> {
    let mut tx = pool.begin().await?;
    let jobs = db::jobs::lock_abandoned(&mut *tx, deadline.as_secs_f64(), 50).await?;
    let mut ended = Vec::new();
    for job in jobs {
        let user = common::domain::UserId::parse(job.user_id.clone())?;
        let message_id = Uuid::now_v7();
        db::messages::insert(
            &mut *tx,
            &db::messages::NewMessage {
                id: message_id,
                conversation_id: job.conversation_id,
                user_id: &user,
                role: common::domain::Role::Assistant,
                content: common::jobs::ABANDONED_REPLY,
                tool_calls: None,
                job_id: job.id,
                turn_seq: job.seq,
            },
        )
        .await?;
        db::jobs::fail(
            &mut *tx,
            job.id,
            "abandoned",
            "the job passed its deadline unfinished",
        )
        .await?;
        db::conversations::release_turn(&mut *tx, job.conversation_id, job.id).await?;
        ended.push((job, message_id));
    }
    tx.commit().await?;
    for (job, message_id) in &ended {
        metrics::counter!("taskwire_jobs_abandoned_total").increment(1);
        tracing::warn!(job_id = %job.id, "job passed its deadline; marked failed");
        let event = ChatEvent::Error {
            code: "abandoned".to_owned(),
            message: common::jobs::ABANDONED_REPLY.to_owned(),
            message_id: Some(*message_id),
        };
        if let Ok(payload) = serde_json::to_vec(&event) {
            let _ = queue
                .js
                .publish(events_subject(job.id), payload.into())
                .await;
        }
    }
    Ok(ended.len())
}

/// One sweep; returns how many jobs it published.
pub async fn relay_once(pool: &PgPool, queue: &Queue) -> anyhow::Result<usize> {
    let mut tx = pool.begin().await?;
    // Jobs younger than a second are most likely being published by their own request.
    let jobs = db::jobs::lock_unpublished(&mut *tx, 1000, 100).await?;
    if jobs.is_empty() {
        return Ok(0);
    }
    for job in &jobs {
        queue.publish_job(job).await?;
    }
    let ids: Vec<Uuid> = jobs.iter().map(|job| job.id).collect();
    db::jobs::mark_published(&mut *tx, &ids).await?;
    tx.commit().await?;
    Ok(ids.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_is_passed_on_as_published_and_a_bad_one_skipped() {
        let published = r#"{"type":"tool_result","id":"c1","tool":"add_task","ok":true,"result":{"title":"Tea \u00e9"}}"#;
        let event = decode_payload(7, published.as_bytes())
            .expect("read")
            .expect("an event");
        assert_eq!((event.seq, event.name), (7, "tool_result"));
        assert_eq!(event.json, published, "the text is not re-encoded");
        assert!(!event.is_terminal());
        assert!(matches!(
            event.decode(),
            Ok(ChatEvent::ToolResult { ok: true, .. })
        ));

        let failed = serde_json::to_vec(&ChatEvent::Error {
            code: "timeout".into(),
            message: "m".into(),
            message_id: None,
        })
        .expect("serialises");
        let failed = decode_payload(8, &failed).expect("read").expect("an event");
        assert!(failed.is_terminal());

        for bad in [
            &br#"{"type":"mystery"}"#[..],
            br#"{"text":"no type"}"#,
            br#"{"type":"delta","text":"cut"#,
            b"\xff\xfe",
        ] {
            assert!(decode_payload(9, bad).is_none(), "{bad:?}");
        }
    }
}
