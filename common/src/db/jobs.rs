//! Chat job queries: the outbox (accept, mark published, find unpublished) and the job's
//! life cycle (start an attempt, succeed, fail).

use sqlx::{FromRow, PgExecutor, Postgres, QueryBuilder, Row};
use uuid::Uuid;

use crate::{
    Error, Result,
    dates::Zone,
    db::{
        OnConstraint,
        messages::{self, NewMessage, insert_message_into},
    },
    domain::{Job, UserId},
};

/// The columns of a [`Job`], in the order its queries select them.
macro_rules! job_columns {
    () => {
        "id, seq, user_id, conversation_id, user_message_id, status, attempts, worker_id, \
         error_code, error, published_at, created_at, started_at, finished_at, time_zone"
    };
}

/// A message to accept: its ids, its text, and where it goes.
#[derive(Debug, Clone, Copy)]
pub struct NewTurn<'a> {
    pub job_id: Uuid,
    pub message_id: Uuid,
    pub user: &'a UserId,
    /// Continue this conversation of `user`'s; `None` starts a new one, below.
    pub conversation: Option<Uuid>,
    /// The id of the conversation to start when `conversation` is `None`.
    pub new_conversation_id: Uuid,
    /// Its title.
    pub new_conversation_title: &'a str,
    pub prompt: &'a str,
    /// The zone the message was sent with; `None`: the user's.
    pub time_zone: Option<Zone>,
}

/// What [`accept`] did.
#[derive(Debug)]
pub enum Acceptance {
    /// The message and its queued job are stored.
    Queued(Job),
    /// Nothing stored: `open` of the user's jobs have not ended, at or over the bound.
    Full { open: i64 },
    /// Nothing stored: the conversation is not the user's.
    NoConversation,
    /// Nothing stored: a message with this id exists already (a client's retry; see
    /// [`for_message`]).
    Repeated,
}

/// Accepts a message in one statement (atomic on its own, so no transaction around it):
/// unless `max_open` of the user's jobs are still open, it marks the conversation active
/// (or starts it), stores the user's message and the queued job that answers it. The
/// message takes the job's arrival order as its `turn_seq`.
pub async fn accept(
    db: impl PgExecutor<'_>,
    turn: NewTurn<'_>,
    max_open: i64,
) -> Result<Acceptance> {
    let row = sqlx::query(concat!(
        "with open as (
             select count(*) as n from chat_jobs
             where user_id = $2 and status in ('queued', 'running')
         ), touched as (
             update conversations set updated_at = now()
             where id = $3 and user_id = $2 and (select n from open) < $8
             returning id
         ), created as (
             insert into conversations (id, user_id, title)
             select $6, $2, $7 where $3::uuid is null and (select n from open) < $8
             returning id
         ), conversation as (
             select id from touched union all select id from created
         ), job as (
             insert into chat_jobs (id, user_id, conversation_id, user_message_id, time_zone)
             select $1, $2, conversation.id, $4,
                    coalesce($9, (select time_zone from profiles where user_id = $2), 'UTC')
             from conversation
             returning ",
        job_columns!(),
        "
         ), prompt as (
             ",
        insert_message_into!(),
        "
             select $4, job.conversation_id, $2, 'user', $5, null, $1, job.seq from job
         )
         select (select n from open) as open, job.* from (values (1)) as one left join job on true"
    ))
    .bind(turn.job_id)
    .bind(turn.user.as_str())
    .bind(turn.conversation)
    .bind(turn.message_id)
    .bind(turn.prompt)
    .bind(turn.new_conversation_id)
    .bind(turn.new_conversation_title)
    .bind(max_open)
    .bind(turn.time_zone.map(Zone::name))
    .fetch_one(db)
    .await;
    let row = match row {
        Err(sqlx::Error::Database(e))
            if matches!(
                e.constraint(),
                Some("messages_pkey" | "chat_jobs_user_message_unique")
            ) =>
        {
            return Ok(Acceptance::Repeated);
        }
        other => other?,
    };
    let open: i64 = row.try_get("open")?;
    Ok(match row.try_get::<Option<Uuid>, _>("id")? {
        Some(_) => Acceptance::Queued(Job::from_row(&row)?),
        None if open >= max_open => Acceptance::Full { open },
        None => Acceptance::NoConversation,
    })
}

/// `user`'s job that answers their message `message_id`, if there is one.
pub async fn for_message(
    db: impl PgExecutor<'_>,
    user: &UserId,
    message_id: Uuid,
) -> Result<Option<Job>> {
    Ok(sqlx::query_as::<_, Job>(concat!(
        "select ",
        job_columns!(),
        " from chat_jobs where user_message_id = $1 and user_id = $2"
    ))
    .bind(message_id)
    .bind(user.as_str())
    .fetch_optional(db)
    .await?)
}

