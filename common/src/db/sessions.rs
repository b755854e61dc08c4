//! Sessions of the built-in accounts (`sessions`): a token issued at sign-up or sign-in names
//! one, and is accepted only while it is not revoked.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::{Result, domain::UserId};

/// Opens a session for `user`, ending at `expires_at` (the token's `exp`).
pub async fn open(
    db: impl PgExecutor<'_>,
    id: Uuid,
    user: &UserId,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query("insert into sessions (id, user_id, expires_at) values ($1, $2, $3)")
        .bind(id)
        .bind(user.as_str())
        .bind(expires_at)
        .execute(db)
        .await?;
    Ok(())
}

/// True while session `id` of `user` is neither revoked nor over.
pub async fn is_active(db: impl PgExecutor<'_>, id: Uuid, user: &UserId) -> Result<bool> {
    Ok(sqlx::query_scalar(
        "select exists (select 1 from sessions
          where id = $1 and user_id = $2 and revoked_at is null and expires_at > now())",
    )
    .bind(id)
    .bind(user.as_str())
    .fetch_one(db)
    .await?)
}

/// Revokes session `id` of `user` (sign-out); revoking it again changes nothing.
pub async fn revoke(db: impl PgExecutor<'_>, id: Uuid, user: &UserId) -> Result<()> {
    sqlx::query(
        "update sessions set revoked_at = now()
          where id = $1 and user_id = $2 and revoked_at is null",
    )
    .bind(id)
    .bind(user.as_str())
    .execute(db)
    .await?;
    Ok(())
}

/// Revokes every open session of `user` but `keep` (a password change); returns how many.
pub async fn revoke_others(
    db: impl PgExecutor<'_>,
    user: &UserId,
    keep: Option<Uuid>,
) -> Result<u64> {
    let done = sqlx::query(
        "update sessions set revoked_at = now()
          where user_id = $1 and revoked_at is null and id is distinct from $2",
    )
    .bind(user.as_str())
    .bind(keep)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}
