//! Reads tool results leniently: a task list, an action's outcome, or an error object. Any
//! shape the model does not expect reads as "unknown" instead of failing.

use chrono::{DateTime, FixedOffset};
use common::domain::Repeat;
use serde_json::Value;

use super::priority::Priority;

/// A task as a listing shows it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct TaskView {
    pub id: i64,
    pub title: String,
    pub description: Option<String>,
    pub completed: bool,
    pub priority: Option<Priority>,
    pub due: Option<DateTime<FixedOffset>>,
    pub tags: Vec<String>,
}

impl TaskView {
    /// Reads a task object; `None` without a numeric id.
    pub(super) fn read(value: &Value) -> Option<Self> {
        let id = value.get("id").or_else(|| value.get("task_id"))?.as_i64()?;
        Some(Self {
            id,
            title: text(value, "title").unwrap_or_else(|| format!("Task {id}")),
            description: text(value, "description"),
            completed: value
                .get("completed")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            priority: text(value, "priority").and_then(|p| Priority::parse(&p)),
            due: due(value),
            tags: value
                .get("tags")
                .and_then(Value::as_array)
                .map(|tags| {
                    tags.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
        })
    }
}

/// A list of tasks: a JSON array, or an object holding one under `tasks`.
pub(super) fn task_list(value: &Value) -> Option<Vec<TaskView>> {
    let items = value
        .as_array()
        .or_else(|| value.get("tasks").and_then(Value::as_array))?;
    Some(items.iter().filter_map(TaskView::read).collect())
}

/// A tool error: `{"error": code, "message": …}`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ToolError {
    pub code: String,
    pub message: Option<String>,
    /// The tasks the user's words fit, offered with a refusal of an id never shown.
    pub matches: Vec<TaskView>,
}

/// The error in a result, if it is one.
pub(super) fn error(value: &Value) -> Option<ToolError> {
    let error = value.get("error")?;
    let code = match error {
        Value::String(code) => code.clone(),
        other => other
            .get("code")
            .and_then(Value::as_str)
            .unwrap_or("error")
            .to_owned(),
    };
    let message = text(value, "message").or_else(|| text(error, "message"));
    let matches = value.get("matches").and_then(task_list).unwrap_or_default();
    Some(ToolError {
        code,
        message,
        matches,
    })
}

/// What an add/complete/delete/update result says about its task.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Outcome {
    pub task_id: Option<i64>,
    pub title: Option<String>,
    pub priority: Option<Priority>,
    pub due: Option<DateTime<FixedOffset>>,
    /// A completed repeating task's next occurrence.
    pub next_due: Option<DateTime<FixedOffset>>,
    /// How it repeats, in words.
    pub repeat: Option<String>,
}

impl Outcome {
    pub(super) fn read(value: &Value) -> Self {
        Self {
            task_id: value
                .get("task_id")
                .or_else(|| value.get("id"))
                .and_then(Value::as_i64),
            title: text(value, "title"),
            priority: text(value, "priority").and_then(|p| Priority::parse(&p)),
            due: due(value),
            next_due: text(value, "next_due")
                .and_then(|raw| DateTime::parse_from_rfc3339(&raw).ok()),
            repeat: text(value, "repeat")
                .and_then(|rule| Repeat::try_from(rule).ok())
                .map(|repeat| repeat.describe()),
        }
    }
}

fn text(value: &Value, key: &str) -> Option<String> {
    value
        .get(key)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .filter(|t| !t.is_empty())
}

/// The due date as the result gives it: on the user's clock, as the runner shows results.
fn due(value: &Value) -> Option<DateTime<FixedOffset>> {
    let raw = value.get("due_date")?.as_str()?;
    DateTime::parse_from_rfc3339(raw).ok()
}