/// `user`'s job `id`; [`Error::NotFound`] if it is not theirs.
pub async fn get_for_user(db: impl PgExecutor<'_>, user: &UserId, id: Uuid) -> Result<Job> {
    sqlx::query_as::<_, Job>(concat!(
        "select ",
        job_columns!(),
        " from chat_jobs where id = $1 and user_id = $2"
    ))
    .bind(id)
    .bind(user.as_str())
    .fetch_optional(db)
    .await?
    .ok_or(Error::NotFound("job"))
}

/// Job `id` (the worker, which knows the owner from the job itself).
pub async fn get(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<Job>> {
    Ok(sqlx::query_as::<_, Job>(concat!(
        "select ",
        job_columns!(),
        " from chat_jobs where id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await?)
}

/// Records that JetStream has the jobs `ids` (those a worker has not already marked by
/// starting them).
pub async fn mark_published(db: impl PgExecutor<'_>, ids: &[Uuid]) -> Result<()> {
    sqlx::query(
        "update chat_jobs set published_at = now() where id = any($1) and published_at is null",
    )
    .bind(ids)
    .execute(db)
    .await?;
    Ok(())
}

/// Unpublished jobs older than `min_age_ms`, oldest first, locked for this relay (other
/// gateways' relays skip them).
pub async fn lock_unpublished(
    db: impl PgExecutor<'_>,
    min_age_ms: i64,
    limit: i64,
) -> Result<Vec<Job>> {
    Ok(sqlx::query_as::<_, Job>(concat!(
        "select ",
        job_columns!(),
        " from chat_jobs
         where published_at is null and created_at < now() - make_interval(secs => $1::float8 / 1000)
         order by created_at
         limit $2
         for update skip locked"
    ))
    .bind(min_age_ms)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// Jobs published at least `older_than_secs` ago that no worker has started, oldest first,
/// locked for this relay, and stamped published now (so each is taken again only after as
/// long once more). A job marked published may still have left JetStream (its store lost or
/// purged, the stream made anew): publishing it again costs nothing when it had not, since
/// the worker that takes a second message of a job finds it taken or ended.
pub async fn restamp_stale_queued(
    db: impl PgExecutor<'_>,
    older_than_secs: f64,
    limit: i64,
) -> Result<Vec<Job>> {
    Ok(sqlx::query_as::<_, Job>(concat!(
        "with stale as (
             select id as stale_id from chat_jobs
             where status = 'queued' and started_at is null
               and published_at < now() - make_interval(secs => $1)
             order by seq
             limit $2
             for update skip locked
         )
         update chat_jobs j set published_at = now() from stale where j.id = stale.stale_id
         returning ",
        job_columns!()
    ))
    .bind(older_than_secs)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// A started delivery: the job as it is now, and whether it took its conversation's turn.
#[derive(Debug, sqlx::FromRow)]
pub struct Started {
    #[sqlx(flatten)]
    pub job: Job,
    /// The job holds the turn lease now (see [`crate::db::conversations::try_acquire_turn`]).
    pub turn_taken: bool,
    /// The ledger held calls of this job when it started (an earlier delivery ran tools).
    pub calls_recorded: bool,
}

/// One delivery of a job message: the job it names, as the message names it (checked
/// against the stored job), and who is starting it.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    pub job_id: Uuid,
    pub user: &'a UserId,
    pub conversation_id: Uuid,
    /// The worker taking it, recorded on the job.
    pub worker_id: &'a str,
    /// How long the turn lease lasts unless renewed.
    pub lease: std::time::Duration,
}

/// Starts the delivery of the job the message names, and tries
/// to take its conversation's turn, in one statement (one round trip, one commit, one new
/// version of the job's row): status running, one more attempt, and the lease taken under
/// the rules of [`crate::db::conversations::try_acquire_turn`]. A job that has already
/// ended stays as it is, and a message that does not match the stored job takes no lease.
/// It also tells whether the ledger holds calls of the job, so a first delivery that took
/// the turn need not read it. Returns `None` if the job no longer exists (its conversation
/// was deleted).
pub async fn start_attempt(
    db: impl PgExecutor<'_>,
    delivery: Delivery<'_>,
) -> Result<Option<Started>> {
    Ok(sqlx::query_as::<_, Started>(concat!(
        "with cur as (
             select seq, status in ('succeeded', 'failed') as ended
             from chat_jobs where id = $1 and user_id = $3 and conversation_id = $4
         ), taken as (",
        take_turn_sql!(job: "$1", conversation: "$4", seq: "cur.seq", lease: "$5",
                       from: " from cur", and: " and not cur.ended"),
        ")
         update chat_jobs
         set status = case when status in ('succeeded', 'failed') then status else 'running' end,
             attempts = attempts + case when status in ('succeeded', 'failed') then 0 else 1 end,
             published_at = coalesce(published_at, now()),
             worker_id = case when status in ('succeeded', 'failed') then worker_id else $2 end,
             started_at = case when exists (select 1 from taken) then coalesce(started_at, now())
                               else started_at end
         where id = $1
         returning ",
        job_columns!(),
        ",
                   exists (select 1 from taken) as turn_taken,
                   exists (select 1 from tool_executions where job_id = $1) as calls_recorded"
    ))
    .bind(delivery.job_id)
    .bind(delivery.worker_id)
    .bind(delivery.user.as_str())
    .bind(delivery.conversation_id)
    .bind(delivery.lease.as_secs_f64())
    .fetch_optional(db)
    .await?)
}

/// How a job ended.
#[derive(Debug, Clone, Copy)]
pub enum Ending<'a> {
    Succeeded,
    Failed { code: &'a str, error: &'a str },
}

/// What [`finish`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finished {
    /// The reply is stored and the job ended.
    Stored,
    /// Another delivery had already answered the job; nothing changed.
    AlreadyAnswered,
}

/// Ends the job `reply` answers, in one statement (one round trip, one commit): stores the
/// reply, sets the final status, and releases the conversation's turn lease if the job holds
/// it. Every ending goes through here: the worker's, and the deadline sweeper's.
pub async fn finish(
    db: impl PgExecutor<'_>,
    reply: &NewMessage<'_>,
    ending: Ending<'_>,
) -> Result<Finished> {
    let (status, code, error) = match ending {
        Ending::Succeeded => ("succeeded", None, None),
        Ending::Failed { code, error } => ("failed", Some(code), Some(error)),
    };
    let mut query = QueryBuilder::<Postgres>::new("with reply as (");
    messages::push_insert(&mut query, reply);
    query
        .push("), ended as (update chat_jobs set status = ")
        .push_bind(status)
        .push(", finished_at = now(), error_code = ")
        .push_bind(code)
        .push(", error = ")
        .push_bind(error)
        .push(" where id = ")
        .push_bind(reply.job_id)
        .push(") update conversations set turn_job_id = null, turn_expires_at = null, updated_at = now() where id = ")
        .push_bind(reply.conversation_id)
        .push(" and turn_job_id = ")
        .push_bind(reply.job_id);
    query
        .build()
        .execute(db)
        .await
        .map(|_| Finished::Stored)
        .on_constraint(messages::ONE_REPLY_PER_JOB, || {
            Ok(Finished::AlreadyAnswered)
        })
}

/// Jobs not yet ended, across all users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct OpenJobs {
    pub queued: i64,
    pub running: i64,
}

/// The jobs not yet ended, counted through the open-jobs partial index (so its cost follows
/// the open jobs, not the history).
pub async fn open_counts(db: impl PgExecutor<'_>) -> Result<OpenJobs> {
    Ok(sqlx::query_as(
        "select count(*) filter (where status = 'queued') as queued,
                count(*) filter (where status = 'running') as running
         from chat_jobs where status in ('queued', 'running')",
    )
    .fetch_one(db)
    .await?)
}

/// Puts a failed job back in the queue: its failure reply is deleted and its status reset,
/// while its recorded tool calls stay (the retried turn continues from them). Returns the
/// job, or `None` if it does not exist or has not failed.
pub async fn requeue(conn: &mut sqlx::PgConnection, id: Uuid) -> Result<Option<Job>> {
    let job = sqlx::query_as::<_, Job>(concat!(
        "update chat_jobs
         set status = 'queued', attempts = 0, error_code = null, error = null,
             finished_at = null, published_at = null, worker_id = null
         where id = $1 and status = 'failed'
         returning ",
        job_columns!()
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    if job.is_some() {
        sqlx::query("delete from messages where job_id = $1 and role = 'assistant'")
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(job)
}

/// Unfinished jobs accepted more than `deadline_secs` ago whose turn is not running now (no
/// unexpired lease), locked for the caller: the sweeper ends them, so every job ends.
pub async fn lock_abandoned(
    db: impl PgExecutor<'_>,
    deadline_secs: f64,
    limit: i64,
) -> Result<Vec<Job>> {
    Ok(sqlx::query_as::<_, Job>(concat!(
        "select ",
        job_columns!(),
        " from chat_jobs j
         where j.status in ('queued', 'running')
           and j.created_at < now() - make_interval(secs => $1)
           and not exists (
               select 1 from conversations c
               where c.id = j.conversation_id and c.turn_job_id = j.id and c.turn_expires_at > now()
           )
         order by j.seq
         limit $2
         for update skip locked"
    ))
    .bind(deadline_secs)
    .bind(limit)
    .fetch_all(db)
    .await?)
}
