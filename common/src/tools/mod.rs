//! The five task tools the agent offers the model: their JSON-schema definitions and one
//! implementation, scoped to the job's user (never to anything the model says).
//!
//! Bad arguments are not errors: they become a tool result that explains the problem, so
//! the model can tell the user. Only infrastructure failures (the database) are `Err`.

mod args;
mod bulk;
mod changes;
mod ledger;
mod specs;
mod undo;

use std::collections::HashSet;

use serde_json::{Value, json};
use sqlx::{PgExecutor, Postgres, QueryBuilder};

pub use bulk::{BULK_TOOLS, Confirm, MAX_BULK_IDS};
pub use changes::CHANGES_TOOL;
pub use ledger::{LedgerCall, Recorded, execute_recorded};
pub use specs::{ToolHints, ToolSpec, specs, structured_result};
pub use undo::UNDO_TOOL;

use crate::{
    Result,
    dates::DateContext,
    db::{self, task_changes::Origin},
    domain::{NewTask, TaskFilter, TaskPatch, UserId, task::reminder::ReminderSpec},
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

/// The tools a chat model is offered: the task tools, the bulk ones (which ask the user to
/// confirm a large destructive change), the list of recent changes, and undo (which needs a
/// turn).
pub fn chat_specs() -> Vec<ToolSpec> {
    let mut specs = specs();
    specs.extend(bulk::specs());
    specs.push(changes::spec());
    specs.push(undo::spec());
    specs
}

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

fn not_found(id: i64) -> ToolOutcome {
    ToolOutcome::error("task_not_found", format!("There is no task with id {id}."))
}

fn unknown_tool(name: &str) -> ToolOutcome {
    ToolOutcome::error(
        "unknown_tool",
        format!(
            "There is no tool named {name:?}. Available: {}.",
            TOOL_NAMES.join(", ")
        ),
    )
}

/// The model's arguments as JSON: the parsed object, or the raw text as a JSON string when
/// it is not valid JSON (so the ledger and the events still show what the model sent).
pub fn arguments_json(raw: &str) -> Value {
    serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_owned()))
}

/// What a valid call does to the user's tasks.
enum Effect {
    /// A task, with the reminders to give it.
    Add(NewTask, Vec<ReminderSpec>),
    List(TaskFilter),
    Complete(i64),
    Delete(i64),
    Update(i64, TaskPatch, Vec<ReminderSpec>),
    /// One action on many tasks.
    Bulk(bulk::Bulk),
    /// What changed since a time.
    Changes(changes::Changes),
    /// Undo the conversation's last turn that changed tasks, or (`true`) its last undo.
    Undo(bool),
}

/// Whose tasks a call may touch (never anything the model says), how it reads dates, and
/// which task ids it may act on.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    pub user: &'a UserId,
    pub dates: DateContext,
    /// For a chat model: the task ids that came up in the conversation (the user's words, the
    /// replies, the tool results it was shown). A call that changes or deletes a task by
    /// any other id is refused before it runs, so a guessed id never touches a task. `None`
    /// (REST, MCP): every id of the user's may be used.
    pub grounded: Option<&'a HashSet<i64>>,
    /// For a chat model: when a destructive bulk call needs the user's confirmation. `None`
    /// (REST, MCP): never.
    pub confirm: Option<Confirm>,
    /// For a chat model's call refused for an id never shown: the user's tasks their words
    /// fit, offered in the refusal so the model can call again with a real id.
    pub fits: &'a [TaskFit],
}

/// A task the user's words may be about (see [`Caller::fits`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskFit {
    pub id: i64,
    pub title: String,
    pub completed: bool,
}

impl<'a> Caller<'a> {
    /// `user`'s calls on their clock `dates`, any id allowed.
    pub fn new(user: &'a UserId, dates: DateContext) -> Self {
        Self {
            user,
            dates,
            grounded: None,
            confirm: None,
            fits: &[],
        }
    }
}

/// Parses a call of tool `name` with the model's raw JSON `arguments` into its effect, or the
/// error result that explains why there is none: bad arguments, or an id the caller may not
/// act on.
fn parse(name: &str, arguments: &str, caller: &Caller<'_>) -> Result<Effect, ToolOutcome> {
    let effect = parse_arguments(name, arguments, &caller.dates)?;
    match (effect.task_id(), caller.grounded) {
        (Some(id), Some(seen)) if !seen.contains(&id) => Err(ungrounded(name, id, caller.fits)),
        _ => Ok(effect),
    }
}

