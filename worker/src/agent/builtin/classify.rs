//! Turns one request's words into an [`Intent`]: skips greetings and politeness ("hi, could
//! you please …"), recognises the leading command ("add", "show", "mark", "get rid of", "check
//! it off", …), and hands the rest to the parser of that command. Without a command word,
//! `plain` reads statements, listings and tasks with a date. Anything else is
//! [`Intent::Unknown`], never a tool call.
//!
//! Each reading says how the request was made ([`Form`]), which `request` needs to combine
//! the requests of one message: a statement after a command is only a reason ("cancel the
//! haircut, I'm growing it out"), a statement before "… so take that off my list" names the
//! task.

use common::dates::DateContext;

use super::intent::{Action, Ask, Changes, Intent, ListFilter, Status, Target};
use super::openers::{HELP, Opener, alone, take_openers};
use super::verbs::{self, Kind};
use super::words::Sentence;
use super::{add, list, plain, target, update};

/// How a request was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Form {
    /// With a command word, or a clear listing or task.
    Command,
    /// A statement: "I paid the rent", "the essay is due in 3 days".
    Statement,
    /// Greetings, thanks, help, "never mind".
    Chat,
    Unknown,
}

/// A request and how it was made.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Reading {
    pub intent: Intent,
    pub form: Form,
}

impl Reading {
    pub(super) fn new(intent: Intent, form: Form) -> Self {
        let form = if intent == Intent::Unknown {
            Form::Unknown
        } else {
            form
        };
        Self { intent, form }
    }
}

/// "todo: call mom", "task: buy milk".
const TASK_LABELS: &[&str] = &["todo", "to-do", "task", "reminder"];

/// Whole requests that take nothing back: "never mind", "forget it".
const DISMISS: &[&[&str]] = &[
    &["never", "mind"],
    &["nevermind"],
    &["nvm"],
    &["forget", "it"],
    &["forget", "that"],
    &["forget", "about", "it"],
    &["scratch", "that"],
    &["no", "worries"],
    &["no", "thanks"],
    &["no"],
    &["nope"],
    &["nah"],
    &["nothing"],
];

/// Reads the request in `text`; `ctx` resolves dates on the user's clock.
pub(super) fn read(text: &str, ctx: &DateContext) -> Reading {
    let mut s = Sentence::new(text);
    let openers = take_openers(&mut s);
    let Some(start) = s.first_free() else {
        return Reading::new(alone(&openers), Form::Chat);
    };
    let rest = s.free().len() - 1;
    if DISMISS
        .iter()
        .any(|p| s.matches(start, p) && p.len() == rest + 1)
    {
        return Reading::new(Intent::Dismiss, Form::Chat);
    }
    if HELP.iter().any(|phrase| s.matches(start, phrase)) || (s.has("help") && rest < 4) {
        return Reading::new(Intent::Help, Form::Chat);
    }
    if let Some(since) = changes_asked(&s, start) {
        return Reading::new(Intent::Changes(since), Form::Command);
    }
    if let Some(name) = plain::others_list(&s) {
        return Reading::new(Intent::OthersList(name), Form::Command);
    }
    if TASK_LABELS.contains(&s.word(start)) && s.ends_clause(start) {
        s.take(start, start + 1);
        return Reading::new(add::parse(&mut s, ctx), Form::Command);
    }
    if let Some((kind, len)) = verbs::leading(&s, start) {
        let verb = s.word(start).to_owned();
        s.take(start, start + len);
        return Reading::new(by_kind(kind, &mut s, &verb, ctx), Form::Command);
    }
    if let Some(kind) = verbs::particle(&s, start) {
        let verb = s.word(start).to_owned();
        s.take(start, start + 1);
        let intent = match kind {
            Kind::Delete => delete(&mut s),
            Kind::Update => update::parse(&mut s, &verb, ctx),
            _ => act(Action::Complete, &mut s),
        };
        return Reading::new(intent, Form::Command);
    }
    plain::read(s, openers.contains(&Opener::Wish), ctx)
}

/// The command words `text` starts with ("add", "remind me to", "delete"), for a follow-up
/// that leaves them out ("and the yoga one too").
pub(super) fn command_words(text: &str) -> Option<String> {
    let mut s = Sentence::new(text);
    take_openers(&mut s);
    let start = s.first_free()?;
    let (_, len) = verbs::leading(&s, start)?;
    Some(s.text(&(start..start + len).collect::<Vec<_>>()))
}

