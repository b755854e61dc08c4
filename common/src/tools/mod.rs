//! The five task tools the agent offers the model: their JSON-schema definitions and one
//! implementation, scoped to the job's user (never to anything the model says).
//!
//! Bad arguments are not errors: they become a tool result that explains the problem, so
//! the model can tell the user. Only infrastructure failures (the database) are `Err`.

mod args;
mod specs;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::PgConnection;

pub use specs::{ToolSpec, specs};

use crate::{
    Result, db,
    domain::{NewTask, Task, TaskFilter, UserId},
};
use args::{AddArgs, ListArgs, TaskIdArgs, UpdateArgs};

/// Names of the tools, as the model calls them.
pub const TOOL_NAMES: [&str; 5] = [
    "add_task",
    "list_tasks",
    "complete_task",
    "delete_task",
    "update_task",
];

/// Most tasks `list_tasks` returns at once.
pub const LIST_TOOL_LIMIT: i64 = 50;

/// What a tool call produced: `ok` false when `result` is a tool error object.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolOutcome {
    pub ok: bool,
    pub result: Value,
}

impl ToolOutcome {
    fn ok(result: Value) -> Self {
        Self { ok: true, result }
    }

    /// A tool error: `{"error": code, "message": …}`.
    pub fn error(code: &str, message: impl Into<String>) -> Self {
        Self {
            ok: false,
            result: json!({"error": code, "message": message.into()}),
        }
    }
}

/// A task as tools show it to the model.
pub fn task_json(task: &Task) -> Value {
    json!({
        "id": task.id,
        "title": task.title,
        "description": task.description,
        "completed": task.completed,
        "priority": task.priority.as_str(),
        "due_date": task.due_date.map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        "created_at": task.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "updated_at": task.updated_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    })
}

fn action_json(task: &Task, status: &str) -> Value {
    let mut value = task_json(task);
    if let Value::Object(map) = &mut value {
        map.remove("id");
        map.insert("task_id".into(), json!(task.id));
        map.insert("status".into(), json!(status));
    }
    value
}

fn not_found(id: i64) -> ToolOutcome {
    ToolOutcome::error("task_not_found", format!("There is no task with id {id}."))
}

/// Runs tool `name` with the model's raw JSON `arguments` for `user`, on `conn` (the caller
/// owns the transaction, so the effect and its ledger entry commit together).
pub async fn execute(
    conn: &mut PgConnection,
    user: &UserId,
    name: &str,
    arguments: &str,
    now: DateTime<Utc>,
) -> Result<ToolOutcome> {
    let raw: Value = match serde_json::from_str(if arguments.trim().is_empty() {
        "{}"
    } else {
        arguments
    }) {
        Ok(v @ Value::Object(_)) => v,
        Ok(_) => {
            return Ok(ToolOutcome::error(
                "invalid_arguments",
                "Arguments must be a JSON object.",
            ));
        }
        Err(e) => {
            return Ok(ToolOutcome::error(
                "invalid_arguments",
                format!("Arguments are not valid JSON: {e}."),
            ));
        }
    };
    let outcome = match name {
        "add_task" => match AddArgs::parse(raw, now) {
            Ok(args) => add(conn, user, args).await?,
            Err(e) => e,
        },
        "list_tasks" => match ListArgs::parse(raw) {
            Ok(filter) => list(conn, user, filter).await?,
            Err(e) => e,
        },
        "complete_task" => match TaskIdArgs::parse(raw) {
            Ok(id) => complete(conn, user, id).await?,
            Err(e) => e,
        },
        "delete_task" => match TaskIdArgs::parse(raw) {
            Ok(id) => delete(conn, user, id).await?,
            Err(e) => e,
        },
        "update_task" => match UpdateArgs::parse(raw, now) {
            Ok((id, patch)) => update(conn, user, id, patch).await?,
            Err(e) => e,
        },
        other => ToolOutcome::error(
            "unknown_tool",
            format!(
                "There is no tool named {other:?}. Available: {}.",
                TOOL_NAMES.join(", ")
            ),
        ),
    };
    Ok(outcome)
}

async fn add(conn: &mut PgConnection, user: &UserId, new: NewTask) -> Result<ToolOutcome> {
    let task = db::tasks::insert(&mut *conn, user, &new).await?;
    Ok(ToolOutcome::ok(action_json(&task, "created")))
}

async fn list(conn: &mut PgConnection, user: &UserId, filter: TaskFilter) -> Result<ToolOutcome> {
    let page = db::tasks::list(&mut *conn, user, &filter).await?;
    Ok(ToolOutcome::ok(Value::Array(
        page.tasks.iter().map(task_json).collect(),
    )))
}

async fn complete(conn: &mut PgConnection, user: &UserId, id: i64) -> Result<ToolOutcome> {
    let before = db::tasks::get(&mut *conn, user, id).await?;
    let Some(before) = before else {
        return Ok(not_found(id));
    };
    let task = db::tasks::set_completed(&mut *conn, user, id, true)
        .await?
        .unwrap_or(before.clone());
    let mut result = action_json(&task, "completed");
    if before.completed {
        result["already_completed"] = json!(true);
    }
    Ok(ToolOutcome::ok(result))
}

async fn delete(conn: &mut PgConnection, user: &UserId, id: i64) -> Result<ToolOutcome> {
    Ok(match db::tasks::delete(&mut *conn, user, id).await? {
        Some(task) => ToolOutcome::ok(action_json(&task, "deleted")),
        None => not_found(id),
    })
}

async fn update(
    conn: &mut PgConnection,
    user: &UserId,
    id: i64,
    patch: crate::domain::TaskPatch,
) -> Result<ToolOutcome> {
    Ok(
        match db::tasks::update(&mut *conn, user, id, &patch).await? {
            Some(task) => ToolOutcome::ok(action_json(&task, "updated")),
            None => not_found(id),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_tools_each_with_an_object_schema() {
        let specs = specs();
        let names: Vec<_> = specs.iter().map(|s| s.name).collect();
        assert_eq!(names, TOOL_NAMES);
        for spec in &specs {
            assert_eq!(spec.parameters["type"], "object", "{}", spec.name);
            assert!(!spec.description.is_empty());
            assert!(
                spec.parameters["properties"].get("user_id").is_none(),
                "{}: the user is never a parameter",
                spec.name
            );
        }
    }
}
