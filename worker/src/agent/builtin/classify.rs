//! Turns the user's words into an [`Intent`]: skips greetings and politeness ("hi, could you
//! please …"), recognises the leading command ("add", "show", "mark", "get rid of", …), and hands
//! the rest to the parser of that command. Without a command word it still recognises a
//! listing ("high priority tasks"), "X is done", and a task with a date ("dentist tomorrow at
//! 3pm"); anything else is [`Intent::Unknown`], never a tool call.

use common::dates::DateContext;

use super::intent::{Action, Changes, Intent, ListFilter, Status, Target};
use super::verbs::{self, Kind};
use super::words::Sentence;
use super::{add, list, target, update};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opener {
    Greeting,
    Thanks,
    /// "I want to …": a wish, so a bare activity is a task to add.
    Wish,
    Filler,
}

const OPENERS: &[(&[&str], Opener)] = &[
    (&["good", "morning"], Opener::Greeting),
    (&["good", "afternoon"], Opener::Greeting),
    (&["good", "evening"], Opener::Greeting),
    (&["hi", "there"], Opener::Greeting),
    (&["hey", "there"], Opener::Greeting),
    (&["hello", "there"], Opener::Greeting),
    (&["hi"], Opener::Greeting),
    (&["hey"], Opener::Greeting),
    (&["hello"], Opener::Greeting),
    (&["hiya"], Opener::Greeting),
    (&["howdy"], Opener::Greeting),
    (&["yo"], Opener::Greeting),
    (&["thank", "you"], Opener::Thanks),
    (&["thank", "u"], Opener::Thanks),
    (&["much", "appreciated"], Opener::Thanks),
    (&["appreciate", "it"], Opener::Thanks),
    (&["good", "job"], Opener::Thanks),
    (&["well", "done"], Opener::Thanks),
    (&["got", "it"], Opener::Thanks),
    (&["see", "you"], Opener::Thanks),
    (&["thanks"], Opener::Thanks),
    (&["thx"], Opener::Thanks),
    (&["ty"], Opener::Thanks),
    (&["cheers"], Opener::Thanks),
    (&["great"], Opener::Thanks),
    (&["awesome"], Opener::Thanks),
    (&["perfect"], Opener::Thanks),
    (&["cool"], Opener::Thanks),
    (&["nice"], Opener::Thanks),
    (&["excellent"], Opener::Thanks),
    (&["brilliant"], Opener::Thanks),
    (&["bye"], Opener::Thanks),
    (&["goodbye"], Opener::Thanks),
    (&["ok"], Opener::Thanks),
    (&["okay"], Opener::Thanks),
    (&["alright"], Opener::Thanks),
    (&["i", "want", "you", "to"], Opener::Filler),
    (&["i", "need", "you", "to"], Opener::Filler),
    (&["i", "would", "like", "to"], Opener::Wish),
    (&["id", "like", "to"], Opener::Wish),
    (&["i", "want", "to"], Opener::Wish),
    (&["i", "wanna"], Opener::Wish),
    (&["go", "ahead", "and"], Opener::Filler),
    (&["can", "you"], Opener::Filler),
    (&["could", "you"], Opener::Filler),
    (&["would", "you"], Opener::Filler),
    (&["will", "you"], Opener::Filler),
    (&["can", "u"], Opener::Filler),
    (&["please"], Opener::Filler),
    (&["pls"], Opener::Filler),
    (&["plz"], Opener::Filler),
    (&["kindly"], Opener::Filler),
    (&["so"], Opener::Filler),
    (&["also"], Opener::Filler),
    (&["and"], Opener::Filler),
    (&["now"], Opener::Filler),
    (&["then"], Opener::Filler),
    (&["just"], Opener::Filler),
    (&["quickly"], Opener::Filler),
    (&["um"], Opener::Filler),
    (&["oh"], Opener::Filler),
    (&["yes"], Opener::Filler),
    (&["yeah"], Opener::Filler),
    (&["sure"], Opener::Filler),
    (&["lets"], Opener::Filler),
];

const HELP: &[&[&str]] = &[
    &["help"],
    &["what", "can", "you", "do"],
    &["what", "can", "you"],
    &["what", "do", "you", "do"],
    &["what", "can", "i", "say"],
    &["what", "can", "i", "do"],
    &["what", "should", "i", "say"],
    &["how", "does", "this", "work"],
    &["how", "does", "it", "work"],
    &["how", "do", "i", "use"],
    &["how", "do", "you", "work"],
    &["how", "to", "use"],
    &["who", "are", "you"],
    &["what", "are", "you"],
    &["whats", "this"],
    &["commands"],
    &["usage"],
    &["instructions"],
];

/// "todo: call mom", "task: buy milk".
const TASK_LABELS: &[&str] = &["todo", "to-do", "task", "reminder"];

/// Reads the request in `text`; `ctx` resolves dates on the user's clock.
pub(super) fn parse(text: &str, ctx: &DateContext) -> Intent {
    let mut s = Sentence::new(text);
    let openers = take_openers(&mut s);
    let Some(start) = s.first_free() else {
        return alone(&openers);
    };
    if HELP.iter().any(|phrase| s.matches(start, phrase)) || (s.has("help") && s.free().len() <= 4)
    {
        return Intent::Help;
    }
    if TASK_LABELS.contains(&s.word(start)) && s.ends_clause(start) {
        s.take(start, start + 1);
        return add::parse(&mut s, ctx);
    }
    if let Some((kind, len)) = verbs::leading(&s, start) {
        let verb = s.word(start).to_owned();
        s.take(start, start + len);
        return by_kind(kind, &mut s, &verb, ctx);
    }
    fallback(s, openers.contains(&Opener::Wish), ctx)
}

