//! Account queries: the `users` table behind sign-up and sign-in. An account is found by its
//! email's key ([`Email::key`]), unique in the table.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::{Error, Result, db::OnConstraint, domain::Email};

/// An account as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    /// The user id, and the `sub` of the tokens issued to this account.
    pub id: Uuid,
    /// The email as typed at sign-up (trimmed).
    pub email: String,
    /// The argon2id hash, in PHC string format.
    pub password_hash: String,
    /// Sign-up time.
    pub created_at: DateTime<Utc>,
}

/// Creates an account; [`Error::Conflict`] when the email's key is taken.
pub async fn insert(
    db: impl PgExecutor<'_>,
    id: Uuid,
    email: &Email,
    password_hash: &str,
) -> Result<UserRow> {
    sqlx::query_as::<_, UserRow>(
        "insert into users (id, email, email_key, password_hash) values ($1, $2, $3, $4)
         returning id, email, password_hash, created_at",
    )
    .bind(id)
    .bind(email.as_str())
    .bind(email.key())
    .bind(password_hash)
    .fetch_one(db)
    .await
    .on_constraint("users_email_key", || {
        Err(Error::Conflict(
            "an account with this email already exists".to_owned(),
        ))
    })
}

/// The account of `email` (by its key).
pub async fn by_email(db: impl PgExecutor<'_>, email: &Email) -> Result<Option<UserRow>> {
    Ok(sqlx::query_as::<_, UserRow>(
        "select id, email, password_hash, created_at from users where email_key = $1",
    )
    .bind(email.key())
    .fetch_optional(db)
    .await?)
}

/// The account with id `id`.
pub async fn by_id(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<UserRow>> {
    Ok(sqlx::query_as::<_, UserRow>(
        "select id, email, password_hash, created_at from users where id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await?)
}

/// Replaces the account's password hash; false when there is no such account.
pub async fn set_password_hash(db: impl PgExecutor<'_>, id: Uuid, hash: &str) -> Result<bool> {
    let done = sqlx::query("update users set password_hash = $2 where id = $1")
        .bind(id)
        .bind(hash)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}
