//! Reads an edit of an existing task: "rename task 2 to Call dad", "push the report to Friday
//! and make it urgent", "change the priority of #4 to low", "update the milk task description
//! to 2 litres", "postpone the car service by a week", "remove the due date from the taxes
//! task", "push everything due tomorrow back by 2 days". The changes come out as [`Changes`],
//! the rest is the target.

use chrono::Duration;
use common::dates::{DateContext, extract_due};
use common::domain::task::repeat::extract_repeat;

use super::intent::{Action, Changes, DueChange, Intent, ListFilter, NoteChange, Status, Target};
use super::priority::{Mode, Priority, extract_priority};
use super::words::{Sentence, capitalise, clean_edges, count};
use super::{tags, target};

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
    if matches!(verb, "tag" | "label" | "untag") {
        let tags = tags::take_command_tags(s);
        let mut changes = Changes::default();
        if verb == "untag" {
            changes.remove_tags = tags;
        } else {
            changes.add_tags = tags;
        }
        let ids = target::take_ids(s);
        return Intent::Act(Action::Update(changes), target::finish(s, ids));
    }
    if matches!(verb, "stop" | "skip") {
        // "stop repeating the stand-up", "skip this one"
        let changes = Changes {
            repeat: (verb == "stop").then_some(None),
            skip: verb == "skip",
            ..Changes::default()
        };
        s.take_before(s.len(), &["occurrence", "time", "week", "today"]);
        let ids = target::take_ids(s);
        return Intent::Act(Action::Update(changes), target::finish(s, ids));
    }
    let shift = take_shift(s, verb);
    if let Some(filter) = take_everything(s, ctx) {
        let mut changes = changes(s, verb, ctx);
        changes.due = shift.or(changes.due);
        return Intent::Each(Action::Update(changes), filter);
    }
    let mut ids = target::take_ids(s);
    if ids.is_empty() {
        let first = s.first_free().unwrap_or(0);
        ids.extend(target::take_leading_number(s, first));
    }
    if let Some(changes) = field_edit(s, verb == "rename", !ids.is_empty()) {
        return Intent::Act(Action::Update(changes), target::finish(s, ids));
    }
    let mut changes = changes(s, verb, ctx);
    changes.due = shift.or(changes.due);
    if changes.is_empty() {
        changes.title = take_value(s, 0).map(|title| capitalise(&title));
    }
    Intent::Act(Action::Update(changes), target::finish(s, ids))
}

/// The new priority and due date said anywhere in `s`.
fn changes(s: &mut Sentence, verb: &str, ctx: &DateContext) -> Changes {
    let repeat = extract_repeat(s).map(|r| r.as_str().to_owned());
    let due = extract_due(s, ctx, MOVE_WORDS).map(|due| ctx.zone.local(due).fixed_offset());
    let priority = extract_priority(s, Mode::Edit);
    Changes {
        priority: priority.or_else(|| verb_priority(verb, s)),
        due: due.map(DueChange::Set),
        repeat: repeat.map(Some),
        ..Changes::default()
    }
}

/// Verbs that move a due date later, and those that move it earlier.
const LATER: &[&str] = &[
    "push",
    "postpone",
    "delay",
    "defer",
    "bump",
    "move",
    "shift",
    "snooze",
    "reschedule",
    "extend",
];
const EARLIER: &[&str] = &["bring", "pull"];

/// "by a week", "back 2 days", "by an hour": the due date moved from where it is.
fn take_shift(s: &mut Sentence, verb: &str) -> Option<DueChange> {
    let sign = if LATER.contains(&verb) {
        1
    } else if EARLIER.contains(&verb) {
        -1
    } else {
        return None;
    };
    let at = (0..s.len()).find(|&i| {
        s.is_free(i)
            && count(s.word(i)).is_some()
            && s.is_free(i + 1)
            && unit(s.word(i + 1)).is_some()
            && matches!(s.word(i.wrapping_sub(1)), "by" | "back" | "forward" | "out")
    })?;
    let n = count(s.word(at))?;
    let step = unit(s.word(at + 1))?;
    s.take(at, at + 2);
    s.take_before(at, &["by", "back", "forward", "out"]);
    Some(DueChange::Shift(step * i32::try_from(n * sign).ok()?))
}

fn unit(word: &str) -> Option<Duration> {
    match word {
        "day" | "days" => Some(Duration::days(1)),
        "week" | "weeks" => Some(Duration::weeks(1)),
        "hour" | "hours" => Some(Duration::hours(1)),
        _ => None,
    }
}

/// "everything due tomorrow", "all my tasks due today": the open tasks of a due view.
fn take_everything(s: &mut Sentence, ctx: &DateContext) -> Option<ListFilter> {
    let at = s.first_free()?;
    if !matches!(s.word(at), "everything" | "all") {
        return None;
    }
    let mut end = at + 1;
    while matches!(
        s.word(end),
        "my" | "the" | "tasks" | "of" | "that" | "is" | "are"
    ) {
        end += 1;
    }
    if s.word(end) != "due" {
        return None;
    }
    s.take(at, end + 1);
    let due = super::list::take_due_at(s, end + 1, ctx)?;
    Some(ListFilter {
        status: Some(Status::Pending),
        due: Some(due),
        ..ListFilter::default()
    })
}

/// "remove the due date from the taxes task", "clear the note on #3": a field emptied, not
/// the task deleted.
pub(super) fn clear_field(s: &mut Sentence) -> Option<Intent> {
    let start = s.first_free()?;
    let lead = usize::from(matches!(s.word(start), "the" | "its" | "their"));
    let at = start + lead;
    let (len, changes) = if s.matches(at, &["due", "date"]) {
        (2, due_cleared())
    } else if matches!(s.word(at), "deadline" | "date") {
        (1, due_cleared())
    } else if matches!(s.word(at), "description" | "note" | "notes" | "details") {
        let changes = Changes {
            description: Some(NoteChange::Clear),
            ..Changes::default()
        };
        (1, changes)
    } else {
        return None;
    };
    let after = s.word(at + len);
    if !(after.is_empty() || matches!(after, "from" | "of" | "on" | "for" | "in")) {
        return None;
    }
    s.take(start, at + len + usize::from(!after.is_empty()));
    let target = match target::parse(s) {
        Target::Missing => Target::It,
        target => target,
    };
    Some(Intent::Act(Action::Update(changes), target))
}

fn due_cleared() -> Changes {
    Changes {
        due: Some(DueChange::Clear),
        ..Changes::default()
    }
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
        Field::Description => changes.description = value.map(NoteChange::Set),
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
