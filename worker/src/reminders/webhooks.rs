//! Delivers notifications to their users' webhooks from the `webhooks` consumer all workers
//! share: a signed POST per notification, retried with exponential back-off (the message is
//! nak'ed with a delay) up to a bounded number of attempts. The outcome is recorded in
//! `webhook_deliveries` before the message is acknowledged, so a redelivered message whose
//! outcome is recorded is not POSTed again.

use std::time::Duration;

use async_nats::jetstream::{self, AckKind};
use common::{
    db::{self, webhooks::DeliveryRecord},
    notifications::{
        NOTIFICATION_ID_HEADER, NOTIFICATIONS_STREAM, NotificationMessage, SIGNATURE_HEADER,
        check_webhook_url, signature_header, streams,
    },
};
use futures::StreamExt;
use sqlx::PgPool;

use super::ReminderConfig;

/// Shortest time a delivery may stay unacknowledged before JetStream hands it to another
/// worker (see [`Deliverer::ack_wait`]).
const MIN_ACK_WAIT: Duration = Duration::from_secs(3);
/// Longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// The webhook deliverer of one worker.
pub struct Deliverer {
    pool: PgPool,
    http: reqwest::Client,
    max_attempts: i64,
    retry_base: Duration,
    concurrency: usize,
    allow_private: bool,
    /// How long a delivery may stay unacknowledged: three POST timeouts (one for the POST, two
    /// for the deliveries of its batch ahead of it). A worker killed mid-delivery has its
    /// messages handed to another worker after this.
    ack_wait: Duration,
}

/// What one attempt came to.
enum Attempt {
    Delivered(u16),
    Failed { status: Option<u16>, error: String },
}

impl Deliverer {
    pub fn new(pool: PgPool, config: &ReminderConfig) -> anyhow::Result<Self> {
        Ok(Self {
            pool,
            http: super::http::client(config.webhook_timeout, config.webhook_allow_private)?,
            max_attempts: config.webhook_max_attempts.max(1),
            retry_base: config.webhook_retry_base,
            concurrency: config.webhook_concurrency.max(1),
            allow_private: config.webhook_allow_private,
            ack_wait: (config.webhook_timeout * 3).max(MIN_ACK_WAIT),
        })
    }