fn take_openers(s: &mut Sentence) -> Vec<Opener> {
    let mut found = Vec::new();
    while let Some(start) = s.first_free() {
        let Some((phrase, opener)) = OPENERS.iter().find(|(p, _)| s.matches(start, p)) else {
            break;
        };
        s.take(start, start + phrase.len());
        found.push(*opener);
    }
    found
}

/// Only greetings, thanks or politeness.
fn alone(openers: &[Opener]) -> Intent {
    if openers.contains(&Opener::Thanks) {
        Intent::Thanks
    } else if openers.contains(&Opener::Greeting) {
        Intent::Greeting
    } else {
        Intent::Help
    }
}

fn by_kind(kind: Kind, s: &mut Sentence, verb: &str, ctx: &DateContext) -> Intent {
    match kind {
        Kind::Add => add::parse(s, ctx),
        Kind::List => Intent::List(list::parse(s, false, ctx)),
        Kind::Search => Intent::List(list::parse(s, true, ctx)),
        Kind::Question if list::is_about_tasks(s) => Intent::List(list::parse(s, false, ctx)),
        Kind::Question => Intent::Unknown,
        Kind::Complete => act(Action::Complete, s),
        Kind::Reopen => act(Action::Update(Changes::reopen()), s),
        Kind::Delete => delete(s),
        Kind::Update => update::parse(s, verb, ctx),
        Kind::Mark => mark(s, verb, ctx),
        Kind::StatusWord => status_word(s, ctx),
    }
}

fn act(action: Action, s: &mut Sentence) -> Intent {
    Intent::Act(action, target::parse(s))
}

/// "delete task 3", "delete everything I finished", "delete all my tasks".
fn delete(s: &mut Sentence) -> Intent {
    let bulk = DONE.iter().any(|p| s.has(p[0])) && !s.has("not");
    let everything = s.has_any(&["all", "everything"]);
    match target::parse(s) {
        Target::Missing if bulk => Intent::DeleteCompleted,
        Target::Missing | Target::It if everything => Intent::DeleteAll,
        target => Intent::Act(Action::Delete, target),
    }
}

/// Phrases that mean "not done" after "mark", checked before [`DONE`].
const NOT_DONE: &[&[&str]] = &[
    &["not", "done"],
    &["not", "complete"],
    &["not", "completed"],
    &["not", "finished"],
    &["incomplete"],
    &["undone"],
    &["unfinished"],
    &["uncompleted"],
    &["pending"],
    &["open"],
    &["active"],
    &["to", "do"],
    &["todo"],
];
const DONE: &[&[&str]] = &[
    &["done"],
    &["complete"],
    &["completed"],
    &["finished"],
    &["checked"],
    &["ticked"],
    &["closed"],
];

/// "mark 3 as done", "mark 3 as not done", "mark 3 as urgent", "set #3 to done", "set #3 to
/// low priority". After "set"/"make" the state must end the sentence, so "set the
/// description of #3 to do the dishes" stays an edit.
fn mark(s: &mut Sentence, verb: &str, ctx: &DateContext) -> Intent {
    let anywhere = matches!(verb, "mark" | "flag");
    let says = |phrases: &[&[&str]]| {
        phrases.iter().any(|p| match s.find(p) {
            Some(at) => anywhere || at + p.len() == s.len(),
            None => false,
        })
    };
    if says(NOT_DONE) {
        act(Action::Update(Changes::reopen()), s)
    } else if says(DONE) {
        act(Action::Complete, s)
    } else {
        update::parse(s, verb, ctx)
    }
}

/// "done tasks" lists, "done with 3"/"finished the report" completes.
fn status_word(s: &mut Sentence, ctx: &DateContext) -> Intent {
    let nouns = ["tasks", "ones", "items", "todos", "stuff", "things", "list"];
    match s.first_free() {
        Some(i) if !nouns.contains(&s.word(i)) => act(Action::Complete, s),
        _ => Intent::List(ListFilter {
            status: Some(Status::Completed),
            ..list::parse(s, false, ctx)
        }),
    }
}

/// No command word: "X is done", "task 5 is urgent", a listing, or a task with a date or
/// priority.
fn fallback(mut s: Sentence, wish: bool, ctx: &DateContext) -> Intent {
    if let Some(intent) = done_statement(&mut s) {
        return intent;
    }
    if let Some(intent) = numbered_edit(&s, ctx) {
        return intent;
    }
    let mut as_list = s.clone();
    if let Some(filter) = list::parse_strict(&mut as_list, ctx) {
        return Intent::List(filter);
    }
    match add::parse(&mut s, ctx) {
        Intent::Add(task) if wish || task.due.is_some() || task.priority.is_some() => {
            Intent::Add(task)
        }
        _ => Intent::Unknown,
    }
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

/// "the groceries task is done", "task 3 is finished".
fn done_statement(s: &mut Sentence) -> Option<Intent> {
    let last = *s.free().last()?;
    let tail = DONE.iter().any(|p| p.len() == 1 && s.matches(last, p));
    let linked = last > 0 && matches!(s.word(last - 1), "is" | "are" | "was" | "all");
    if !(tail && linked) {
        return None;
    }
    s.take(last - 1, last + 1);
    Some(act(Action::Complete, s))
}
