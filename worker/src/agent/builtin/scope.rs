//! Requests only a person or another app can carry out: "send an email to my boss saying I'm
//! sick", "book me a flight to Lisbon", "order me a pizza". The model can't do them and must
//! not quietly turn them into tasks; it says so and offers to add the task instead. A "yes"
//! to that offer adds it (`followup`), so the task is read here from the request again.

use common::dates::DateContext;

use super::add;
use super::intent::{Intent, NewTask};
use super::openers::take_openers;
use super::words::Sentence;

/// Verbs of errands asked of someone else: "book me …", "get me …".
const ERRANDS: &[&str] = &[
    "book", "order", "get", "buy", "find", "call", "send", "make", "bring", "fetch", "reserve",
    "cook", "pay", "write", "email", "text", "draft",
];

/// Verbs of messages the user wants sent: "send an email … saying …".
const MESSAGES: &[&str] = &["send", "email", "text", "message", "write", "tell", "reply"];

/// Words that start what a message should say.
const SAYING: &[&str] = &["saying", "says", "telling"];

/// The out-of-scope request in the free tokens of `s`, if it is one.
pub(super) fn elsewhere(s: &Sentence, ctx: &DateContext) -> Option<Intent> {
    let first = s.first_free()?;
    let verb = s.word(first);
    let errand = ERRANDS.contains(&verb) && s.word(first + 1) == "me";
    let message = MESSAGES.contains(&verb) && s.has_any(SAYING);
    (errand || message).then(|| Intent::Elsewhere(task(s, ctx).map(|t| t.title)))
}

/// The task an out-of-scope request would be: its words without "me" and without what the
/// message should say ("Send an email to my boss").
pub(super) fn task(s: &Sentence, ctx: &DateContext) -> Option<NewTask> {
    let mut s = s.clone();
    let first = s.first_free()?;
    if s.word(first + 1) == "me" {
        s.take(first + 1, first + 2);
    }
    if let Some(at) = (first..s.len()).find(|&i| s.is_free(i) && SAYING.contains(&s.word(i))) {
        s.take(at, s.len());
    }
    match add::parse(&mut s, ctx) {
        Intent::Add(mut tasks) if tasks.len() == 1 => tasks.pop(),
        _ => None,
    }
}

/// The task a request the model declined would have been, read again from its words.
pub(super) fn offered(request: &str, ctx: &DateContext) -> Option<NewTask> {
    let mut s = Sentence::new(request);
    take_openers(&mut s);
    task(&s, ctx)
}
