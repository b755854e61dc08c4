//! The task tools as MCP tools: their definitions, built from `common::tools::specs()` (one
//! set of names, schemas and hints for the chat agent and MCP), and a call, run by
//! `common::tools::execute` for the token's user.
//!
//! A call's result carries the structured result its output schema describes and a short
//! text for people and older clients. Whatever an agent can fix (a bad argument, an unknown
//! or another user's task id, arguments too large) is an `isError` result saying what to do
//! next, never a protocol error; only an unknown tool name is one (-32602), as the MCP spec
//! asks. Every call is counted in `taskwire_mcp_calls_total{tool, outcome}`.

use std::sync::Arc;

use chrono::Utc;
use common::{
    dates::DateContext,
    db,
    domain::UserId,
    tools::{self, Caller, ToolOutcome, ToolSpec},
};
use rmcp::{
    ErrorData,
    model::{CallToolResult, ContentBlock, JsonObject, Tool, ToolAnnotations},
};
use serde_json::Value;
use sqlx::PgPool;

/// Largest arguments a call may carry, as JSON: far above what any valid call needs (a title
/// is at most 200 characters, a description 2,000).
pub const MAX_ARGUMENT_BYTES: usize = 16 * 1024;

/// The metric counting calls by `tool` (one of the five, or `unknown`) and `outcome`.
pub const CALLS_METRIC: &str = "taskwire_mcp_calls_total";

/// How a call ended, as the `outcome` label says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It did what was asked.
    Ok,
    /// An `isError` result the agent can act on (bad arguments, no such task).
    ToolError,
    /// Refused as a protocol error: no tool of that name.
    UnknownTool,
    /// The service failed (the database); the result asks to try again.
    Failed,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::ToolError => "tool_error",
            Self::UnknownTool => "unknown_tool",
            Self::Failed => "failed",
        }
    }
}

fn schema(value: &Value) -> Arc<JsonObject> {
    Arc::new(value.as_object().cloned().unwrap_or_default())
}

/// One MCP tool from its spec.
fn definition(spec: &ToolSpec) -> Tool {
    let hints = spec.hints;
    Tool::new(
        spec.name,
        format!("{} {}", spec.description, spec.returns),
        schema(&spec.parameters),
    )
    .with_title(spec.title)
    .with_raw_output_schema(schema(&spec.output))
    .with_annotations(
        ToolAnnotations::with_title(spec.title)
            .read_only(hints.read_only)
            .destructive(hints.destructive)
            .idempotent(hints.idempotent)
            .open_world(hints.open_world),
    )
}

/// The five tools, as `tools/list` shows them.
pub fn definitions() -> Vec<Tool> {
    tools::specs().iter().map(definition).collect()
}

/// The tool name as a metric label: one of the five, or `unknown` (a client can send any
/// name, which must not become a label value).
fn label(name: &str) -> &'static str {
    tools::TOOL_NAMES
        .iter()
        .find(|known| **known == name)
        .copied()
        .unwrap_or("unknown")
}

fn count(name: &str, outcome: Outcome) {
    metrics::counter!(CALLS_METRIC, "tool" => label(name), "outcome" => outcome.label())
        .increment(1);
}

/// Runs tool `name` with `arguments` for `user`.
pub async fn call(
    pool: &PgPool,
    user: &UserId,
    name: &str,
    arguments: Option<JsonObject>,
) -> Result<CallToolResult, ErrorData> {
    if !tools::TOOL_NAMES.contains(&name) {
        count(name, Outcome::UnknownTool);
        let message = format!(
            "Unknown tool {name:?}. Available: {}.",
            tools::TOOL_NAMES.join(", ")
        );
        return Err(ErrorData::invalid_params(message, None));
    }
    let raw = Value::Object(arguments.unwrap_or_default()).to_string();
    let (outcome, result) = if raw.len() > MAX_ARGUMENT_BYTES {
        (Outcome::ToolError, too_large(raw.len()))
    } else {
        match run(pool, user, name, &raw).await {
            Ok(done) if done.ok => (Outcome::Ok, success(name, done.result)),
            Ok(refused) => (Outcome::ToolError, refusal(&refused.result)),
            Err(e) => {
                tracing::error!(error = %e, tool = name, user = %user.as_str(), "MCP tool call failed");
                (Outcome::Failed, unavailable())
            }
        }
    };
    count(name, outcome);
    Ok(result)
}

/// The call itself: relative dates read in the user's zone, as in the chat.
async fn run(pool: &PgPool, user: &UserId, name: &str, raw: &str) -> common::Result<ToolOutcome> {
    let zone = db::profiles::time_zone(pool, user).await?;
    // Any of the user's ids: the agent on the other side chose it (the grounding rail is for
    // Taskwire's own model, which is shown the conversation).
    let caller = Caller::new(user, DateContext::new(Utc::now(), zone));
    tools::execute(pool, caller, name, raw).await
}

fn success(name: &str, result: Value) -> CallToolResult {
    let text = summary(name, &result);
    let mut done = CallToolResult::success(vec![ContentBlock::text(text)]);
    done.structured_content = Some(tools::structured_result(name, result));
    done
}

