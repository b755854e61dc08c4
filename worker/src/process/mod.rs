//! One job, start to end: the step function the runtime loop calls for each delivery.
//!
//! [`process`] starts the delivery ([`start`]: the job's row, its conversation's turn lease,
//! so turns run one at a time in arrival order), runs the turn ([`turn`]) within its
//! deadline, and concludes it ([`conclude`]: the ending in one statement, or a retry when
//! the failure is worth retrying).

mod conclude;
mod lease;
mod start;
mod turn;

pub use lease::{HeldLeases, LeaseGuard};
pub use turn::bounded_history;

use std::time::Duration;

use async_nats::jetstream;
use common::jobs::ChatJob;
use sqlx::PgPool;
use tokio::sync::broadcast;
use tracing::Instrument as _;
use uuid::Uuid;

use crate::{agent::runner::Agent, config::TurnConfig, events::EventPublisher};

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
    /// A later delivery of the job started while this one stalled: it stopped at its next
    /// tool call, changed nothing, and leaves the message, the lease and the job to the later
    /// one.
    Superseded,
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
    let starting = start::start(ctx, job, delivered).instrument(tracing::info_span!("start"));
    let begun = match starting.await {
        start::Start::Begun(begun) => begun,
        start::Start::Over(outcome) => return outcome,
    };
    let start::Begun {
        job: row,
        conn,
        ledger,
    } = *begun;
    let renewing = ctx.leases.hold(&row);
    let mut events =
        EventPublisher::new(ctx.js.clone(), row.id, row.attempts, ctx.turn.delta_window);
    let running = turn::run(ctx, conn, &row, ledger, &mut events)
        .instrument(tracing::info_span!("turn", attempt = row.attempts));
    let result = tokio::time::timeout(ctx.turn.timeout, running).await;
    drop(renewing);
    conclude::conclude(ctx, &row, result, delivered, &mut events)
        .instrument(tracing::info_span!("conclude"))
        .await
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
