//! Reminders of tasks (`reminders`): added, listed and removed for a user's task. The rules
//! (the task is the user's, a relative reminder needs a due date, the time is ahead, at most
//! [`MAX_PER_TASK`]) live in the SQL functions of the `reminders` migration, so a chat tool
//! can add one inside its own statement (`taskwire_add_reminder`) with the same answers.

use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, postgres::PgDatabaseError};

use crate::{Error, Result, domain::UserId};

/// Most reminders one task may have.
pub const MAX_PER_TASK: i32 = 10;
/// Longest a relative reminder may come before the due date, in minutes (four weeks).
pub const MAX_BEFORE_MINUTES: i32 = 40_320;

/// When a reminder is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReminderTime {
    /// This many minutes before the task's due date (0: at the due time); follows the due
    /// date when it moves.
    Before(i32),
    /// At this instant.
    At(DateTime<Utc>),
}

/// A reminder as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Reminder {
    pub id: i64,
    pub task_id: i64,
    pub before_minutes: Option<i32>,
    pub at: Option<DateTime<Utc>>,
    /// When it is due; `None` while a relative reminder's task has no due date.
    pub remind_at: Option<DateTime<Utc>>,
    /// When it was sent (or passed over); `None` while armed.
    pub sent_at: Option<DateTime<Utc>>,
    /// Passed over without sending: the task was completed, or its time moved into the past.
    pub skipped: bool,
    pub created_at: DateTime<Utc>,
}

/// The SQL that adds a reminder with `taskwire_add_reminder` ($1 user, $2 task, $3 minutes
/// before, $4 instant, $5 the most per task), for a caller's own statement.
pub const ADD_SQL: &str =
    "select id, task_id, before_minutes, at, remind_at, sent_at, skipped, created_at
     from taskwire_add_reminder($1, $2, $3, $4, $5)";

/// Adds a reminder to `user`'s task `task_id`. Not found if the task is not theirs; a
/// validation error if a relative reminder's task has no due date, the time has passed, or
/// the task has [`MAX_PER_TASK`] reminders; a conflict if it has this one already.
pub async fn add(
    db: impl PgExecutor<'_>,
    user: &UserId,
    task_id: i64,
    time: ReminderTime,
) -> Result<Reminder> {
    let (before, at) = match time {
        ReminderTime::Before(minutes) => {
            if !(0..=MAX_BEFORE_MINUTES).contains(&minutes) {
                return Err(Error::validation(
                    "before_minutes",
                    format!("must be between 0 and {MAX_BEFORE_MINUTES}"),
                ));
            }
            (Some(minutes), None)
        }
        ReminderTime::At(at) => (None, Some(at)),
    };
    sqlx::query_as(ADD_SQL)
        .bind(user.as_str())
        .bind(task_id)
        .bind(before)
        .bind(at)
        .bind(MAX_PER_TASK)
        .fetch_one(db)
        .await
        .map_err(reminder_error)
}

/// The domain answer of a `taskwire_add_reminder` error (its SQLSTATEs `TWR01`–`TWR05`).
pub fn reminder_error(err: sqlx::Error) -> Error {
    let code = err
        .as_database_error()
        .and_then(|db| db.try_downcast_ref::<PgDatabaseError>())
        .map(|db| db.code().to_owned());
    match code.as_deref() {
        Some("TWR01") => Error::NotFound("task"),
        Some("TWR02") => Error::validation(
            "before_minutes",
            "the task has no due date; give it one, or remind at a time (`at`)",
        ),
        Some("TWR03") => Error::validation("at", "that time has already passed"),
        Some("TWR04") => Error::validation(
            "reminders",
            format!("a task may have at most {MAX_PER_TASK} reminders"),
        ),
        Some("TWR05") => Error::Conflict("the task has that reminder already".to_owned()),
        _ => err.into(),
    }
}

/// The reminders of `user`'s task `task_id`, soonest first; not found if the task is not theirs.
pub async fn for_task(
    conn: &mut sqlx::PgConnection,
    user: &UserId,
    task_id: i64,
) -> Result<Vec<Reminder>> {
    let owned: bool =
        sqlx::query_scalar("select exists (select 1 from tasks where id = $1 and user_id = $2)")
            .bind(task_id)
            .bind(user.as_str())
            .fetch_one(&mut *conn)
            .await?;
    if !owned {
        return Err(Error::NotFound("task"));
    }
    Ok(sqlx::query_as(
        "select id, task_id, before_minutes, at, remind_at, sent_at, skipped, created_at
         from reminders where task_id = $1 and user_id = $2
         order by remind_at nulls last, id",
    )
    .bind(task_id)
    .bind(user.as_str())
    .fetch_all(&mut *conn)
    .await?)
}

/// Removes reminder `reminder_id` of `user`'s task `task_id`; not found if there is no such
/// reminder of theirs. A task left without reminders is not given the default one again.
pub async fn remove(
    db: impl PgExecutor<'_>,
    user: &UserId,
    task_id: i64,
    reminder_id: i64,
) -> Result<()> {
    let removed: bool = sqlx::query_scalar("select taskwire_remove_reminder($1, $2, $3)")
        .bind(user.as_str())
        .bind(task_id)
        .bind(reminder_id)
        .fetch_one(db)
        .await?;
    if removed {
        Ok(())
    } else {
        Err(Error::NotFound("reminder"))
    }
}

/// Gives task `to` the relative reminders of task `from` (both `user`'s) in place of its own
/// unsent relative ones, and `from`'s choice to have no default: for the next occurrence of a
/// repeating task. Returns how many were copied.
pub async fn copy(db: impl PgExecutor<'_>, from: i64, to: i64) -> Result<i32> {
    Ok(sqlx::query_scalar("select taskwire_copy_reminders($1, $2)")
        .bind(from)
        .bind(to)
        .fetch_one(db)
        .await?)
}

/// The soonest time an armed reminder is due, if any (the scheduler sleeps until then).
pub async fn next_due(db: impl PgExecutor<'_>) -> Result<Option<DateTime<Utc>>> {
    Ok(sqlx::query_scalar(
        "select min(remind_at) from reminders where sent_at is null and remind_at is not null",
    )
    .fetch_one(db)
    .await?)
}
