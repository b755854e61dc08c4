//! Reminder notifications: what a sent reminder says, the JetStream stream and subjects it
//! travels on, and how a webhook delivery is signed. The gateway streams them to the page; the
//! workers send them and deliver them to webhooks.

mod signing;
pub mod streams;
mod urls;

pub use signing::{SIGNATURE_HEADER, Signature, sign, signature_header, verify};
pub use urls::{UrlRefused, check_webhook_url, is_public_ip};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The stream every sent notification is published to.
pub const NOTIFICATIONS_STREAM: &str = "NOTIFICATIONS";
/// The subjects of the notification stream.
pub const NOTIFICATION_SUBJECTS: &str = "notifications.>";
/// The durable consumer the workers share to deliver webhooks.
pub const WEBHOOKS_CONSUMER: &str = "webhooks";
/// The header a webhook delivery carries the notification id in (stable across retries).
pub const NOTIFICATION_ID_HEADER: &str = "Taskwire-Notification-Id";
/// The Postgres channel on which an armed reminder wakes the workers.
pub const ARMED_CHANNEL: &str = "taskwire_reminders";

/// The subject of `user`'s notifications: the id's UTF-8 bytes in hex, so any user id (dots,
/// spaces, wildcards) makes exactly one valid token, and no two ids make the same one.
pub fn notification_subject(user: &str) -> String {
    let mut subject = String::with_capacity(14 + 2 * user.len());
    subject.push_str("notifications.");
    for byte in user.bytes() {
        subject.push_str(&format!("{byte:02x}"));
    }
    subject
}

/// A sent reminder, as stored (`notifications`) and as published, streamed and POSTed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Notification {
    /// Its id: the SSE event id, increasing in the order notifications are sent.
    pub id: i64,
    pub user_id: String,
    pub reminder_id: i64,
    pub task_id: i64,
    /// The task's title when the reminder was sent.
    pub title: String,
    /// The task's due date when the reminder was sent.
    pub due_at: Option<DateTime<Utc>>,
    /// When the reminder was due.
    pub remind_at: DateTime<Utc>,
    /// When it was sent.
    #[sqlx(rename = "created_at")]
    pub sent_at: DateTime<Utc>,
    /// Sent more than the late threshold after it was due (every worker was down).
    pub late: bool,
    /// Seconds between `remind_at` and `sent_at`.
    pub late_by_seconds: f64,
}

/// What is published to the stream and POSTed to a webhook: the notification with a `type`
/// and a contract version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationMessage {
    /// Always `reminder`.
    #[serde(rename = "type")]
    pub kind: String,
    pub version: u32,
    #[serde(flatten)]
    pub notification: Notification,
}

impl NotificationMessage {
    /// The version this build writes.
    pub const VERSION: u32 = 1;

    pub fn new(notification: Notification) -> Self {
        Self {
            kind: "reminder".to_owned(),
            version: Self::VERSION,
            notification,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_are_one_token_per_user_and_never_collide() {
        assert_eq!(notification_subject("ab"), "notifications.6162");
        assert_eq!(notification_subject("a.b *>"), "notifications.612e62202a3e");
        assert_ne!(notification_subject("a.b"), notification_subject("a_b"));
    }
}
