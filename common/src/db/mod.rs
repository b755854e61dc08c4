//! Database access: the migrations and one module of small query functions per table.
//! Every function that touches user data takes the user id and scopes by it.

pub mod tasks;

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
