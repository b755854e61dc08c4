//! The tools' names, descriptions and JSON-schema parameters, as offered to the model, and
//! what MCP clients are told besides: a title, what a call may do to the list (hints), and the
//! shape of the structured result ([`structured_result`]).

use serde_json::{Value, json};

/// A tool offered to the model (and, with its title, hints and output schema, over MCP).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ToolSpec {
    /// A short name for people (MCP `title`).
    pub title: &'static str,
    /// What a call may do to the user's list (MCP annotations).
    pub hints: ToolHints,
    /// JSON schema of the tool's structured result, as [`structured_result`] shapes it
    /// (MCP `outputSchema`; always an object).
    pub output: Value,
    /// One sentence on what a call returns, appended to the description over MCP.
    pub returns: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub parameters: Value,
}

/// What a call may do to the user's list: the four MCP tool annotations, all set, since a
/// client assumes the worst of any left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ToolHints {
    /// Reads only; changes nothing.
    pub read_only: bool,
    /// May change or remove what is there (not only add).
    pub destructive: bool,
    /// Calling again with the same arguments changes nothing more.
    pub idempotent: bool,
    /// Reaches beyond the user's own list (never, for these tools).
    pub open_world: bool,
}

impl ToolHints {
    /// Reads the list.
    const READS: Self = Self {
        read_only: true,
        destructive: false,
        idempotent: true,
        open_world: false,
    };
    /// Adds to the list, a new task per call.
    const ADDS: Self = Self {
        read_only: false,
        destructive: false,
        idempotent: false,
        open_world: false,
    };
    /// Sets a state of one task, the same state however often it is called.
    const SETS: Self = Self {
        read_only: false,
        destructive: false,
        idempotent: true,
        open_world: false,
    };
    /// Overwrites or removes what is there, the same way however often it is called.
    const OVERWRITES: Self = Self {
        read_only: false,
        destructive: true,
        idempotent: true,
        open_world: false,
    };
}

impl Default for ToolHints {
    /// The worst case, as MCP assumes for a tool that says nothing.
    fn default() -> Self {
        Self {
            read_only: false,
            destructive: true,
            idempotent: false,
            open_world: true,
        }
    }
}

const DUE_DATE: &str = "Only when the user gave a date or time: their words, such as \"friday\", \"tomorrow 3pm\" or \"in 3 days\" (read on the user's calendar; a day without a time means 17:00), or an ISO 8601 date-time. Leave it out when the user gave none.";

fn priority() -> Value {
    json!({"type": "string", "enum": ["low", "medium", "high"], "description": "high for urgent, important or asap; low for no rush or whenever; leave it out otherwise (medium)."})
}

const TAGS: &str =
    "Tags, only when the user gave some: words like \"work\" or \"#health\", without spaces.";

fn tags(description: &str) -> Value {
    json!({"type": "array", "items": {"type": "string"}, "maxItems": 10, "description": description})
}

const REPEAT: &str = "Only when the user said the task repeats: their words, such as \"every day\", \"every weekday\", \"every Monday and Thursday\", \"every 2 weeks\", \"on the 1st of every month\" (or an RRULE). Completing it then adds the next occurrence.";

fn reminders() -> Value {
    json!({"type": "array", "items": {"type": "string"}, "maxItems": 10, "description": "Only when the user asked to be reminded other than at the due time (a task with a due date reminds at it by itself): \"30 minutes before\", \"a day before\", or a time such as \"8am\" or \"tomorrow 9:00\"."})
}

fn task_id() -> Value {
    json!({"type": "integer", "description": "The task's id, as shown by list_tasks."})
}

