//! The notification stream's settings (created or updated at start by the workers and the
//! gateways; these are the only copy) and publishing a notification so that a repeated
//! publish is stored once (`Nats-Msg-Id` = the notification id).

use std::time::Duration;

use async_nats::jetstream::{self, consumer, stream};

use super::{
    NOTIFICATION_SUBJECTS, NOTIFICATIONS_STREAM, Notification, NotificationMessage,
    WEBHOOKS_CONSUMER, notification_subject,
};
use crate::jobs::streams::NATS_MSG_ID;

/// Window in which a republished notification is dropped as a duplicate: longer than any
/// outage the sweep covers between a publish and its mark.
pub const DUPLICATE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// How long notifications stay in the stream (for webhook deliveries to retry).
pub const MAX_AGE: Duration = Duration::from_secs(7 * 24 * 3600);
/// How long one publish may wait for JetStream's acknowledgement.
pub const PUBLISH_TIMEOUT: Duration = Duration::from_secs(5);

/// Settings of the notification stream.
pub fn stream_config() -> stream::Config {
    stream::Config {
        name: NOTIFICATIONS_STREAM.to_owned(),
        description: Some(
            "Taskwire reminder notifications, one message per sent reminder".to_owned(),
        ),
        subjects: vec![NOTIFICATION_SUBJECTS.to_owned()],
        retention: stream::RetentionPolicy::Limits,
        storage: stream::StorageType::File,
        duplicate_window: DUPLICATE_WINDOW,
        max_age: MAX_AGE,
        max_bytes: 1 << 30,
        discard: stream::DiscardPolicy::Old,
        ..Default::default()
    }
}

/// Settings of the workers' webhook consumer: explicit acks, deliveries retried by the
/// worker's own naks (no `max_deliver`: the worker records the last failure, then terminates).
pub fn webhooks_consumer_config(ack_wait: Duration) -> consumer::pull::Config {
    consumer::pull::Config {
        durable_name: Some(WEBHOOKS_CONSUMER.to_owned()),
        description: Some("Taskwire webhook deliveries".to_owned()),
        ack_policy: consumer::AckPolicy::Explicit,
        ack_wait,
        max_ack_pending: 10_000,
        ..Default::default()
    }
}

/// Creates the notification stream, or updates it to [`stream_config`].
pub async fn ensure_stream(js: &jetstream::Context) -> anyhow::Result<stream::Stream> {
    js.create_or_update_stream(stream_config())
        .await
        .map_err(|e| anyhow::anyhow!("creating stream {NOTIFICATIONS_STREAM}: {e}"))?;
    js.get_stream(NOTIFICATIONS_STREAM)
        .await
        .map_err(|e| anyhow::anyhow!("opening stream {NOTIFICATIONS_STREAM}: {e}"))
}

/// Publishes every notification, pipelined, and waits until JetStream stored each (or dropped
/// it as a duplicate of an earlier publish). Returns the ids stored.
pub async fn publish(
    js: &jetstream::Context,
    notifications: &[Notification],
) -> anyhow::Result<Vec<i64>> {
    let mut acks = Vec::with_capacity(notifications.len());
    for notification in notifications {
        let payload = serde_json::to_vec(&NotificationMessage::new(notification.clone()))?;
        let mut headers = async_nats::HeaderMap::new();
        headers.insert(NATS_MSG_ID, notification.id.to_string().as_str());
        let subject = notification_subject(&notification.user_id);
        let ack = tokio::time::timeout(
            PUBLISH_TIMEOUT,
            js.publish_with_headers(subject, headers, payload.into()),
        )
        .await
        .map_err(|_| anyhow::anyhow!("timed out publishing notification {}", notification.id))??;
        acks.push((notification.id, ack));
    }
    let mut stored = Vec::with_capacity(acks.len());
    for (id, ack) in acks {
        tokio::time::timeout(PUBLISH_TIMEOUT, ack)
            .await
            .map_err(|_| anyhow::anyhow!("timed out storing notification {id}"))??;
        stored.push(id);
    }
    Ok(stored)
}
