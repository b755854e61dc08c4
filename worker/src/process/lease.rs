//! The conversation's turn lease: waiting for earlier turns, keeping the lease while the
//! turn runs, and announcing its release to the workers waiting on it.

use std::time::Duration;

use common::{
    db::{self, conversations::TurnLease},
    domain::Job,
};
use sqlx::PgPool;
use tokio::sync::broadcast;
use uuid::Uuid;

use super::{Context, turn_released_subject};

/// Waits (bounded) until every earlier turn of the conversation has ended and takes its
/// lease, after the try made with the job's start found it busy. Woken by other workers'
/// release announcements; polls once a second in case one was missed or a dead worker's
/// lease has to expire. It tries again at once after subscribing: a release announced
/// between the start and the subscription is not waited for.
pub(super) async fn wait_for_turn(ctx: &Context, job: &Job) -> common::Result<TurnLease> {
    let mut released = ctx.turn_released.subscribe();
    let deadline = tokio::time::Instant::now() + ctx.turn.timeout * 3;
    let (conversation, seq, lease) = (job.conversation_id, job.seq, ctx.turn.lease);
    loop {
        let taken =
            db::conversations::try_acquire_turn(&ctx.pool, conversation, job.id, seq, lease)
                .await?;
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

pub(super) async fn renew_lease(pool: PgPool, job: Job, lease: Duration) {
    let mut tick = tokio::time::interval(lease / 3);
    tick.tick().await;
    loop {
        tick.tick().await;
        if let Err(e) =
            db::conversations::renew_turn(&pool, job.conversation_id, job.id, lease).await
        {
            tracing::warn!(job_id = %job.id, error = %e, "cannot renew the turn lease");
        }
    }
}

pub(super) async fn release(ctx: &Context, job: &Job) {
    match db::conversations::release_turn(&ctx.pool, job.conversation_id, job.id).await {
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
