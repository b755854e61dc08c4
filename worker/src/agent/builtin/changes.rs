//! What to do with an existing task ([`Action`]) and the fields an update changes
//! ([`Changes`]), spelled as tool arguments. Some changes depend on the task as it is — "by a
//! week" moves its current due date, "add a note" keeps the note already there — so the
//! arguments are written with the task when the model has looked it up.

use chrono::{DateTime, Duration, FixedOffset, SecondsFormat};
use common::dates::{DateContext, default_due_time};
use serde_json::{Map, Value, json};

use super::priority::Priority;
use super::results::TaskView;

/// What to do with an existing task.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Action {
    Complete,
    Delete,
    Update(Changes),
}

impl Action {
    /// The tool that performs this action.
    pub(super) fn tool(&self) -> &'static str {
        match self {
            Self::Complete => "complete_task",
            Self::Delete => "delete_task",
            Self::Update(_) => "update_task",
        }
    }

    /// The arguments for acting on task `id`; `task` is the task as listed, when known.
    pub(super) fn args(&self, id: i64, task: Option<&TaskView>, ctx: &DateContext) -> Value {
        match self {
            Self::Update(changes) => changes.args(id, task, ctx),
            _ => json!({ "task_id": id }),
        }
    }

    /// True when the action reopens a task, so done tasks are the likelier target.
    pub(super) fn reopens(&self) -> bool {
        matches!(self, Self::Update(c) if c.completed == Some(false))
    }

    /// The completion state of the tasks this action is meant for: open ones to complete,
    /// done ones to reopen.
    pub(super) fn wants(&self) -> Option<bool> {
        match self {
            Self::Complete => Some(false),
            // Skipping or (un)setting a repeat is about the occurrence still to come.
            Self::Update(c) if c.skip || c.repeat.is_some() => Some(false),
            _ if self.reopens() => Some(true),
            _ => None,
        }
    }

    /// True when the arguments depend on the task as it is (see the module docs).
    pub(super) fn needs_task(&self) -> bool {
        matches!(self, Self::Update(c) if matches!(c.due, Some(DueChange::Shift(_)))
            || matches!(c.description, Some(NoteChange::Append(_))))
    }
}

/// A new due date, or none, or the current one moved.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum DueChange {
    /// On the user's clock.
    Set(DateTime<FixedOffset>),
    /// "remove the due date".
    Clear,
    /// "postpone by a week": the current due date moved (a task without one counts from
    /// today's default due time).
    Shift(Duration),
}

/// A new description, or a note added to the one there, or none.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum NoteChange {
    Set(String),
    Append(String),
    Clear,
}

/// The fields an update changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Changes {
    pub title: Option<String>,
    pub description: Option<NoteChange>,
    pub priority: Option<Priority>,
    pub due: Option<DueChange>,
    pub completed: Option<bool>,
    /// "tag it as work".
    pub add_tags: Vec<String>,
    /// "untag it from work".
    pub remove_tags: Vec<String>,
    /// "repeat it every Monday" (an RRULE), or `Some(None)`: "stop repeating it".
    pub repeat: Option<Option<String>>,
    /// "skip this one": a repeating task moved to its next occurrence.
    pub skip: bool,
}

impl Changes {
    /// "reopen", "mark as not done".
    pub(super) fn reopen() -> Self {
        Self {
            completed: Some(false),
            ..Self::default()
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// These changes with the fields `other` sets as well ("move it to Friday" + "and make it
    /// urgent").
    pub(super) fn merged(mut self, other: Changes) -> Changes {
        self.title = other.title.or(self.title);
        self.description = other.description.or(self.description);
        self.priority = other.priority.or(self.priority);
        self.due = other.due.or(self.due);
        self.completed = other.completed.or(self.completed);
        self.add_tags.extend(other.add_tags);
        self.remove_tags.extend(other.remove_tags);
        self.repeat = other.repeat.or(self.repeat);
        self.skip |= other.skip;
        self
    }

    fn args(&self, id: i64, task: Option<&TaskView>, ctx: &DateContext) -> Value {
        let mut args = Map::new();
        args.insert("task_id".into(), json!(id));
        if let Some(title) = &self.title {
            args.insert("title".into(), json!(title));
        }
        match &self.description {
            Some(NoteChange::Set(text)) => {
                args.insert("description".into(), json!(text));
            }
            Some(NoteChange::Append(text)) => {
                let old = task.and_then(|t| t.description.as_deref());
                let text = match old {
                    Some(old) if !old.trim().is_empty() => format!("{}\n{text}", old.trim_end()),
                    _ => text.clone(),
                };
                args.insert("description".into(), json!(text));
            }
            Some(NoteChange::Clear) => {
                args.insert("description".into(), Value::Null);
            }
            None => {}
        }
        if let Some(priority) = self.priority {
            args.insert("priority".into(), json!(priority.as_str()));
        }
        match self.due {
            Some(DueChange::Set(due)) => {
                args.insert("due_date".into(), json!(rfc3339(due)));
            }
            Some(DueChange::Clear) => {
                args.insert("due_date".into(), Value::Null);
            }
            Some(DueChange::Shift(by)) => {
                let from = task.and_then(|t| t.due).unwrap_or_else(|| today_due(ctx));
                args.insert("due_date".into(), json!(rfc3339(shifted(from, by, ctx))));
            }
            None => {}
        }
        if let Some(completed) = self.completed {
            args.insert("completed".into(), json!(completed));
        }
        if !self.add_tags.is_empty() {
            args.insert("add_tags".into(), json!(self.add_tags));
        }
        if !self.remove_tags.is_empty() {
            args.insert("remove_tags".into(), json!(self.remove_tags));
        }
        if let Some(repeat) = &self.repeat {
            args.insert("repeat".into(), json!(repeat));
        }
        if self.skip {
            args.insert("skip".into(), json!(true));
        }
        Value::Object(args)
    }
}

/// `from` moved by `by` on the user's calendar: "a week later" keeps the time of day even
/// across a change of the clocks.
fn shifted(from: DateTime<FixedOffset>, by: Duration, ctx: &DateContext) -> DateTime<FixedOffset> {
    let at = ctx.zone.instant(from.naive_local() + by);
    ctx.zone.local(at).fixed_offset()
}

/// Today at the default due time, on the user's clock.
fn today_due(ctx: &DateContext) -> DateTime<FixedOffset> {
    let at = ctx.zone.instant(ctx.today().and_time(default_due_time()));
    ctx.zone.local(at).fixed_offset()
}

/// A time as the tools read it: RFC 3339 with the user's offset, whole seconds
/// ("2026-11-27T17:00:00-05:00"; "…Z" in UTC).
pub(super) fn rfc3339(time: DateTime<FixedOffset>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}
