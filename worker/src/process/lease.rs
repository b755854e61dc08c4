//! The conversation's turn lease: waiting for earlier turns, keeping the lease while the
//! turn runs, and announcing its release to the workers waiting on it.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use common::{
    db::{
        self,
        conversations::{HeldTurn, TurnLease},
    },
    domain::Job,
    jobs::turn_released_subject,
};
use sqlx::PgPool;
use tokio::sync::broadcast;
use uuid::Uuid;

use super::Context;

/// Waits (bounded) until every earlier turn of the conversation has ended and takes its
/// lease, after the try made with the job's start found it busy. Woken by other workers'
/// release announcements; polls once a second in case one was missed or a dead worker's
/// lease has to expire. It tries again at once after subscribing: a release announced
/// between the start and the subscription is not waited for.
pub(super) async fn wait_for_turn(ctx: &Context, job: &Job) -> common::Result<TurnLease> {
    let mut released = ctx.turn_released.subscribe();
    let deadline = tokio::time::Instant::now() + ctx.turn.timeout * 3;
    loop {
        let taken = db::conversations::try_acquire_turn(&ctx.pool, job, ctx.turn.lease).await?;
        match taken {
            TurnLease::Busy if tokio::time::Instant::now() < deadline => {}
            other => return Ok(other),
        }
        let wake = async {
            loop {
                match released.recv().await {
                    Ok(id) if id == job.conversation_id => return,
                    Ok(_) => continue,
                    Err(broadcast::error::RecvError::Lagged(_)) => return,
                    Err(broadcast::error::RecvError::Closed) => std::future::pending::<()>().await,
                }
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(1), wake).await;
    }
}

/// The turn leases this worker holds, renewed together: one statement every third of the
/// lease for all of them, where a task per turn would send one each (at 512 turns in
/// flight and the default 30 s lease, 51 statements and commits a second).
#[derive(Clone, Default)]
pub struct HeldLeases(Arc<Mutex<HashMap<Uuid, Uuid>>>);

/// A lease in [`HeldLeases`]; dropping it stops its renewal.
pub struct LeaseGuard {
    leases: HeldLeases,
    job_id: Uuid,
}

impl HeldLeases {
    /// Keeps `job`'s lease renewed until the guard is dropped.
    pub fn hold(&self, job: &Job) -> LeaseGuard {
        self.lock().insert(job.id, job.conversation_id);
        LeaseGuard {
            leases: self.clone(),
            job_id: job.id,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Uuid>> {
        // The map stays consistent whatever panicked while holding it.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Renews every held lease each third of `lease`; runs until aborted.
    pub async fn keep(self, pool: PgPool, lease: Duration) {
        let mut tick = tokio::time::interval(lease / 3);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let held: Vec<HeldTurn> = self
                .lock()
                .iter()
                .map(|(job_id, conversation_id)| HeldTurn {
                    conversation_id: *conversation_id,
                    job_id: *job_id,
                })
                .collect();
            if held.is_empty() {
                continue;
            }
            if let Err(e) = db::conversations::renew_turns(&pool, &held, lease).await {
                tracing::warn!(leases = held.len(), error = %e, "cannot renew the turn leases");
            }
        }
    }
}

impl Drop for LeaseGuard {
    fn drop(&mut self) {
        self.leases.lock().remove(&self.job_id);
    }
}

pub(super) async fn release(ctx: &Context, job: &Job) {
    match db::conversations::release_turn(&ctx.pool, job).await {
        Ok(()) => announce_release(ctx, job.conversation_id).await,
        Err(e) => {
            tracing::warn!(job_id = %job.id, error = %e, "cannot release the turn lease; it will expire")
        }
    }
}

pub(super) async fn announce_release(ctx: &Context, conversation_id: Uuid) {
    if let Err(e) = ctx
        .nats
        .publish(turn_released_subject(conversation_id), bytes::Bytes::new())
        .await
    {
        tracing::debug!(error = %e, "turn release not announced; waiters poll");
    }
}
