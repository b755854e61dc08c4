//! Finds the task a user's words are about, and says how sure it is.
//!
//! Words are compared by their stems (`stem`), after dropping words that never help ("the",
//! "task", "my", …), so "the car wash" finds "Wash the car", "I paid the rent" finds "Pay rent"
//! and "tax" does not find "taxi". A word of four letters or more also matches with one slip
//! ("bred" finds "Buy bread"), a little less strongly than an exact word.
//!
//! Two ways of reading the words:
//! - [`Mode::Title`]: the words describe the task ("the dentist appointment"). A task whose
//!   title has every one of the words is a sure match; a unique best partial match covering
//!   at least half of the words is likely; anything weaker is only a guess to ask about.
//! - [`Mode::Mention`]: a sentence that mentions the task among other things ("my partner is
//!   doing the taxes this year, so take that off"). A task is sure when every word of its
//!   title but its leading verb is in the sentence.
//!
//! Ties are never broken by guessing: they come back as [`Found::Many`], and the model asks.

use super::results::TaskView;
use super::spell::near;
use super::stem::{self, is_stop, is_task_verb};

/// How the words are read (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    Title,
    Mention,
}

/// What the words found.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Found<'a> {
    /// One task, surely: safe even to delete.
    Sure(&'a TaskView),
    /// One task, most likely: safe to complete or change, not to delete unasked.
    Likely(&'a TaskView),
    /// One task at best, too loosely to act on without asking.
    Maybe(&'a TaskView),
    /// Several tasks match equally well.
    Many(Vec<&'a TaskView>),
    None,
}

/// How well one task matches.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Score {
    /// Matched words, an exact word counting 1 and a slip less.
    weight: f32,
    /// How many of the user's words matched.
    said: usize,
    /// How many of the title's words were said.
    covered: usize,
    /// The title's words, and those but a leading verb.
    title_len: usize,
    content_len: usize,
    content_covered: usize,
    /// The user named a different action than the title's ("walked the dog" for "Take the
    /// dog to the vet"), or a number the title lacks.
    conflict: bool,
}

const SLIP: f32 = 0.75;

/// Words that say when rather than which ("done with the gym for today", "returned the books
/// this morning"): they count when they match, but a task need not have them.
const WHEN: &[&str] = &[
    "today",
    "tomorrow",
    "tonight",
    "yesterday",
    "morning",
    "afternoon",
    "evening",
    "night",
    "week",
    "weekend",
    "month",
    "year",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "now",
    "later",
    "soon",
    "last",
    "ago",
    "earlier",
    "anyway",
    "time",
    "anymore",
    "longer",
];

/// Finds the task `text` is about among `tasks`. `prefer` is the completion state the action
/// wants (open tasks to complete, done ones to reopen), used only to break ties.
pub(super) fn find<'a>(
    text: &str,
    mode: Mode,
    tasks: &'a [TaskView],
    prefer: Option<bool>,
) -> Found<'a> {
    let query = words(text);
    let asked = query.iter().filter(|q| !is_when(q)).count();
    if asked == 0 {
        return Found::None;
    }
    let verb = leading_verb(text);
    let scored: Vec<(&TaskView, Score)> = tasks
        .iter()
        .map(|t| (t, score(&query, verb.as_deref(), &t.title)))
        .filter(|(_, s)| s.said > 0)
        .collect();
    match mode {
        Mode::Title => by_title(&scored, asked, prefer),
        Mode::Mention => by_mention(&scored, prefer),
    }
}