fn error_result(text: String) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(text)])
}

/// A tool error (`{"error": code, "message": …}`) as a message that says what to do next.
fn refusal(result: &Value) -> CallToolResult {
    let message = result["message"]
        .as_str()
        .unwrap_or("The call was refused.");
    let next = match result["error"].as_str() {
        Some("task_not_found") => " Call list_tasks to see the ids of the user's tasks.",
        Some("invalid_arguments") => {
            " Fix the arguments (see the tool's input schema) and call again."
        }
        _ => "",
    };
    error_result(format!("{message}{next}"))
}

fn too_large(bytes: usize) -> CallToolResult {
    error_result(format!(
        "The arguments are {bytes} bytes; at most {MAX_ARGUMENT_BYTES} are accepted. A title \
         takes at most 200 characters and a description at most 2000: shorten them and call again."
    ))
}

fn unavailable() -> CallToolResult {
    error_result(
        "Taskwire could not complete the call: the service is temporarily unavailable. \
         Nothing was changed by this call; try again in a moment."
            .to_owned(),
    )
}

/// One line about a task: `#3 "Buy milk" (pending, high priority, due 2026-11-27T17:00:00Z,
/// tags #home #errands)`.
fn task_line(id: &Value, task: &Value) -> String {
    let state = if task["completed"].as_bool() == Some(true) {
        "completed"
    } else {
        "pending"
    };
    let priority = task["priority"].as_str().unwrap_or("medium");
    let due = match task["due_date"].as_str() {
        Some(due) => format!(", due {due}"),
        None => String::new(),
    };
    let tags: Vec<String> = task["tags"]
        .as_array()
        .map(|tags| {
            tags.iter()
                .filter_map(Value::as_str)
                .map(|t| format!("#{t}"))
                .collect()
        })
        .unwrap_or_default();
    let tags = if tags.is_empty() {
        String::new()
    } else {
        format!(", tags {}", tags.join(" "))
    };
    let title = task["title"].as_str().unwrap_or_default();
    format!("#{id} \"{title}\" ({state}, {priority} priority{due}{tags})")
}

/// The short text of a successful result.
fn summary(name: &str, result: &Value) -> String {
    if let Value::Array(tasks) = result {
        if tasks.is_empty() {
            return "No tasks match.".to_owned();
        }
        let lines: Vec<String> = tasks.iter().map(|t| task_line(&t["id"], t)).collect();
        let noun = if tasks.len() == 1 { "task" } else { "tasks" };
        return format!("{} {noun}:\n{}", tasks.len(), lines.join("\n"));
    }
    let line = task_line(&result["task_id"], result);
    match name {
        "add_task" => format!("Added task {line}."),
        "complete_task" if result["already_completed"] == Value::Bool(true) => {
            format!("Task {line} was already completed; nothing changed.")
        }
        "complete_task" => format!("Completed task {line}."),
        "delete_task" => format!("Deleted task {line}."),
        _ => format!("Updated task {line}."),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_tool_has_its_title_hints_and_schemas() {
        let tools = definitions();
        assert_eq!(tools.len(), 5);
        for tool in &tools {
            let annotations = tool.annotations.as_ref().expect("annotations");
            assert!(tool.title.is_some(), "{}", tool.name);
            for (hint, value) in [
                ("readOnlyHint", annotations.read_only_hint),
                ("destructiveHint", annotations.destructive_hint),
                ("idempotentHint", annotations.idempotent_hint),
                ("openWorldHint", annotations.open_world_hint),
            ] {
                assert!(value.is_some(), "{}: {hint} set", tool.name);
            }
            assert_eq!(tool.input_schema["type"], "object", "{}", tool.name);
            let output = tool.output_schema.as_ref().expect("output schema");
            assert_eq!(output["type"], "object", "{}", tool.name);
        }
    }

    #[test]
    fn a_missing_task_says_how_to_find_the_ids() {
        let result =
            refusal(&json!({"error": "task_not_found", "message": "There is no task with id 42."}));
        assert_eq!(result.is_error, Some(true));
        let text = serde_json::to_value(&result.content).expect("JSON");
        assert_eq!(
            text[0]["text"],
            "There is no task with id 42. Call list_tasks to see the ids of the user's tasks."
        );
    }

    #[test]
    fn summaries_are_one_line_per_task() {
        let task = json!({"task_id": 3, "status": "created", "title": "Buy milk", "completed": false, "priority": "high", "due_date": "2026-11-27T17:00:00Z"});
        assert_eq!(
            summary("add_task", &task),
            "Added task #3 \"Buy milk\" (pending, high priority, due 2026-11-27T17:00:00Z)."
        );
        let list = json!([{"id": 1, "title": "a", "completed": true, "priority": "low", "due_date": null}]);
        assert_eq!(
            summary("list_tasks", &list),
            "1 task:\n#1 \"a\" (completed, low priority)"
        );
        assert_eq!(summary("list_tasks", &json!([])), "No tasks match.");
    }

    #[test]
    fn unknown_names_do_not_become_label_values() {
        assert_eq!(label("add_task"), "add_task");
        assert_eq!(label("drop_table"), "unknown");
    }
}
