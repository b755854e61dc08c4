//! Account queries: the `users` table behind sign-up and sign-in. Emails are unique
//! case-insensitively (a unique index on `lower(email)`).

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

/// Creates an account; [`Error::Conflict`] when the email is taken (in any case).
pub async fn insert(
    db: impl PgExecutor<'_>,
    id: Uuid,
    email: &Email,
    password_hash: &str,
) -> Result<UserRow> {
    sqlx::query_as::<_, UserRow>(
        "insert into users (id, email, password_hash) values ($1, $2, $3)
         returning id, email, password_hash, created_at",
    )
    .bind(id)
    .bind(email.as_str())
    .bind(password_hash)
    .fetch_one(db)
    .await
    .on_constraint("users_email_lower_key", || {
        Err(Error::Conflict(
            "an account with this email already exists".to_owned(),
        ))
    })
}

/// The account with `email`, compared case-insensitively.
pub async fn by_email(db: impl PgExecutor<'_>, email: &str) -> Result<Option<UserRow>> {
    Ok(sqlx::query_as::<_, UserRow>(
        "select id, email, password_hash, created_at from users where lower(email) = lower($1)",
    )
    .bind(email)
    .fetch_optional(db)
    .await?)
}
