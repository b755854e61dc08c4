//! One job, start to end: the step function the runtime loop calls for each delivery.
//!
//! `process` takes the conversation's turn lease (turns run one at a time, in arrival
//! order), runs the agent within the turn's deadline, and ends the job in one transaction
//! (reply + status), or asks for a retry when the failure is worth retrying.

mod finish;
mod history;
mod lease;

pub use history::bounded_history;

use std::time::Duration;

use async_nats::jetstream;
use common::{
    db::{self, conversations::TurnLease},
    domain::UserId,
    jobs::{ChatJob, MAX_DELIVER, terminal_event},
};
use sqlx::PgPool;
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::{
    agent::{
        model::ModelError,
        runner::{Agent, TurnEnd, TurnError},
    },
    config::TurnConfig,
    events::EventPublisher,
};

use finish::{Failure, Finish, finish, recorded_calls};
use history::{Ledger, run_turn};
pub use lease::{HeldLeases, LeaseGuard};
use lease::{release, wait_for_turn};

/// Subject on which a worker announces that a conversation's turn is free.
pub fn turn_released_subject(conversation_id: Uuid) -> String {
    format!("chat.turns.{conversation_id}")
}

/// What the worker needs to process jobs.
pub struct Context {
    pub pool: PgPool,
    pub nats: async_nats::Client,
    pub js: jetstream::Context,
    pub agent: Agent,
    pub turn: TurnConfig,
    /// This worker's name, recorded on the jobs it takes.
    pub worker_id: String,
    /// The consumer's ack wait (heartbeats go every third of it).
    pub ack_wait: Duration,
    /// Conversations whose turn was just released (fed by a NATS subscription).
    pub turn_released: broadcast::Sender<Uuid>,
    /// The turn leases this worker holds (renewed together by [`HeldLeases::keep`]).
    pub leases: HeldLeases,
}

/// What to do with the JetStream message after `process`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The job ended (or needs nothing more): ack.
    Done,
    /// Try again after the delay: nak with that delay.
    Retry(Duration),
    /// The message itself is unusable: terminate it.
    Poison(String),
    /// Postgres is unreachable: keep the message (heartbeats go on) and process it again
    /// after the delay, rather than spend a delivery on an outage.
    DatabaseDown(Duration),
}

/// Delay before redelivery `delivered + 1`: `base` doubled per delivery, capped at a
/// minute, or what the model asked for.
fn backoff(base: Duration, delivered: i64, retry_after: Option<Duration>) -> Duration {
    let exponential = base.saturating_mul(1u32 << delivered.clamp(0, 10) as u32);
    retry_after
        .unwrap_or(exponential)
        .min(Duration::from_secs(60))
}

impl Context {
    fn retry(&self, delivered: i64, err: &common::Error) -> Outcome {
        tracing::warn!(error = %err, delivered, "job will be retried");
        match err {
            common::Error::Unavailable(_) => {
                Outcome::DatabaseDown(self.turn.retry_backoff.max(Duration::from_millis(200)))
            }
            _ => Outcome::Retry(backoff(self.turn.retry_backoff, delivered, None)),
        }
    }
}