/// Questions about what changed: "what did you change today?", "what have I changed since
/// monday?", "show me today's changes".
const CHANGES: &[&[&str]] = &[
    &["what", "did", "you", "change"],
    &["what", "have", "you", "changed"],
    &["what", "did", "you", "do"],
    &["what", "have", "you", "done"],
    &["what", "did", "i", "change"],
    &["what", "have", "i", "changed"],
    &["what", "changed"],
    &["what", "has", "changed"],
    &["whats", "changed"],
    &["show", "me", "the", "changes"],
    &["show", "me", "todays", "changes"],
    &["show", "todays", "changes"],
    &["show", "the", "changes"],
    &["list", "the", "changes"],
    &["list", "changes"],
];

/// The start of the time a question about changes asks about, in words the date parser
/// reads: today unless it says yesterday, or "since <day>".
fn changes_asked(s: &Sentence, start: usize) -> Option<String> {
    CHANGES.iter().find(|phrase| s.matches(start, phrase))?;
    if s.has("yesterday") {
        return Some("yesterday".to_owned());
    }
    let since = s
        .find(&["since"])
        .map(|i| s.text(&((i + 1)..s.len()).collect::<Vec<_>>()));
    Some(
        since
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| "today".to_owned()),
    )
}

fn by_kind(kind: Kind, s: &mut Sentence, verb: &str, ctx: &DateContext) -> Intent {
    match kind {
        Kind::Add => add::parse(s, ctx),
        Kind::List | Kind::Search => listing(kind, s, verb, ctx),
        Kind::Question => question(s, ctx),
        Kind::When => Intent::Find(target::parse(s), Ask::When),
        Kind::DidI => did_i(s),
        Kind::Complete => complete(s),
        Kind::Reopen => act(Action::Update(Changes::reopen()), s),
        Kind::Undo => match target::parse(s) {
            Target::Ids(ids) => Intent::Act(Action::Update(Changes::reopen()), Target::Ids(ids)),
            _ => Intent::Undo,
        },
        Kind::Redo => Intent::Redo,
        Kind::Delete => delete(s),
        Kind::Update => update::parse(s, verb, ctx),
        Kind::Mark => mark(s, verb, ctx),
        Kind::StatusWord => status_word(s, ctx),
    }
}

fn act(action: Action, s: &mut Sentence) -> Intent {
    Intent::Act(action, target::parse(s))
}

/// "show my tasks", "find milk", "show me task 12"; "tell me a joke" is not about tasks.
fn listing(kind: Kind, s: &mut Sentence, verb: &str, ctx: &DateContext) -> Intent {
    let ids = target::take_ids(s);
    if !ids.is_empty() {
        return Intent::Find(Target::Ids(ids), Ask::Show);
    }
    if matches!(verb, "tell" | "give") && !list::is_about_tasks(s) {
        return Intent::Unknown;
    }
    Intent::List(list::parse(s, kind == Kind::Search, ctx))
}

/// "what's left?", "what's on for the day after tomorrow?", "what did I just add?".
fn question(s: &mut Sentence, ctx: &DateContext) -> Intent {
    let start = s.first_free().unwrap_or(0);
    let asks_back = s.matches(start, &["did", "i"]) || s.matches(start, &["have", "i"]);
    if asks_back && s.has_any(&["add", "added", "create", "created", "put"]) {
        return Intent::Recall;
    }
    match list::parse_question(s, ctx) {
        Some(filter) => Intent::List(filter),
        None => Intent::Unknown,
    }
}

/// "did I already add the dentist appointment?", "did I finish the passport renewal?".
fn did_i(s: &mut Sentence) -> Intent {
    const ADDING: &[&str] = &["add", "put", "create", "write", "note", "save", "list"];
    const DOING: &[&str] = &["finish", "complete", "do", "get", "tick", "check", "mark"];
    let Some(mut at) = s.first_free() else {
        return Intent::Unknown;
    };
    while matches!(
        s.word(at),
        "already" | "ever" | "just" | "actually" | "really"
    ) {
        s.take(at, at + 1);
        at += 1;
    }
    let ask = if ADDING.contains(&s.word(at)) {
        Ask::Exists
    } else {
        Ask::Done
    };
    if ADDING.contains(&s.word(at)) || DOING.contains(&s.word(at)) {
        s.take(at, at + 1);
    }
    Intent::Find(target::parse(s), ask)
}

