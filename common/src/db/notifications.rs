//! Sent reminders (`notifications`): claimed from the armed reminders by a worker, published
//! after the commit, republished by a sweep if that publish never happened, and read back by
//! the gateway for a user's stream and list.

use sqlx::{PgConnection, PgExecutor};

use crate::{Result, domain::UserId, notifications::Notification};

/// The key of the advisory lock the claim holds until it commits: claims commit one at a
/// time, so notification ids become visible in increasing order, and a reader that saw id n
/// can never later find a smaller one (resuming after `Last-Event-ID` misses nothing).
const CLAIM_LOCK: i64 = 0x7461_736b_7265_6d31; // "taskrem1"

const COLUMNS: &str = "id, user_id, reminder_id, task_id, title, due_at, remind_at, created_at, late, late_by_seconds";

/// What one claim did.
#[derive(Debug, Default)]
pub struct Claimed {
    /// Reminders that were due and are now handled.
    pub due: usize,
    /// Of those, passed over because their task was completed.
    pub skipped: usize,
    /// The notifications written for the others, in id order, to be published after commit.
    pub notifications: Vec<Notification>,
}

/// Claims up to `batch` due reminders (`for update skip locked`), marks them sent, and writes
/// a notification for each whose task is not completed — in the caller's transaction, which
/// must commit before the notifications are published. `late_after` (seconds) is how late a
/// notification may be before it says it is late.
pub async fn claim_due(tx: &mut PgConnection, batch: i64, late_after: f64) -> Result<Claimed> {
    sqlx::query("select pg_advisory_xact_lock($1)")
        .bind(CLAIM_LOCK)
        .execute(&mut *tx)
        .await?;
    let handled: Vec<(i64, bool)> = sqlx::query_as(
        "with due as (
             select id from reminders
             where sent_at is null and remind_at <= now()
             order by remind_at, id
             limit $1
             for update skip locked
         )
         update reminders r
         set sent_at = now(), skipped = t.completed
         from due, tasks t
         where r.id = due.id and t.id = r.task_id
         returning r.id, t.completed",
    )
    .bind(batch)
    .fetch_all(&mut *tx)
    .await?;
    if handled.is_empty() {
        return Ok(Claimed::default());
    }
    let send: Vec<i64> = handled
        .iter()
        .filter(|(_, completed)| !completed)
        .map(|(id, _)| *id)
        .collect();
    let notifications = sqlx::query_as::<_, Notification>(sqlx::AssertSqlSafe(format!(
        "insert into notifications
             (user_id, reminder_id, arming, task_id, title, due_at, remind_at, late_by_seconds, late)
         select r.user_id, r.id, r.arming, r.task_id, t.title, t.due_date, r.remind_at,
                extract(epoch from now() - r.remind_at)::float8,
                extract(epoch from now() - r.remind_at) > $2
         from reminders r join tasks t on t.id = r.task_id
         where r.id = any($1)
         order by r.remind_at, r.id
         on conflict (reminder_id, arming) do nothing
         returning {COLUMNS}"
    )))
    .bind(&send)
    .bind(late_after)
    .fetch_all(&mut *tx)
    .await?;
    let mut notifications = notifications;
    notifications.sort_by_key(|n| n.id);
    Ok(Claimed {
        due: handled.len(),
        skipped: handled.len() - send.len(),
        notifications,
    })
}

/// Records that JetStream has notifications `ids`.
pub async fn mark_published(db: impl PgExecutor<'_>, ids: &[i64]) -> Result<()> {
    sqlx::query(
        "update notifications set published_at = now() where id = any($1) and published_at is null",
    )
    .bind(ids)
    .execute(db)
    .await?;
    Ok(())
}

/// Locks (skipping locked ones) up to `batch` notifications written more than `min_age_secs`
/// ago and never marked published: their worker died between commit and publish, or NATS was
/// down. The caller publishes them, marks them, and commits.
pub async fn lock_unpublished(
    tx: &mut PgConnection,
    min_age_secs: f64,
    batch: i64,
) -> Result<Vec<Notification>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from notifications
         where published_at is null and created_at < now() - make_interval(secs => $1)
         order by id limit $2
         for update skip locked"
    )))
    .bind(min_age_secs)
    .bind(batch)
    .fetch_all(&mut *tx)
    .await?)
}

/// `user`'s notifications after id `after`, oldest first, at most `limit`.
pub async fn after(
    db: impl PgExecutor<'_>,
    user: &UserId,
    after: i64,
    limit: i64,
) -> Result<Vec<Notification>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from notifications
         where user_id = $1 and id > $2 order by id limit $3"
    )))
    .bind(user.as_str())
    .bind(after)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// `user`'s newest notifications, newest first, at most `limit`.
pub async fn recent(
    db: impl PgExecutor<'_>,
    user: &UserId,
    limit: i64,
) -> Result<Vec<Notification>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from notifications where user_id = $1 order by id desc limit $2"
    )))
    .bind(user.as_str())
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// The id of `user`'s newest notification (0 if none): where a stream without
/// `Last-Event-ID` starts.
pub async fn latest_id(db: impl PgExecutor<'_>, user: &UserId) -> Result<i64> {
    Ok(
        sqlx::query_scalar("select coalesce(max(id), 0) from notifications where user_id = $1")
            .bind(user.as_str())
            .fetch_one(db)
            .await?,
    )
}

/// Notification `id` (the webhook delivery reads it back), if it exists.
pub async fn get(db: impl PgExecutor<'_>, id: i64) -> Result<Option<Notification>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from notifications where id = $1"
    )))
    .bind(id)
    .fetch_optional(db)
    .await?)
}
