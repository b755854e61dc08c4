//! Conversation queries, and the per-conversation turn lease that makes turns run one at a
//! time, in arrival order, without holding a database connection for the whole turn.

use std::time::Duration;

use sqlx::PgExecutor;
use uuid::Uuid;

use crate::{
    Error, Result,
    domain::{Conversation, Job, UserId},
};

/// The columns of a [`Conversation`], as its queries return them.
macro_rules! conversation_columns {
    () => {
        "id, user_id, title, created_at, updated_at"
    };
}

/// Creates a conversation.
pub async fn insert(
    db: impl PgExecutor<'_>,
    user: &UserId,
    id: Uuid,
    title: &str,
) -> Result<Conversation> {
    Ok(sqlx::query_as::<_, Conversation>(concat!(
        "insert into conversations (id, user_id, title) values ($1, $2, $3) returning ",
        conversation_columns!()
    ))
    .bind(id)
    .bind(user.as_str())
    .bind(title)
    .fetch_one(db)
    .await?)
}

/// `user`'s conversation `id`; [`Error::NotFound`] if it is not theirs.
pub async fn get(db: impl PgExecutor<'_>, user: &UserId, id: Uuid) -> Result<Conversation> {
    sqlx::query_as::<_, Conversation>(concat!(
        "select ",
        conversation_columns!(),
        " from conversations where id = $1 and user_id = $2"
    ))
    .bind(id)
    .bind(user.as_str())
    .fetch_optional(db)
    .await?
    .ok_or(Error::NotFound("conversation"))
}

/// `user`'s conversations, most recently active first.
pub async fn list(
    db: impl PgExecutor<'_>,
    user: &UserId,
    limit: i64,
    offset: i64,
) -> Result<Vec<Conversation>> {
    Ok(sqlx::query_as::<_, Conversation>(concat!(
        "select ",
        conversation_columns!(),
        " from conversations where user_id = $1 order by updated_at desc, id desc limit $2 offset $3"
    ))
    .bind(user.as_str())
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await?)
}

/// Deletes `user`'s conversation `id` with its messages and jobs; [`Error::NotFound`] if it
/// is not theirs.
pub async fn delete(db: impl PgExecutor<'_>, user: &UserId, id: Uuid) -> Result<()> {
    let done = sqlx::query("delete from conversations where id = $1 and user_id = $2")
        .bind(id)
        .bind(user.as_str())
        .execute(db)
        .await?;
    match done.rows_affected() {
        0 => Err(Error::NotFound("conversation")),
        _ => Ok(()),
    }
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

/// Takes the turn lease for `job` if every earlier job (by arrival order, `seq`) of the
/// conversation has ended and no other job holds an unexpired lease. A job whose own lease
/// expired (its worker died) can take it again. The job's `started_at` is the first time
/// its turn got the lease.
pub async fn try_acquire_turn(
    db: impl PgExecutor<'_>,
    job: &Job,
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
    .bind(job.conversation_id)
    .bind(job.id)
    .bind(job.seq)
    .bind(lease.as_secs_f64())
    .fetch_optional(db)
    .await?;
    Ok(match row {
        None => TurnLease::Gone,
        Some((true,)) => TurnLease::Acquired,
        Some((false,)) => TurnLease::Busy,
    })
}

/// A turn lease a worker holds: the conversation's, for the job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeldTurn {
    pub conversation_id: Uuid,
    pub job_id: Uuid,
}

/// Extends the leases `held` in one statement, each one whose job still holds its
/// conversation's lease; returns how many it extended.
pub async fn renew_turns(
    db: impl PgExecutor<'_>,
    held: &[HeldTurn],
    lease: Duration,
) -> Result<u64> {
    let conversations: Vec<Uuid> = held.iter().map(|h| h.conversation_id).collect();
    let jobs: Vec<Uuid> = held.iter().map(|h| h.job_id).collect();
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

/// Gives `job`'s lease back while the job goes on (it will be retried); an ending gives it
/// back in [`crate::db::jobs::finish`].
pub async fn release_turn(db: impl PgExecutor<'_>, job: &Job) -> Result<()> {
    sqlx::query(
        "update conversations set turn_job_id = null, turn_expires_at = null, updated_at = now()
         where id = $1 and turn_job_id = $2",
    )
    .bind(job.conversation_id)
    .bind(job.id)
    .execute(db)
    .await?;
    Ok(())
}
