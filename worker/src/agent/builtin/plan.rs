//! Decides the next move of a turn from the request and the steps already taken: the first
//! tool calls, the follow-up after a search (act on the one match, ask which one, search more
//! loosely, or say nothing matched), or the final answer.

use common::dates::DateContext;
use serde_json::{Value, json};

use super::intent::{Action, Intent, ListFilter, Target};
use super::phrases;
use super::reply;
use super::results::{self, TaskView};
use super::turn::Turn;

/// At most this many tool steps per turn; then the model answers with text.
pub(super) const MAX_STEPS: usize = 4;

/// The next move: tool calls (name and arguments) or the final answer.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Next {
    Calls(Vec<(&'static str, Value)>),
    Say(String),
}

/// The next move for `intent` given what `turn` has done so far.
pub(super) fn next(intent: &Intent, turn: &Turn<'_>, ctx: &DateContext) -> Next {
    let next = match turn.steps.last() {
        None => first(intent, turn),
        Some(last) if last.tool() == "list_tasks" => after_search(intent, turn, ctx),
        Some(last) => Next::Say(reply::actions(intent, last, ctx)),
    };
    match next {
        Next::Calls(_) if turn.steps.len() >= MAX_STEPS => Next::Say(phrases::gave_up()),
        next => next,
    }
}

fn first(intent: &Intent, turn: &Turn<'_>) -> Next {
    match intent {
        Intent::Add(task) => Next::Calls(vec![("add_task", task.args())]),
        Intent::AskTitle => Next::Say(phrases::ask_title()),
        Intent::List(filter) => Next::Calls(vec![("list_tasks", filter.args())]),
        Intent::Act(action, target) => act(action, target, turn),
        Intent::DeleteCompleted => {
            Next::Calls(vec![("list_tasks", json!({"status": "completed"}))])
        }
        Intent::DeleteAll => Next::Say(phrases::refuse_delete_all()),
        Intent::Help => Next::Say(phrases::help()),
        Intent::Greeting => Next::Say(phrases::greeting()),
        Intent::Thanks => Next::Say(phrases::thanks()),
        Intent::Unknown => Next::Say(phrases::unknown()),
    }
}

fn act(action: &Action, target: &Target, turn: &Turn<'_>) -> Next {
    if matches!(action, Action::Update(changes) if changes.is_empty()) {
        return Next::Say(phrases::ask_changes());
    }
    match target {
        Target::Ids(ids) => Next::Calls(
            ids.iter()
                .map(|&id| (action.tool(), action.args(id)))
                .collect(),
        ),
        Target::Title(query) => Next::Calls(vec![("list_tasks", json!({ "query": query }))]),
        Target::It => match turn.last_task_id() {
            Some(id) => Next::Calls(vec![(action.tool(), action.args(id))]),
            None => Next::Say(phrases::ask_target(action)),
        },
        Target::Missing => Next::Say(phrases::ask_target(action)),
    }
}

fn after_search(intent: &Intent, turn: &Turn<'_>, ctx: &DateContext) -> Next {
    let result = turn
        .steps
        .last()
        .and_then(|s| s.calls.first())
        .map_or(&Value::Null, |c| &c.result);
    if let Some(error) = results::error(result) {
        return Next::Say(reply::error_sentence(&error, None));
    }
    match intent {
        Intent::List(filter) => Next::Say(reply::listing(filter, result, ctx)),
        Intent::DeleteCompleted => delete_completed(result),
        Intent::Act(action, Target::Title(query)) => resolve(action, query, turn, result),
        _ => Next::Say(reply::listing(&ListFilter::default(), result, ctx)),
    }
}

/// After listing completed tasks: delete each of them, all in one step.
fn delete_completed(result: &Value) -> Next {
    let Some(tasks) = results::task_list(result) else {
        return Next::Say(reply::unexpected());
    };
    let calls: Vec<(&'static str, Value)> = tasks
        .iter()
        .filter(|t| t.completed)
        .map(|t| ("delete_task", json!({ "task_id": t.id })))
        .collect();
    if calls.is_empty() {
        Next::Say(phrases::nothing_to_clear())
    } else {
        Next::Calls(calls)
    }
}

/// After searching by title: act on the one match, ask which one, or, when the words matched
/// nothing, list everything once and match word by word.
fn resolve(action: &Action, query: &str, turn: &Turn<'_>, result: &Value) -> Next {
    let Some(tasks) = results::task_list(result) else {
        return Next::Say(reply::unexpected());
    };
    let first_search = turn.searches() == 1;
    let tasks = if first_search {
        tasks
    } else {
        loose_matches(query, tasks)
    };
    match choose(action, query, &tasks) {
        // Deleting cannot be undone: a loose match is confirmed first.
        Choice::One(task) if !first_search && *action == Action::Delete => {
            Next::Say(phrases::did_you_mean(query, task))
        }
        Choice::One(task) => Next::Calls(vec![(action.tool(), action.args(task.id))]),
        Choice::Already(task) => Next::Say(phrases::already(action, task)),
        Choice::Many(tasks) => Next::Say(phrases::which_one(query, &tasks)),
        Choice::None if first_search => {
            Next::Calls(vec![("list_tasks", json!({ "status": "all" }))])
        }
        Choice::None => Next::Say(phrases::no_match(query)),
    }
}

enum Choice<'a> {
    One(&'a TaskView),
    /// The match is already done (for complete) or open (for reopen).
    Already(&'a TaskView),
    Many(Vec<&'a TaskView>),
    None,
}

/// Picks among the matches: open tasks first when completing, done ones when reopening, and
/// a title equal to the words when several match.
fn choose<'a>(action: &Action, query: &str, tasks: &'a [TaskView]) -> Choice<'a> {
    let wants_done = action.reopens();
    let state_matters = wants_done || *action == Action::Complete;
    let wanted: Vec<&TaskView> = tasks
        .iter()
        .filter(|t| !state_matters || t.completed == wants_done)
        .collect();
    let pool: Vec<&TaskView> = if wanted.is_empty() {
        tasks.iter().collect()
    } else {
        wanted.clone()
    };
    let exact: Vec<&TaskView> = pool
        .iter()
        .copied()
        .filter(|t| t.title.trim().eq_ignore_ascii_case(query.trim()))
        .collect();
    let pick = match (pool.as_slice(), exact.as_slice()) {
        ([], _) => return Choice::None,
        ([one], _) | (_, [one]) => *one,
        _ => return Choice::Many(pool),
    };
    if wanted.is_empty() {
        Choice::Already(pick)
    } else {
        Choice::One(pick)
    }
}

/// Words too common to find a task by.
const COMMON: &[&str] = &[
    "the", "and", "for", "with", "you", "that", "this", "from", "about", "task", "one", "all",
];

/// The tasks sharing the most word stems with `query` ("grocery shopping" finds "Buy
/// groceries"), or none when no stem matches.
fn loose_matches(query: &str, tasks: Vec<TaskView>) -> Vec<TaskView> {
    let stems: Vec<String> = query
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .filter(|w| w.chars().count() >= 3 && !COMMON.contains(&w.as_str()))
        .map(|w| stem(&w))
        .collect();
    let score = |t: &TaskView| {
        let title = t.title.to_lowercase();
        stems.iter().filter(|s| title.contains(s.as_str())).count()
    };
    let best = tasks.iter().map(score).max().unwrap_or(0);
    if best == 0 {
        return Vec::new();
    }
    tasks.into_iter().filter(|t| score(t) == best).collect()
}

/// A crude English stem: "groceries"/"grocery" → "grocer", "shopping" → "shopp".
fn stem(word: &str) -> String {
    ["ies", "es", "s", "y", "ing", "ed"]
        .iter()
        .find_map(|suffix| {
            word.strip_suffix(suffix)
                .filter(|stem| stem.chars().count() >= 3)
        })
        .unwrap_or(word)
        .to_owned()
}
