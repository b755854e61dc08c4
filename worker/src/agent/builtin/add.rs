//! Reads a new task from what follows "add", "remind me to", "I need to", …: its priority, due
//! date, optional description, and a clean title made of what is left.

use common::dates::{DateContext, extract_due};
use common::domain::task::reminder::{ReminderSpec, take_before};
use common::domain::task::repeat::extract_repeat;

use super::intent::{Action, Changes, Intent, NewTask, NoteChange, Target};
use super::priority::{Mode, extract_priority};
use super::words::{Sentence, capitalise, clean_edges, is_dash, trim_edges};
use super::{items, tags, target};

/// The longest title the tools accept, in characters.
const TITLE_MAX: usize = 200;

/// Words a title does not start with.
pub(super) const LEADING: &[&str] = &["to", "that", "a", "an", "please", "me", "and", "also"];

/// Words a title does not end with (what is left of "…, and", "… by", "… it's").
pub(super) const TRAILING: &[&str] = &[
    "and", "please", "pls", "it", "its", "is", "also", "then", "by", "on", "due", "at", "with",
    "for", "to", "the", "a", "an", "thanks", "sometime", "instead", "too",
];

/// Where a marker of a description may stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    /// Anywhere after the title: "… with a note …".
    Anywhere,
    /// Only with a colon: "… note: …" (so "write a note to grandma" keeps its title).
    Colon,
    /// Only where a clause starts: "…, due Friday. Note that …".
    ClauseStart,
}

/// Where a description starts: "call the bank - about the mortgage", "… with description …",
/// "… and a note saying …", "… note: …", "… . Note that …".
const DESCRIPTION_MARKERS: &[(&[&str], Marker)] = &[
    (&["with", "the", "description"], Marker::Anywhere),
    (&["with", "a", "description"], Marker::Anywhere),
    (&["with", "description"], Marker::Anywhere),
    (&["with", "a", "note"], Marker::Anywhere),
    (&["with", "the", "note"], Marker::Anywhere),
    (&["with", "note"], Marker::Anywhere),
    (&["with", "notes"], Marker::Anywhere),
    (&["with", "details"], Marker::Anywhere),
    (&["and", "a", "note"], Marker::Anywhere),
    (&["and", "a", "description"], Marker::Anywhere),
    (&["and", "note"], Marker::Anywhere),
    (&["and", "add", "a", "note"], Marker::Anywhere),
    (&["note", "that"], Marker::ClauseStart),
    (&["description"], Marker::Colon),
    (&["desc"], Marker::Colon),
    (&["note"], Marker::Colon),
    (&["notes"], Marker::Colon),
    (&["details"], Marker::Colon),
];

/// Words between a marker and the description ("with description of …", "a note saying …").
const DESCRIPTION_LEADS: &[&str] = &["of", "is", "saying", "that", "says", "reading"];

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
    &["on", "there"],
];

/// Reads the task or tasks from the free tokens of `s` (the command words already taken), or
/// a note for an existing task ("add a note to task 5: …").
pub(super) fn parse(s: &mut Sentence, ctx: &DateContext) -> Intent {
    if let Some(intent) = note_to(s) {
        return intent;
    }
    let tags = tags::take_hash_tags(s);
    // Before the items: "every Monday and Thursday" is one repeat, not two tasks.
    let repeat = extract_repeat(s).map(|r| r.as_str().to_owned());
    // Before the due date: "30 minutes before" is not "in 30 minutes".
    let remind_before = match take_before(s) {
        Some(ReminderSpec::Before(minutes)) => Some(minutes),
        _ => None,
    };
    let quoted = take_quoted(s);
    if quoted.is_none() {
        let mut probe = s.clone();
        let (_, description) = split_description(&mut probe, false);
        if let Some(mut tasks) = items::several(&probe, ctx) {
            if let Some(last) = tasks.last_mut() {
                last.description = description.filter(|d| !d.is_empty());
            }
            for task in &mut tasks {
                task.tags.clone_from(&tags);
                task.repeat.clone_from(&repeat);
                task.remind_before = remind_before;
            }
            return Intent::Add(tasks);
        }
    }
    let priority = extract_priority(s, Mode::Add);
    let due = extract_due(s, ctx, &[]).map(|due| ctx.zone.local(due).fixed_offset());
    items::take_no_date(s);
    take_task_noun(s);
    take_list_suffix(s);
    let (title, description) = split_description(s, quoted.is_some());
    let title = quoted.unwrap_or_else(|| clean_title(s, &title));
    let description = description.filter(|d| !d.is_empty());
    let task = match (title.is_empty(), description) {
        (true, None) => return Intent::AskTitle,
        (true, Some(description)) => NewTask {
            title: capitalise(&description),
            description: None,
            priority,
            due,
            tags,
            repeat,
            remind_before,
        },
        (false, description) => NewTask {
            title,
            description,
            priority,
            due,
            tags,
            repeat,
            remind_before,
        },
    };
    Intent::Add(vec![task])
}

