//! Parsing the model's tool arguments into validated domain values. Lenient where models
//! commonly wander (a task id as "3" or "#3", a date without a time, extra fields), strict
//! on everything that reaches the database.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::{LIST_TOOL_LIMIT, ToolOutcome};
use crate::{
    dates::{self, DateContext, DueView},
    domain::{
        NewTask, Priority, StatusFilter, Tags, TaskDescription, TaskFilter, TaskPatch, TaskSort,
        TaskTitle,
    },
};

type Parsed<T> = Result<T, ToolOutcome>;

mod extras;

use crate::domain::task::reminder::ReminderSpec;
pub use extras::reminders;
use extras::{repeat, tags, tags_edit};

pub(super) fn invalid(message: impl Into<String>) -> ToolOutcome {
    ToolOutcome::error("invalid_arguments", message)
}

pub(super) fn object(raw: Value) -> Map<String, Value> {
    match raw {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// A string field; `Ok(None)` when absent or null.
fn string(map: &Map<String, Value>, field: &str) -> Parsed<Option<String>> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(invalid(format!("{field} must be a string, not {other}."))),
    }
}

fn validation(err: crate::Error) -> ToolOutcome {
    invalid(format!("{err}."))
}

/// A whole-number field, also as text ("20"); `Ok(None)` when absent or null.
fn integer(map: &Map<String, Value>, field: &str) -> Parsed<Option<i64>> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) if n.as_i64().is_some() => Ok(n.as_i64()),
        Some(Value::String(s)) if s.trim().parse::<i64>().is_ok() => Ok(s.trim().parse().ok()),
        Some(other) => Err(invalid(format!(
            "{field} must be a whole number, not {other}."
        ))),
    }
}

fn task_id(map: &Map<String, Value>) -> Parsed<i64> {
    match map.get("task_id") {
        None | Some(Value::Null) => Err(invalid("task_id is required.")),
        Some(value) => {
            id_value(value).ok_or_else(|| invalid("task_id must be a positive integer."))
        }
    }
}

/// A task id as a model writes it: `3`, `"3"` or `"#3"`; positive.
pub(super) fn id_value(value: &Value) -> Option<i64> {
    let id = match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().trim_start_matches('#').parse().ok(),
        _ => None,
    };
    id.filter(|id| *id > 0)
}

fn priority(map: &Map<String, Value>) -> Parsed<Option<Priority>> {
    string(map, "priority")?
        .map(|p| p.parse::<Priority>().map_err(validation))
        .transpose()
}

/// A due date in any form [`dates::parse_due`] reads, on the user's clock.
fn due_date(text: &str, ctx: &DateContext) -> Parsed<DateTime<Utc>> {
    dates::parse_due(text, ctx, "due_date").map_err(validation)
}

fn description(text: &str) -> Parsed<Option<TaskDescription>> {
    TaskDescription::parse(text).map_err(validation)
}

/// `add_task` arguments.
pub struct AddArgs;

impl AddArgs {
    pub fn parse(raw: Value, ctx: &DateContext) -> Parsed<NewTask> {
        let map = object(raw);
        let title = string(&map, "title")?.ok_or_else(|| invalid("title is required."))?;
        Ok(NewTask {
            title: TaskTitle::parse(&title).map_err(validation)?,
            description: match string(&map, "description")? {
                Some(d) => description(&d)?,
                None => None,
            },
            priority: priority(&map)?.unwrap_or_default(),
            due_date: string(&map, "due_date")?
                .filter(|d| !d.trim().is_empty())
                .map(|d| due_date(&d, ctx))
                .transpose()?,
            tags: tags(&map, "tags")?.unwrap_or_default(),
            repeat: string(&map, "repeat")?
                .filter(|r| !r.trim().is_empty())
                .map(|r| repeat(&r))
                .transpose()?,
        })
    }
}

/// `list_tasks` arguments.
pub struct ListArgs;

