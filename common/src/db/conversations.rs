//! Conversation queries, and the per-conversation turn lease that makes turns run one at a
//! time, in arrival order, without holding a database connection for the whole turn.

use std::time::Duration;

use sqlx::PgExecutor;
use uuid::Uuid;

use crate::{
    Result,
    domain::{Conversation, UserId},
};

/// Creates a conversation.
pub async fn insert(
    db: impl PgExecutor<'_>,
    user: &UserId,
    id: Uuid,
    title: &str,
) -> Result<Conversation> {
    Ok(sqlx::query_as::<_, Conversation>(
        "insert into conversations (id, user_id, title) values ($1, $2, $3)
         returning id, user_id, title, created_at, updated_at",
    )
    .bind(id)
    .bind(user.as_str())
    .bind(title)
    .fetch_one(db)
    .await?)
}

/// `user`'s conversation `id`, if it exists.
pub async fn get(db: impl PgExecutor<'_>, user: &UserId, id: Uuid) -> Result<Option<Conversation>> {
    Ok(sqlx::query_as::<_, Conversation>(
        "select id, user_id, title, created_at, updated_at from conversations
         where id = $1 and user_id = $2",
    )
    .bind(id)
    .bind(user.as_str())
    .fetch_optional(db)
    .await?)
}

/// `user`'s conversations, most recently active first.
pub async fn list(
    db: impl PgExecutor<'_>,
    user: &UserId,
    limit: i64,
    offset: i64,
) -> Result<Vec<Conversation>> {
    Ok(sqlx::query_as::<_, Conversation>(
        "select id, user_id, title, created_at, updated_at from conversations
         where user_id = $1 order by updated_at desc, id desc limit $2 offset $3",
    )
    .bind(user.as_str())
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await?)
}

/// Deletes a conversation with its messages and jobs; `false` if it is not `user`'s.
pub async fn delete(db: impl PgExecutor<'_>, user: &UserId, id: Uuid) -> Result<bool> {
    let done = sqlx::query("delete from conversations where id = $1 and user_id = $2")
        .bind(id)
        .bind(user.as_str())
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Outcome of trying to take a conversation's turn lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TurnLease {
    /// This job holds the lease now.
    Acquired,
    /// An earlier turn is still open, or another job holds an unexpired lease.
    Busy,
    /// The conversation no longer exists (deleted while the job was queued).
    Gone,
}

/// Takes the turn lease for job `job_id` (arrival order `seq`) if every earlier job of the
/// conversation has ended and no other job holds an unexpired lease. A job whose own lease
/// expired (its worker died) can take it again. The job's `started_at` is the first time
/// its turn got the lease.
pub async fn try_acquire_turn(
    db: impl PgExecutor<'_>,
    conversation_id: Uuid,
    job_id: Uuid,
    seq: i64,
    lease: Duration,
) -> Result<TurnLease> {
    let row: Option<(bool,)> = sqlx::query_as(concat!(
        "with target as (select id from conversations where id = $1),
         taken as (",
        take_turn_sql!(job: "$2", conversation: "$1", seq: "$3", lease: "$4", from: "", and: ""),
        "),
         started as (
             update chat_jobs set started_at = coalesce(started_at, now())
             where id = $2 and exists (select 1 from taken)
             returning 1
         )
         select exists (select 1 from taken) from target"
    ))
    .bind(conversation_id)
    .bind(job_id)
    .bind(seq)
    .bind(lease.as_secs_f64())
    .fetch_optional(db)
    .await?;
    Ok(match row {
        None => TurnLease::Gone,
        Some((true,)) => TurnLease::Acquired,
        Some((false,)) => TurnLease::Busy,
    })
}

/// Extends the leases of the turns `held` (pairs of conversation and job) in one statement,
/// for each pair whose job still holds its conversation's lease; returns how many it
/// extended.
pub async fn renew_turns(
    db: impl PgExecutor<'_>,
    held: &[(Uuid, Uuid)],
    lease: Duration,
) -> Result<u64> {
    let (conversations, jobs): (Vec<Uuid>, Vec<Uuid>) = held.iter().copied().unzip();
    let done = sqlx::query(
        "update conversations c set turn_expires_at = now() + make_interval(secs => $3)
         from unnest($1::uuid[], $2::uuid[]) as held (conversation_id, job_id)
         where c.id = held.conversation_id and c.turn_job_id = held.job_id",
    )
    .bind(conversations)
    .bind(jobs)
    .bind(lease.as_secs_f64())
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Gives the lease back (in the job's final transaction).
pub async fn release_turn(
    db: impl PgExecutor<'_>,
    conversation_id: Uuid,
    job_id: Uuid,
) -> Result<()> {
    sqlx::query(
        "update conversations set turn_job_id = null, turn_expires_at = null, updated_at = now()
         where id = $1 and turn_job_id = $2",
    )
    .bind(conversation_id)
    .bind(job_id)
    .execute(db)
    .await?;
    Ok(())
}
