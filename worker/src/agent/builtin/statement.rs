//! Statements about a task that ask for a change without a command word:
//! - done, in the past tense: "I paid the rent", "called mom", "Picked up the dry cleaning",
//!   "I finally got my passport renewed", or as a state: "the plants are watered", "the milk's
//!   bought", "the groceries task is done";
//! - not done: "the passport thing isn't done yet" (reopen);
//! - a new due date: "the essay is due in 3 days, not tomorrow", "I need the slides done by
//!   noon tomorrow instead";
//! - a new priority: "the email to Dana isn't urgent at all".
//!
//! The task is named by the statement's words, its verb included unless the verb says
//! nothing of its own ("got", "did", "sorted out"): "I paid the rent" looks for "pay rent".

use common::dates::{DateContext, extract_due};

use super::intent::{Action, Changes, DueChange, Intent, Target};
use super::priority::{Mode, extract_priority};
use super::stem;
use super::target;
use super::words::{Sentence, clean_edges};

/// Past verbs that do not mean the task is done ("I forgot to call mom", "I moved the
/// dentist").
const NOT_DONE_VERBS: &[&str] = &[
    "forget",
    "miss",
    "skip",
    "fail",
    "cancel",
    "add",
    "create",
    "delete",
    "remove",
    "change",
    "update",
    "move",
    "postpone",
    "reschedule",
    "want",
    "need",
    "start",
    "try",
    "plan",
    "decide",
    "mean",
    "think",
    "hope",
    "use",
    "like",
    "love",
    "hate",
    "schedule",
    "push",
    "delay",
    "lose",
    "leave",
    "see",
    "say",
    "tell",
    "ask",
    "hear",
    "feel",
    "be",
];

/// Words before the verb of a statement about oneself.
const SUBJECT: &[&str] = &[
    "i",
    "we",
    "ive",
    "weve",
    "have",
    "just",
    "finally",
    "already",
    "also",
    "actually",
    "totally",
    "successfully",
    "ok",
    "so",
];

/// Words that put a task in a state ("the milk is bought").
const COPULAS: &[&str] = &["is", "are", "was", "were", "been", "got", "all", "now"];

/// Negated copulas ("isn't done yet").
const NEGATED: &[&str] = &["isnt", "arent", "wasnt", "not", "hasnt", "havent"];

/// Words that carry nothing at the end of a statement ("… done now!", "… bought too").
const TAIL: &[&str] = &[
    "now", "already", "too", "finally", "yet", "today", "anyway", "off", "all", "",
];

const DONE_WORDS: &[&str] = &[
    "done",
    "finished",
    "completed",
    "complete",
    "sorted",
    "handled",
];

/// The request a statement makes, if the free tokens of `s` are one.
pub(super) fn parse(s: &Sentence, ctx: &DateContext) -> Option<Intent> {
    let words = content(s);
    if words.is_empty() {
        return None;
    }
    not_done(s, &words)
        .or_else(|| due(s, &words, ctx))
        .or_else(|| priority(s, &words))
        .or_else(|| in_state(s, &words))
        .or_else(|| past_deed(s, &words, ctx))
}

/// The free tokens of the first clause that carry words, without a trailing tail.
fn content(s: &Sentence) -> Vec<usize> {
    let free = s.free();
    let end = free
        .iter()
        .position(|&i| s.ends_clause(i))
        .map_or(free.len(), |k| k + 1);
    let mut words: Vec<usize> = free[..end].to_vec();
    while let Some(&last) = words.last() {
        if TAIL.contains(&s.word(last)) {
            words.pop();
        } else {
            break;
        }
    }
    words
}

/// "I paid the rent", "called mom", "I finally got my passport renewed".
fn past_deed(s: &Sentence, words: &[usize], ctx: &DateContext) -> Option<Intent> {
    let start = words.iter().position(|&i| !SUBJECT.contains(&s.word(i)))?;
    let verb_at = words[start];
    let base = stem::past(s.word(verb_at))?;
    // "cut the grass" may be a wish as well as a deed; "I cut the grass" is a deed.
    if base == s.word(verb_at) && start == 0 {
        return None;
    }
    let said = |k: usize| words.get(k).map_or("", |&i| s.word(i));
    // "I wanted to …", "I tried to …" are not deeds; "I went to the dentist" is.
    let to_verb = said(start + 1) == "to"
        && !matches!(
            said(start + 2),
            "the" | "my" | "a" | "an" | "our" | "his" | "her" | "their"
        );
    if NOT_DONE_VERBS.contains(&base.as_str()) || to_verb {
        return None;
    }
    // The date says when it was done, not which task: "this morning" is dropped.
    let mut rest = s.clone();
    rest.take(0, verb_at + 1);
    let _ = extract_due(&mut rest, ctx, &[]);
    let kept: Vec<usize> = words[start + 1..]
        .iter()
        .copied()
        .filter(|&i| rest.is_free(i))
        .collect();
    let object = phrase(s, &kept);
    target_of(&base, &object).map(|target| Intent::Act(Action::Complete, target))
}

