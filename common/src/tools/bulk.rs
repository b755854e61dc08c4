//! `complete_tasks`, `delete_tasks`, `update_tasks`: one action on up to 100 tasks, each task
//! on its own: those found are changed, the others listed (`not_found`, and `unknown` for ids
//! the conversation never showed), in one statement (`taskwire_bulk`, see the migration
//! `bulk`). A destructive one on more tasks than the caller's [`Confirm::over`] first answers
//! `needs_confirmation`; the user's "yes" in the next message lets the same call through.

use std::collections::HashSet;

use serde_json::{Map, Value, json};
use sqlx::{Postgres, QueryBuilder, types::Json};

use super::{
    ToolHints, ToolOutcome, ToolSpec,
    args::{self, id_value, invalid},
};
use crate::{
    dates::DateContext,
    db::task_changes::Origin,
    domain::{TagsEdit, TaskPatch},
};

/// Most task ids one call takes.
pub const MAX_BULK_IDS: usize = 100;

/// The bulk tools' names.
pub const BULK_TOOLS: [&str; 3] = ["complete_tasks", "delete_tasks", "update_tasks"];

/// When a destructive bulk call needs the user's confirmation (chat only).
#[derive(Debug, Clone, Copy)]
pub struct Confirm {
    /// More tasks than this need a confirmation (`BULK_CONFIRM_OVER`).
    pub over: usize,
    /// The user's message this turn says yes.
    pub affirmed: bool,
}

/// One bulk call.
pub(super) struct Bulk {
    action: &'static str,
    ids: Vec<i64>,
    patch: Option<TaskPatch>,
}

impl Bulk {
    /// Reads the arguments of bulk tool `name`.
    pub(super) fn parse(name: &str, raw: Value, dates: &DateContext) -> Result<Self, ToolOutcome> {
        let map = args::object(raw);
        let ids = task_ids(&map)?;
        let (action, patch) = match name {
            "complete_tasks" => ("complete", None),
            "delete_tasks" => ("delete", None),
            _ => ("update", Some(args::patch(&map, dates)?)),
        };
        Ok(Self { action, ids, patch })
    }

    /// The tasks it acts on, by id.
    pub(super) fn ids(&self) -> &[i64] {
        &self.ids
    }

    /// The statement: one row `r` with the report. Ids outside `grounded` are not touched,
    /// only reported as `unknown`.
    pub(super) fn push(
        &self,
        query: &mut QueryBuilder<Postgres>,
        user: &str,
        grounded: Option<&HashSet<i64>>,
        origin: &Origin<'_>,
        confirm: Option<Confirm>,
    ) {
        let (ids, unknown): (Vec<i64>, Vec<i64>) = self
            .ids
            .iter()
            .partition(|id| grounded.is_none_or(|seen| seen.contains(id)));
        let job = match origin {
            Origin::Chat { job_id, .. } => Some(*job_id),
            _ => None,
        };
        query
            .push("select taskwire_bulk(")
            .push_bind(user.to_owned())
            .push(", ")
            .push_bind(self.action)
            .push(", ")
            .push_bind(ids)
            .push(", ")
            .push_bind(self.patch.as_ref().map(|p| Json(patch_json(p))))
            .push(", ")
            .push_bind(Json(origin.json()))
            .push(", ")
            .push_bind(unknown)
            .push(", ")
            .push_bind(confirm.map(|c| i32::try_from(c.over).unwrap_or(i32::MAX)))
            .push(", ")
            .push_bind(confirm.is_some_and(|c| c.affirmed))
            .push(", ")
            .push_bind(job)
            .push(") as r");
    }
}

