//! The transactional outbox: a job is stored with its message in one statement and
//! published after the commit ([`Outbox::publish_after_commit`]); a relay republishes the
//! jobs whose publish failed or was never tried (NATS was down, the gateway died between
//! commit and publish), and a sweeper ends the jobs nobody finished before their deadline,
//! so every job ends. Several gateways can run the relay: each locks the rows it handles.

use std::{collections::VecDeque, time::Duration};

use common::{
    db::{
        self,
        jobs::{Ending, Finished},
        messages::NewMessage,
    },
    domain::{Job, Role},
    ending::Failure,
    jobs::{ChatEvent, streams},
};
use sqlx::PgPool;
use tokio::sync::mpsc;
use tracing::Instrument as _;
use uuid::Uuid;

use crate::nats::Nats;

/// Jobs marked published per statement, at most.
const MARK_BATCH: usize = 256;
/// Jobs younger than this are most likely being published by their own request.
const RELAY_MIN_AGE_MS: i64 = 1000;
/// Jobs the relay publishes per sweep, at most.
const RELAY_BATCH: i64 = 100;
/// Jobs the sweeper ends per sweep, at most.
const SWEEP_BATCH: i64 = 50;
/// How long a published job waits unstarted before the relay checks the queue still holds it.
const STALE_AFTER: Duration = Duration::from_secs(60);

/// Publishing jobs after their commit, and the relay behind it.
#[derive(Clone)]
pub struct Outbox {
    pool: PgPool,
    nats: Nats,
    marks: PublishedMarks,
}

impl Outbox {
    /// The outbox, and the task that writes its published marks (to be spawned): a mark is
    /// written `mark_delay` after its publish (see [`PublishedMarks`]).
    pub fn new(
        pool: PgPool,
        nats: Nats,
        mark_delay: Duration,
    ) -> (Self, impl Future<Output = ()> + Send + 'static) {
        let (marks, writer) = PublishedMarks::new(pool.clone(), mark_delay);
        (Self { pool, nats, marks }, writer)
    }

    /// Publishes `job` after its transaction committed and records (in a batch) that it was
    /// published. A failure is logged, not returned: the job is safely stored, and the relay
    /// will publish it. True if JetStream has it now.
    pub async fn publish_after_commit(&self, job: &Job) -> bool {
        if !self.nats.connected() {
            tracing::warn!(job_id = %job.id, "NATS is down; the outbox relay will publish the job when it is back");
            return false;
        }
        let started = std::time::Instant::now();
        match self.nats.publish_job(job).await {
            Ok(()) => {
                common::metrics::record_stage(common::metrics::TurnStage::Publish, started);
                self.marks.record(job.id);
                true
            }
            Err(e) => {
                metrics::counter!("taskwire_job_publish_failures_total").increment(1);
                tracing::warn!(job_id = %job.id, error = %e, "publish failed; the outbox relay will retry");
                false
            }
        }
    }