/// The refusal of a call by id `id`, which the conversation never showed: with the tasks the
/// user's words fit when there are some (their ids count as shown from then on), so that a
/// small model's next call can use a real id instead of another guess.
fn ungrounded(tool: &str, id: i64, fits: &[TaskFit]) -> ToolOutcome {
    let refused = format!("Task {id} has not come up in this conversation, so I did not touch it.");
    let Some(best) = fits.first() else {
        return ToolOutcome::error(
            "unknown_task_id",
            format!(
                "{refused} No task of the user's fits their words: call list_tasks (with a \
                 query for the task's words) to find its id, or tell the user you could not \
                 find it."
            ),
        );
    };
    let listed: Vec<String> = fits
        .iter()
        .map(|fit| format!("task_id {} \"{}\"", fit.id, fit.title))
        .collect();
    let message = format!(
        "{refused} The user's words fit: {}. If they mean {} \"{}\", call {tool} again with \
         task_id {}; if it is not clear which, ask the user.",
        listed.join("; "),
        best.id,
        best.title,
        best.id
    );
    let mut outcome = ToolOutcome::error("unknown_task_id", message);
    outcome.result["matches"] = fits
        .iter()
        .map(|fit| json!({"task_id": fit.id, "title": fit.title, "completed": fit.completed}))
        .collect();
    outcome
}

/// The one task id a call of tool `name` acts on, when its arguments are valid and it acts on
/// one task by id (complete, delete, update).
pub fn task_id_of(name: &str, arguments: &str, dates: &DateContext) -> Option<i64> {
    parse_arguments(name, arguments, dates)
        .ok()
        .and_then(|effect| effect.task_id())
}

/// The task ids a call of tool `name` acts on by id, when its arguments are valid: one for
/// complete, delete and update, the `task_ids` of a bulk call; `None` for the other tools.
pub fn task_ids_of(name: &str, arguments: &str, dates: &DateContext) -> Option<Vec<i64>> {
    match parse_arguments(name, arguments, dates).ok()? {
        Effect::Bulk(bulk) => Some(bulk.ids().to_vec()),
        effect => effect.task_id().map(|id| vec![id]),
    }
}

/// True when `arguments` are valid for tool `name` (a known tool), whatever the ids.
pub fn valid_call(name: &str, arguments: &str, dates: &DateContext) -> bool {
    parse_arguments(name, arguments, dates).is_ok()
}

/// Parses tool `name`'s raw JSON `arguments` into its effect, or the error result that
/// explains why there is none.
fn parse_arguments(
    name: &str,
    arguments: &str,
    dates: &DateContext,
) -> Result<Effect, ToolOutcome> {
    let raw: Value = match serde_json::from_str(if arguments.trim().is_empty() {
        "{}"
    } else {
        arguments
    }) {
        Ok(v @ Value::Object(_)) => v,
        Ok(_) => {
            return Err(ToolOutcome::error(
                "invalid_arguments",
                "Arguments must be a JSON object.",
            ));
        }
        Err(e) => {
            return Err(ToolOutcome::error(
                "invalid_arguments",
                format!("Arguments are not valid JSON: {e}."),
            ));
        }
    };
    match name {
        "add_task" => {
            let reminders = args::reminders(&args::object(raw.clone()), dates)?;
            AddArgs::parse(raw, dates).map(|task| Effect::Add(task, reminders))
        }
        "list_tasks" => ListArgs::parse(raw, dates).map(Effect::List),
        "complete_task" => TaskIdArgs::parse(raw).map(Effect::Complete),
        "delete_task" => TaskIdArgs::parse(raw).map(Effect::Delete),
        "update_task" => UpdateArgs::parse(raw, dates)
            .map(|(id, patch, reminders)| Effect::Update(id, patch, reminders)),
        UNDO_TOOL => undo::parse(&raw).map(Effect::Undo),
        CHANGES_TOOL => changes::Changes::parse(raw, dates).map(Effect::Changes),
        name if BULK_TOOLS.contains(&name) => bulk::Bulk::parse(name, raw, dates).map(Effect::Bulk),
        other => Err(unknown_tool(other)),
    }
}

/// ` || taskwire_tool_reminders(…)` after a RETURNING of one task: its reminders added, in
/// the statement of the call (see the migration `tool_reminders`).
fn push_reminders(query: &mut QueryBuilder<Postgres>, reminders: &[ReminderSpec]) {
    if reminders.is_empty() {
        return;
    }
    let (before, at): (Vec<_>, Vec<_>) = reminders.iter().map(|r| r.sql_parts()).unzip();
    query
        .push(" || taskwire_tool_reminders(tasks.user_id, tasks.id, ")
        .push_bind(before)
        .push(", ")
        .push_bind(at)
        .push(")");
}

impl Effect {
    /// The task a call changes or deletes by id.
    fn task_id(&self) -> Option<i64> {
        match self {
            Effect::Complete(id) | Effect::Delete(id) | Effect::Update(id, ..) => Some(*id),
            Effect::Add(..)
            | Effect::List(_)
            | Effect::Bulk(_)
            | Effect::Changes(_)
            | Effect::Undo(_) => None,
        }
    }

