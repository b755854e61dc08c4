//! What each request of a turn comes to once the model knows what it needs: the tool calls
//! to make, a listing to show, or words alone — a question back ("Which one?"), a not-found,
//! an answer about a task.
//!
//! Tasks named by words are found among the user's tasks, listed once for the whole turn, by
//! `matcher`, which never guesses between equals. A sure match may be acted on, even
//! deleted; a likely one completed or changed but not deleted unasked; anything looser is
//! asked about first.

use common::dates::DateContext;
use serde_json::Value;

use super::bulk;
use super::intent::{Action, Ask, Intent, ListFilter, Position, Target};
use super::matcher::{self, Found, Mode};
use super::phrases;
use super::recall;
use super::results::TaskView;
use super::turn::Turn;
use super::undo;

/// What one request comes to.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Outcome {
    /// Tool calls that change tasks, in order.
    Calls(Vec<(&'static str, Value)>),
    /// A listing to show, made after the changes.
    Listing(ListFilter),
    /// Words only.
    Say(String),
}

/// What the model knows when it decides.
pub(super) struct Known<'a> {
    /// The user's tasks, when the turn needed them.
    pub tasks: &'a [TaskView],
    pub turn: &'a Turn<'a>,
    pub ctx: &'a DateContext,
}

/// What `intent` comes to; `each` holds the tasks of its own listing for an
/// [`Intent::Each`].
pub(super) fn outcome(intent: &Intent, each: &[TaskView], known: &Known<'_>) -> Outcome {
    match intent {
        Intent::Add(tasks) => {
            Outcome::Calls(tasks.iter().map(|t| ("add_task", t.args())).collect())
        }
        Intent::AskTitle => Outcome::Say(phrases::ask_title()),
        Intent::List(filter) => Outcome::Listing(filter.clone()),
        Intent::Find(target, ask) => Outcome::Say(find(target, *ask, known)),
        Intent::Act(action, target) => act(action, target, known),
        Intent::Each(action, filter) => every(action, filter, each, known.ctx),
        Intent::DeleteAll => Outcome::Say(phrases::refuse_delete_all()),
        Intent::Undo => Outcome::Calls(vec![undo::call(false)]),
        Intent::Redo => Outcome::Calls(vec![undo::call(true)]),
        Intent::Recall => Outcome::Say(recall::added(known.turn)),
        Intent::Changes(since) => Outcome::Calls(vec![(
            common::tools::CHANGES_TOOL,
            serde_json::json!({ "since": since }),
        )]),
        Intent::Elsewhere(task) => Outcome::Say(phrases::elsewhere(task.as_deref())),
        Intent::OthersList(name) => Outcome::Say(phrases::others_list(name)),
        Intent::Dismiss => Outcome::Say(phrases::dismissed()),
        Intent::Help => Outcome::Say(phrases::help()),
        Intent::Greeting => Outcome::Say(phrases::greeting()),
        Intent::Thanks => Outcome::Say(phrases::thanks()),
        Intent::Unknown => Outcome::Say(phrases::unknown()),
    }
}

/// True when `intent` needs the user's tasks listed before it can be decided.
pub(super) fn needs_tasks(intent: &Intent) -> bool {
    match intent {
        Intent::Find(..) => true,
        Intent::Act(action, target) => {
            action.needs_task()
                || matches!(
                    target,
                    Target::Title(_) | Target::Mention(_) | Target::Among(..)
                )
        }
        _ => false,
    }
}

fn act(action: &Action, target: &Target, known: &Known<'_>) -> Outcome {
    if matches!(action, Action::Update(changes) if changes.is_empty()) {
        return Outcome::Say(phrases::ask_changes());
    }
    let ids = match target {
        Target::Ids(ids) => ids.clone(),
        Target::It => match known.turn.last_task_id() {
            Some(id) => vec![id],
            None => return Outcome::Say(phrases::ask_target(action)),
        },
        Target::Position(place) => match at_position(&known.turn.listed_ids(), *place) {
            Some(id) => vec![id],
            None => return Outcome::Say(phrases::no_listing()),
        },
        Target::Title(words) => return by_words(action, words, Mode::Title, known),
        Target::Mention(text) => return by_words(action, text, Mode::Mention, known),
        Target::Among(ids, day) => return among(action, ids, *day, known),
        Target::Missing => return Outcome::Say(phrases::ask_target(action)),
    };
    let calls = ids
        .iter()
        .map(|&id| {
            let task = known.tasks.iter().find(|t| t.id == id);
            (action.tool(), action.args(id, task, known.ctx))
        })
        .collect();
    Outcome::Calls(calls)
}

fn at_position(ids: &[i64], place: Position) -> Option<i64> {
    match place {
        Position::Nth(n) => ids.get(n).copied(),
        Position::Last => ids.last().copied(),
    }
}

