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
mod tests {
    use serde_json::json;

    use super::*;
    use crate::dates::Zone;

    /// Sunday 2026-11-22, 10:00 UTC, in `zone`.
    fn ctx(zone: &str) -> DateContext {
        let now = DateTime::parse_from_rfc3339("2026-11-22T10:00:00Z")
            .expect("RFC 3339")
            .to_utc();
        DateContext::new(now, Zone::parse(zone, "time_zone").expect("a zone"))
    }

    fn utc() -> DateContext {
        ctx("UTC")
    }

    fn error_message(outcome: ToolOutcome) -> String {
        assert!(!outcome.ok);
        outcome.result["message"]
            .as_str()
            .expect("message")
            .to_owned()
    }

    #[test]
    fn add_accepts_a_full_task_and_a_plain_date() {
        let task = AddArgs::parse(
            json!({"title": " Renew passport ", "priority": "HIGH", "due_date": "2026-11-27", "extra": 1}),
            &utc(),
        )
        .expect("valid");
        assert_eq!(task.title.as_str(), "Renew passport");
        assert_eq!(task.priority, Priority::High);
        assert_eq!(
            task.due_date.map(|d| d.to_rfc3339()),
            Some("2026-11-27T17:00:00+00:00".to_owned())
        );
    }

    #[test]
    fn a_due_date_in_words_or_without_an_offset_is_read_in_the_users_zone() {
        let kolkata = ctx("Asia/Kolkata");
        for (text, expected) in [
            ("next friday 5pm", "2026-11-27T11:30:00+00:00"),
            ("2026-11-27 17:00", "2026-11-27T11:30:00+00:00"),
            ("2026-11-27", "2026-11-27T11:30:00+00:00"),
            ("2026-11-27T17:00:00Z", "2026-11-27T17:00:00+00:00"),
        ] {
            let task = AddArgs::parse(json!({"title": "t", "due_date": text}), &kolkata)
                .unwrap_or_else(|e| panic!("{text}: {}", error_message(e)));
            assert_eq!(
                task.due_date.map(|d| d.to_rfc3339()).as_deref(),
                Some(expected),
                "{text}"
            );
        }
    }

    #[test]
    fn add_explains_bad_arguments() {
        let cases = [
            (json!({}), "title is required"),
            (json!({"title": 5}), "title must be a string"),
            (json!({"title": "x".repeat(201)}), "at most 200"),
            (json!({"title": "ok", "priority": "urgent"}), "priority"),
            (
                json!({"title": "ok", "due_date": "when pigs fly"}),
                "RFC 3339",
            ),
            (json!({"title": "ok", "due_date": "Feb 30"}), "due_date"),
            (json!({"title": "ok", "due_date": "0999-01-01"}), "1900"),
        ];
        for (raw, expected) in cases {
            let message = error_message(AddArgs::parse(raw.clone(), &utc()).expect_err("invalid"));
            assert!(message.contains(expected), "{raw}: {message}");
        }
    }

    #[test]
    fn task_ids_are_parsed_leniently_but_must_be_positive() {
        assert_eq!(TaskIdArgs::parse(json!({"task_id": 3})).ok(), Some(3));
        assert_eq!(TaskIdArgs::parse(json!({"task_id": "#3"})).ok(), Some(3));
        assert_eq!(TaskIdArgs::parse(json!({"task_id": " 12 "})).ok(), Some(12));
        for bad in [
            json!({}),
            json!({"task_id": 0}),
            json!({"task_id": -2}),
            json!({"task_id": 1.5}),
            json!({"task_id": "three"}),
            json!({"task_id": [1]}),
        ] {
            assert!(TaskIdArgs::parse(bad.clone()).is_err(), "{bad}");
        }
    }

    #[test]
    fn update_distinguishes_absent_null_and_values() {
        let (id, patch, _) = UpdateArgs::parse(
            json!({"task_id": 4, "due_date": null, "priority": "low", "completed": false}),
            &utc(),
        )
        .expect("valid");
        assert_eq!(id, 4);
        assert_eq!(patch.due_date, Some(None));
        assert_eq!(patch.priority, Some(Priority::Low));
        assert_eq!(patch.completed, Some(false));
        assert!(patch.title.is_none() && patch.description.is_none());
        assert!(
            UpdateArgs::parse(json!({"task_id": 4}), &utc()).is_err(),
            "nothing to update"
        );
        assert!(UpdateArgs::parse(json!({"task_id": 4, "completed": "yes"}), &utc()).is_err());
    }

    #[test]
    fn list_filters_parse() {
        let f = ListArgs::parse(
            json!({"status": "pending", "priority": "high", "query": "milk"}),
            &utc(),
        )
        .expect("valid");
        assert_eq!(f.status, StatusFilter::Pending);
        assert_eq!(f.priority, Some(Priority::High));
        assert_eq!(f.query.as_deref(), Some("milk"));
        assert!(f.due.is_empty());
        assert_eq!((f.limit, f.offset), (LIST_TOOL_LIMIT, 0));
        assert!(ListArgs::parse(json!({"status": "open"}), &utc()).is_err());
        let page = ListArgs::parse(json!({"limit": "20", "offset": 40}), &utc()).expect("valid");
        assert_eq!((page.limit, page.offset), (20, 40));
        for bad in [
            json!({"limit": 0}),
            json!({"limit": 101}),
            json!({"offset": -1}),
            json!({"limit": "x"}),
        ] {
            assert!(ListArgs::parse(bad.clone(), &utc()).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_due_view_lists_the_users_day_soonest_first() {
        let f = ListArgs::parse(json!({"due": "today"}), &ctx("America/New_York")).expect("valid");
        assert_eq!(
            f.due.after.map(|d| d.to_rfc3339()).as_deref(),
            Some("2026-11-22T05:00:00+00:00")
        );
        assert_eq!(f.sort, TaskSort::DueAsc);
        let explicit =
            ListArgs::parse(json!({"due": "overdue", "sort": "-priority"}), &utc()).expect("valid");
        assert_eq!(explicit.sort, TaskSort::PriorityDesc);
        let message = error_message(
            ListArgs::parse(json!({"due": "someday"}), &utc()).expect_err("unknown view"),
        );
        assert!(message.contains("overdue"), "{message}");
    }
}
