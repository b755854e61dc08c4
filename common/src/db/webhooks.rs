//! A user's webhook (`webhooks`) and the recorded outcome of each delivery to it
//! (`webhook_deliveries`, written before the notification's message is acknowledged).

use sqlx::PgExecutor;

use crate::{Result, domain::UserId};

/// A user's webhook.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Webhook {
    pub url: String,
    /// The signing key; never shown again after it was made.
    pub secret: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// Sets `user`'s webhook to `url` with a new `secret`.
pub async fn put(
    db: impl PgExecutor<'_>,
    user: &UserId,
    url: &str,
    secret: &str,
) -> Result<Webhook> {
    Ok(sqlx::query_as(
        "insert into webhooks (user_id, url, secret) values ($1, $2, $3)
         on conflict (user_id) do update
             set url = excluded.url, secret = excluded.secret, updated_at = now()
         returning url, secret, created_at, updated_at",
    )
    .bind(user.as_str())
    .bind(url)
    .bind(secret)
    .fetch_one(db)
    .await?)
}

/// `user`'s webhook, if set.
pub async fn get(db: impl PgExecutor<'_>, user: &str) -> Result<Option<Webhook>> {
    Ok(sqlx::query_as(
        "select url, secret, created_at, updated_at from webhooks where user_id = $1",
    )
    .bind(user)
    .fetch_optional(db)
    .await?)
}

/// Removes `user`'s webhook; true if there was one.
pub async fn delete(db: impl PgExecutor<'_>, user: &UserId) -> Result<bool> {
    Ok(sqlx::query("delete from webhooks where user_id = $1")
        .bind(user.as_str())
        .execute(db)
        .await?
        .rows_affected()
        > 0)
}

/// A delivery's outcome.
#[derive(Debug, Clone)]
pub struct DeliveryRecord<'a> {
    pub notification_id: i64,
    pub user_id: &'a str,
    pub url: &'a str,
    /// True if the receiver answered 2xx.
    pub ok: bool,
    pub attempts: i32,
    pub response_status: Option<i32>,
    pub error: Option<&'a str>,
}

/// Records a delivery's final outcome; the first record of a notification wins.
pub async fn record(db: impl PgExecutor<'_>, delivery: &DeliveryRecord<'_>) -> Result<()> {
    sqlx::query(
        "insert into webhook_deliveries
             (notification_id, user_id, url, status, attempts, response_status, error)
         values ($1, $2, $3, $4, $5, $6, $7)
         on conflict (notification_id) do nothing",
    )
    .bind(delivery.notification_id)
    .bind(delivery.user_id)
    .bind(delivery.url)
    .bind(if delivery.ok { "ok" } else { "failed" })
    .bind(delivery.attempts)
    .bind(delivery.response_status)
    .bind(delivery.error)
    .execute(db)
    .await?;
    Ok(())
}

/// True if notification `id`'s delivery is recorded (it must not be POSTed again).
pub async fn is_recorded(db: impl PgExecutor<'_>, id: i64) -> Result<bool> {
    Ok(sqlx::query_scalar(
        "select exists (select 1 from webhook_deliveries where notification_id = $1)",
    )
    .bind(id)
    .fetch_one(db)
    .await?)
}
