//! Database access: the migrations and one module of small query functions per table.
//! Every function that touches user data takes the user id and scopes by it; the worker's
//! job functions take the job id, and the job carries its user.

pub mod conversations;
pub mod jobs;
pub mod messages;
pub mod tasks;
pub mod tool_executions;
pub mod users;

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

/// True when `err` is a unique-constraint violation (Postgres 23505).
pub fn is_unique_violation(err: &crate::Error) -> bool {
    match err {
        crate::Error::Internal(e) => e
            .downcast_ref::<sqlx::Error>()
            .and_then(|e| e.as_database_error())
            .is_some_and(|d| d.is_unique_violation()),
        _ => false,
    }
}
