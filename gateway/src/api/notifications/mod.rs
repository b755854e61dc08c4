//! `/api/{user_id}/notifications` (sent reminders: a live, resumable SSE stream and a list)
//! and `/api/{user_id}/webhook` (where they are POSTed, signed).

mod body;
mod stream;

pub use body::{
    NotificationEvent, NotificationEventData, NotificationOut, StreamReady, WebhookCreated,
    WebhookIn, WebhookOut,
};

use common::{db, notifications::check_webhook_url};
use poem_openapi::{
    ApiResponse, OpenApi,
    param::{Header, Path, Query},
    payload::Json,
};
use sqlx::PgPool;

use super::ApiTags;
use crate::{auth::BearerAuth, error::ApiError, limits::StreamSlots, nats::Nats};

/// The notification endpoints.
pub struct NotificationsApi {
    pub pool: PgPool,
    pub nats: Nats,
    /// The user's open event streams.
    pub streams: std::sync::Arc<StreamSlots>,
}

#[OpenApi(prefix_path = "/api", tag = "ApiTags::Notifications")]
impl NotificationsApi {
    /// Notifications (SSE)
    ///
    /// A `ready` event at once, then a `reminder` event for each reminder sent, in id order.
    /// With `Last-Event-ID` (the `id` of the last event received) the stream first sends
    /// every notification after it, then follows on: reconnecting misses none and repeats
    /// none. Without it, the stream starts with what is sent from now on (see `/recent` for
    /// earlier ones). Any gateway can serve it; comments keep it alive every 15 s.
    /// `Last-Event-ID` is at most 10^15.
    #[oai(
        path = "/:user_id/notifications",
        method = "get",
        operation_id = "notification_events"
    )]
    async fn events(
        &self,
        auth: BearerAuth,
        user_id: Path<String>,
        #[oai(name = "Last-Event-ID", validator(maximum(value = "1000000000000000")))]
        last_event_id: Header<Option<u64>>,
    ) -> Result<stream::NotificationStream, ApiError> {
        let user = auth.require(&user_id)?;
        let slot = self.streams.take(user.as_str())?;
        let after = last_event_id
            .0
            .map(|id| i64::try_from(id).unwrap_or(i64::MAX));
        Ok(stream::open((&self.pool, &self.nats), user, after, slot).await?)
    }

    /// Recent notifications
    ///
    /// Newest first.
    #[oai(
        path = "/:user_id/notifications/recent",
        method = "get",
        operation_id = "recent_notifications"
    )]
    async fn recent(
        &self,
        auth: BearerAuth,
        user_id: Path<String>,
        /// How many, 1–100, default 20.
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<i64>>,
    ) -> Result<Json<Vec<NotificationOut>>, ApiError> {
        let user = auth.require(&user_id)?;
        let found = db::notifications::recent(&self.pool, user, limit.0.unwrap_or(20)).await?;
        Ok(Json(found.into_iter().map(Into::into).collect()))
    }
}

/// The webhook endpoints.
pub struct WebhookApi {
    pub pool: PgPool,
    /// Accept loopback and private addresses (`WEBHOOK_ALLOW_PRIVATE`).
    pub allow_private: bool,
}

#[derive(ApiResponse)]
pub enum WebhookDeleted {
    /// The webhook was removed.
    #[oai(status = 204)]
    Deleted,
}

/// A new signing secret: `whsec_` and 32 random bytes in hex.
fn new_secret() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::internal(format!("no randomness: {e}")))?;
    Ok(format!("whsec_{}", hex::encode(bytes)))
}

#[OpenApi(prefix_path = "/api", tag = "ApiTags::Notifications")]
impl WebhookApi {
    /// Set the webhook
    ///
    /// Each notification is POSTed there as JSON, signed with the returned secret (shown
    /// only now; setting the webhook again makes a new one). The URL must be http(s) and not
    /// a loopback, private or link-local address.
    #[oai(
        path = "/:user_id/webhook",
        method = "put",
        operation_id = "put_webhook"
    )]
    async fn put(
        &self,
        auth: BearerAuth,
        user_id: Path<String>,
        body: Json<WebhookIn>,
    ) -> Result<Json<WebhookCreated>, ApiError> {
        let user = auth.require(&user_id)?;
        let url = check_webhook_url(&body.url, self.allow_private)
            .map_err(|refused| ApiError::validation(format!("url: {refused}")))?;
        let secret = new_secret()?;
        let webhook = db::webhooks::put(&self.pool, user, url.as_str(), &secret).await?;
        Ok(Json(WebhookCreated {
            url: webhook.url,
            secret: webhook.secret,
            created_at: webhook.created_at,
            updated_at: webhook.updated_at,
        }))
    }

    /// The webhook
    ///
    /// Its URL; 404 if none is set. The secret is not shown again.
    #[oai(
        path = "/:user_id/webhook",
        method = "get",
        operation_id = "get_webhook"
    )]
    async fn get(
        &self,
        auth: BearerAuth,
        user_id: Path<String>,
    ) -> Result<Json<WebhookOut>, ApiError> {
        let user = auth.require(&user_id)?;
        let webhook = db::webhooks::get(&self.pool, user.as_str())
            .await?
            .ok_or_else(|| ApiError::not_found("webhook not found"))?;
        Ok(Json(WebhookOut {
            url: webhook.url,
            created_at: webhook.created_at,
            updated_at: webhook.updated_at,
        }))
    }

    /// Remove the webhook
    #[oai(
        path = "/:user_id/webhook",
        method = "delete",
        operation_id = "delete_webhook"
    )]
    async fn delete(
        &self,
        auth: BearerAuth,
        user_id: Path<String>,
    ) -> Result<WebhookDeleted, ApiError> {
        let user = auth.require(&user_id)?;
        if db::webhooks::delete(&self.pool, user).await? {
            Ok(WebhookDeleted::Deleted)
        } else {
            Err(ApiError::not_found("webhook not found"))
        }
    }
}