    /// Pushes the statement that performs the effect and yields its result as one row of
    /// one `jsonb` column `r` (the JSON of `task_tool_json`, see its migration), or no row
    /// when the task is not the user's.
    fn push(&self, query: &mut QueryBuilder<Postgres>, caller: &Caller<'_>, origin: &Origin<'_>) {
        let user = caller.user;
        match self {
            Effect::Add(task, reminders) => {
                db::tasks::push_insert(query, user, task, origin);
                query.push(" returning task_tool_action_json(tasks, 'created')");
                push_reminders(query, reminders);
                query.push(" as r");
            }
            Effect::List(filter) => {
                query.push("select coalesce(jsonb_agg(task_tool_json(t) order by ");
                db::tasks::push_order(query, filter);
                query.push("), '[]') as r from (");
                db::tasks::push_page(query, user, filter);
                query.push(") t");
            }
            Effect::Complete(id) => {
                // Completing a completed task succeeds without change, and says so.
                query
                    .push(
                        "update tasks set completed = true, \
                         updated_at = case when before.completed then tasks.updated_at else now() end \
                         from (select completed from tasks where id = ",
                    )
                    .push_bind(*id)
                    .push(" and user_id = ")
                    .push_bind(user.as_str())
                    .push(") before where tasks.id = ")
                    .push_bind(*id)
                    .push(" and tasks.user_id = ")
                    .push_bind(user.as_str());
                db::task_changes::push_origin(query, origin);
                // A repeating task's next occurrence is added by a trigger after the row
                // changes, out of RETURNING's sight: its due date is computed alike here.
                query.push(
                    " returning task_tool_action_json(tasks, 'completed') \
                         || case when before.completed then '{\"already_completed\": true}'::jsonb \
                            when tasks.repeat is not null then jsonb_build_object('next_due', \
                            tool_time(taskwire_next_open_due(tasks.repeat, tasks.due_date, \
                            taskwire_zone(tasks.user_id)))) \
                            else '{}'::jsonb end as r",
                );
            }
            Effect::Delete(id) => {
                db::tasks::push_delete(query, user, *id, origin);
                query.push(" returning task_tool_action_json(tasks, 'deleted') as r");
            }
            Effect::Update(id, patch, reminders) => {
                db::tasks::push_update(query, user, *id, patch, origin);
                query.push(" returning task_tool_action_json(tasks, 'updated')");
                push_reminders(query, reminders);
                query.push(" as r");
            }
            Effect::Bulk(bulk) => bulk.push(
                query,
                user.as_str(),
                caller.grounded,
                origin,
                caller.confirm,
            ),
            Effect::Changes(changes) => changes.push(query, user),
            Effect::Undo(redo) => undo::push(query, user, *redo, origin),
        }
    }

    /// The result when the statement finds no task.
    fn missing(&self) -> Option<ToolOutcome> {
        match self {
            Effect::Complete(id) | Effect::Delete(id) | Effect::Update(id, ..) => {
                Some(not_found(*id))
            }
            // An add inserts nothing only at the quota.
            Effect::Add(..) => Some(ToolOutcome::error(
                "task_limit",
                db::tasks::over_quota().to_string(),
            )),
            Effect::List(_) | Effect::Bulk(_) | Effect::Changes(_) => None,
            Effect::Undo(redo) => Some(undo::nothing(*redo)),
        }
    }
}

/// Runs tool `name` with the model's raw JSON `arguments` for `caller`, without recording it
/// in the ledger: an MCP client's call (the task history names it so). Only the task tools
/// ([`TOOL_NAMES`]).
pub async fn execute(
    db: impl PgExecutor<'_>,
    caller: Caller<'_>,
    name: &str,
    arguments: &str,
) -> Result<ToolOutcome> {
    if !TOOL_NAMES.contains(&name) {
        return Ok(unknown_tool(name));
    }
    execute_as(db, caller, &Origin::Mcp, name, arguments).await
}

/// Runs tool `name` for `caller` as `origin` says, without recording it in the ledger (the
/// REST API's bulk endpoint runs the bulk tools so).
pub async fn execute_as(
    db: impl PgExecutor<'_>,
    caller: Caller<'_>,
    origin: &Origin<'_>,
    name: &str,
    arguments: &str,
) -> Result<ToolOutcome> {
    let effect = match parse(name, arguments, &caller) {
        Ok(effect) => effect,
        Err(outcome) => return Ok(outcome),
    };
    let mut query = QueryBuilder::new("");
    effect.push(&mut query, &caller, origin);
    let result: Option<Value> = query.build_query_scalar().fetch_optional(db).await?;
    Ok(match (result, effect.missing()) {
        (Some(result), _) => ToolOutcome::ok(result),
        (None, Some(missing)) => missing,
        (None, None) => {
            return Err(crate::Error::Internal(anyhow::anyhow!(
                "tool {name} returned no result"
            )));
        }
    })
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
