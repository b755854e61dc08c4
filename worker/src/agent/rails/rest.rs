//! The rest of a message that asks for several things. "add milk and bread", "I bought the
//! milk and paid the rent", "mark 364 and 366 as done", "add the parcel and show my list": a
//! small model does the first and stops with an empty answer. Where the builtin's reading of
//! the message asks for several things and this turn made some of them (or nothing yet), the
//! first one not made is what the loop insists on next (see [`Insist`]): a change on tasks the
//! words name is required of the model and held to those tasks, an add is required, a look-up
//! is made for it. When the model made something the reading does not ask for, the two readers
//! disagree and nothing more is insisted on.

use common::{
    dates::DateContext,
    jobs::ToolCallRecord,
    tools::{BULK_TOOLS, task_ids_of},
};

use crate::agent::model::{ToolCall, ToolSpec};

use super::{
    agree::Change,
    insist::{Insist, on_call, on_change},
    stated::words,
};

/// What the loop insists on after an empty answer, when the builtin's reading (`acts`, its
/// calls) asks for several things and `records` (this turn's calls) made only some of them.
pub fn next(
    acts: &[ToolCall],
    records: &[ToolCallRecord],
    specs: &[ToolSpec],
    dates: &DateContext,
) -> Option<Insist> {
    if units(acts, dates) < 2 {
        return None;
    }
    let made: Vec<&ToolCallRecord> = records
        .iter()
        .filter(|record| record.result.get("error").is_none())
        .collect();
    // Something made that the reading does not ask for: the readers disagree.
    let off_reading = made.iter().any(|record| {
        record.tool != "list_tasks" && !acts.iter().any(|act| covers(record, act, dates))
    });
    if off_reading {
        return None;
    }
    for act in acts {
        let Some(ids) = task_ids_of(&act.name, &act.arguments, dates) else {
            if made.iter().any(|record| covers(record, act, dates)) {
                continue;
            }
            return on_call(act.clone(), specs);
        };
        let left: Vec<i64> = ids
            .into_iter()
            .filter(|id| {
                !made
                    .iter()
                    .any(|record| changed_task(record, &act.name, *id, dates))
            })
            .collect();
        let tool = match left.as_slice() {
            [] => continue,
            [_] => single(&act.name),
            _ => act.name.as_str(),
        };
        let change = Change {
            tool: tool.to_owned(),
            ids: left,
        };
        return on_change(change, specs);
    }
    None
}

/// How many things `acts` ask for: a bulk call counts once per task.
fn units(acts: &[ToolCall], dates: &DateContext) -> usize {
    acts.iter()
        .map(|act| match task_ids_of(&act.name, &act.arguments, dates) {
            Some(ids) if BULK_TOOLS.contains(&act.name.as_str()) => ids.len(),
            _ => 1,
        })
        .sum()
}

/// True when `record` made (some of) `act`: an add with a title word in common, a change of
/// the same kind on one of its tasks, or the same call otherwise.
fn covers(record: &ToolCallRecord, act: &ToolCall, dates: &DateContext) -> bool {
    if let Some(ids) = task_ids_of(&act.name, &act.arguments, dates) {
        return ids
            .iter()
            .any(|id| changed_task(record, &act.name, *id, dates));
    }
    if record.tool != act.name {
        return false;
    }
    if act.name != "add_task" {
        return true;
    }
    let act_title = serde_json::from_str::<serde_json::Value>(&act.arguments)
        .ok()
        .and_then(|arguments| arguments.get("title")?.as_str().map(words));
    let made_title = record
        .arguments
        .get("title")
        .and_then(|t| t.as_str())
        .map(words);
    match (act_title, made_title) {
        (Some(act), Some(made)) => act.iter().any(|word| made.contains(word)),
        _ => false,
    }
}

/// True when `record` made a change of `tool`'s kind (a bulk call and its single one alike)
/// on task `id`.
fn changed_task(record: &ToolCallRecord, tool: &str, id: i64, dates: &DateContext) -> bool {
    single(&record.tool) == single(tool)
        && task_ids_of(&record.tool, &record.arguments.to_string(), dates)
            .is_some_and(|ids| ids.contains(&id))
}

/// The single-task tool of a bulk one (`complete_tasks` → `complete_task`).
fn single(tool: &str) -> &str {
    if BULK_TOOLS.contains(&tool) {
        tool.strip_suffix('s').unwrap_or(tool)
    } else {
        tool
    }
}

#[cfg(test)]
mod tests;
