//! Conversations, messages and chat jobs as stored.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::{
    Error,
    dates::{DateContext, Zone},
    domain::UserId,
};

/// Longest chat message accepted, in characters.
pub const MESSAGE_MAX_CHARS: usize = 8000;
/// Longest conversation title, in characters (taken from the first message).
pub const CONVERSATION_TITLE_MAX_CHARS: usize = 80;

/// A user's chat message: non-blank, at most 8,000 characters as sent, no NUL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatText(String);

impl ChatText {
    /// Validates a message; surrounding whitespace is trimmed.
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let text = raw.trim();
        if text.is_empty() {
            return Err(Error::validation("message", "must not be empty"));
        }
        if raw.chars().count() > MESSAGE_MAX_CHARS {
            return Err(Error::validation(
                "message",
                format!("must be at most {MESSAGE_MAX_CHARS} characters"),
            ));
        }
        if text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
        {
            return Err(Error::validation(
                "message",
                "must not contain control characters other than line breaks and tabs",
            ));
        }
        Ok(Self(text.to_owned()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A conversation title made from this message: its first line, shortened on a word.
    pub fn title(&self) -> String {
        let line = self.0.lines().next().unwrap_or_default().trim();
        if line.chars().count() <= CONVERSATION_TITLE_MAX_CHARS {
            return line.to_owned();
        }
        let cut: String = line
            .chars()
            .take(CONVERSATION_TITLE_MAX_CHARS - 1)
            .collect();
        let cut = match cut.rfind(' ') {
            Some(i) if i > CONVERSATION_TITLE_MAX_CHARS / 2 => &cut[..i],
            _ => cut.as_str(),
        };
        format!("{}…", cut.trim_end())
    }
}

/// A conversation.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Conversation {
    pub id: Uuid,
    pub user_id: String,
    pub title: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Assistant,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Assistant => "assistant",
        }
    }
}

impl TryFrom<String> for Role {
    type Error = Error;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        match value.as_str() {
            "user" => Ok(Self::User),
            "assistant" => Ok(Self::Assistant),
            _ => Err(Error::Internal(anyhow::anyhow!(
                "unknown message role {value:?}"
            ))),
        }
    }
}

/// A stored message.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Message {
    pub id: Uuid,
    pub conversation_id: Uuid,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub content: String,
    /// Assistant messages: `[{tool, arguments, result}]`.
    pub tool_calls: Option<sqlx::types::Json<Value>>,
    pub job_id: Uuid,
    pub turn_seq: i64,
    pub created_at: DateTime<Utc>,
}

/// Where a chat job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }

    /// True once the job has ended.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed)
    }
}

impl TryFrom<String> for JobStatus {
    type Error = Error;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        match value.as_str() {
            "queued" => Ok(Self::Queued),
            "running" => Ok(Self::Running),
            "succeeded" => Ok(Self::Succeeded),
            "failed" => Ok(Self::Failed),
            _ => Err(Error::Internal(anyhow::anyhow!(
                "unknown job status {value:?}"
            ))),
        }
    }
}

/// A stored chat job.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Job {
    pub id: Uuid,
    pub seq: i64,
    /// The owner, the only user the job's tools may touch.
    #[sqlx(try_from = "String")]
    pub user_id: UserId,
    pub conversation_id: Uuid,
    pub user_message_id: Uuid,
    #[sqlx(try_from = "String")]
    pub status: JobStatus,
    pub attempts: i32,
    pub worker_id: Option<String>,
    pub error_code: Option<String>,
    pub error: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// The zone the turn reads dates in.
    #[sqlx(try_from = "String")]
    #[serde(serialize_with = "zone_name")]
    pub time_zone: Zone,
}

impl Job {
    /// When and where the turn reads relative dates: when its message was accepted, in its
    /// zone (the same for every delivery of the turn).
    pub fn date_context(&self) -> DateContext {
        DateContext::new(self.created_at, self.time_zone)
    }
}

fn zone_name<S: serde::Serializer>(zone: &Zone, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(zone.name())
}

/// One recorded tool call of a job (the ledger that makes redelivery safe).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ToolExecution {
    pub job_id: Uuid,
    pub call_id: String,
    pub step: i32,
    pub position: i32,
    pub tool: String,
    pub arguments: sqlx::types::Json<Value>,
    pub ok: bool,
    pub result: sqlx::types::Json<Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_text_is_trimmed_and_bounded() {
        assert_eq!(ChatText::parse("  hi  ").expect("valid").as_str(), "hi");
        assert!(ChatText::parse(" \n\t ").is_err());
        assert!(ChatText::parse(&"a".repeat(8000)).is_ok());
        assert!(ChatText::parse(&"a".repeat(8001)).is_err());
        assert!(ChatText::parse("a\u{0}").is_err());
    }

    #[test]
    fn titles_come_from_the_first_line_and_are_shortened_on_a_word() {
        let text = ChatText::parse("Add buy milk\nand more").expect("valid");
        assert_eq!(text.title(), "Add buy milk");
        let long = ChatText::parse(&"word ".repeat(40)).expect("valid");
        let title = long.title();
        assert!(
            title.chars().count() <= CONVERSATION_TITLE_MAX_CHARS,
            "{title}"
        );
        assert!(title.ends_with("word…"), "{title}");
    }
}
