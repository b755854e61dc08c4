//! `undo_last_turn`, the chat's undo: it reverts every change the conversation's last turn
//! made (or, with `redo`, the last undo), from the rows the change log kept
//! (`taskwire_undo_last_turn`, see the migration `undo`). Only a chat turn has a last turn:
//! MCP clients are not offered it.

use serde_json::{Value, json};
use sqlx::{Postgres, QueryBuilder, types::Json};

use super::{ToolHints, ToolOutcome, ToolSpec};
use crate::{db::task_changes::Origin, domain::UserId};

/// The tool's name.
pub const UNDO_TOOL: &str = "undo_last_turn";

/// The tool as the chat model is offered it.
pub fn spec() -> ToolSpec {
    ToolSpec {
        title: "Undo the last turn",
        hints: ToolHints {
            read_only: false,
            destructive: true,
            idempotent: false,
            open_world: false,
        },
        output: output(),
        returns: "Returns each task the undo touched with its result.",
        name: UNDO_TOOL,
        description: "Undo everything the assistant changed in the conversation's last turn that changed tasks: deleted tasks come back, added ones go, edits and completions are reversed. Use it when the user says \"undo\", \"undo that\", \"put it back\" or \"revert that\". Example: \"oops, undo that\" -> {}; \"redo\" or \"undo the undo\" -> {\"redo\": true}.",
        parameters: json!({
            "type": "object",
            "properties": {
                "redo": {"type": "boolean", "description": "true to undo the last undo instead; default false."},
            },
        }),
    }
}

fn output() -> Value {
    json!({
        "type": "object",
        "properties": {
            "undone_job_id": {"type": "string", "format": "uuid", "description": "The turn whose changes were undone."},
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "task_id": {"type": "integer"},
                        "title": {"type": "string"},
                        "result": {"type": "string", "enum": ["removed", "restored", "reverted", "changed_since"], "description": "changed_since: the task changed after that turn, so it was left as it is."},
                    },
                    "required": ["task_id", "title", "result"],
                },
            },
        },
        "required": ["undone_job_id", "items"],
    })
}

/// `redo`, from the model's arguments.
pub(super) fn parse(raw: &Value) -> Result<bool, ToolOutcome> {
    match raw.get("redo") {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(redo)) => Ok(*redo),
        Some(other) => Err(ToolOutcome::error(
            "invalid_arguments",
            format!("redo must be true or false, not {other}."),
        )),
    }
}

/// The statement of the undo: one row with the report, or none when there is nothing to
/// undo (or no chat turn to undo in).
pub(super) fn push(
    query: &mut QueryBuilder<Postgres>,
    user: &UserId,
    redo: bool,
    origin: &Origin<'_>,
) {
    let Origin::Chat { job_id, .. } = origin else {
        query.push("select null::jsonb as r where false");
        return;
    };
    query
        .push("select r from (select taskwire_undo_last_turn(")
        .push_bind(user.as_str())
        .push(", ")
        .push_bind(*job_id)
        .push(", ")
        .push_bind(Json(origin.json()))
        .push(", ")
        .push_bind(redo)
        .push(") as r) undo where r is not null");
}

/// The result when there is nothing to undo.
pub(super) fn nothing(redo: bool) -> ToolOutcome {
    if redo {
        ToolOutcome::error(
            "nothing_to_redo",
            "The conversation's last change was not an undo, so there is nothing to redo.",
        )
    } else {
        ToolOutcome::error(
            "nothing_to_undo",
            "Nothing is left to undo: the conversation's last change was undone already (\"redo\" brings it back), or nothing in it has changed the user's tasks.",
        )
    }
}
