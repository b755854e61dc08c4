//! What the user asked for, as data: the parsers produce [`Intent`]s, the planner turns them
//! into tool calls, and these types know how to spell their tool arguments (the changes to an
//! existing task are in `changes`).

use chrono::{DateTime, FixedOffset, NaiveDate};
use common::dates::DueView;
use serde_json::{Map, Value, json};

pub(super) use super::changes::{Action, Changes, DueChange, NoteChange, rfc3339};
use super::priority::Priority;

/// One request of the last user message (a message may hold several).
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Intent {
    /// One task, or several said at once ("add milk and bread").
    Add(Vec<NewTask>),
    /// "add a task" with nothing to add.
    AskTitle,
    List(ListFilter),
    /// A question about one task: "did I add the dentist?", "when is the report due?".
    Find(Target, Ask),
    /// Complete, delete or update the target task(s).
    Act(Action, Target),
    /// The action on every task a listing returns: "delete everything I finished", "mark
    /// everything as done", "push everything due tomorrow back by 2 days".
    Each(Action, ListFilter),
    /// "delete all my tasks": refused, it cannot be undone.
    DeleteAll,
    /// "undo that", "put it back": every change of the conversation's last turn that changed
    /// tasks, reverted (the undo tool).
    Undo,
    /// "redo", "undo the undo": the last undo reverted.
    Redo,
    /// "what did I just add?": told from the last reply.
    Recall,
    /// "what did you change today?": the changes since then (the words of a day).
    Changes(String),
    /// Something only a person or another app can do ("send an email to my boss", "book me a
    /// flight"), with the task the model may offer to add instead.
    Elsewhere(Option<String>),
    /// "what's on Alice's list?": only the user's own list is visible.
    OthersList(String),
    /// "never mind", "forget it".
    Dismiss,
    Help,
    Greeting,
    Thanks,
    Unknown,
}

/// What a question about one task wants to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ask {
    /// "did I already add …?", "is … on my list?"
    Exists,
    /// "did I finish …?"
    Done,
    /// "when is … due?"
    When,
    /// "show me task 12"
    Show,
}

/// A task to add.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct NewTask {
    pub title: String,
    pub description: Option<String>,
    pub priority: Option<Priority>,
    /// On the user's clock.
    pub due: Option<DateTime<FixedOffset>>,
    /// "#home" in the message.
    pub tags: Vec<String>,
    /// "every Monday and Thursday", as an RRULE.
    pub repeat: Option<String>,
    /// "30 minutes before": a reminder that many minutes before the due time.
    pub remind_before: Option<i32>,
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
        if !self.tags.is_empty() {
            args.insert("tags".into(), json!(self.tags));
        }
        if let Some(repeat) = &self.repeat {
            args.insert("repeat".into(), json!(repeat));
        }
        if let Some(minutes) = self.remind_before {
            args.insert(
                "reminders".into(),
                json!([format!("{minutes} minutes before")]),
            );
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
    /// "my work list", "#health".
    pub tag: Option<String>,
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
    /// The filter a `list_tasks` call asked for, read from any model's arguments, so that
    /// the answer to an empty result names what was asked ("You have nothing due today.")
    /// instead of calling the whole list empty. None when the call narrowed the list in a way
    /// this filter cannot say (a sort or a paging does not narrow it).
    pub(super) fn read(args: &Value) -> Option<Self> {
        let text = |key: &str| {
            args.get(key)
                .and_then(Value::as_str)
                .map(|s| s.trim().to_ascii_lowercase())
                .filter(|s| !s.is_empty())
        };
        let known = [
            "status", "priority", "query", "tag", "due", "limit", "offset", "sort",
        ];
        let fields = args.as_object()?;
        if fields
            .iter()
            .any(|(key, value)| !known.contains(&key.as_str()) && !value.is_null())
        {
            return None;
        }
        let status = match text("status").as_deref() {
            None | Some("all") => None,
            Some("pending") => Some(Status::Pending),
            Some("completed") => Some(Status::Completed),
            Some(_) => return None,
        };
        let priority = match text("priority") {
            None => None,
            Some(level) => Some(Priority::parse(&level)?),
        };
        let due = match text("due") {
            None => None,
            Some(view) => Some(Due::View(view.parse().ok()?)),
        };
        Some(Self {
            status,
            priority,
            query: text("query"),
            due,
            tag: text("tag").map(|tag| tag.trim_start_matches('#').to_owned()),
        })
    }

    pub(super) fn args(&self) -> Value {
        let mut args = Map::new();
        let status = self.status.map_or("all", Status::as_str);
        let narrowed = self.priority.is_some()
            || self.query.is_some()
            || self.due.is_some()
            || self.tag.is_some();
        if self.status.is_some() || !narrowed {
            args.insert("status".into(), json!(status));
        }
        if let Some(priority) = self.priority {
            args.insert("priority".into(), json!(priority.as_str()));
        }
        if let Some(query) = &self.query {
            args.insert("query".into(), json!(query));
        }
        if let Some(tag) = &self.tag {
            args.insert("tag".into(), json!(tag));
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

/// Which task an action is about.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Target {
    /// By number: "task 3", "#3", "3 and 4".
    Ids(Vec<i64>),
    /// By words of its title: "the groceries task", "the gym and yoga tasks".
    Title(String),
    /// A sentence that mentions it among other things, before "… so take that off my list".
    Mention(String),
    /// "it", "that": the task the conversation was last about.
    It,
    /// "the first one", "the second one", "the last one" of the last listing.
    Position(Position),
    /// One of the tasks the model asked about, picked by its due day ("the one due
    /// tomorrow").
    Among(Vec<i64>, NaiveDate),
    /// Not said at all.
    Missing,
}

/// A place in a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Position {
    /// Counting from 0.
    Nth(usize),
    Last,
}