/// Acts on the task `words` name, or asks.
fn by_words(action: &Action, words: &str, mode: Mode, known: &Known<'_>) -> Outcome {
    let found = matcher::find(words, mode, known.tasks, action.wants());
    let deleting = *action == Action::Delete;
    match found {
        Found::Sure(task) => return single(action, task, known.ctx),
        Found::Likely(task) if !deleting => return single(action, task, known.ctx),
        _ => {}
    }
    // "the gym and yoga tasks": two tasks, when no one task has both words.
    if mode == Mode::Title
        && let Some(calls) = by_parts(action, words, known)
    {
        return calls;
    }
    match found {
        Found::Likely(task) | Found::Maybe(task) => {
            Outcome::Say(phrases::did_you_mean(action, words, task))
        }
        Found::Many(tasks) => Outcome::Say(phrases::which_one(words, &tasks, known.ctx)),
        _ => Outcome::Say(phrases::no_match(words)),
    }
}

/// Each part of "gym and yoga" on its own, when every part surely finds a different task.
fn by_parts(action: &Action, words: &str, known: &Known<'_>) -> Option<Outcome> {
    let parts: Vec<&str> = words
        .split([',', '&'])
        .flat_map(|p| p.split(" and "))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() < 2 {
        return None;
    }
    let mut tasks: Vec<&TaskView> = Vec::new();
    for part in parts {
        let task = match matcher::find(part, Mode::Title, known.tasks, action.wants()) {
            Found::Sure(task) => task,
            Found::Likely(task) if *action != Action::Delete => task,
            _ => return None,
        };
        if tasks.iter().any(|t| t.id == task.id) {
            return None;
        }
        tasks.push(task);
    }
    let calls = tasks
        .iter()
        .map(|t| (action.tool(), action.args(t.id, Some(t), known.ctx)))
        .collect();
    Some(Outcome::Calls(calls))
}

/// The action on one found task, unless it is already in the state asked for.
fn single(action: &Action, task: &TaskView, ctx: &DateContext) -> Outcome {
    if action
        .wants()
        .is_some_and(|open_or_done| task.completed != open_or_done)
    {
        return Outcome::Say(phrases::already(action, task));
    }
    Outcome::Calls(vec![(action.tool(), action.args(task.id, Some(task), ctx))])
}

/// "the one due tomorrow", among the tasks the model asked about.
fn among(action: &Action, ids: &[i64], day: chrono::NaiveDate, known: &Known<'_>) -> Outcome {
    let zone = known.ctx.zone;
    let matching: Vec<&TaskView> = known
        .tasks
        .iter()
        .filter(|t| ids.contains(&t.id))
        .filter(|t| {
            t.due
                .is_some_and(|d| zone.local(d.to_utc()).date_naive() == day)
        })
        .collect();
    match matching.as_slice() {
        [one] => single(action, one, known.ctx),
        [] => Outcome::Say(phrases::none_due_then(day)),
        many => Outcome::Say(phrases::which_one("that day", many, known.ctx)),
    }
}

/// The action on every task a bulk listing returned.
fn every(action: &Action, filter: &ListFilter, tasks: &[TaskView], ctx: &DateContext) -> Outcome {
    let wanted: Vec<&TaskView> = tasks
        .iter()
        .filter(|t| match action {
            Action::Delete => filter.status.is_none() || t.completed,
            _ => action.wants().is_none_or(|done| t.completed == done),
        })
        .collect();
    if wanted.is_empty() {
        return Outcome::Say(phrases::nothing_for_each(action, filter));
    }
    if let Some(call) = bulk::call(action, &wanted, ctx) {
        return Outcome::Calls(vec![call]);
    }
    let calls = wanted
        .iter()
        .map(|t| (action.tool(), action.args(t.id, Some(t), ctx)))
        .collect();
    Outcome::Calls(calls)
}

/// The answer to a question about one task.
fn find(target: &Target, ask: Ask, known: &Known<'_>) -> String {
    let by_id = |id: i64| known.tasks.iter().find(|t| t.id == id);
    let (words, mode) = match target {
        Target::Ids(ids) => {
            let found: Vec<&TaskView> = ids.iter().filter_map(|&id| by_id(id)).collect();
            return match found.as_slice() {
                [] => phrases::no_such_ids(ids),
                tasks => phrases::found_many(ask, None, tasks, known.ctx),
            };
        }
        Target::It => {
            return match known.turn.last_task_id().and_then(by_id) {
                Some(task) => phrases::found(ask, task, known.ctx),
                None => phrases::ask_which_task(),
            };
        }
        Target::Title(words) => (words.as_str(), Mode::Title),
        Target::Mention(text) => (text.as_str(), Mode::Mention),
        _ => return phrases::ask_which_task(),
    };
    match matcher::find(words, mode, known.tasks, None) {
        Found::Sure(task) | Found::Likely(task) => phrases::found(ask, task, known.ctx),
        Found::Many(tasks) => phrases::found_many(ask, Some(words), &tasks, known.ctx),
        Found::Maybe(task) => phrases::not_found_but(words, task),
        Found::None => phrases::no_match(words),
    }
}
