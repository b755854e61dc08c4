//! Requests without a command word: "task 5 is urgent", a statement ("I paid the rent"), a
//! listing ("high priority tasks"), "is the dentist on my list?", something only another app
//! can do ("book me a flight"), a task with a date or priority ("dentist tomorrow at 3pm"),
//! or, after "I want to …", any activity. Anything else is unknown.

use common::dates::DateContext;

use super::classify::{Form, Reading};
use super::intent::{Action, Ask, Intent, Target};
use super::words::Sentence;
use super::{add, list, scope, statement, target, update};

/// Reads the free tokens of `s`; `wish` is true after "I want to …".
pub(super) fn read(mut s: Sentence, wish: bool, ctx: &DateContext) -> Reading {
    if let Some(intent) = numbered_edit(&s, ctx) {
        return Reading::new(intent, Form::Command);
    }
    if let Some(intent) = statement::parse(&s, ctx) {
        return Reading::new(intent, Form::Statement);
    }
    if let Some(filter) = list::parse_strict(&mut s.clone(), ctx) {
        return Reading::new(Intent::List(filter), Form::Command);
    }
    if let Some(intent) = on_my_list(&s) {
        return Reading::new(intent, Form::Command);
    }
    if let Some(intent) = scope::elsewhere(&s, ctx) {
        return Reading::new(intent, Form::Command);
    }
    let intent = match add::parse(&mut s, ctx) {
        Intent::Add(tasks)
            if wish
                || tasks
                    .iter()
                    .any(|t| t.due.is_some() || t.priority.is_some() || t.repeat.is_some()) =>
        {
            Intent::Add(tasks)
        }
        _ => Intent::Unknown,
    };
    Reading::new(intent, Form::Command)
}

/// "task 5 is urgent", "#3 due Friday": a numbered task with changes is an update.
fn numbered_edit(s: &Sentence, ctx: &DateContext) -> Option<Intent> {
    if target::take_ids(&mut s.clone()).is_empty() {
        return None;
    }
    match update::parse(&mut s.clone(), "", ctx) {
        Intent::Act(Action::Update(changes), target) if !changes.is_empty() => {
            Some(Intent::Act(Action::Update(changes), target))
        }
        _ => None,
    }
}

/// "is the dentist appointment on my list?", "are the taxes on my list?".
fn on_my_list(s: &Sentence) -> Option<Intent> {
    let free = s.free();
    let first = *free.first()?;
    if !matches!(s.word(first), "is" | "are" | "isnt") {
        return None;
    }
    let tails: [&[&str]; 4] = [
        &["on", "my", "list"],
        &["in", "my", "list"],
        &["on", "the", "list"],
        &["on", "my", "todo", "list"],
    ];
    let at = tails.iter().find_map(|t| s.find(t))?;
    let mut words = s.clone();
    words.take(first, first + 1);
    words.take(at, s.len());
    match target::parse(&mut words) {
        Target::Missing => None,
        target => Some(Intent::Find(target, Ask::Exists)),
    }
}

/// "what's on Alice's list?", "delete Bob's tasks": a name's list, which the model cannot
/// see. Returns the name.
pub(super) fn others_list(s: &Sentence) -> Option<String> {
    const NOUNS: &[&str] = &["list", "tasks", "todos", "todo", "to-do", "agenda", "items"];
    const NOT_NAMES: &[&str] = &[
        "its",
        "whats",
        "thats",
        "lets",
        "heres",
        "theres",
        "whos",
        "hes",
        "shes",
        "todays",
        "tomorrows",
        "weeks",
    ];
    (0..s.len()).find_map(|i| {
        let raw = s.raw(i);
        let name = raw.strip_suffix("'s").or_else(|| raw.strip_suffix("’s"))?;
        let capital = name.chars().next().is_some_and(char::is_uppercase);
        let next = s.word(i + 1);
        let listed = NOUNS.contains(&next)
            || (matches!(next, "todo" | "to-do" | "task") && NOUNS.contains(&s.word(i + 2)));
        (capital && listed && !NOT_NAMES.contains(&s.word(i))).then(|| name.to_owned())
    })
}