/// Processes one delivery of `job`; `delivered` counts deliveries including this one.
pub async fn process(ctx: &Context, job: &ChatJob, delivered: i64) -> Outcome {
    if job.version != ChatJob::VERSION {
        return Outcome::Poison(format!("unknown job version {}", job.version));
    }
    // The start and the history are read on one connection: each return to the pool costs
    // a round trip (sqlx pings a connection on release).
    let starting = std::time::Instant::now();
    let mut conn = match ctx.pool.acquire().await {
        Ok(conn) => conn,
        Err(e) => return ctx.retry(delivered, &e.into()),
    };
    let started = match db::jobs::start_attempt(
        &mut *conn,
        (job.job_id, &job.user_id, job.conversation_id),
        &ctx.worker_id,
        ctx.turn.lease,
    )
    .await
    {
        Ok(Some(started)) => {
            common::metrics::record_stage(common::metrics::TurnStage::Start, starting);
            started
        }
        // Its conversation was deleted while it waited: nothing to answer.
        Ok(None) => return Outcome::Done,
        Err(e) => return ctx.retry(delivered, &e),
    };
    let row = started.job;
    if row.user_id != job.user_id || row.conversation_id != job.conversation_id {
        return Outcome::Poison("job message does not match the stored job".to_owned());
    }
    if row.attempts == 1 && !row.status.is_final() {
        // From the gateway's commit to a worker taking the job: the queue's share of a turn.
        let waited = (chrono::Utc::now() - row.created_at).num_microseconds();
        metrics::histogram!("taskwire_job_wait_seconds")
            .record(waited.unwrap_or(0).max(0) as f64 / 1e6);
    }
    if row.status.is_final() {
        drop(conn);
        // Finished by an earlier delivery whose ack (or `done`) was lost: announce it again.
        return match terminal_event(&ctx.pool, &row).await {
            Ok(Some(event)) => {
                EventPublisher::announcing_again(ctx.js.clone(), row.id)
                    .publish(&event)
                    .await;
                Outcome::Done
            }
            Ok(None) => Outcome::Done,
            Err(e) => ctx.retry(delivered, &e),
        };
    }
    // Taken in the start statement, the turn began with it: its ledger reading holds. A
    // turn waited for is read afresh when it runs.
    let (ledger, conn) = if started.turn_taken {
        (Ledger::Known(started.calls_recorded), Some(conn))
    } else {
        // Not across the wait for the turn.
        drop(conn);
        (Ledger::Unknown, None)
    };
    if !started.turn_taken {
        match wait_for_turn(ctx, &row).await {
            Ok(TurnLease::Acquired) => {}
            Ok(TurnLease::Gone) => return Outcome::Done,
            Ok(TurnLease::Busy) => return Outcome::Retry(Duration::from_secs(5)),
            Err(e) => return ctx.retry(delivered, &e),
        }
    }
    let user = match UserId::parse(row.user_id.clone()) {
        Ok(user) => user,
        Err(e) => return Outcome::Poison(format!("stored job has an invalid user: {e}")),
    };
    let renewing = ctx.leases.hold(&row);
    let mut events =
        EventPublisher::new(ctx.js.clone(), row.id, row.attempts, ctx.turn.delta_window);
    let result = tokio::time::timeout(
        ctx.turn.timeout,
        run_turn(ctx, conn, &row, &user, ledger, &mut events),
    )
    .await;
    drop(renewing);

    let last_delivery = delivered >= MAX_DELIVER;
    let outcome = match result {
        Ok(Ok(output)) if output.end == TurnEnd::Answered => {
            finish(ctx, &row, &user, Finish::Succeeded(output), &mut events).await
        }
        Ok(Ok(output)) => {
            finish(
                ctx,
                &row,
                &user,
                Finish::Failed(Failure::step_limit(output)),
                &mut events,
            )
            .await
        }
        Ok(Err(TurnError::Model(ModelError::Transient {
            message,
            retry_after,
        }))) if !last_delivery => {
            tracing::warn!(job_id = %row.id, %message, delivered, "model unavailable; retrying later");
            release(ctx, &row).await;
            Ok(Outcome::Retry(backoff(
                ctx.turn.retry_backoff,
                delivered,
                retry_after,
            )))
        }
        Ok(Err(TurnError::Database(e)))
            if !last_delivery || matches!(e, common::Error::Unavailable(_)) =>
        {
            release(ctx, &row).await;
            Ok(ctx.retry(delivered, &e))
        }
        Ok(Err(TurnError::Model(e))) => {
            tracing::warn!(job_id = %row.id, error = %e, "model failed; failing the turn");
            let failure = Failure::model(&e, recorded_calls(ctx, row.id).await);
            finish(ctx, &row, &user, Finish::Failed(failure), &mut events).await
        }
        Ok(Err(TurnError::Database(e))) => {
            tracing::error!(job_id = %row.id, error = %e, "turn failed on its last delivery");
            let failure = Failure::internal(recorded_calls(ctx, row.id).await);
            finish(ctx, &row, &user, Finish::Failed(failure), &mut events).await
        }
        Err(_elapsed) => {
            tracing::warn!(job_id = %row.id, timeout = ?ctx.turn.timeout, "turn timed out");
            let failure = Failure::timeout(recorded_calls(ctx, row.id).await);
            finish(ctx, &row, &user, Finish::Failed(failure), &mut events).await
        }
    };
    outcome.unwrap_or_else(|e| ctx.retry(delivered, &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_honours_retry_after() {
        let base = Duration::from_secs(1);
        assert_eq!(backoff(base, 1, None), Duration::from_secs(2));
        assert_eq!(backoff(base, 3, None), Duration::from_secs(8));
        assert_eq!(backoff(base, 20, None), Duration::from_secs(60));
        assert_eq!(
            backoff(base, 1, Some(Duration::from_secs(7))),
            Duration::from_secs(7)
        );
        assert_eq!(
            backoff(Duration::from_millis(50), 2, None),
            Duration::from_millis(200)
        );
    }
}
