//! `list_changes`: what changed on the user's list since a time ("what did you change
//! today?"), newest first, from the change log: each change with its task, what it did, when,
//! and what made it. Read-only.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::{Postgres, QueryBuilder};

use super::{
    ToolHints, ToolOutcome, ToolSpec,
    args::{self, invalid},
};
use crate::{dates::DateContext, domain::UserId};

/// The tool's name.
pub const CHANGES_TOOL: &str = "list_changes";

/// Most changes one call returns.
const MAX_CHANGES: i64 = 100;

/// A `list_changes` call.
pub(super) struct Changes {
    since: DateTime<Utc>,
    limit: i64,
}

impl Changes {
    pub(super) fn parse(raw: Value, dates: &DateContext) -> Result<Self, ToolOutcome> {
        let map = args::object(raw);
        let since = match map.get("since") {
            None | Some(Value::Null) => "today".to_owned(),
            Some(Value::String(text)) => text.clone(),
            Some(other) => return Err(invalid(format!("since must be a string, not {other}."))),
        };
        let since = crate::dates::parse_due_bound(&since, dates, "since")
            .map_err(|e| invalid(format!("{e}.")))?;
        let limit = match map.get("limit") {
            None | Some(Value::Null) => 50,
            Some(value) => value
                .as_i64()
                .filter(|n| (1..=MAX_CHANGES).contains(n))
                .ok_or_else(|| invalid(format!("limit must be 1 to {MAX_CHANGES}.")))?,
        };
        Ok(Self { since, limit })
    }

    /// One row `r`: `{"changes": [...], "count": n}`.
    pub(super) fn push(&self, query: &mut QueryBuilder<Postgres>, user: &UserId) {
        query
            .push(
                "select jsonb_build_object('changes', coalesce(jsonb_agg(jsonb_build_object(\
                 'task_id', c.task_id, \
                 'title', coalesce(c.after ->> 'title', c.before ->> 'title'), \
                 'action', task_change_action(c.before, c.after), \
                 'at', tool_time(c.at), \
                 'by', c.source, \
                 'undo', c.undo_kind, \
                 'undone', c.undone_by is not null) order by c.id desc), '[]'), \
                 'count', count(*)) as r \
                 from (select * from task_changes where user_id = ",
            )
            .push_bind(user.as_str().to_owned())
            .push(" and at >= ")
            .push_bind(self.since)
            .push(" order by id desc limit ")
            .push_bind(self.limit)
            .push(") c");
    }
}

/// The tool as the chat model is offered it.
pub fn spec() -> ToolSpec {
    ToolSpec {
        title: "List recent changes",
        hints: ToolHints {
            read_only: true,
            destructive: false,
            idempotent: true,
            open_world: false,
        },
        output: json!({
            "type": "object",
            "properties": {
                "changes": {"type": "array", "items": {"type": "object"}, "description": "Newest first: task_id, title, action (created, updated, completed, reopened, deleted), at, by (chat, rest: the task list, mcp: another app), undo (undo or redo when it was one), undone."},
                "count": {"type": "integer"},
            },
            "required": ["changes", "count"],
        }),
        returns: "Returns the changes, newest first.",
        name: CHANGES_TOOL,
        description: "What changed on the user's list since a time, by the assistant, the task list or other apps. Example: \"what did you change today?\" -> {\"since\": \"today\"}; \"what happened this week?\" -> {\"since\": \"monday\"}.",
        parameters: json!({
            "type": "object",
            "properties": {
                "since": {"type": "string", "description": "The user's words (\"today\", \"yesterday\", \"monday\") or an ISO 8601 date; default today."},
                "limit": {"type": "integer", "minimum": 1, "maximum": MAX_CHANGES, "description": "Most changes to return; default 50."},
            },
        }),
    }
}
