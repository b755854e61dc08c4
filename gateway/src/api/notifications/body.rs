//! The notification API's bodies and its stream's events, as documented in OpenAPI.

use chrono::{DateTime, Utc};
use common::notifications::Notification;
use std::borrow::Cow;

use poem_openapi::{
    Object, Union,
    registry::{MetaSchemaRef, Registry},
    types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type},
};
use serde_json::Value;

use crate::api::text::Text;

/// A sent reminder.
#[derive(Debug, Clone, Object)]
pub struct NotificationOut {
    /// Increasing in the order notifications are sent; the SSE event id.
    pub id: i64,
    pub reminder_id: i64,
    pub task_id: i64,
    /// The task's title when the reminder was sent.
    pub title: String,
    /// The task's due date when the reminder was sent (RFC 3339, UTC).
    pub due_at: Option<DateTime<Utc>>,
    /// When the reminder was due.
    pub remind_at: DateTime<Utc>,
    /// When it was sent.
    pub sent_at: DateTime<Utc>,
    /// True if it was sent well after its time (every worker was down).
    pub late: bool,
    /// Seconds between `remind_at` and `sent_at`.
    pub late_by_seconds: f64,
}

impl From<Notification> for NotificationOut {
    fn from(n: Notification) -> Self {
        Self {
            id: n.id,
            reminder_id: n.reminder_id,
            task_id: n.task_id,
            title: n.title,
            due_at: n.due_at,
            remind_at: n.remind_at,
            sent_at: n.sent_at,
            late: n.late,
            late_by_seconds: n.late_by_seconds,
        }
    }
}

/// The stream is open: notifications after `last_event_id` follow.
#[derive(Debug, Clone, Object)]
pub struct StreamReady {
    /// Where the stream resumes from: the `Last-Event-ID` given, or else the user's newest
    /// notification (a new stream starts with what is sent from now on).
    pub last_event_id: i64,
}

/// An event's data, its kind in `type`.
#[derive(Debug, Clone, Union)]
#[oai(discriminator_name = "type")]
pub enum NotificationEventData {
    /// First event of every stream.
    #[oai(mapping = "ready")]
    Ready(StreamReady),
    /// A reminder was sent.
    #[oai(mapping = "reminder")]
    Reminder(NotificationOut),
}

/// One event of the notification stream: `id`, `event` (`ready` or `reminder`) and JSON
/// `data` with a `type` field equal to `event`.
#[derive(Debug, Clone, Object)]
pub struct NotificationEvent {
    /// The notification id (for `ready`: the id the stream resumes after).
    pub id: String,
    pub event: String,
    /// A `NotificationEventData` (see the schemas), as the event's JSON text.
    pub data: EventData,
}

/// An event's data. SSE carries it as text, so its schema in the event is any JSON value, as
/// the chat streams' is; its structure is the `NotificationEventData` schema, registered here.
#[derive(Debug, Clone)]
pub struct EventData(pub NotificationEventData);

impl Type for EventData {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        <Value as Type>::name()
    }

    fn schema_ref() -> MetaSchemaRef {
        <Value as Type>::schema_ref()
    }

    fn register(registry: &mut Registry) {
        <NotificationEventData as Type>::register(registry);
    }

    fn as_raw_value(&self) -> Option<&Self> {
        Some(self)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self> + 'a> {
        Box::new(std::iter::once(self))
    }
}

impl ParseFromJSON for EventData {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        NotificationEventData::parse_from_json(value)
            .map(Self)
            .map_err(ParseError::propagate)
    }
}

impl ToJSON for EventData {
    fn to_json(&self) -> Option<Value> {
        self.0.to_json()
    }
}

impl NotificationEvent {
    pub fn ready(last_event_id: i64) -> Self {
        Self {
            id: last_event_id.to_string(),
            event: "ready".to_owned(),
            data: EventData(NotificationEventData::Ready(StreamReady { last_event_id })),
        }
    }

    pub fn reminder(notification: Notification) -> Self {
        Self {
            id: notification.id.to_string(),
            event: "reminder".to_owned(),
            data: EventData(NotificationEventData::Reminder(notification.into())),
        }
    }
}

/// A webhook to set.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct WebhookIn {
    /// An http(s) URL on the public internet.
    #[oai(validator(max_length = 2000))]
    pub url: Text,
}

/// The webhook as set, with its signing secret: shown this once.
#[derive(Debug, Object)]
pub struct WebhookCreated {
    pub url: String,
    /// The HMAC-SHA256 key deliveries are signed with (see the API docs). Keep it; it is
    /// never shown again (set the webhook again for a new one).
    pub secret: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The webhook (its secret is not shown again).
#[derive(Debug, Object)]
pub struct WebhookOut {
    pub url: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
