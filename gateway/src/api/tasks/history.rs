//! `GET /api/{user_id}/tasks/{task_id}/history`'s body: each change of a task.

use chrono::{DateTime, Utc};
use common::domain::task::history::{FieldChange, TaskChange};
use poem_openapi::{ApiResponse, Object, payload::Json};
use serde_json::Value;
use uuid::Uuid;

/// One change of a task: when, what it did, which fields it changed, and what made it.
#[derive(Debug, Clone, Object)]
pub struct ChangeOut {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// created, updated, completed, reopened or deleted.
    pub action: String,
    /// What made it: `rest` (the REST API), `chat` (a chat turn: see `job_id` and
    /// `conversation_id`), `mcp` (an MCP client), or `database` (an edit outside Taskwire).
    pub source: String,
    pub job_id: Option<Uuid>,
    pub conversation_id: Option<Uuid>,
    /// The fields it set or changed, each with its value before and after (`null` where the
    /// task did not exist).
    pub changes: Vec<FieldChangeOut>,
    /// An undo has reverted this change.
    pub undone: bool,
    /// This change is an undo's: it reverts a change of this job.
    pub undo_of: Option<Uuid>,
}

/// A field's value before and after a change.
#[derive(Debug, Clone, Object)]
pub struct FieldChangeOut {
    /// title, description, completed, priority, due_date, tags or repeat.
    pub field: String,
    pub before: Value,
    pub after: Value,
}

impl From<FieldChange> for FieldChangeOut {
    fn from(change: FieldChange) -> Self {
        Self {
            field: change.field.to_owned(),
            before: change.before,
            after: change.after,
        }
    }
}

impl From<TaskChange> for ChangeOut {
    fn from(change: TaskChange) -> Self {
        Self {
            id: change.id,
            at: change.at,
            action: change.action.clone(),
            source: change.source.as_str().to_owned(),
            job_id: change.job_id,
            conversation_id: change.conversation_id,
            changes: change.fields().into_iter().map(Into::into).collect(),
            undone: change.undone,
            undo_of: change.undo_of,
        }
    }
}

/// A page of a task's changes, oldest first.
#[derive(ApiResponse)]
pub enum HistoryResponse {
    /// `X-Total-Count`: every change of the task.
    #[oai(status = 200)]
    Ok(Json<Vec<ChangeOut>>, #[oai(header = "X-Total-Count")] i64),
}
