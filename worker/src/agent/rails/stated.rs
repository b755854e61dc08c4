//! What the user's words state outright wins over what a model wrote for it. A small model
//! picks the right tool and task and then gets the details wrong: "gotta call the plumber
//! tmrw" becomes a task due tomorrow at the minute the time note gave as "now", "push the
//! dentist to Friday" moves it to today, "…, no rush" is added at medium priority, and a
//! "note: she likes gardening" ends up as tags. The builtin reads the same message with the
//! shared date parser and never guesses; where its reading makes the same call (an add of the
//! same thing, an update of the same task), the fields it read from the words are the user's:
//! - the due date, priority and repeat it read replace the model's when they differ;
//! - the note it read is kept when the model dropped it (a note of the model's own stays);
//! - a due date the words do not give, at the turn's own "now", is the time note copied and
//!   is dropped.
//!
//! The model still writes the title and chooses what to do; nothing here changes a call's
//! tool or its task. One exception is made for a list: a model's one add whose title joins
//! what the words list as several tasks ("add milk and bread" as "Buy milk and bread") is made
//! as the builtin reads it, one add each ([`split`]).

use common::{
    dates::{DateContext, parse_due},
    domain::Repeat,
    tools::task_ids_of,
};
use serde_json::{Map, Value};

use crate::agent::model::ToolCall;

/// The tools whose details are read from the words.
const DETAILED: &[&str] = &["add_task", "update_task"];

/// Fields the words settle when the builtin read them.
const STATED: &[&str] = &["due_date", "priority", "repeat"];

/// How near a due date must be to the turn's "now" to be the time note copied.
const NOW_SLACK_SECONDS: i64 = 60;

/// True when one of `calls` has details the words may state.
pub fn concerns(calls: &[ToolCall]) -> bool {
    calls
        .iter()
        .any(|call| DETAILED.contains(&call.name.as_str()))
}

/// `calls` with a model's one add whose title joins several adds of the builtin's reading
/// (`read`) — "Buy milk and bread" where the words list milk and bread — made as those adds.
pub fn split(calls: Vec<ToolCall>, read: &[ToolCall]) -> Vec<ToolCall> {
    let adds: Vec<&ToolCall> = read.iter().filter(|c| c.name == "add_task").collect();
    if adds.len() < 2 {
        return calls;
    }
    let mut split = Vec::with_capacity(calls.len());
    for call in calls {
        let title = title_words(&call.arguments);
        let joined: Vec<&ToolCall> = adds
            .iter()
            .copied()
            .filter(|add| shared(&title, &title_words(&add.arguments)) > 0)
            .collect();
        if call.name != "add_task" || joined.len() < 2 {
            split.push(call);
            continue;
        }
        common::metrics::record_rail("add_split");
        tracing::info!(from = %call.arguments, into = joined.len(), "one add of several things split");
        split.extend(joined.iter().enumerate().map(|(k, add)| ToolCall {
            id: format!("{}_{k}", call.id),
            name: call.name.clone(),
            arguments: add.arguments.clone(),
        }));
    }
    split
}

/// `calls` with each add or update that the builtin's reading (`read`, its calls) makes as well
/// given the details the words state.
pub fn apply(calls: Vec<ToolCall>, read: &[ToolCall], dates: &DateContext) -> Vec<ToolCall> {
    let mut taken = vec![false; read.len()];
    let adds = calls.iter().filter(|call| call.name == "add_task").count();
    calls
        .into_iter()
        .map(|mut call| {
            let Some(k) = partner(&call, read, &taken, adds, dates) else {
                return call;
            };
            taken[k] = true;
            let (Some(mut mine), Some(words)) = (object(&call.arguments), object(&read[k].arguments))
            else {
                return call;
            };
            if settle(&mut mine, &words, dates) {
                common::metrics::record_rail("detail_from_words");
                tracing::info!(tool = %call.name, from = %call.arguments, "details the words state replaced the model's");
                call.arguments = Value::Object(mine).to_string();
            }
            call
        })
        .collect()
}