fn task_ids(map: &Map<String, Value>) -> Result<Vec<i64>, ToolOutcome> {
    let Some(Value::Array(values)) = map.get("task_ids") else {
        return Err(invalid("task_ids is required: an array of task ids."));
    };
    if values.is_empty() || values.len() > MAX_BULK_IDS {
        return Err(invalid(format!(
            "task_ids must hold 1 to {MAX_BULK_IDS} task ids."
        )));
    }
    let mut ids = Vec::with_capacity(values.len());
    for value in values {
        let id = id_value(value)
            .ok_or_else(|| invalid(format!("{value} in task_ids is not a task id.")))?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// The patch as `taskwire_bulk` reads it: the fields it sets, `null` where it clears one.
fn patch_json(patch: &TaskPatch) -> Value {
    let mut fields = Map::new();
    if let Some(title) = &patch.title {
        fields.insert("title".into(), json!(title.as_str()));
    }
    if let Some(description) = &patch.description {
        fields.insert(
            "description".into(),
            json!(description.as_ref().map(|d| d.as_str())),
        );
    }
    if let Some(priority) = patch.priority {
        fields.insert("priority".into(), json!(priority.as_str()));
    }
    if let Some(due) = patch.due_date {
        fields.insert("due_date".into(), json!(due.map(|d| d.to_rfc3339())));
    }
    if let Some(completed) = patch.completed {
        fields.insert("completed".into(), json!(completed));
    }
    match &patch.tags {
        Some(TagsEdit::Replace(tags)) => {
            fields.insert("tags".into(), json!(tags.names()));
        }
        Some(TagsEdit::Edit { add, remove }) => {
            fields.insert("add_tags".into(), json!(add.names()));
            fields.insert("remove_tags".into(), json!(remove.names()));
        }
        None => {}
    }
    if let Some(repeat) = &patch.repeat {
        fields.insert("repeat".into(), json!(repeat.as_ref().map(|r| r.as_str())));
    }
    if patch.skip {
        fields.insert("skip".into(), json!(true));
    }
    Value::Object(fields)
}

fn ids_parameter(what: &str) -> Value {
    json!({
        "type": "array",
        "items": {"type": "integer"},
        "minItems": 1,
        "maxItems": MAX_BULK_IDS,
        "description": format!("The ids of the tasks to {what}, as shown by list_tasks."),
    })
}

fn output() -> Value {
    let ids = json!({"type": "array", "items": {"type": "integer"}});
    json!({
        "type": "object",
        "properties": {
            "status": {"type": "string", "enum": ["completed", "deleted", "updated", "needs_confirmation"]},
            "count": {"type": "integer", "description": "How many tasks were changed."},
            "tasks": {"type": "array", "items": {"type": "object"}, "description": "The tasks changed (or, needing confirmation, the tasks it would change)."},
            "not_found": ids,
            "unknown": ids,
            "message": {"type": "string"},
        },
        "required": ["status", "tasks", "not_found"],
    })
}

/// The three bulk tools.
pub fn specs() -> Vec<ToolSpec> {
    let destructive = ToolHints {
        read_only: false,
        destructive: true,
        idempotent: true,
        open_world: false,
    };
    vec![
        ToolSpec {
            title: "Complete several tasks",
            hints: ToolHints {
                destructive: false,
                ..destructive
            },
            output: output(),
            returns: "Returns the tasks completed and the ids not found.",
            name: "complete_tasks",
            description: "Mark several tasks as done at once. Example: \"mark all the shopping ones done\" -> list_tasks {\"query\": \"shopping\"}, then {\"task_ids\": [3, 5, 8]}.",
            parameters: json!({
                "type": "object",
                "properties": {"task_ids": ids_parameter("complete")},
                "required": ["task_ids"],
            }),
        },
        ToolSpec {
            title: "Delete several tasks",
            hints: destructive,
            output: output(),
            returns: "Returns the tasks deleted and the ids not found, or needs_confirmation.",
            name: "delete_tasks",
            description: "Delete several tasks at once. Example: \"delete everything I finished\" -> list_tasks {\"status\": \"completed\"}, then {\"task_ids\": [2, 4]}. If the result is needs_confirmation, nothing was deleted: ask the user, and call again only after they say yes.",
            parameters: json!({
                "type": "object",
                "properties": {"task_ids": ids_parameter("delete")},
                "required": ["task_ids"],
            }),
        },
        ToolSpec {
            title: "Update several tasks",
            hints: destructive,
            output: output(),
            returns: "Returns the tasks updated and the ids not found, or needs_confirmation.",
            name: "update_tasks",
            description: "Make the same change to several tasks at once. Examples: \"move everything due today to tomorrow\" -> list_tasks {\"due\": \"today\"}, then {\"task_ids\": [3, 7], \"due_date\": \"tomorrow\"}; \"tag them all as work\" -> {\"task_ids\": [3, 7], \"add_tags\": [\"work\"]}. If the result is needs_confirmation, nothing changed: ask the user first.",
            parameters: json!({
                "type": "object",
                "properties": {
                    "task_ids": ids_parameter("update"),
                    "title": {"type": "string"},
                    "description": {"type": ["string", "null"]},
                    "priority": {"type": "string", "enum": ["low", "medium", "high"]},
                    "due_date": {"type": ["string", "null"], "description": "The user's words (\"tomorrow\", \"friday 5pm\") or an ISO 8601 date-time; null clears it."},
                    "completed": {"type": "boolean"},
                    "add_tags": {"type": "array", "items": {"type": "string"}, "maxItems": 10, "description": "Tags to add to each task."},
                    "remove_tags": {"type": "array", "items": {"type": "string"}, "maxItems": 10, "description": "Tags to remove from each task."},
                    "repeat": {"type": ["string", "null"], "description": "A repeat for each (\"every weekday\"); null: stop repeating."},
                },
                "required": ["task_ids"],
            }),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_ids_are_read_leniently_once_each_and_bounded() {
        let ids = |raw: Value| task_ids(&args::object(json!({ "task_ids": raw })));
        assert_eq!(ids(json!([3, "4", "#5", 3])).ok(), Some(vec![3, 4, 5]));
        for bad in [
            json!([]),
            json!([0]),
            json!(["x"]),
            json!(7),
            json!((1..=101).collect::<Vec<_>>()),
        ] {
            assert!(ids(bad.clone()).is_err(), "{bad}");
        }
        assert!(task_ids(&Map::new()).is_err());
    }
}