/// The tasks `text` may be about, best first (at most three, open ones before done ones
/// among equals): every task sharing a word with it, but for those matching less than half
/// as well as the best. Not a decision, only candidates to show (see [`super::fitting`]).
pub(super) fn ranked<'a>(text: &str, tasks: &'a [TaskView]) -> Vec<&'a TaskView> {
    let query = words(text);
    let verb = leading_verb(text);
    let mut scored: Vec<(&TaskView, f32)> = tasks
        .iter()
        .map(|t| (t, score(&query, verb.as_deref(), &t.title)))
        .filter(|(_, s)| s.said > 0 && !s.conflict)
        .map(|(t, s)| (t, s.weight + whole_bonus(&s)))
        .collect();
    scored.sort_by(|(a, x), (b, y)| y.total_cmp(x).then(a.completed.cmp(&b.completed)));
    let top = scored.first().map_or(0.0, |(_, w)| *w);
    scored
        .into_iter()
        .filter(|(_, w)| *w * 2.0 >= top)
        .take(3)
        .map(|(t, _)| t)
        .collect()
}

fn by_title<'a>(scored: &[(&'a TaskView, Score)], asked: usize, prefer: Option<bool>) -> Found<'a> {
    let full: Vec<(&TaskView, Score)> = scored
        .iter()
        .copied()
        .filter(|(_, s)| s.said == asked)
        .collect();
    if !full.is_empty() {
        // Open tasks first to complete (done ones to reopen); then "buy milk" is "Buy milk"
        // rather than "Buy milk chocolate", and an exact word beats a slip.
        let wanted = narrow(&full, |_, t| prefer.is_none_or(|done| t.completed == done));
        let whole = narrow(&wanted, |s, _| s.covered == s.title_len);
        return match best_by_weight(&whole).as_slice() {
            [one] => Found::Sure(one),
            many => Found::Many(many.to_vec()),
        };
    }
    let fair: Vec<(&TaskView, Score)> = scored
        .iter()
        .copied()
        .filter(|(_, s)| !s.conflict)
        .collect();
    let pool = if fair.is_empty() { scored } else { &fair };
    match preferred(best_by_weight(pool), prefer).as_slice() {
        [] => Found::None,
        [one] => {
            let score = pool
                .iter()
                .find(|(t, _)| std::ptr::eq(*t, *one))
                .map(|(_, s)| *s);
            match score {
                Some(s) if !s.conflict && s.said * 2 >= asked => Found::Likely(one),
                _ => Found::Maybe(one),
            }
        }
        many => Found::Many(many.to_vec()),
    }
}

fn by_mention<'a>(scored: &[(&'a TaskView, Score)], prefer: Option<bool>) -> Found<'a> {
    let covering: Vec<(&TaskView, Score)> = scored
        .iter()
        .copied()
        .map(|(t, s)| {
            (
                t,
                Score {
                    weight: s.weight + whole_bonus(&s),
                    ..s
                },
            )
        })
        .collect();
    match preferred(best_by_weight(&covering), prefer).as_slice() {
        [] => Found::None,
        [one] => {
            let score = scored
                .iter()
                .find(|(t, _)| std::ptr::eq(*t, *one))
                .map(|(_, s)| *s);
            match score {
                Some(s) if s.content_len > 0 && s.content_covered == s.content_len => {
                    Found::Sure(one)
                }
                _ => Found::Likely(one),
            }
        }
        many => Found::Many(many.to_vec()),
    }
}

/// In a sentence, a task whose every word (but its verb) is there beats one sharing as many
/// words but not all of its own.
fn whole_bonus(s: &Score) -> f32 {
    if s.content_len > 0 && s.content_covered == s.content_len {
        0.5
    } else {
        0.0
    }
}

/// The entries passing `keep`, or all of them when none does.
fn narrow<'a>(
    entries: &[(&'a TaskView, Score)],
    keep: impl Fn(&Score, &TaskView) -> bool,
) -> Vec<(&'a TaskView, Score)> {
    let kept: Vec<(&TaskView, Score)> = entries
        .iter()
        .copied()
        .filter(|(t, s)| keep(s, t))
        .collect();
    if kept.is_empty() {
        entries.to_vec()
    } else {
        kept
    }
}

fn best_by_weight<'a>(entries: &[(&'a TaskView, Score)]) -> Vec<&'a TaskView> {
    let top = entries
        .iter()
        .map(|(_, s)| s.weight)
        .fold(0.0_f32, f32::max);
    entries
        .iter()
        .filter(|(_, s)| s.weight > 0.0 && (top - s.weight).abs() < 1e-4)
        .map(|(t, _)| *t)
        .collect()
}

