//! A task's history: each change with the task before and after it and what made it
//! (`task_changes`, written by a trigger in the statement of the change).

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

/// What made a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeSource {
    Rest,
    Chat,
    Mcp,
    /// A statement that declared no origin: someone changed the database by hand.
    Database,
}

impl ChangeSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeSource::Rest => "rest",
            ChangeSource::Chat => "chat",
            ChangeSource::Mcp => "mcp",
            ChangeSource::Database => "database",
        }
    }
}

impl From<String> for ChangeSource {
    fn from(source: String) -> Self {
        match source.as_str() {
            "rest" => ChangeSource::Rest,
            "chat" => ChangeSource::Chat,
            "mcp" => ChangeSource::Mcp,
            _ => ChangeSource::Database,
        }
    }
}

/// The fields of a task a person changes, as a change recorded them.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TaskState {
    pub title: String,
    pub description: Option<String>,
    pub completed: bool,
    pub priority: String,
    pub due_date: Option<DateTime<Utc>>,
    /// Absent from changes recorded before tasks had tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Absent from changes recorded before tasks could repeat.
    #[serde(default)]
    pub repeat: Option<String>,
}

/// How many fields [`TaskState::fields`] lists.
const FIELDS: usize = 7;

impl TaskState {
    fn fields(&self) -> [(&'static str, Value); FIELDS] {
        [
            ("title", json!(self.title)),
            ("description", json!(self.description)),
            ("completed", json!(self.completed)),
            ("priority", json!(self.priority)),
            ("due_date", json!(self.due_date)),
            // No tags reads like no description: nothing, not a field a new task was given.
            (
                "tags",
                if self.tags.is_empty() {
                    Value::Null
                } else {
                    json!(self.tags)
                },
            ),
            ("repeat", json!(self.repeat)),
        ]
    }
}

/// One field's value before and after a change (`null` where the task did not exist).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    pub field: &'static str,
    pub before: Value,
    pub after: Value,
}

/// One change of a task.
#[derive(Debug, Clone)]
pub struct TaskChange {
    pub id: i64,
    pub task_id: i64,
    pub at: DateTime<Utc>,
    /// created, updated, completed, reopened or deleted (`task_change_action` in the
    /// migrations, which the chat's `list_changes` tool uses too).
    pub action: String,
    pub source: ChangeSource,
    /// The chat turn that made it, and its conversation.
    pub job_id: Option<Uuid>,
    pub conversation_id: Option<Uuid>,
    pub before: Option<TaskState>,
    pub after: Option<TaskState>,
    /// An undo has reverted it.
    pub undone: bool,
    /// It is an undo's: it reverts a change of this job.
    pub undo_of: Option<Uuid>,
}

impl TaskChange {
    /// The fields whose value the change set or changed, in a fixed order.
    pub fn fields(&self) -> Vec<FieldChange> {
        let before = self.before.as_ref().map(TaskState::fields);
        let after = self.after.as_ref().map(TaskState::fields);
        (0..FIELDS)
            .filter_map(|i| {
                let old = before
                    .as_ref()
                    .map(|f| f[i].1.clone())
                    .unwrap_or(Value::Null);
                let new = after
                    .as_ref()
                    .map(|f| f[i].1.clone())
                    .unwrap_or(Value::Null);
                let field = before.as_ref().or(after.as_ref())?[i].0;
                (old != new).then_some(FieldChange {
                    field,
                    before: old,
                    after: new,
                })
            })
            .collect()
    }
}

/// What an undo did to one task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UndoResult {
    /// An added task, removed.
    Removed,
    /// A deleted task, back with its id and every field.
    Restored,
    /// An edit or a completion, reversed.
    Reverted,
    /// Left alone: the task changed after the undone job.
    ChangedSince,
}

impl UndoResult {
    pub fn as_str(self) -> &'static str {
        match self {
            UndoResult::Removed => "removed",
            UndoResult::Restored => "restored",
            UndoResult::Reverted => "reverted",
            UndoResult::ChangedSince => "changed_since",
        }
    }
}

/// One task an undo touched.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct UndoItem {
    pub task_id: i64,
    pub title: String,
    pub result: UndoResult,
}

/// What an undo did (`taskwire_undo`), newest change first.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct UndoReport {
    pub undone_job_id: Uuid,
    pub items: Vec<UndoItem>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(title: &str, completed: bool) -> TaskState {
        TaskState {
            title: title.into(),
            description: None,
            completed,
            priority: "medium".into(),
            due_date: None,
            tags: Vec::new(),
            repeat: None,
        }
    }

    fn change(before: Option<TaskState>, after: Option<TaskState>) -> TaskChange {
        TaskChange {
            id: 1,
            task_id: 7,
            at: Utc::now(),
            action: "updated".into(),
            source: ChangeSource::Rest,
            job_id: None,
            conversation_id: None,
            before,
            after,
            undone: false,
            undo_of: None,
        }
    }

    #[test]
    fn fields_list_what_changed_before_and_after() {
        let open = state("Pay rent", false);
        let done = state("Pay rent", true);
        assert_eq!(
            change(Some(open.clone()), Some(done)).fields(),
            vec![FieldChange {
                field: "completed",
                before: json!(false),
                after: json!(true),
            }]
        );
        let created = change(None, Some(open)).fields();
        assert_eq!(
            created.iter().map(|f| f.field).collect::<Vec<_>>(),
            ["title", "completed", "priority"],
            "a new task's fields that are not null"
        );
    }
}
