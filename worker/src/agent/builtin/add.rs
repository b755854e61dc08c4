//! Reads a new task from what follows "add", "remind me to", "I need to", …: its priority, due
//! date, optional description, and a clean title made of what is left.

use common::dates::{DateContext, extract_due};

use super::intent::{Intent, NewTask};
use super::priority::{Mode, extract_priority};
use super::words::{Sentence, capitalise, clean_edges, is_dash, trim_edges};

/// The longest title the tools accept, in characters.
const TITLE_MAX: usize = 200;

/// Words a title does not start with.
const LEADING: &[&str] = &["to", "that", "a", "an", "please", "me", "and", "also"];

/// Words a title does not end with (what is left of "…, and", "… by", "… it's").
const TRAILING: &[&str] = &[
    "and", "please", "pls", "it", "its", "is", "also", "then", "by", "on", "due", "at", "with",
    "for", "to", "the", "a", "an", "thanks", "sometime",
];

/// Where a description starts: "call the bank - about the mortgage", "… with description …",
/// "… note: …". One-word markers count only with a colon.
const DESCRIPTION_MARKERS: &[(&[&str], bool)] = &[
    (&["with", "the", "description"], false),
    (&["with", "a", "description"], false),
    (&["with", "description"], false),
    (&["with", "a", "note"], false),
    (&["with", "note"], false),
    (&["with", "notes"], false),
    (&["with", "details"], false),
    (&["description"], true),
    (&["desc"], true),
    (&["note"], true),
    (&["notes"], true),
    (&["details"], true),
];

/// Words between a marker and the description ("with description of …").
const DESCRIPTION_LEADS: &[&str] = &["of", "is", "saying", "that"];

/// "add a task to …", "create a new task called …", "new task: …".
const ARTICLES: &[&str] = &["a", "an", "new", "another", "the", "quick", "one", "more"];
const TASK_NOUNS: &[&str] = &["task", "todo", "to-do", "reminder", "item", "entry"];
const AFTER_NOUN: &[&str] = &[
    "called", "named", "titled", "to", "that", "saying", "for", "about",
];

/// "… to my list", "… on my to-do list".
const LIST_SUFFIXES: &[&[&str]] = &[
    &["to", "my", "todo", "list"],
    &["to", "my", "to-do", "list"],
    &["to", "my", "task", "list"],
    &["to", "the", "todo", "list"],
    &["to", "my", "list"],
    &["to", "the", "list"],
    &["to", "my", "tasks"],
    &["to", "my", "todos"],
    &["on", "my", "list"],
    &["in", "my", "list"],
];

/// Reads the task from the free tokens of `s` (the command words already taken).
pub(super) fn parse(s: &mut Sentence, ctx: &DateContext) -> Intent {
    let quoted = take_quoted(s);
    let priority = extract_priority(s, Mode::Add);
    let due = extract_due(s, ctx, &[]).map(|due| ctx.zone.local(due).fixed_offset());
    take_task_noun(s);
    take_list_suffix(s);
    let (title, description) = split_description(s);
    let title = quoted.unwrap_or_else(|| clean_title(s, &title));
    let description = description.filter(|d| !d.is_empty());
    match (title.is_empty(), description) {
        (true, None) => Intent::AskTitle,
        (true, Some(description)) => Intent::Add(NewTask {
            title: capitalise(&description),
            description: None,
            priority,
            due,
        }),
        (false, description) => Intent::Add(NewTask {
            title,
            description,
            priority,
            due,
        }),
    }
}

/// A title in double quotes is taken as it is: `add "Friday review" tomorrow`.
fn take_quoted(s: &mut Sentence) -> Option<String> {
    const OPEN: [char; 2] = ['"', '“'];
    const CLOSE: [char; 2] = ['"', '”'];
    let start = (0..s.len()).find(|&i| s.is_free(i) && s.raw(i).starts_with(OPEN))?;
    let end = (start..s.len()).find(|&i| {
        let raw = s.raw(i).trim_end_matches([',', '.', ';', ':', '!', '?']);
        raw.ends_with(CLOSE) && (i > start || raw.chars().count() > 1)
    })?;
    let indices: Vec<usize> = (start..=end).collect();
    let title = capitalise(&clean_edges(&s.text(&indices)));
    s.take(start, end + 1);
    (!title.is_empty()).then_some(title)
}

fn take_task_noun(s: &mut Sentence) {
    let Some(start) = s.first_free() else {
        return;
    };
    let mut i = start;
    while i < start + 3 && s.is_free(i) && ARTICLES.contains(&s.word(i)) {
        i += 1;
    }
    if !(s.is_free(i) && TASK_NOUNS.contains(&s.word(i))) {
        return;
    }
    let colon = s.ends_clause(i);
    i += 1;
    if !colon && s.is_free(i) && AFTER_NOUN.contains(&s.word(i)) {
        i += 1;
    }
    s.take(start, i);
}

fn take_list_suffix(s: &mut Sentence) {
    for phrase in LIST_SUFFIXES {
        if let Some(i) = s.find(phrase) {
            s.take(i, i + phrase.len());
        }
    }
}

/// Splits the free tokens into title positions and the description text, if any.
fn split_description(s: &mut Sentence) -> (Vec<usize>, Option<String>) {
    let free = s.free();
    for (k, &i) in free.iter().enumerate().skip(1) {
        let marker_len = if is_dash(s.raw(i)) {
            Some(1)
        } else {
            DESCRIPTION_MARKERS
                .iter()
                .find(|(phrase, colon)| {
                    s.matches(i, phrase) && (!colon || s.ends_clause(i + phrase.len() - 1))
                })
                .map(|(phrase, _)| phrase.len())
        };
        if let Some(len) = marker_len {
            let rest: Vec<usize> = free.iter().copied().filter(|&j| j >= i + len).collect();
            let rest = trim_edges(s, &rest, DESCRIPTION_LEADS, &[] as &[&str]);
            let description = clean_edges(&s.text(&rest));
            s.take(i, s.len());
            return (free[..k].to_vec(), Some(description));
        }
    }
    (free, None)
}

fn clean_title(s: &Sentence, indices: &[usize]) -> String {
    let words = trim_edges(s, indices, LEADING, TRAILING);
    let title = capitalise(&clean_edges(&s.text(&words)));
    match title.char_indices().nth(TITLE_MAX) {
        Some((cut, _)) => title[..cut].trim_end().to_owned(),
        None => title,
    }
}