/// Among equally good matches, those in the state the action wants, if any are.
fn preferred(tasks: Vec<&TaskView>, prefer: Option<bool>) -> Vec<&TaskView> {
    let Some(done) = prefer else {
        return tasks;
    };
    let wanted: Vec<&TaskView> = tasks
        .iter()
        .copied()
        .filter(|t| t.completed == done)
        .collect();
    if wanted.is_empty() { tasks } else { wanted }
}

fn score(query: &[String], verb: Option<&str>, title: &str) -> Score {
    let title_words = words(title);
    let lead_verb = title_leading_verb(title);
    let best_for = |q: &str| {
        title_words
            .iter()
            .map(|t| likeness(q, t))
            .fold(0.0, f32::max)
    };
    let said = query
        .iter()
        .filter(|q| !is_when(q) && best_for(q) > 0.0)
        .count();
    // "I bought some flowers" shares only its verb with "Buy milk": that finds nothing.
    let only_verb = said == 1
        && query.len() > 1
        && verb.is_some_and(|v| best_for(v) > 0.0 && query.iter().any(|q| q == v));
    let is_said = |t: &String| query.iter().any(|q| likeness(q, t) > 0.0);
    let content: Vec<&String> = title_words
        .iter()
        .filter(|t| Some(t.as_str()) != lead_verb.as_deref() || title_words.len() == 1)
        .collect();
    let other_verb = match (verb, &lead_verb) {
        (Some(v), Some(t)) => v != t && !title_words.iter().any(|w| w == v),
        _ => false,
    };
    // A number said but not in the title ("taks 3") rules a task out as a likely match.
    let missing_number = query
        .iter()
        .any(|q| q.chars().all(|c| c.is_ascii_digit()) && best_for(q) == 0.0);
    Score {
        weight: query.iter().map(|q| best_for(q)).sum(),
        said: if only_verb { 0 } else { said },
        covered: title_words.iter().filter(|t| is_said(t)).count(),
        title_len: title_words.len(),
        content_len: content.len(),
        content_covered: content.iter().filter(|t| is_said(t)).count(),
        conflict: other_verb || missing_number,
    }
}

/// How alike a said word and a title word are: 1 when equal, less for a slip, else 0.
fn likeness(said: &str, title: &str) -> f32 {
    if said == title {
        1.0
    } else if near(said, title) {
        SLIP
    } else {
        0.0
    }
}

fn is_when(stem: &str) -> bool {
    WHEN.iter().any(|w| stem::stem(w) == stem)
}

/// The words of `text` that can find a task, as stems, each once, in order.
pub(super) fn words(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for raw in raw_words(text) {
        if is_stop(&raw) {
            continue;
        }
        let stem = stem::stem(&raw);
        if !stem.is_empty() && !found.contains(&stem) {
            found.push(stem);
        }
    }
    found
}

/// Lower-case words without apostrophes, split at anything else that is not a letter or
/// digit.
fn raw_words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_alphanumeric() || matches!(c, '\'' | '’')))
        .map(|w| {
            w.chars()
                .filter(|c| !matches!(c, '\'' | '’'))
                .flat_map(char::to_lowercase)
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
}

/// The verb the user's words start with, as a stem ("walked the dog" → "walk"), unless it is
/// one that names no action of its own ("got", "did").
fn leading_verb(text: &str) -> Option<String> {
    let first = raw_words(text).find(|w| !is_stop(w))?;
    let base = stem::past(&first).or_else(|| is_task_verb(&first).then(|| first.clone()))?;
    (!stem::is_generic(&base)).then(|| stem::stem(&base))
}

/// The verb a title starts with, as a stem ("Take the dog to the vet" → "take").
fn title_leading_verb(title: &str) -> Option<String> {
    let first = raw_words(title).find(|w| !is_stop(w))?;
    is_task_verb(&first).then(|| stem::stem(&first))
}
