//! `POST /api/{user_id}/tasks/bulk`'s body and answer: one action on up to 100 tasks, each
//! task on its own. It runs the chat's bulk tools (`common::tools`), as the REST API.

use poem_openapi::{Enum, Object, types::MaybeUndefined};
use serde_json::{Map, Value, json};

use super::body::{Priority, TaskUpdate};

/// What to do to every task.
#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "lowercase")]
pub enum BulkAction {
    Complete,
    Delete,
    Update,
}

/// A bulk action.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct BulkIn {
    pub action: BulkAction,
    /// 1–100 task ids; repeats count once.
    #[oai(validator(min_items = 1, max_items = 100))]
    pub task_ids: Vec<i64>,
    /// `update` only (required there): the fields to set on every task, as in a task update.
    pub changes: Option<TaskUpdate>,
}

/// What a bulk action did, task by task.
#[derive(Debug, Object)]
pub struct BulkOut {
    /// completed, deleted or updated.
    pub status: String,
    /// The tasks changed, in id order.
    pub task_ids: Vec<i64>,
    /// The ids of tasks the user does not have.
    pub not_found: Vec<i64>,
}

impl BulkIn {
    /// The bulk tool and its arguments.
    pub fn tool_call(&self) -> (&'static str, Value) {
        let mut args = Map::new();
        args.insert("task_ids".into(), json!(self.task_ids));
        let name = match self.action {
            BulkAction::Complete => "complete_tasks",
            BulkAction::Delete => "delete_tasks",
            BulkAction::Update => "update_tasks",
        };
        if let (BulkAction::Update, Some(changes)) = (self.action, &self.changes) {
            write_changes(changes, &mut args);
        }
        (name, Value::Object(args))
    }

    /// True when a date is to be read (the user's zone is needed).
    pub fn reads_dates(&self) -> bool {
        self.changes
            .as_ref()
            .is_some_and(|c| matches!(c.due_date, MaybeUndefined::Value(_)))
    }
}

/// `changes` as the bulk tool's arguments: each field given, `null` where it clears one.
fn write_changes(changes: &TaskUpdate, args: &mut Map<String, Value>) {
    let mut put = |field: &str, value: Value| {
        args.insert(field.into(), value);
    };
    if let Some(title) = &changes.title {
        put("title", json!(&**title));
    }
    for (field, value) in [
        ("description", &changes.description),
        ("due_date", &changes.due_date),
        ("repeat", &changes.repeat),
    ] {
        match value {
            MaybeUndefined::Value(text) => put(field, json!(&**text)),
            MaybeUndefined::Null => put(field, Value::Null),
            MaybeUndefined::Undefined => {}
        }
    }
    if let Some(priority) = changes.priority {
        put("priority", json!(domain_priority(priority)));
    }
    if let Some(completed) = changes.completed {
        put("completed", json!(completed));
    }
    for (field, tags) in [
        ("tags", &changes.tags),
        ("add_tags", &changes.add_tags),
        ("remove_tags", &changes.remove_tags),
    ] {
        if let Some(tags) = tags {
            let names: Vec<&str> = tags.iter().map(|t| &**t).collect();
            put(field, json!(names));
        }
    }
    if let Some(skip) = changes.skip {
        put("skip", json!(skip));
    }
}

fn domain_priority(priority: Priority) -> &'static str {
    common::domain::Priority::from(priority).as_str()
}

impl BulkOut {
    /// From the bulk tool's result.
    pub fn from_result(result: &Value) -> Self {
        let ids = |key: &str, field: Option<&str>| -> Vec<i64> {
            result
                .get(key)
                .and_then(Value::as_array)
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|item| match field {
                            Some(field) => item.get(field).and_then(Value::as_i64),
                            None => item.as_i64(),
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        Self {
            status: result
                .get("status")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            task_ids: ids("tasks", Some("id")),
            not_found: ids("not_found", None),
        }
    }
}
