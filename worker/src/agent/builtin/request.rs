//! Reads the last user message into the requests it holds, in order, using the conversation
//! where the message leans on it:
//! - typing slips are repaired first (`spell`);
//! - an answer to the model's own question redoes the earlier request (`followup`);
//! - the message is split into requests (`segment`) and each is read (`classify`);
//! - "…, so take that off my list", "…, make it low priority": a command about "it" after
//!   statements acts on the task those statements mention;
//! - "… and make it urgent" after another command changes that command's task (or the task
//!   being added);
//! - a statement after a command is its reason ("cancel the haircut, I'm growing it out")
//!   and asks for nothing; so is small talk beside a request;
//! - "and also feed the cat", "and the yoga one too": the previous request's command again;
//! - "undo that": the reverse of the last reply's action (`recall`).

use common::dates::DateContext;

use super::classify::{self, Form, Reading};
use super::intent::{Action, DueChange, Intent, Target};
use super::turn::Turn;
use super::words::clean_edges;
use super::{followup, segment, spell};

/// The requests of the turn's message.
pub(super) fn read(turn: &Turn<'_>, ctx: &DateContext) -> Vec<Intent> {
    let text = spell::repair(turn.request);
    if let Some(intents) = followup::answer(turn, &text, ctx) {
        return intents;
    }
    let mut intents = read_text(&text, ctx);
    if intents == [Intent::Unknown]
        && let Some(again) = continued(turn, &text, ctx)
    {
        intents = again;
    }
    intents
}

/// The requests of `text` on its own, without the conversation.
pub(super) fn read_text(text: &str, ctx: &DateContext) -> Vec<Intent> {
    let mut parts: Vec<(String, Reading)> = Vec::new();
    for piece in segment::split(&spell::repair(text)) {
        let reading = classify::read(&piece, ctx);
        combine(&mut parts, piece, reading, ctx);
    }
    let asks = parts
        .iter()
        .any(|(_, r)| matches!(r.form, Form::Command | Form::Statement));
    let intents: Vec<Intent> = parts
        .into_iter()
        .filter(|(_, r)| !asks || matches!(r.form, Form::Command | Form::Statement))
        .map(|(_, r)| r.intent)
        .collect();
    if intents.is_empty() {
        vec![Intent::Unknown]
    } else {
        intents
    }
}

/// Adds the request `reading` (said in `piece`) to those read before it.
fn combine(parts: &mut Vec<(String, Reading)>, piece: String, reading: Reading, ctx: &DateContext) {
    let last_command = parts.iter().rposition(|(_, r)| r.form == Form::Command);
    if let Intent::Act(action, Target::It) = &reading.intent
        && !parts.is_empty()
    {
        let context: Vec<String> = parts[last_command.map_or(0, |k| k + 1)..]
            .iter()
            .filter(|(_, r)| matches!(r.form, Form::Statement | Form::Unknown))
            .map(|(text, _)| text.clone())
            .collect();
        if !context.is_empty() {
            // "the plumber came and fixed the sink, you can mark that one off".
            parts.truncate(last_command.map_or(0, |k| k + 1));
            let mention = Target::Mention(clean_edges(&context.join(" ")));
            let intent = Intent::Act(action.clone(), mention);
            parts.push((piece, Reading::new(intent, Form::Command)));
            return;
        }
        if let Some(k) = last_command {
            // "… and make it urgent", "finished the taxes, and make it high priority".
            if let Some(intent) = fold(&mut parts[k].1, action) {
                parts.push((piece, Reading::new(intent, Form::Command)));
            }
            return;
        }
    }
    let after_command = last_command.is_some();
    match reading.form {
        // A reason given after a command: "delete 154, it's done anyway". But "I finished the
        // report and I paid the rent" is two deeds.
        Form::Statement if after_command && !another_deed(parts, &piece) => {}
        _ if degenerate(&reading.intent) && after_adding(parts) => {
            if let Some((text, last)) = parts.last_mut() {
                text.push(' ');
                text.push_str(&piece);
                *last = classify::read(text, ctx);
            }
        }
        _ => parts.push((piece, reading)),
    }
}

/// True when `piece` joins another deed to a completion: "… and I paid the rent".
fn another_deed(parts: &[(String, Reading)], piece: &str) -> bool {
    let joined = piece.trim_start().to_lowercase().starts_with("and ");
    let completing = matches!(
        parts.last(),
        Some((_, r)) if matches!(r.intent, Intent::Act(Action::Complete, _))
    );
    joined && completing
}

/// `action` on "it", the task of the command `before`: a change to an add or an update goes
/// into it ("add buy milk, and make it urgent"); another action is a request of its own on
/// the same task ("finished the taxes, and make it high priority"), returned.
fn fold(before: &mut Reading, action: &Action) -> Option<Intent> {
    match (&mut before.intent, action) {
        (Intent::Add(tasks), Action::Update(changes)) => {
            if let Some(task) = tasks.last_mut() {
                task.priority = changes.priority.or(task.priority);
                if let Some(DueChange::Set(due)) = changes.due {
                    task.due = Some(due);
                }
            }
            None
        }
        (Intent::Act(Action::Update(first), _), Action::Update(then)) => {
            *first = first.clone().merged(then.clone());
            None
        }
        (Intent::Act(done, _), _) if done == action => None,
        (Intent::Act(_, target) | Intent::Find(target, _), _) => {
            Some(Intent::Act(action.clone(), target.clone()))
        }
        _ => None,
    }
}

/// A request that asks nothing on its own: what follows an add is more of the add ("add buy
/// eggs, make pancakes").
fn degenerate(intent: &Intent) -> bool {
    match intent {
        Intent::Unknown | Intent::AskTitle => true,
        Intent::Act(Action::Update(changes), _) => changes.is_empty(),
        Intent::Act(_, Target::Missing) => true,
        _ => false,
    }
}

fn after_adding(parts: &[(String, Reading)]) -> bool {
    matches!(parts.last(), Some((_, r)) if matches!(r.intent, Intent::Add(_)))
}

/// "and also feed the cat", "and the yoga one too": the previous request's command words
/// with this message's words.
fn continued(turn: &Turn<'_>, text: &str, ctx: &DateContext) -> Option<Vec<Intent>> {
    let said = text.trim().trim_end_matches(['.', '!', '?']);
    let lower = said.to_lowercase();
    let leads = ["and ", "also ", "plus ", "oh and "];
    let tails = [" too", " as well", " also"];
    let lead = leads.iter().any(|l| lower.starts_with(l));
    let tail = tails.iter().find(|t| lower.ends_with(*t));
    if !lead && tail.is_none() {
        return None;
    }
    let previous = spell::repair(turn.previous_request()?);
    let command = classify::command_words(&previous)?;
    // The tails are plain ASCII, so they end the original text as they end its lower case.
    let words = tail
        .and_then(|t| said.get(..said.len().saturating_sub(t.len())))
        .unwrap_or(said);
    let again = format!("{command} {words}");
    let intents = read_text(&again, ctx);
    (intents != [Intent::Unknown]).then_some(intents)
}
