//! Reads an edit of an existing task: "rename task 2 to Call dad", "push the report to Friday
//! and make it urgent", "change the priority of #4 to low", "update the milk task description
//! to 2 litres". The changes come out as [`Changes`], the rest is the target.

use common::dates::{DateContext, extract_due};

use super::intent::{Action, Changes, Intent};
use super::priority::{Mode, Priority, extract_priority};
use super::target;
use super::words::{Sentence, capitalise, clean_edges};

/// Words before a new due date that go with it ("move it to Friday", "push it back to …").
const MOVE_WORDS: &[&str] = &[
    "to", "till", "until", "for", "back", "forward", "out", "into",
];

/// Words before a new value ("… to Call dad", "… as 2 litres").
const VALUE_WORDS: &[&str] = &["to", "as", "into", "="];

#[derive(Debug, Clone, Copy)]
enum Field {
    Title,
    Description,
}

const FIELD_KEYS: &[(&str, Field)] = &[
    ("title", Field::Title),
    ("name", Field::Title),
    ("description", Field::Description),
    ("desc", Field::Description),
    ("note", Field::Description),
    ("notes", Field::Description),
    ("details", Field::Description),
];

/// Reads the changes and the target from the free tokens of `s`; `verb` is the command word
/// already taken ("rename", "push", "prioritize", …).
pub(super) fn parse(s: &mut Sentence, verb: &str, ctx: &DateContext) -> Intent {
    let mut ids = target::take_ids(s);
    if ids.is_empty() {
        let first = s.first_free().unwrap_or(0);
        ids.extend(target::take_leading_number(s, first));
    }
    if let Some(changes) = field_edit(s, verb == "rename", !ids.is_empty()) {
        return Intent::Act(Action::Update(changes), target::finish(s, ids));
    }
    let mut changes = Changes {
        priority: extract_priority(s, Mode::Edit),
        due: extract_due(s, ctx, MOVE_WORDS).map(|due| ctx.zone.local(due).fixed_offset()),
        ..Changes::default()
    };
    changes.priority = changes.priority.or_else(|| verb_priority(verb, s));
    if changes.is_empty() {
        changes.title = take_value(s, 0).map(|title| capitalise(&title));
    }
    Intent::Act(Action::Update(changes), target::finish(s, ids))
}

/// The priority a verb implies: "prioritize X", "lower the priority of X".
fn verb_priority(verb: &str, s: &Sentence) -> Option<Priority> {
    match verb {
        "prioritize" | "prioritise" => Some(Priority::High),
        "deprioritize" | "deprioritise" => Some(Priority::Low),
        "raise" | "increase" | "bump" if s.has("priority") => Some(Priority::High),
        "lower" | "decrease" | "reduce" if s.has("priority") => Some(Priority::Low),
        _ => None,
    }
}

/// "… title/name/description/note (of X) to VALUE", or "rename X to VALUE".
fn field_edit(s: &mut Sentence, rename: bool, has_ids: bool) -> Option<Changes> {
    let key = (0..s.len()).find_map(|i| {
        let (_, field) = FIELD_KEYS
            .iter()
            .find(|(word, _)| s.is_free(i) && s.word(i) == *word)?;
        Some((i, *field))
    });
    let (field, value) = match key {
        Some((i, field)) => {
            s.take(i, i + 1);
            let value = if s.ends_clause(i) {
                take_rest(s, i + 1)
            } else {
                take_value(s, i + 1)
            };
            (field, value)
        }
        None if rename => {
            let value = take_value(s, 0);
            let value = match value {
                None if has_ids => take_rest(s, 0),
                value => value,
            };
            (Field::Title, value)
        }
        None => return None,
    };
    let mut changes = Changes::default();
    match field {
        Field::Title => changes.title = value.map(|v| capitalise(&v)),
        Field::Description => changes.description = value,
    }
    Some(changes)
}

/// Takes "to VALUE" (the first free "to"/"as"/"into" at or after `from`, and everything after
/// it) and returns the value.
fn take_value(s: &mut Sentence, from: usize) -> Option<String> {
    let at = (from..s.len()).find(|&i| s.is_free(i) && VALUE_WORDS.contains(&s.word(i)))?;
    s.take(at, at + 1);
    take_rest(s, at + 1)
}

/// Takes every free token from `from` on and returns their text, if any.
fn take_rest(s: &mut Sentence, from: usize) -> Option<String> {
    let rest: Vec<usize> = s.free().into_iter().filter(|&i| i >= from).collect();
    let value = clean_edges(&s.text(&rest));
    s.take(from, s.len());
    (!value.is_empty()).then_some(value)
}