impl ListArgs {
    pub fn parse(raw: Value, ctx: &DateContext) -> Parsed<TaskFilter> {
        let map = object(raw);
        let status = string(&map, "status")?
            .map(|s| s.parse::<StatusFilter>().map_err(validation))
            .transpose()?
            .unwrap_or_default();
        let view = string(&map, "due")?
            .map(|v| v.parse::<DueView>().map_err(validation))
            .transpose()?;
        let due = dates::due_bounds(
            view,
            string(&map, "due_after")?.as_deref(),
            string(&map, "due_before")?.as_deref(),
            ctx,
        )
        .map_err(validation)?;
        let query = string(&map, "query")?;
        let sort = match string(&map, "sort")? {
            Some(sort) => sort.parse::<TaskSort>().map_err(validation)?,
            None => TaskSort::default_for(!due.is_empty(), query.is_some()),
        };
        let tag = match (tags(&map, "tag")?, tags(&map, "tags")?) {
            (Some(one), Some(more)) => {
                Tags::parse(&[one.names(), more.names()].concat(), "tags").map_err(validation)?
            }
            (one, more) => one.or(more).unwrap_or_default(),
        };
        TaskFilter {
            status,
            priority: priority(&map)?,
            due,
            query,
            tags: tag,
            sort,
            limit: integer(&map, "limit")?.unwrap_or(LIST_TOOL_LIMIT),
            offset: integer(&map, "offset")?.unwrap_or(0),
        }
        .validated()
        .map_err(validation)
    }
}

/// `complete_task` / `delete_task` arguments.
pub struct TaskIdArgs;

impl TaskIdArgs {
    pub fn parse(raw: Value) -> Parsed<i64> {
        task_id(&object(raw))
    }
}

/// `update_task` arguments.
pub struct UpdateArgs;

impl UpdateArgs {
    /// The task, the changes and the reminders to add; reminders alone are a change.
    pub fn parse(raw: Value, ctx: &DateContext) -> Parsed<(i64, TaskPatch, Vec<ReminderSpec>)> {
        let map = object(raw);
        let id = task_id(&map)?;
        let reminders = reminders(&map, ctx)?;
        let patch = match patch(&map, ctx) {
            Err(_) if !reminders.is_empty() && fields(&map, ctx)?.is_empty() => {
                TaskPatch::default()
            }
            other => other?,
        };
        Ok((id, patch, reminders))
    }
}

/// The changes an update's arguments ask for: title, description, priority, due_date,
/// completed (a field given as null clears it); at least one.
pub(super) fn patch(map: &Map<String, Value>, ctx: &DateContext) -> Parsed<TaskPatch> {
    let patch = fields(map, ctx)?;
    if patch.is_empty() {
        return Err(invalid(
            "Nothing to update: give at least one of title, description, priority, due_date, completed, tags, add_tags, remove_tags, repeat, skip, reminders.",
        ));
    }
    Ok(patch)
}

/// The fields an update's arguments change, maybe none.
fn fields(map: &Map<String, Value>, ctx: &DateContext) -> Parsed<TaskPatch> {
    let patch = TaskPatch {
        title: string(map, "title")?
            .map(|t| TaskTitle::parse(&t).map_err(validation))
            .transpose()?,
        description: match map.get("description") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(_) => Some(description(
                &string(map, "description")?.unwrap_or_default(),
            )?),
        },
        priority: priority(map)?,
        due_date: match map.get("due_date") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(Value::String(s)) if s.trim().is_empty() => Some(None),
            Some(_) => Some(Some(due_date(
                &string(map, "due_date")?.unwrap_or_default(),
                ctx,
            )?)),
        },
        completed: match map.get("completed") {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(other) => {
                return Err(invalid(format!(
                    "completed must be true or false, not {other}."
                )));
            }
        },
        tags: tags_edit(map)?,
        repeat: match map.get("repeat") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(Value::String(s)) if s.trim().is_empty() => Some(None),
            Some(_) => Some(Some(repeat(&string(map, "repeat")?.unwrap_or_default())?)),
        },
        skip: match map.get("skip") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                return Err(invalid(format!("skip must be true or false, not {other}.")));
            }
        },
    };
    Ok(patch)
}

#[cfg(test)]
mod tests;
