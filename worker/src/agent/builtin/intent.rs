//! What the user asked for, as data: the parsers produce an [`Intent`], the planner turns it
//! into tool calls, and these types know how to spell their tool arguments.

use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat};
use common::dates::DueView;
use serde_json::{Map, Value, json};

use super::priority::Priority;

/// The request of the last user message.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Intent {
    Add(NewTask),
    /// "add a task" with nothing to add.
    AskTitle,
    List(ListFilter),
    /// Complete, delete or update the target task(s).
    Act(Action, Target),
    /// "delete everything I finished", "clear completed tasks".
    DeleteCompleted,
    /// "delete all my tasks": refused, it cannot be undone.
    DeleteAll,
    Help,
    Greeting,
    Thanks,
    Unknown,
}

/// A task to add.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct NewTask {
    pub title: String,
    pub description: Option<String>,
    pub priority: Option<Priority>,
    /// On the user's clock.
    pub due: Option<DateTime<FixedOffset>>,
}

impl NewTask {
    pub(super) fn args(&self) -> Value {
        let mut args = Map::new();
        args.insert("title".into(), json!(self.title));
        if let Some(description) = &self.description {
            args.insert("description".into(), json!(description));
        }
        if let Some(priority) = self.priority {
            args.insert("priority".into(), json!(priority.as_str()));
        }
        if let Some(due) = self.due {
            args.insert("due_date".into(), json!(rfc3339(due)));
        }
        Value::Object(args)
    }
}

/// Which tasks a listing asks for.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct ListFilter {
    pub status: Option<Status>,
    pub priority: Option<Priority>,
    pub query: Option<String>,
    pub due: Option<Due>,
}

/// Which due dates a listing asks for, on the user's calendar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Due {
    /// "overdue", "today", "this week", "without a date", …
    View(DueView),
    /// The days from the first up to (not including) the second: "on Friday", "next week".
    Days(NaiveDate, NaiveDate),
}

impl Due {
    /// "due today", "overdue", "due on Friday, November 27", as a listing says it.
    pub(super) fn words(&self) -> String {
        match self {
            Self::View(DueView::Overdue) => "overdue".to_owned(),
            Self::View(DueView::NoDate) => "without a due date".to_owned(),
            Self::View(DueView::Today) => "due today".to_owned(),
            Self::View(DueView::Tomorrow) => "due tomorrow".to_owned(),
            Self::View(DueView::ThisWeek) => "due this week".to_owned(),
            Self::View(DueView::Next7Days) => "due in the next 7 days".to_owned(),
            Self::Days(from, to) if from.succ_opt() == Some(*to) => {
                format!("due on {}", from.format("%A, %B %-d"))
            }
            Self::Days(from, to) => format!(
                "due from {} to {}",
                from.format("%A, %B %-d"),
                to.pred_opt().unwrap_or(*to).format("%A, %B %-d")
            ),
        }
    }
}

impl ListFilter {
    pub(super) fn args(&self) -> Value {
        let mut args = Map::new();
        let status = self.status.map_or("all", Status::as_str);
        let narrowed = self.priority.is_some() || self.query.is_some() || self.due.is_some();
        if self.status.is_some() || !narrowed {
            args.insert("status".into(), json!(status));
        }
        if let Some(priority) = self.priority {
            args.insert("priority".into(), json!(priority.as_str()));
        }
        if let Some(query) = &self.query {
            args.insert("query".into(), json!(query));
        }
        match self.due {
            Some(Due::View(view)) => {
                args.insert("due".into(), json!(view.as_str()));
            }
            Some(Due::Days(from, to)) => {
                args.insert("due_after".into(), json!(from.to_string()));
                args.insert("due_before".into(), json!(to.to_string()));
            }
            None => {}
        }
        Value::Object(args)
    }
}

/// Open or done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Status {
    Pending,
    Completed,
}

impl Status {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Completed => "completed",
        }
    }
}

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

    /// The arguments for acting on task `id`.
    pub(super) fn args(&self, id: i64) -> Value {
        match self {
            Self::Update(changes) => changes.args(id),
            _ => json!({ "task_id": id }),
        }
    }

    /// True when the action reopens a task, so done tasks are the likelier target.
    pub(super) fn reopens(&self) -> bool {
        matches!(self, Self::Update(c) if c.completed == Some(false))
    }
}

/// The fields an update changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Changes {
    pub title: Option<String>,
    pub description: Option<String>,
    pub priority: Option<Priority>,
    /// On the user's clock.
    pub due: Option<DateTime<FixedOffset>>,
    pub completed: Option<bool>,
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

    fn args(&self, id: i64) -> Value {
        let mut args = Map::new();
        args.insert("task_id".into(), json!(id));
        if let Some(title) = &self.title {
            args.insert("title".into(), json!(title));
        }
        if let Some(description) = &self.description {
            args.insert("description".into(), json!(description));
        }
        if let Some(priority) = self.priority {
            args.insert("priority".into(), json!(priority.as_str()));
        }
        if let Some(due) = self.due {
            args.insert("due_date".into(), json!(rfc3339(due)));
        }
        if let Some(completed) = self.completed {
            args.insert("completed".into(), json!(completed));
        }
        Value::Object(args)
    }
}

/// Which task an action is about.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Target {
    /// By number: "task 3", "#3", "3 and 4".
    Ids(Vec<i64>),
    /// By words of its title: "the groceries task".
    Title(String),
    /// "it", "that": the task the conversation was last about.
    It,
    /// Not said at all.
    Missing,
}

/// A time as the tools read it: RFC 3339 with the user's offset, whole seconds
/// ("2026-11-27T17:00:00-05:00"; "…Z" in UTC).
pub(super) fn rfc3339(time: DateTime<FixedOffset>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}
