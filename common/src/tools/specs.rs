//! The tools' names, descriptions and JSON-schema parameters, as offered to the model.

use serde_json::{Value, json};

/// A tool offered to the model.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub parameters: Value,
}

const DUE_DATE: &str = "When the task is due, in the user's time zone: RFC 3339 with an offset (2026-11-27T17:00:00-05:00), a local date-time (2026-11-27 17:00), a date (2026-11-27, meaning 17:00), or words (\"tomorrow at 5pm\", \"next Friday\").";

fn priority() -> Value {
    json!({"type": "string", "enum": ["low", "medium", "high"], "description": "How urgent the task is."})
}

fn task_id() -> Value {
    json!({"type": "integer", "description": "The task's id, as shown by list_tasks."})
}

/// The five task tools.
pub fn specs() -> Vec<ToolSpec> {
    vec![
        ToolSpec {
            name: "add_task",
            description: "Create a new task on the user's list.",
            parameters: json!({
                "type": "object",
                "properties": {
                    "title": {"type": "string", "description": "Short title, 1-200 characters."},
                    "description": {"type": "string", "description": "Optional details, up to 2000 characters."},
                    "priority": priority(),
                    "due_date": {"type": "string", "description": DUE_DATE},
                },
                "required": ["title"],
            }),
        },
        ToolSpec {
            name: "list_tasks",
            description: "List the user's tasks, optionally filtered. Returns an array of tasks with their ids.",
            parameters: json!({
                "type": "object",
                "properties": {
                    "status": {"type": "string", "enum": ["all", "pending", "completed"], "description": "Which tasks to show; default all."},
                    "priority": priority(),
                    "query": {"type": "string", "description": "Words to search for in titles and descriptions."},
                    "due": {"type": "string", "enum": ["overdue", "today", "tomorrow", "this_week", "next_7_days", "none"], "description": "Only tasks due then, on the user's calendar; none: without a due date."},
                    "due_after": {"type": "string", "description": "Only tasks due at or after this (a date or date-time; a date means its start)."},
                    "due_before": {"type": "string", "description": "Only tasks due before this (a date or date-time; a date means its start)."},
                    "sort": {"type": "string", "enum": ["-created_at", "created_at", "due_date", "-due_date", "-priority", "priority", "title", "-title"], "description": "Order; default newest first, or soonest due first with a due filter."},
                    "limit": {"type": "integer", "minimum": 1, "maximum": 100, "description": "Most tasks to return; default 50."},
                    "offset": {"type": "integer", "minimum": 0, "description": "Tasks to skip, for the next page."},
                },
            }),
        },
        ToolSpec {
            name: "complete_task",
            description: "Mark a task as completed.",
            parameters: json!({
                "type": "object",
                "properties": {"task_id": task_id()},
                "required": ["task_id"],
            }),
        },
        ToolSpec {
            name: "delete_task",
            description: "Delete a task permanently.",
            parameters: json!({
                "type": "object",
                "properties": {"task_id": task_id()},
                "required": ["task_id"],
            }),
        },
        ToolSpec {
            name: "update_task",
            description: "Change a task's title, description, priority, due date or completion. Only the given fields change; null clears description or due_date.",
            parameters: json!({
                "type": "object",
                "properties": {
                    "task_id": task_id(),
                    "title": {"type": "string"},
                    "description": {"type": ["string", "null"]},
                    "priority": priority(),
                    "due_date": {"type": ["string", "null"], "description": DUE_DATE},
                    "completed": {"type": "boolean"},
                },
                "required": ["task_id"],
            }),
        },
    ]
}
