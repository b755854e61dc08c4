//! Starting a delivery: the one statement that counts the attempt and tries to take the
//! conversation's turn, the checks on the job message, and the wait for an earlier turn.

use common::{
    db::{self, conversations::TurnLease, jobs::Delivery},
    domain::Job,
    ending::terminal_event,
    jobs::ChatJob,
    metrics::{TurnStage, record_stage},
};
use sqlx::{Postgres, pool::PoolConnection};
use std::time::Duration;

use super::{Context, Outcome, lease::wait_for_turn, turn::Ledger};
use crate::events::EventPublisher;

/// How starting a delivery came out.
pub(super) enum Start {
    /// The job holds its conversation's turn: run it. (Boxed: a started delivery is
    /// large, and most deliveries become one, so the box costs one allocation per turn.)
    Begun(Box<Begun>),
    /// Nothing to run; settle the message so.
    Over(Outcome),
}

/// A delivery whose turn can run.
pub(super) struct Begun {
    /// The job as stored, started.
    pub job: Job,
    /// The connection the start used, if the turn was taken at once: the turn's first reads
    /// go on it (each return to the pool costs a round trip, since sqlx pings a connection on
    /// release).
    pub conn: Option<PoolConnection<Postgres>>,
    /// What the start learnt of the job's ledger.
    pub ledger: Ledger,
}

/// Starts delivery `delivered` of `job`: the job's row becomes `running` with one more
/// attempt, and the turn is taken, now or after the earlier turns end.
pub(super) async fn start(ctx: &Context, job: &ChatJob, delivered: i64) -> Start {
    if job.version != ChatJob::VERSION {
        return Start::Over(Outcome::Poison(format!(
            "unknown job version {}",
            job.version
        )));
    }
    let starting = std::time::Instant::now();
    let mut conn = match ctx.pool.acquire().await {
        Ok(conn) => conn,
        Err(e) => return Start::Over(ctx.retry(delivered, &e.into())),
    };
    let delivery = Delivery {
        job_id: job.job_id,
        user: &job.user_id,
        conversation_id: job.conversation_id,
        worker_id: &ctx.worker_id,
        lease: ctx.turn.lease,
    };
    let started = match db::jobs::start_attempt(&mut *conn, delivery).await {
        Ok(Some(started)) => {
            record_stage(TurnStage::Start, starting);
            started
        }
        // Its conversation was deleted while it waited: nothing to answer.
        Ok(None) => return Start::Over(Outcome::Done),
        Err(e) => return Start::Over(ctx.retry(delivered, &e)),
    };
    let row = started.job;
    if row.user_id != job.user_id || row.conversation_id != job.conversation_id {
        return Start::Over(Outcome::Poison(
            "job message does not match the stored job".to_owned(),
        ));
    }
    if row.attempts == 1 && !row.status.is_final() {
        // From the gateway's commit to a worker taking the job: the queue's share of a turn.
        let waited = (chrono::Utc::now() - row.created_at).num_microseconds();
        metrics::histogram!("taskwire_job_wait_seconds")
            .record(waited.unwrap_or(0).max(0) as f64 / 1e6);
    }
    if row.status.is_final() {
        drop(conn);
        return Start::Over(announce_again(ctx, &row, delivered).await);
    }
    if started.turn_taken {
        // Taken in the start statement, the turn began with it: its ledger reading holds.
        return Start::Begun(Box::new(Begun {
            job: row,
            conn: Some(conn),
            ledger: Ledger::Known(started.calls_recorded),
        }));
    }
    // Not held across the wait for the turn; a turn waited for reads its ledger afresh.
    drop(conn);
    match wait_for_turn(ctx, &row).await {
        Ok(TurnLease::Acquired) => Start::Begun(Box::new(Begun {
            job: row,
            conn: None,
            ledger: Ledger::Unknown,
        })),
        Ok(TurnLease::Gone) => Start::Over(Outcome::Done),
        Ok(TurnLease::Busy) => Start::Over(Outcome::Retry(Duration::from_secs(5))),
        Err(e) => Start::Over(ctx.retry(delivered, &e)),
    }
}

/// A job finished by an earlier delivery whose ack (or `done`) was lost: announces its
/// ending again, rebuilt from Postgres.
async fn announce_again(ctx: &Context, job: &Job, delivered: i64) -> Outcome {
    match terminal_event(&ctx.pool, job).await {
        Ok(Some(event)) => {
            EventPublisher::announcing_again(ctx.js.clone(), job.id)
                .publish(&event)
                .await;
            Outcome::Done
        }
        Ok(None) => Outcome::Done,
        Err(e) => ctx.retry(delivered, &e),
    }
}