    /// Every `every`: publishes the jobs stored but not published, and ends the jobs older
    /// than `job_deadline` that no worker is running. Runs until aborted.
    pub async fn run_relay(self, every: Duration, job_deadline: Duration) {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let sweep = async {
                match self.relay_once().await {
                    Ok(0) => {}
                    Ok(n) => {
                        metrics::counter!("taskwire_outbox_republished_total").increment(n as u64);
                        tracing::info!(published = n, "outbox relay published stored jobs");
                    }
                    Err(e) => tracing::warn!(error = %e, "outbox relay sweep failed"),
                }
                if let Err(e) = self.sweep_abandoned(job_deadline).await {
                    tracing::warn!(error = %e, "abandoned-job sweep failed");
                }
            };
            sweep.instrument(tracing::debug_span!("outbox_sweep")).await;
        }
    }

    /// One relay sweep; returns how many jobs it published.
    pub async fn relay_once(&self) -> anyhow::Result<usize> {
        let again = self.republish_stale().await?;
        let mut tx = self.pool.begin().await?;
        let jobs = db::jobs::lock_unpublished(&mut *tx, RELAY_MIN_AGE_MS, RELAY_BATCH).await?;
        if jobs.is_empty() {
            return Ok(again);
        }
        for job in &jobs {
            self.nats.publish_job(job).await?;
            tracing::debug!(job_id = %job.id, conversation_id = %job.conversation_id, user_id = %job.user_id, "relay published a stored job");
        }
        let ids: Vec<Uuid> = jobs.iter().map(|job| job.id).collect();
        db::jobs::mark_published(&mut *tx, &ids).await?;
        tx.commit().await?;
        Ok(again + ids.len())
    }

    /// Publishes again the jobs marked published that no worker has started for a while
    /// ([`STALE_AFTER`]) and that the queue no longer holds (its store lost or purged, the
    /// stream made anew): they would otherwise wait for their deadline and fail.
    async fn republish_stale(&self) -> anyhow::Result<usize> {
        let mut tx = self.pool.begin().await?;
        let stale = STALE_AFTER.as_secs_f64();
        let jobs = db::jobs::restamp_stale_queued(&mut *tx, stale, RELAY_BATCH).await?;
        let mut again = 0;
        for job in &jobs {
            if self.nats.queue_holds(job).await? {
                continue; // Waiting its turn in a long queue: there is nothing to mend.
            }
            // Under a new message id: JetStream may still remember the first one, and would
            // drop this publish as its duplicate.
            let msg_id = format!("{}:again:{}", job.id, Uuid::now_v7());
            streams::publish_job(&self.nats.js, job, &msg_id).await?;
            again += 1;
            tracing::warn!(job_id = %job.id, "relay published again a job the queue had lost");
        }
        tx.commit().await?;
        Ok(again)
    }

    /// Ends the jobs that missed their deadline (see [`db::jobs::lock_abandoned`]) as the
    /// worker ends a failed turn ([`db::jobs::finish`]: the reply that tells the user, status
    /// `failed`, the lease), all in one transaction; then publishes each one's `error` event.
    ///
    /// The reply says what the job's tool calls did, from the ledger: a job can pass its
    /// deadline after its tools ran (a worker lost mid-turn, a lost queue message).
    pub async fn sweep_abandoned(&self, deadline: Duration) -> anyhow::Result<usize> {
        let failure = Failure::Abandoned;
        let mut tx = self.pool.begin().await?;
        let jobs = db::jobs::lock_abandoned(&mut *tx, deadline.as_secs_f64(), SWEEP_BATCH).await?;
        let mut ended = Vec::new();
        for job in jobs {
            let calls = db::tool_executions::records_for_job(&mut *tx, job.id).await?;
            let text = failure.reply(&calls);
            let calls_json = (!calls.is_empty()).then(|| serde_json::json!(calls));
            let reply = NewMessage {
                id: Uuid::now_v7(),
                conversation_id: job.conversation_id,
                user_id: &job.user_id,
                role: Role::Assistant,
                content: &text,
                tool_calls: calls_json.as_ref(),
                job_id: job.id,
                turn_seq: job.seq,
            };
            let ending = Ending::Failed {
                code: failure.code(),
                error: failure.detail(),
            };
            if db::jobs::finish(&mut *tx, &reply, ending).await? == Finished::Stored {
                ended.push((job.id, reply.id, text));
            }
        }
        tx.commit().await?;
        for (job_id, message_id, text) in &ended {
            metrics::counter!("taskwire_jobs_abandoned_total").increment(1);
            tracing::warn!(%job_id, "job passed its deadline; marked failed");
            let event = ChatEvent::Error {
                code: failure.code().to_owned(),
                message: text.clone(),
                message_id: Some(*message_id),
            };
            // The ending is stored: a client that misses this event gets it rebuilt from
            // Postgres when it replays the job.
            let msg_id = format!("{job_id}:{}", failure.code());
            if let Err(e) = streams::publish_event(&self.nats.js, *job_id, &msg_id, &event).await {
                tracing::warn!(%job_id, error = %e, "the abandoned job's error event was not published");
            }
        }
        Ok(ended.len())
    }
}

/// Records, in batches, that JetStream has the jobs requests published: one statement for
/// all the jobs published while the previous one ran, not one per request (a round trip, a
/// commit and a new row version each, and a wait on the row lock when a worker is already
/// starting the job). A mark is written `delay` (`PUBLISH_MARK_DELAY`) after the publish: a
/// worker that started the job by then has marked it itself, and the statement passes over
/// it instead of writing another version of the row (into each of `chat_jobs`' indexes). A
/// mark that is late or lost costs nothing but a republish by the relay, which JetStream
/// drops as a duplicate (`Nats-Msg-Id`).
#[derive(Clone)]
struct PublishedMarks {
    tx: mpsc::Sender<(tokio::time::Instant, Uuid)>,
}

impl PublishedMarks {
    /// The marks, and the task that writes them (to be spawned).
    fn new(pool: PgPool, delay: Duration) -> (Self, impl Future<Output = ()> + Send + 'static) {
        let (tx, rx) = mpsc::channel(4 * MARK_BATCH);
        (Self { tx }, write_marks(pool, delay, rx))
    }

    fn record(&self, id: Uuid) {
        if self.tx.try_send((tokio::time::Instant::now(), id)).is_err() {
            tracing::debug!(job_id = %id, "too many marks pending; the relay will republish the job (deduplicated)");
        }
    }
}

/// The writer of [`PublishedMarks`]: waits until the oldest mark is `delay` old, then writes
/// every mark that is due in one statement; at shutdown (the channel closed), writes what is
/// left without waiting.
async fn write_marks(
    pool: PgPool,
    delay: Duration,
    mut rx: mpsc::Receiver<(tokio::time::Instant, Uuid)>,
) {
    let mut pending = VecDeque::new();
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
                    open = false;
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
}