/// "the plants are watered", "the milk's bought", "the report is done".
fn in_state(s: &Sentence, words: &[usize]) -> Option<Intent> {
    let (&last, before) = words.split_last()?;
    let said = s.word(last);
    let base = if DONE_WORDS.contains(&said) {
        "do".to_owned()
    } else {
        stem::past(said)?
    };
    let subject = match subject_before(s, before) {
        Some(subject) => subject,
        // "groceries done": a done word needs no "is".
        None if DONE_WORDS.contains(&said) => phrase(s, before),
        None => return None,
    };
    target_of(&base, &subject).map(|target| Intent::Act(Action::Complete, target))
}

/// The words before a copula ending `before` ("the plants are", "the milk's"), as text.
fn subject_before(s: &Sentence, before: &[usize]) -> Option<String> {
    let (&link, head) = before.split_last()?;
    if COPULAS.contains(&s.word(link)) {
        let head: Vec<usize> = head
            .iter()
            .copied()
            .filter(|&i| !matches!(s.word(i), "has" | "have" | "is" | "are"))
            .collect();
        return Some(phrase(s, &head)).filter(|p| !p.is_empty());
    }
    let raw = s.raw(link);
    let bare = raw.strip_suffix("'s").or_else(|| raw.strip_suffix("’s"))?;
    let mut text = phrase(s, head);
    text.push(' ');
    text.push_str(bare);
    Some(clean_edges(&text))
}

/// "the passport thing isn't done yet".
fn not_done(s: &Sentence, words: &[usize]) -> Option<Intent> {
    let at = words.iter().position(|&i| NEGATED.contains(&s.word(i)))?;
    let after: Vec<&str> = words[at + 1..].iter().map(|&i| s.word(i)).collect();
    if !matches!(after.as_slice(), [w] | ["been", w] if DONE_WORDS.contains(w)) {
        return None;
    }
    let head: Vec<usize> = words[..at]
        .iter()
        .copied()
        .filter(|&i| !matches!(s.word(i), "is" | "are" | "was" | "has" | "have"))
        .collect();
    let subject = phrase(s, &head);
    match title_or_it(&subject) {
        Target::Missing => None,
        target => Some(Intent::Act(Action::Update(Changes::reopen()), target)),
    }
}

/// "the essay is due in 3 days", "I need the slides done by noon tomorrow instead".
fn due(s: &Sentence, words: &[usize], ctx: &DateContext) -> Option<Intent> {
    let said = |k: usize| words.get(k).map_or("", |&i| s.word(i));
    let (subject, from) = if let Some(k) = (2..words.len()).find(|&k| said(k) == "due") {
        // "X is due …": without the "is", "dentist due friday" is a new task.
        if !matches!(said(k - 1), "is" | "are" | "now") {
            return None;
        }
        (words[..k - 1].to_vec(), k)
    } else {
        let wish = match (said(0), said(1)) {
            ("i", "need" | "want") => 2,
            ("need" | "want", _) => 1,
            _ => return None,
        };
        let instead = s.has("instead") || s.has("actually") || s.has("rather");
        let done =
            (wish..words.len()).find(|&k| DONE_WORDS.contains(&said(k)) || said(k) == "ready")?;
        if !instead {
            return None;
        }
        (words[wish..done].to_vec(), done)
    };
    let mut rest = s.clone();
    rest.take(0, words[from]);
    let when = extract_due(&mut rest, ctx, &[])?;
    let changes = Changes {
        due: Some(DueChange::Set(ctx.zone.local(when).fixed_offset())),
        ..Changes::default()
    };
    match title_or_it(&phrase(s, &subject)) {
        Target::Missing => None,
        target => Some(Intent::Act(Action::Update(changes), target)),
    }
}

/// "the email to Dana isn't urgent at all", "the report is urgent".
fn priority(s: &Sentence, words: &[usize]) -> Option<Intent> {
    let link = words
        .iter()
        .position(|&i| matches!(s.word(i), "is" | "isnt" | "are" | "arent"))?;
    if link == 0 {
        return None;
    }
    let mut rest = s.clone();
    rest.take(0, words[link]);
    let level = extract_priority(&mut rest, Mode::Edit)?;
    let left: Vec<&str> = rest
        .free()
        .into_iter()
        .filter(|i| words.contains(i))
        .map(|i| rest.word(i))
        .collect();
    let filler = [
        "at", "all", "really", "very", "that", "so", "actually", "anymore", "now",
    ];
    if !left.iter().all(|w| filler.contains(w)) {
        return None;
    }
    let changes = Changes {
        priority: Some(level),
        ..Changes::default()
    };
    match title_or_it(&phrase(s, &words[..link])) {
        Target::Missing => None,
        target => Some(Intent::Act(Action::Update(changes), target)),
    }
}

/// The target of a statement: its object ("the rent", "133", "it"), with its verb unless that
/// says nothing of its own ("got").
fn target_of(base: &str, object: &str) -> Option<Target> {
    match title_or_it(object) {
        Target::Title(_) if !stem::is_generic(base) => {
            Some(Target::Title(format!("{base} {object}")))
        }
        Target::Missing => None,
        target => Some(target),
    }
}

/// The task a subject or object names: numbers, a pronoun or title words.
fn title_or_it(words: &str) -> Target {
    target::parse(&mut Sentence::new(words))
}

/// The words at `indices` as typed, without empty tokens (emoji) and edge punctuation.
fn phrase(s: &Sentence, indices: &[usize]) -> String {
    let kept: Vec<usize> = indices
        .iter()
        .copied()
        .filter(|&i| !s.word(i).is_empty())
        .collect();
    clean_edges(&s.text(&kept))
}