/// "add a note to task 5: bring the receipts", "add a note to it saying …": a note for a task
/// that exists, added to its description.
fn note_to(s: &mut Sentence) -> Option<Intent> {
    let mut at = s.first_free()?;
    if matches!(s.word(at), "a" | "an" | "the" | "another") {
        at += 1;
    }
    let noun = matches!(s.word(at), "note" | "notes" | "description" | "comment");
    let onto = matches!(s.word(at + 1), "to" | "on" | "for") && s.word(at + 2) != "self";
    if !noun || !onto || s.ends_clause(at) {
        return None;
    }
    let from = at + 2;
    let split = (from..s.len()).find(|&i| {
        s.ends_clause(i) || is_dash(s.raw(i + 1)) || matches!(s.word(i + 1), "saying" | "that")
    })?;
    let mut target_words = Sentence::new(&s.text(&(from..=split).collect::<Vec<_>>()));
    let target = target::parse(&mut target_words);
    let rest: Vec<usize> = (split + 1..s.len()).collect();
    let rest = trim_edges(s, &rest, DESCRIPTION_LEADS, &[] as &[&str]);
    let note = clean_edges(&s.text(&rest));
    if note.is_empty() || target == Target::Missing {
        return None;
    }
    s.take(0, s.len());
    let changes = Changes {
        description: Some(NoteChange::Append(note)),
        ..Changes::default()
    };
    Some(Intent::Act(Action::Update(changes), target))
}

/// A title in quotes is taken as it is: `add "Friday review" tomorrow`, `add 'book flights'`.
pub(super) fn take_quoted(s: &mut Sentence) -> Option<String> {
    const PAIRS: [(&[char], &[char]); 2] =
        [(&['"', '“'], &['"', '”']), (&['\'', '‘'], &['\'', '’'])];
    let (start, close) = (0..s.len()).find_map(|i| {
        let raw = s.raw(i);
        let (_, close) = PAIRS.iter().find(|(open, _)| raw.starts_with(*open))?;
        let opens = raw.chars().nth(1).is_some_and(char::is_alphanumeric);
        (s.is_free(i) && opens).then_some((i, *close))
    })?;
    let end = (start..s.len()).find(|&i| {
        let raw = s
            .raw(i)
            .trim_end_matches([',', '.', ';', ':', '!', '?', ')']);
        raw.ends_with(close) && (i > start || raw.chars().count() > 2)
    })?;
    let indices: Vec<usize> = (start..=end).collect();
    let title = capitalise(&clean_edges(&s.text(&indices)));
    s.take(start, end + 1);
    (!title.is_empty()).then_some(title)
}

pub(super) fn take_task_noun(s: &mut Sentence) {
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

pub(super) fn take_list_suffix(s: &mut Sentence) {
    for phrase in LIST_SUFFIXES {
        if let Some(i) = s.find(phrase) {
            s.take(i, i + phrase.len());
        }
    }
}

/// Splits the free tokens into title positions and the description text, if any. Unless the
/// title was already taken (quoted), the first word is part of it.
fn split_description(s: &mut Sentence, titled: bool) -> (Vec<usize>, Option<String>) {
    let free = s.free();
    for (k, &i) in free.iter().enumerate().skip(usize::from(!titled)) {
        let marker_len = if is_dash(s.raw(i)) {
            Some(1)
        } else {
            DESCRIPTION_MARKERS
                .iter()
                .find(|(phrase, marker)| {
                    s.matches(i, phrase)
                        && match marker {
                            Marker::Anywhere => true,
                            Marker::Colon => s.ends_clause(i + phrase.len() - 1),
                            Marker::ClauseStart => s.ends_clause(i - 1),
                        }
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

pub(super) fn clean_title(s: &Sentence, indices: &[usize]) -> String {
    let words = trim_edges(s, indices, LEADING, TRAILING);
    let title = capitalise(&clean_edges(&s.text(&words)));
    match title.char_indices().nth(TITLE_MAX) {
        Some((cut, _)) => title[..cut].trim_end().to_owned(),
        None => title,
    }
}