    /// Delivers notifications until aborted, setting up the stream and the consumer first
    /// (retrying until NATS answers).
    pub async fn run(self, js: jetstream::Context) {
        let consumer = loop {
            let made = async {
                let stream = streams::ensure_stream(&js).await?;
                stream
                    .create_consumer(streams::webhooks_consumer_config(self.ack_wait))
                    .await
                    .map_err(|e| anyhow::anyhow!("creating the webhooks consumer: {e}"))
            };
            match made.await {
                Ok(consumer) => break consumer,
                Err(e) => {
                    tracing::warn!(error = %e, stream = NOTIFICATIONS_STREAM, "cannot set up webhook deliveries yet; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        };
        loop {
            let messages = match consumer
                .stream()
                .max_messages_per_batch(self.concurrency)
                .messages()
                .await
            {
                Ok(messages) => messages,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot pull webhook deliveries; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            messages
                .for_each_concurrent(self.concurrency, |message| async {
                    match message {
                        Ok(message) => self.handle(message).await,
                        Err(e) => tracing::warn!(error = %e, "bad webhook delivery message"),
                    }
                })
                .await;
            tracing::warn!("the webhook delivery pull ended; pulling again");
        }
    }

    /// Delivers one notification and settles its message.
    async fn handle(&self, message: jetstream::Message) {
        let attempt = message.info().map(|i| i.delivered).unwrap_or(1);
        // Its ack wait starts again now that its POST begins.
        if let Err(e) = message.ack_with(AckKind::Progress).await {
            tracing::debug!(error = %e, "progress on a webhook delivery not sent");
        }
        let kind = match self.deliver(&message.payload, attempt).await {
            Ok(kind) => kind,
            Err(e) => {
                // Postgres unreachable: try again later without spending an attempt's record.
                tracing::warn!(error = %e, "webhook delivery interrupted; retrying");
                AckKind::Nak(Some(self.retry_base))
            }
        };
        let result = match kind {
            AckKind::Ack => message.double_ack().await,
            other => message.ack_with(other).await,
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, "cannot settle a webhook delivery; it will be redelivered (and recognised if recorded)");
        }
    }

    /// Attempt `attempt` of delivering `payload`; returns how to settle its message.
    async fn deliver(&self, payload: &[u8], attempt: i64) -> anyhow::Result<AckKind> {
        let Ok(message) = serde_json::from_slice::<NotificationMessage>(payload) else {
            tracing::error!("unreadable notification message; dropping it");
            return Ok(AckKind::Term);
        };
        let notification = &message.notification;
        if db::webhooks::is_recorded(&self.pool, notification.id).await? {
            return Ok(AckKind::Ack);
        }
        let Some(webhook) = db::webhooks::get(&self.pool, &notification.user_id).await? else {
            return Ok(AckKind::Ack);
        };
        let outcome = self
            .post(&webhook.url, &webhook.secret, notification.id, payload)
            .await;
        let last = attempt >= self.max_attempts;
        let (ok, status, error) = match &outcome {
            Attempt::Delivered(status) => (true, Some(*status), None),
            Attempt::Failed { .. } if !last => {
                let delay = backoff(self.retry_base, attempt);
                metrics::counter!("taskwire_webhook_deliveries_total", "outcome" => "retry")
                    .increment(1);
                tracing::info!(
                    notification_id = notification.id,
                    attempt,
                    ?delay,
                    "webhook delivery failed; retrying"
                );
                return Ok(AckKind::Nak(Some(delay)));
            }
            Attempt::Failed { status, error } => (false, *status, Some(error.as_str())),
        };
        db::webhooks::record(
            &self.pool,
            &DeliveryRecord {
                notification_id: notification.id,
                user_id: &notification.user_id,
                url: &webhook.url,
                ok,
                attempts: i32::try_from(attempt).unwrap_or(i32::MAX),
                response_status: status.map(i32::from),
                error,
            },
        )
        .await?;
        let label = if ok { "ok" } else { "failed" };
        metrics::counter!("taskwire_webhook_deliveries_total", "outcome" => label).increment(1);
        if !ok {
            tracing::warn!(
                notification_id = notification.id,
                attempt,
                error,
                "webhook delivery failed for good"
            );
        }
        Ok(if ok { AckKind::Ack } else { AckKind::Term })
    }

    /// One signed POST of `body` to `url`.
    async fn post(&self, url: &str, secret: &str, id: i64, body: &[u8]) -> Attempt {
        let url = match check_webhook_url(url, self.allow_private) {
            Ok(url) => url,
            Err(refused) => {
                return Attempt::Failed {
                    status: None,
                    error: format!("URL refused: {refused}"),
                };
            }
        };
        let timestamp = chrono::Utc::now().timestamp();
        let sent = self
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(NOTIFICATION_ID_HEADER, id.to_string())
            .header(SIGNATURE_HEADER, signature_header(secret, timestamp, body))
            .body(body.to_vec())
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() => {
                Attempt::Delivered(response.status().as_u16())
            }
            Ok(response) => Attempt::Failed {
                status: Some(response.status().as_u16()),
                error: format!("the receiver answered {}", response.status()),
            },
            Err(e) => Attempt::Failed {
                status: None,
                error: format!("{e:#}"),
            },
        }
    }
}

/// The wait after failed attempt `attempt` (1-based): `base`, doubling, at most an hour.
fn backoff(base: Duration, attempt: i64) -> Duration {
    let doublings = u32::try_from(attempt.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    base.saturating_mul(1 << doublings).min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_from_the_base_and_is_capped() {
        let base = Duration::from_secs(5);
        assert_eq!(backoff(base, 1), Duration::from_secs(5));
        assert_eq!(backoff(base, 2), Duration::from_secs(10));
        assert_eq!(backoff(base, 4), Duration::from_secs(40));
        assert_eq!(backoff(base, 60), MAX_BACKOFF);
    }
}
