//! Database access: the migrations and one module of small query functions per table.
//! Every function that touches user data takes the user id and scopes by it; the worker's
//! job functions take the job id, and the job carries its user.

/// The `update` that takes a conversation's turn lease for a job, written once for
/// [`conversations::try_acquire_turn`] and [`jobs::start_attempt`]: it takes the lease only
/// when no other job holds an unexpired one and every earlier job of the conversation has
/// ended. The arguments are SQL: the job, the conversation, the job's arrival `seq`, the lease
/// in seconds; `from` and `and` add a source and conditions (each may be empty).
macro_rules! take_turn_sql {
    (job: $job:literal, conversation: $conv:literal, seq: $seq:literal, lease: $lease:literal,
     from: $from:literal, and: $and:literal) => {
        concat!(
            "update conversations c
             set turn_job_id = ",
            $job,
            ", turn_expires_at = now() + make_interval(secs => ",
            $lease,
            ")",
            $from,
            "
             where c.id = ",
            $conv,
            $and,
            "
               and (c.turn_job_id is null or c.turn_expires_at < now())
               and not exists (
                   select 1 from chat_jobs j
                   where j.conversation_id = ",
            $conv,
            " and j.seq < ",
            $seq,
            " and j.status in ('queued', 'running')
               )
             returning 1"
        )
    };
}

pub mod conversations;
pub mod jobs;
pub mod messages;
pub mod notifications;
pub mod profiles;
pub mod reminders;
pub mod sessions;
pub mod task_changes;
pub mod tasks;
pub mod tool_executions;
pub mod users;
pub mod webhooks;

/// The migrations in `migrations/`, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// Applies pending migrations. Safe to run from several processes at once: sqlx holds a
/// Postgres advisory lock while migrating.
pub async fn migrate(pool: &sqlx::PgPool) -> crate::Result<()> {
    MIGRATOR.run(pool).await.map_err(|err| match err {
        sqlx::migrate::MigrateError::Execute(e) => crate::Error::from(e),
        other => crate::Error::Internal(anyhow::Error::new(other).context("migration failed")),
    })
}

/// The one place a database constraint becomes a domain answer ("the email is taken",
/// "another delivery already answered this job"): a statement's result, with a violation of
/// the constraint or unique index `name` replaced by `on_violation()`, and any other error
/// converted as usual.
pub(crate) trait OnConstraint<T> {
    fn on_constraint(
        self,
        name: &str,
        on_violation: impl FnOnce() -> crate::Result<T>,
    ) -> crate::Result<T>;
}

impl<T> OnConstraint<T> for Result<T, sqlx::Error> {
    fn on_constraint(
        self,
        name: &str,
        on_violation: impl FnOnce() -> crate::Result<T>,
    ) -> crate::Result<T> {
        match self {
            Ok(value) => Ok(value),
            Err(err) if err.as_database_error().and_then(|db| db.constraint()) == Some(name) => {
                on_violation()
            }
            Err(err) => Err(err.into()),
        }
    }
}