/// The five task tools.
pub fn specs() -> Vec<ToolSpec> {
    vec![
        ToolSpec {
            title: "Add a task",
            hints: ToolHints::ADDS,
            output: action_output("created"),
            returns: "Returns the new task, with its task_id.",
            name: "add_task",
            description: "Add a new task to the user's list. Examples: \"add buy milk\" -> {\"title\": \"Buy milk\"}; \"remind me to call mom on friday, it's urgent\" -> {\"title\": \"Call mom\", \"due_date\": \"friday\", \"priority\": \"high\"}; \"water the plants, no rush #home\" -> {\"title\": \"Water the plants\", \"priority\": \"low\", \"tags\": [\"home\"]}; \"pay rent on the 1st of every month\" -> {\"title\": \"Pay rent\", \"repeat\": \"on the 1st of every month\"}.",
            parameters: json!({
                "type": "object",
                "properties": {
                    "title": {"type": "string", "description": "Short title, 1-200 characters."},
                    "description": {"type": "string", "description": "Optional details, up to 2000 characters."},
                    "priority": priority(),
                    "due_date": {"type": "string", "description": DUE_DATE},
                    "tags": tags(TAGS),
                    "repeat": {"type": "string", "description": REPEAT},
                    "reminders": reminders(),
                },
                "required": ["title"],
            }),
        },
        ToolSpec {
            title: "List tasks",
            hints: ToolHints::READS,
            output: list_output(),
            returns: "The structured result is {\"tasks\": [...], \"count\": n}; when count equals the limit, more may follow: call again with offset.",
            name: "list_tasks",
            description: "Show the user's tasks with their ids, optionally filtered; also how to find a task's id from its words. Examples: \"what's due this week?\" -> {\"due\": \"this_week\"}; \"the dentist one\" -> {\"query\": \"dentist\"}; \"what's on my work list?\" -> {\"tag\": \"work\"}.",
            parameters: json!({
                "type": "object",
                "properties": {
                    "status": {"type": "string", "enum": ["all", "pending", "completed"], "description": "Which tasks to show; default all."},
                    "priority": priority(),
                    "query": {"type": "string", "description": "Words to search for in titles, tags and descriptions; best matches first."},
                    "tag": {"type": "string", "description": "Only tasks with this tag, such as \"work\"."},
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
            title: "Complete a task",
            hints: ToolHints::SETS,
            output: action_output("completed"),
            returns: "Returns the task; already_completed is true when it was completed before (nothing changed).",
            name: "complete_task",
            description: "Mark a task as done. Example: \"I finished task 4\" -> {\"task_id\": 4}. Use an id from the conversation; otherwise call list_tasks with a query first.",
            parameters: json!({
                "type": "object",
                "properties": {"task_id": task_id()},
                "required": ["task_id"],
            }),
        },
        ToolSpec {
            title: "Delete a task",
            hints: ToolHints::OVERWRITES,
            output: action_output("deleted"),
            returns: "Returns the task as it was before it was deleted.",
            name: "delete_task",
            description: "Delete a task for good. Example: \"delete task 7\" -> {\"task_id\": 7}. Use an id from the conversation; otherwise call list_tasks with a query first.",
            parameters: json!({
                "type": "object",
                "properties": {"task_id": task_id()},
                "required": ["task_id"],
            }),
        },
        ToolSpec {
            title: "Update a task",
            hints: ToolHints::OVERWRITES,
            output: action_output("updated"),
            returns: "Returns the task as it is after the change.",
            name: "update_task",
            description: "Change a task's title, description, priority, due date, completion or tags; only the fields given change, and null clears description or due_date. Examples: \"move task 3 to monday\" -> {\"task_id\": 3, \"due_date\": \"monday\"}; \"tag task 3 as work\" -> {\"task_id\": 3, \"add_tags\": [\"work\"]}; \"skip this one\" -> {\"task_id\": 3, \"skip\": true}.",
            parameters: json!({
                "type": "object",
                "properties": {
                    "task_id": task_id(),
                    "title": {"type": "string"},
                    "description": {"type": ["string", "null"]},
                    "priority": priority(),
                    "due_date": {"type": ["string", "null"], "description": DUE_DATE},
                    "completed": {"type": "boolean"},
                    "add_tags": tags("Tags to add."),
                    "remove_tags": tags("Tags to remove."),
                    "tags": tags("All the task's tags, replacing the ones it has."),
                    "repeat": {"type": ["string", "null"], "description": "A new repeat (as for add_task); null: stop repeating."},
                    "skip": {"type": "boolean", "description": "true: skip this occurrence of a repeating task (moves it to the next one, without completing it)."},
                    "reminders": reminders(),
                },
                "required": ["task_id"],
            }),
        },
    ]
}

/// `schema` or null, spelled `anyOf` (more portable across clients than a `type` array).
fn nullable(schema: Value, description: &str) -> Value {
    json!({"anyOf": [schema, {"type": "null"}], "description": description})
}

/// A task's fields as every tool result shows them (`task_tool_json` in the migrations).
fn task_properties() -> serde_json::Map<String, Value> {
    let time = |what: &str| json!({"type": "string", "format": "date-time", "description": what});
    let properties = json!({
        "title": {"type": "string"},
        "description": nullable(json!({"type": "string"}), "Details; null when there are none."),
        "completed": {"type": "boolean"},
        "priority": {"type": "string", "enum": ["low", "medium", "high"]},
        "due_date": nullable(json!({"type": "string", "format": "date-time"}), "When it is due, RFC 3339 in UTC; null when it has no due date."),
        "tags": {"type": "array", "items": {"type": "string"}, "description": "Its tags, lowercased, without '#'."},
        "repeat": nullable(json!({"type": "string"}), "How it repeats, an RRULE such as FREQ=WEEKLY;BYDAY=MO; null when it does not."),
        "created_at": time("When it was created, RFC 3339 in UTC."),
        "updated_at": time("When it last changed, RFC 3339 in UTC."),
    });
    match properties {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    }
}

const TASK_FIELDS: [&str; 9] = [
    "title",
    "description",
    "completed",
    "priority",
    "due_date",
    "tags",
    "repeat",
    "created_at",
    "updated_at",
];

/// A task in a `list_tasks` result.
fn task_output() -> Value {
    let mut properties = task_properties();
    properties.insert(
        "id".into(),
        json!({"type": "integer", "description": "The task's id: what the other tools take as task_id."}),
    );
    let mut required = vec!["id"];
    required.extend(TASK_FIELDS);
    json!({"type": "object", "properties": properties, "required": required})
}

/// The result of a tool that acts on one task: the task, its `task_id`, and `status` saying
/// what was done.
fn action_output(status: &str) -> Value {
    let mut properties = task_properties();
    properties.insert(
        "task_id".into(),
        json!({"type": "integer", "description": "The task's id."}),
    );
    properties.insert(
        "status".into(),
        json!({"type": "string", "const": status, "description": "What was done."}),
    );
    if status == "completed" {
        properties.insert(
            "already_completed".into(),
            json!({"type": "boolean", "description": "Present (true) when the task was completed before this call."}),
        );
        properties.insert(
            "next_due".into(),
            json!({"type": "string", "format": "date-time", "description": "Present for a repeating task: when its next occurrence, added by this call, is due."}),
        );
    }
    if matches!(status, "created" | "updated") {
        properties.insert(
            "reminders".into(),
            json!({"type": "array", "items": {"type": "object"}, "description": "Present when the call gave reminders: the task's reminders still to come, each with before_minutes or at, and remind_at."}),
        );
        properties.insert(
            "reminders_refused".into(),
            json!({"type": "array", "items": {"type": "object"}, "description": "Present when the call gave reminders: the ones not added, each with its reason."}),
        );
    }
    let mut required = vec!["task_id", "status"];
    required.extend(TASK_FIELDS);
    json!({"type": "object", "properties": properties, "required": required})
}

/// The `list_tasks` result: a page of tasks (see [`structured_result`]).
fn list_output() -> Value {
    json!({
        "type": "object",
        "properties": {
            "tasks": {"type": "array", "items": task_output(), "description": "The tasks, in the order asked for."},
            "count": {"type": "integer", "minimum": 0, "description": "How many tasks this page holds."},
        },
        "required": ["tasks", "count"],
    })
}

/// A successful result of tool `name` as its `output` schema describes it: `list_tasks`'
/// array of tasks becomes `{"tasks": [...], "count": n}` (structured results are objects);
/// the other results are objects already.
pub fn structured_result(name: &str, result: Value) -> Value {
    match result {
        Value::Array(tasks) if name == "list_tasks" => {
            json!({"count": tasks.len(), "tasks": tasks})
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_has_a_title_hints_that_say_something_and_an_object_output() {
        for spec in specs() {
            assert!(!spec.title.is_empty(), "{}: title", spec.name);
            assert!(!spec.returns.is_empty(), "{}: returns", spec.name);
            assert_ne!(spec.hints, ToolHints::default(), "{}: hints", spec.name);
            assert!(
                !spec.hints.open_world,
                "{}: the list is a closed world",
                spec.name
            );
            assert_eq!(spec.output["type"], "object", "{}: output", spec.name);
            assert!(
                spec.output["required"].is_array(),
                "{}: required",
                spec.name
            );
        }
    }

    #[test]
    fn only_list_tasks_reads_only_and_delete_is_destructive() {
        let hints = |name: &str| {
            specs()
                .into_iter()
                .find(|s| s.name == name)
                .map(|s| s.hints)
                .expect("known tool")
        };
        assert!(hints("list_tasks").read_only);
        for name in ["add_task", "complete_task", "delete_task", "update_task"] {
            assert!(!hints(name).read_only, "{name}");
        }
        assert!(hints("delete_task").destructive);
        assert!(!hints("add_task").destructive && !hints("add_task").idempotent);
    }

    #[test]
    fn a_list_result_becomes_an_object_with_its_count() {
        let wrapped = structured_result("list_tasks", json!([{"id": 1}, {"id": 2}]));
        assert_eq!(
            wrapped,
            json!({"tasks": [{"id": 1}, {"id": 2}], "count": 2})
        );
        let action = json!({"task_id": 1, "status": "created"});
        assert_eq!(structured_result("add_task", action.clone()), action);
    }
}
