//! The contract between gateway and workers: the job message, the progress events, and the
//! names of the subjects and streams they travel on. Pure data: the JetStream settings and
//! the publishing live in [`streams`], the ending rebuilt from Postgres in
//! [`crate::ending`].

mod bounded;
pub mod streams;

pub use bounded::{EVENT_STRING_CHARS, MAX_EVENT_BYTES};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::domain::UserId;

/// Work-queue stream of chat jobs.
pub const JOBS_STREAM: &str = "CHAT_JOBS";
/// Stream of every event of every job, kept for an hour for replay.
pub const EVENTS_STREAM: &str = "CHAT_EVENTS";
/// The durable pull consumer all workers share.
pub const WORKERS_CONSUMER: &str = "workers";
/// Deliveries before a job is given up on and marked failed.
pub const MAX_DELIVER: i64 = 5;

/// The subjects of the job stream.
pub const JOB_SUBJECTS: &str = "chat.jobs.>";
/// The subjects of the event stream.
pub const EVENT_SUBJECTS: &str = "chat.events.>";
/// Where the event stream republishes what it stored (see [`live_events_subject`]).
pub const LIVE_EVENT_SUBJECTS: &str = "chat.live.>";
/// Every "turn released" announcement (see [`turn_released_subject`]).
pub const TURN_RELEASED_SUBJECTS: &str = "chat.turns.>";

/// The subject a job is published on.
pub fn job_subject(conversation_id: Uuid) -> String {
    format!("chat.jobs.{conversation_id}")
}

/// The subject a job's events are published on.
pub fn events_subject(job_id: Uuid) -> String {
    format!("chat.events.{job_id}")
}

/// The subject JetStream republishes a job's events on once it has stored them, each with its
/// stream sequence in a `Nats-Sequence` header: a core subscription there follows a job live
/// without a consumer (see the event stream's settings).
pub fn live_events_subject(job_id: Uuid) -> String {
    format!("chat.live.{job_id}")
}

/// The subject on which a worker announces that a conversation's turn is free, waking the
/// workers whose jobs wait for it (plain NATS, not stored).
pub fn turn_released_subject(conversation_id: Uuid) -> String {
    format!("chat.turns.{conversation_id}")
}

/// The conversation a [`turn_released_subject`] names.
pub fn released_conversation(subject: &str) -> Option<Uuid> {
    subject.strip_prefix("chat.turns.")?.parse().ok()
}

/// A chat job: ids only; the worker reads everything else from Postgres.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatJob {
    /// Contract version; workers refuse versions they do not know.
    pub version: u32,
    pub job_id: Uuid,
    pub user_id: UserId,
    pub conversation_id: Uuid,
    pub user_message_id: Uuid,
}

impl ChatJob {
    /// The version this build writes and understands.
    pub const VERSION: u32 = 1;

    /// The message that hands `job` to a worker.
    pub fn for_job(job: &crate::domain::Job) -> Self {
        Self {
            version: Self::VERSION,
            job_id: job.id,
            user_id: job.user_id.clone(),
            conversation_id: job.conversation_id,
            user_message_id: job.user_message_id,
        }
    }
}

/// One tool call of a turn as the client sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCallRecord {
    pub tool: String,
    pub arguments: Value,
    pub result: Value,
}

/// Progress of a job, published to `chat.events.<job_id>` in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChatEvent {
    /// The gateway stored the message and queued the job (synthesised by the gateway).
    Accepted {
        conversation_id: Uuid,
        job_id: Uuid,
        message_id: Uuid,
    },
    /// A worker started (or, after a crash, restarted) the turn; text streamed by an earlier
    /// attempt is void.
    Started { attempt: i32 },
    /// A piece of the answer's text.
    Delta { text: String },
    /// The model asked for a tool.
    ToolCall {
        id: String,
        tool: String,
        arguments: Value,
    },
    /// The tool's result.
    ToolResult {
        id: String,
        tool: String,
        ok: bool,
        result: Value,
    },
    /// The turn succeeded; the reply is stored.
    Done {
        job_id: Uuid,
        message_id: Uuid,
        response: String,
        tool_calls: Vec<ToolCallRecord>,
    },
    /// The turn failed; `message_id` is the stored assistant message telling the user.
    Error {
        code: String,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message_id: Option<Uuid>,
    },
}

impl ChatEvent {
    /// Every event's name: its `type` field and SSE event name.
    pub const NAMES: [&'static str; 7] = [
        "accepted",
        "started",
        "delta",
        "tool_call",
        "tool_result",
        "done",
        "error",
    ];

    /// The SSE event name.
    pub fn name(&self) -> &'static str {
        let index = match self {
            Self::Accepted { .. } => 0,
            Self::Started { .. } => 1,
            Self::Delta { .. } => 2,
            Self::ToolCall { .. } => 3,
            Self::ToolResult { .. } => 4,
            Self::Done { .. } => 5,
            Self::Error { .. } => 6,
        };
        Self::NAMES[index]
    }

    /// True for the events that end a job's stream.
    pub fn is_terminal(&self) -> bool {
        Self::is_terminal_name(self.name())
    }

    /// True for the names of the events that end a job's stream (`done`, `error`).
    pub fn is_terminal_name(name: &str) -> bool {
        matches!(name, "done" | "error")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_serialise_with_a_type_tag() {
        let event = ChatEvent::Delta { text: "Hi".into() };
        assert_eq!(
            serde_json::to_value(&event).expect("serialises"),
            serde_json::json!({"type": "delta", "text": "Hi"})
        );
        assert_eq!(event.name(), "delta");
        let back: ChatEvent =
            serde_json::from_str(r#"{"type":"error","code":"timeout","message":"m"}"#)
                .expect("parses");
        assert!(back.is_terminal());
    }

    #[test]
    fn each_events_name_is_its_type_tag() {
        let id = Uuid::nil();
        let events = [
            ChatEvent::Accepted {
                conversation_id: id,
                job_id: id,
                message_id: id,
            },
            ChatEvent::Started { attempt: 1 },
            ChatEvent::Delta { text: "t".into() },
            ChatEvent::ToolCall {
                id: "c".into(),
                tool: "add_task".into(),
                arguments: serde_json::json!({}),
            },
            ChatEvent::ToolResult {
                id: "c".into(),
                tool: "add_task".into(),
                ok: true,
                result: serde_json::json!({}),
            },
            ChatEvent::Done {
                job_id: id,
                message_id: id,
                response: "r".into(),
                tool_calls: vec![],
            },
            ChatEvent::Error {
                code: "c".into(),
                message: "m".into(),
                message_id: None,
            },
        ];
        let names: Vec<_> = events.iter().map(ChatEvent::name).collect();
        assert_eq!(names, ChatEvent::NAMES);
        for event in &events {
            let json = serde_json::to_value(event).expect("serialises");
            assert_eq!(json["type"], event.name());
        }
        let terminal: Vec<_> = events.iter().filter(|e| e.is_terminal()).collect();
        assert_eq!(terminal.len(), 2);
    }

    #[test]
    fn subjects_carry_the_ids() {
        let id = Uuid::nil();
        assert_eq!(released_conversation(&turn_released_subject(id)), Some(id));
        assert_eq!(released_conversation("chat.turns.x"), None);
        assert_eq!(
            job_subject(id),
            "chat.jobs.00000000-0000-0000-0000-000000000000"
        );
        assert_eq!(
            events_subject(id),
            "chat.events.00000000-0000-0000-0000-000000000000"
        );
    }
}
