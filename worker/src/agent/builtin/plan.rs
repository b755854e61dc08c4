//! Decides the next move of a turn from its requests and the steps already taken. A turn
//! runs in up to three steps, each skipped when nothing needs it:
//! 1. look up: the user's tasks (once, when a request names tasks by words or asks about
//!    one), and the tasks of each bulk request ("delete everything I finished");
//! 2. act: every add, complete, delete and update of every request, at once;
//! 3. list: every listing asked for, after the changes so it shows them;
//!
//! then one answer covering each request in order. The plan is recomputed from the same
//! message and results at every step, so it always agrees with the steps taken.

use common::dates::DateContext;
use serde_json::{Value, json};

use super::intent::Intent;
use super::phrases;
use super::reply;
use super::resolve::{self, Known, Outcome};
use super::results::{self, TaskView};
use super::turn::{Step, Turn};

/// At most this many tool steps per turn; then the model answers with text.
pub(super) const MAX_STEPS: usize = 4;

/// The most tasks one look-up reads.
const LOOKUP_LIMIT: u32 = 100;

/// The next move: tool calls (name and arguments) or the final answer.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Next {
    Calls(Vec<(&'static str, Value)>),
    Say(String),
}

/// The next move for `intents` given what `turn` has done so far.
pub(super) fn next(intents: &[Intent], turn: &Turn<'_>, ctx: &DateContext) -> Next {
    match decide(intents, turn, ctx) {
        Next::Calls(_) if turn.steps.len() >= MAX_STEPS => Next::Say(phrases::gave_up()),
        next => next,
    }
}

fn decide(intents: &[Intent], turn: &Turn<'_>, ctx: &DateContext) -> Next {
    // The steps taken so far, in the order of the phases that needed one.
    let mut steps = turn.steps.iter();
    let lookups = lookups(intents);
    let (tasks, each) = match phase(lookups, &mut steps) {
        Phase::Call(next) => return next,
        Phase::Skipped => (Vec::new(), Vec::new()),
        Phase::Done(step) => match read_lookups(intents, step) {
            Ok(found) => found,
            Err(answer) => return Next::Say(answer),
        },
    };
    let known = Known {
        tasks: &tasks,
        turn,
        ctx,
    };
    let outcomes = outcomes(intents, &each, &known);
    let actions = outcomes
        .iter()
        .filter_map(|o| match o {
            Outcome::Calls(calls) => Some(calls.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    let acted = match phase(actions, &mut steps) {
        Phase::Call(next) => return next,
        Phase::Skipped => None,
        Phase::Done(step) => Some(step),
    };
    let listings = outcomes
        .iter()
        .filter_map(|o| match o {
            Outcome::Listing(filter) => Some(("list_tasks", filter.args())),
            _ => None,
        })
        .collect();
    let listed = match phase(listings, &mut steps) {
        Phase::Call(next) => return next,
        Phase::Skipped => None,
        Phase::Done(step) => Some(step),
    };
    Next::Say(answer(intents, &outcomes, acted, listed, ctx))
}

/// Where a phase of the turn stands.
enum Phase<'a> {
    /// It has calls to make, not made yet.
    Call(Next),
    /// It has nothing to do.
    Skipped,
    /// Its step was taken.
    Done(&'a Step),
}

/// The phase with `calls`, given the steps not yet read.
fn phase<'a>(
    calls: Vec<(&'static str, Value)>,
    steps: &mut std::slice::Iter<'a, Step>,
) -> Phase<'a> {
    if calls.is_empty() {
        return Phase::Skipped;
    }
    match steps.next() {
        Some(step) => Phase::Done(step),
        None => Phase::Call(Next::Calls(calls)),
    }
}

/// What each request comes to; `each` holds the bulk listings, in the requests' order.
fn outcomes(intents: &[Intent], each: &[Vec<TaskView>], known: &Known<'_>) -> Vec<Outcome> {
    let mut bulk = each.iter();
    intents
        .iter()
        .map(|intent| {
            let own: &[TaskView] = match intent {
                Intent::Each(..) => bulk.next().map_or(&[], Vec::as_slice),
                _ => &[],
            };
            resolve::outcome(intent, own, known)
        })
        .collect()
}

/// The look-ups the requests need: the user's tasks, then each bulk request's listing.
fn lookups(intents: &[Intent]) -> Vec<(&'static str, Value)> {
    let mut calls = Vec::new();
    if intents.iter().any(resolve::needs_tasks) {
        calls.push((
            "list_tasks",
            json!({"status": "all", "limit": LOOKUP_LIMIT}),
        ));
    }
    for intent in intents {
        if let Intent::Each(_, filter) = intent {
            let mut args = filter.args();
            args["limit"] = json!(LOOKUP_LIMIT);
            calls.push(("list_tasks", args));
        }
    }
    calls
}

/// The tasks the look-up step found: the user's tasks and each bulk listing, or the answer
/// to give when a look-up failed.
type Looked = (Vec<TaskView>, Vec<Vec<TaskView>>);

fn read_lookups(intents: &[Intent], step: &Step) -> Result<Looked, String> {
    let mut lists = Vec::new();
    for call in &step.calls {
        if let Some(error) = results::error(&call.result) {
            return Err(reply::error_sentence(&error, None));
        }
        lists.push(results::task_list(&call.result).ok_or_else(reply::unexpected)?);
    }
    let mut lists = lists.into_iter();
    let tasks = if intents.iter().any(resolve::needs_tasks) {
        lists.next().unwrap_or_default()
    } else {
        Vec::new()
    };
    Ok((tasks, lists.collect()))
}

/// The answer covering each request in order: what was done, listed, or said.
fn answer(
    intents: &[Intent],
    outcomes: &[Outcome],
    acted: Option<&Step>,
    listed: Option<&Step>,
    ctx: &DateContext,
) -> String {
    let mut done = acted.map_or(&[][..], |s| s.calls.as_slice());
    let mut shown = listed.map_or(&[][..], |s| s.calls.as_slice());
    let mut parts: Vec<String> = Vec::new();
    for (intent, outcome) in intents.iter().zip(outcomes) {
        match outcome {
            Outcome::Calls(calls) => {
                let (mine, rest) = done.split_at(calls.len().min(done.len()));
                done = rest;
                parts.push(reply::actions(
                    intent,
                    &Step {
                        calls: mine.to_vec(),
                    },
                    ctx,
                ));
            }
            Outcome::Listing(filter) => {
                let Some((first, rest)) = shown.split_first() else {
                    continue;
                };
                shown = rest;
                parts.push(reply::listing(filter, &first.result, ctx));
            }
            Outcome::Say(text) => parts.push(text.clone()),
        }
    }
    let parts: Vec<String> = parts.into_iter().filter(|p| !p.is_empty()).collect();
    let separator = if parts.iter().any(|p| p.contains('\n')) {
        "\n\n"
    } else {
        " "
    };
    parts.join(separator)
}
