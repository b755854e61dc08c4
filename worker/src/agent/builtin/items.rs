//! Several tasks in one add: "I need to: buy eggs, call Sam and water the plants", "add milk
//! and bread", "add call mom tomorrow and dentist on Friday, the dentist one is urgent".
//!
//! The words are cut into pieces at commas and "and". A piece with only a date or a priority
//! ("Saturday at 7pm", "it's urgent", "needs to happen in 3 days") belongs to the item before
//! it, a piece like "the dentist one is urgent" to the item it names. The other pieces are
//! items, and they become separate tasks only when that is clearly meant: each starts with a
//! verb ("buy eggs", "call Sam"), or each has its own date, or each is a short thing to get
//! ("milk", "oat milk"). Otherwise the words stay one task: "call mom and dad", "buy milk and
//! eggs tomorrow", "dinner with Tom and Jerry on Friday", "Romeo and Juliet tickets".

use chrono::{DateTime, FixedOffset};
use common::dates::{DateContext, extract_due};

use super::add::{clean_title, take_list_suffix, take_task_noun};
use super::intent::NewTask;
use super::matcher;
use super::priority::{Mode, Priority, extract_priority};
use super::stem;
use super::words::Sentence;

/// Words that may be left of a piece that only dates or ranks an item.
const FILLER: &[&str] = &[
    "it", "its", "is", "needs", "need", "to", "happen", "be", "done", "should", "must", "has",
    "have", "make", "that", "this", "one", "the", "by", "on", "due", "at", "for", "and", "also",
    "please", "pls", "set", "so", "very", "really", "super", "thanks", "thank", "you", "there",
    "as", "well", "too", "priority", "a", "an", "ok", "okay", "though", "but", "no", "date",
    "rush", "hurry", "whenever", "sometime", "",
];

/// Words that make a piece point at an item: "the dentist one".
const POINTERS: &[&str] = &["one", "task", "item", "thing"];

/// One piece of the words.
#[derive(Debug, Clone)]
struct Piece {
    title: String,
    priority: Option<Priority>,
    due: Option<DateTime<FixedOffset>>,
    /// "the dentist one": the words that name an earlier item.
    points_at: Option<String>,
    /// Typed with a capital, like a name ("Romeo and Juliet tickets").
    named: bool,
}

/// The tasks of an add that holds several, or `None` when it holds one.
pub(super) fn several(s: &Sentence, ctx: &DateContext) -> Option<Vec<NewTask>> {
    let pieces: Vec<Piece> = cut(s).iter().map(|text| read(text, ctx)).collect();
    let items: Vec<&Piece> = pieces
        .iter()
        .filter(|p| !p.title.is_empty() && p.points_at.is_none())
        .collect();
    if items.len() < 2 || !separate(&items) {
        return None;
    }
    let mut tasks: Vec<NewTask> = Vec::new();
    // "add urgent: …": a date or priority before any item goes with the first one.
    let mut early: Option<&Piece> = None;
    for piece in &pieces {
        if !piece.title.is_empty() && piece.points_at.is_none() {
            tasks.push(NewTask {
                title: piece.title.clone(),
                description: None,
                priority: piece.priority.or(early.and_then(|p| p.priority)),
                due: piece.due.or(early.and_then(|p| p.due)),
                tags: Vec::new(),
                repeat: None,
                remind_before: None,
            });
            early = None;
            continue;
        }
        if tasks.is_empty() {
            early = Some(piece);
            continue;
        }
        let pointed = piece
            .points_at
            .as_deref()
            .and_then(|words| named(&tasks, words));
        let Some(task) = pointed
            .or(tasks.len().checked_sub(1))
            .and_then(|k| tasks.get_mut(k))
        else {
            continue;
        };
        task.priority = piece.priority.or(task.priority);
        task.due = piece.due.or(task.due);
    }
    Some(tasks)
}

/// "no date on it", "no due date": a task without one, said outright.
pub(super) fn take_no_date(s: &mut Sentence) -> bool {
    let phrases: [&[&str]; 4] = [
        &["no", "due", "date"],
        &["no", "date"],
        &["no", "deadline"],
        &["without", "a", "date"],
    ];
    for phrase in phrases {
        if let Some(at) = s.find(phrase) {
            s.take(at, at + phrase.len());
            return true;
        }
    }
    false
}

/// The free words of `s` cut at commas, full stops and "and".
fn cut(s: &Sentence) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    for i in s.free() {
        if matches!(s.word(i), "and" | "&" | "then" | "plus") {
            pieces.push(std::mem::take(&mut current));
            continue;
        }
        current.push(i);
        if s.ends_clause(i) {
            pieces.push(std::mem::take(&mut current));
        }
    }
    pieces.push(current);
    pieces
        .into_iter()
        .filter(|p| !p.is_empty())
        .map(|p| s.text(&p))
        .collect()
}

fn read(text: &str, ctx: &DateContext) -> Piece {
    let mut s = Sentence::new(text);
    let priority = extract_priority(&mut s, Mode::Add);
    let due = extract_due(&mut s, ctx, &[]).map(|due| ctx.zone.local(due).fixed_offset());
    take_no_date(&mut s);
    take_task_noun(&mut s);
    take_list_suffix(&mut s);
    let left: Vec<usize> = s
        .free()
        .into_iter()
        .filter(|&i| !FILLER.contains(&s.word(i)))
        .collect();
    let said: Vec<usize> = s
        .free()
        .into_iter()
        .filter(|&i| !matches!(s.word(i), "is" | "are" | "should" | "be" | ""))
        .collect();
    let pointer = said.last().is_some_and(|&i| POINTERS.contains(&s.word(i)));
    let ranks = priority.is_some() || due.is_some();
    let (title, points_at) = if left.is_empty() {
        (String::new(), None)
    } else if pointer && ranks {
        (String::new(), Some(s.text(&left[..left.len() - 1])))
    } else {
        (clean_title(&s, &s.free()), None)
    };
    let named = text
        .chars()
        .find(|c| c.is_alphabetic())
        .is_some_and(char::is_uppercase);
    Piece {
        title,
        priority,
        due,
        points_at,
        named,
    }
}

/// True when the items are clearly separate tasks (see the module docs).
fn separate(items: &[&Piece]) -> bool {
    let verb = |p: &Piece| {
        let first = p.title.split_whitespace().next().unwrap_or_default();
        stem::is_task_verb(&first.to_lowercase())
    };
    let all_verbs = items.iter().all(|p| verb(p));
    let all_dated = items.iter().all(|p| p.due.is_some());
    let things = items.iter().all(|p| {
        !verb(p)
            && !p.named
            && p.due.is_none()
            && p.priority.is_none()
            && p.title.split_whitespace().count() <= 2
    });
    all_verbs || all_dated || things
}

/// The task among `tasks` that `words` name ("dentist" → "Dentist").
fn named(tasks: &[NewTask], words: &str) -> Option<usize> {
    let wanted = matcher::words(words);
    let hits: Vec<usize> = (0..tasks.len())
        .filter(|&k| {
            let title = matcher::words(&tasks[k].title);
            !wanted.is_empty() && wanted.iter().all(|w| title.contains(w))
        })
        .collect();
    match hits.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}