/// "complete #3", "complete everything".
fn complete(s: &mut Sentence) -> Intent {
    let everything = s.has_any(&["everything", "all"]);
    let all_of = leads_with_all(s);
    match target::parse(s) {
        Target::Title(words) if is_everything(&words) => everything_open(),
        Target::Missing if everything => everything_open(),
        // "mark all the shopping ones done": every open task with those words.
        Target::Title(words) if all_of => Intent::Each(
            Action::Complete,
            ListFilter {
                query: Some(words),
                ..open_filter()
            },
        ),
        target => Intent::Act(Action::Complete, target),
    }
}

fn open_filter() -> ListFilter {
    ListFilter {
        status: Some(Status::Pending),
        ..ListFilter::default()
    }
}

/// "all the shopping ones …", "every report task": the request is about every task the
/// words name ("all" in a reason later on — "it's going to rain all week" — does not count).
fn leads_with_all(s: &Sentence) -> bool {
    s.first_free()
        .is_some_and(|i| matches!(s.word(i), "all" | "every"))
}

fn is_everything(words: &str) -> bool {
    matches!(
        words.to_lowercase().as_str(),
        "everything" | "all" | "all tasks" | "all my tasks" | "every task" | "all of them"
    )
}

fn everything_open() -> Intent {
    Intent::Each(Action::Complete, open_filter())
}

/// "delete task 3", "remove the due date from the taxes task", "delete everything I
/// finished", "delete all my tasks".
fn delete(s: &mut Sentence) -> Intent {
    if let Some(intent) = update::clear_field(s) {
        return intent;
    }
    let bulk = DONE.iter().any(|p| s.has(p[0])) && !s.has("not");
    let everything = s.has_any(&["all", "everything"]);
    let all_of = leads_with_all(s);
    match target::parse(s) {
        Target::Missing if bulk => Intent::Each(Action::Delete, list::completed()),
        Target::Missing | Target::It if everything => Intent::DeleteAll,
        Target::Title(words) if is_everything(&words) => Intent::DeleteAll,
        // "delete all the shopping ones": every task with those words.
        Target::Title(words) if all_of => Intent::Each(
            Action::Delete,
            ListFilter {
                query: Some(words),
                ..ListFilter::default()
            },
        ),
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

/// "mark 3 as done", "mark 3 as not done", "mark the gift as bought", "mark that one off",
/// "mark 3 as urgent", "set #3 to done", "set #3 to low priority". After "set"/"make" the
/// state must end the sentence, so "set the description of #3 to do the dishes" stays an edit.
fn mark(s: &mut Sentence, verb: &str, ctx: &DateContext) -> Intent {
    let anywhere = matches!(verb, "mark" | "flag");
    let says = |phrases: &[&[&str]]| {
        phrases.iter().any(|p| match s.find(p) {
            Some(at) => anywhere || at + p.len() == s.len(),
            None => false,
        })
    };
    if says(NOT_DONE) {
        return act(Action::Update(Changes::reopen()), s);
    }
    if says(DONE) || (anywhere && (says(&[&["off"]]) || take_as_deed(s))) {
        return complete(s);
    }
    update::parse(s, verb, ctx)
}

/// "… as bought", "… as paid": a deed in the past after "as", at the end, is done. Takes
/// those words, so they are not searched for.
fn take_as_deed(s: &mut Sentence) -> bool {
    let last = s.len().saturating_sub(1);
    let deed = last > 0
        && s.is_free(last - 1)
        && s.word(last - 1) == "as"
        && super::stem::past(s.word(last)).is_some();
    if deed {
        s.take(last - 1, last + 1);
    }
    deed
}

/// "done tasks" lists, "done with 3"/"finished the report" completes.
fn status_word(s: &mut Sentence, ctx: &DateContext) -> Intent {
    let nouns = ["tasks", "ones", "items", "todos", "stuff", "things", "list"];
    match s.first_free() {
        Some(i) if !nouns.contains(&s.word(i)) => complete(s),
        _ => Intent::List(ListFilter {
            status: Some(Status::Completed),
            ..list::parse(s, false, ctx)
        }),
    }
}