/// The position in `read` of the call that makes the same change as `call`: an update of the
/// same task, or an add of the same thing (the only add on both sides, or the one whose title
/// shares the most words with the model's, when that is one).
fn partner(
    call: &ToolCall,
    read: &[ToolCall],
    taken: &[bool],
    adds: usize,
    dates: &DateContext,
) -> Option<usize> {
    let open = |k: &usize| !taken[*k] && read[*k].name == call.name;
    let candidates: Vec<usize> = (0..read.len()).filter(open).collect();
    match call.name.as_str() {
        "update_task" => {
            let ids = task_ids_of(&call.name, &call.arguments, dates)?;
            candidates.into_iter().find(|k| {
                task_ids_of(&read[*k].name, &read[*k].arguments, dates) == Some(ids.clone())
            })
        }
        "add_task" => {
            if let ([only], 1) = (candidates.as_slice(), adds) {
                return Some(*only);
            }
            let title = title_words(&call.arguments);
            let overlap = |k: &usize| shared(&title, &title_words(&read[*k].arguments));
            let best = candidates.iter().map(overlap).max().filter(|n| *n > 0)?;
            let mut most = candidates.into_iter().filter(|k| overlap(k) == best);
            match (most.next(), most.next()) {
                (Some(k), None) => Some(k),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Puts the details `words` (the builtin's arguments) state into `mine` (the model's); true
/// when anything changed.
fn settle(mine: &mut Map<String, Value>, words: &Map<String, Value>, dates: &DateContext) -> bool {
    let mut changed = false;
    for field in STATED {
        if let Some(stated) = words.get(*field)
            && !same(field, mine.get(*field), stated, dates)
        {
            mine.insert((*field).to_owned(), stated.clone());
            changed = true;
        }
    }
    if !words.contains_key("due_date") && mine.get("due_date").is_some_and(|due| at_now(due, dates))
    {
        mine.remove("due_date");
        changed = true;
    }
    let dropped_note = mine
        .get("description")
        .and_then(Value::as_str)
        .is_none_or(|note| note.trim().is_empty());
    if let Some(note) = words.get("description").filter(|n| n.is_string())
        && dropped_note
    {
        mine.insert("description".into(), note.clone());
        changed = true;
    }
    changed
}

/// True when the model's value of `field` means what the words state.
fn same(field: &str, mine: Option<&Value>, stated: &Value, dates: &DateContext) -> bool {
    let Some(mine) = mine else {
        return false;
    };
    match (mine, stated) {
        (Value::Null, Value::Null) => true,
        (Value::String(mine), Value::String(stated)) => match field {
            "due_date" => {
                let read = |text: &str| parse_due(text, dates, "due_date").ok();
                read(mine).is_some() && read(mine) == read(stated)
            }
            "repeat" => {
                let read = |text: &str| Repeat::parse(text, "repeat").ok();
                read(mine).is_some() && read(mine) == read(stated)
            }
            _ => mine.trim().eq_ignore_ascii_case(stated.trim()),
        },
        _ => false,
    }
}

/// True for a due date within a minute of the turn's "now".
fn at_now(due: &Value, dates: &DateContext) -> bool {
    due.as_str()
        .and_then(|text| parse_due(text, dates, "due_date").ok())
        .is_some_and(|at| (at - dates.now).num_seconds().abs() <= NOW_SLACK_SECONDS)
}

fn object(arguments: &str) -> Option<Map<String, Value>> {
    match serde_json::from_str(arguments) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

/// The words of a call's title that say something (see [`words`]).
fn title_words(arguments: &str) -> Vec<String> {
    object(arguments)
        .and_then(|map| map.get("title").and_then(Value::as_str).map(words))
        .unwrap_or_default()
}

/// The words of a title that say something (three letters or more), lowercased.
pub(super) fn words(title: &str) -> Vec<String> {
    title
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| word.chars().count() >= 3)
        .map(str::to_owned)
        .collect()
}

fn shared(a: &[String], b: &[String]) -> usize {
    a.iter().filter(|word| b.contains(word)).count()
}

#[cfg(test)]
mod tests;
