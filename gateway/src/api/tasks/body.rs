//! The task API's bodies and parameters as documented in OpenAPI, and their conversion to
//! and from the domain types.

use chrono::{DateTime, Utc};
use common::{
    dates::{DateContext, DueView, parse_due},
    domain::{
        self, NewTask, Repeat, StatusFilter, Tags, TagsEdit, TaskDescription, TaskPatch, TaskSort,
        TaskTitle,
    },
};
use poem_openapi::{Enum, Object, types::MaybeUndefined};
use serde::Serialize;

use crate::api::{payload, text::Text};

/// How urgent a task is.
#[derive(Debug, Clone, Copy, Enum, Serialize)]
#[oai(rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Low,
    Medium,
    High,
}

impl From<Priority> for domain::Priority {
    fn from(p: Priority) -> Self {
        match p {
            Priority::Low => Self::Low,
            Priority::Medium => Self::Medium,
            Priority::High => Self::High,
        }
    }
}

impl From<domain::Priority> for Priority {
    fn from(p: domain::Priority) -> Self {
        match p {
            domain::Priority::Low => Self::Low,
            domain::Priority::Medium => Self::Medium,
            domain::Priority::High => Self::High,
        }
    }
}

/// A task. Sent as a [`JsonBody`](payload::JsonBody): its `Serialize` writes what its `ToJSON` would (tested).
#[derive(Debug, Clone, Object, Serialize)]
pub struct TaskOut {
    pub id: i64,
    pub title: String,
    pub description: Option<String>,
    pub completed: bool,
    pub priority: Priority,
    /// RFC 3339, UTC.
    #[serde(serialize_with = "payload::rfc3339_opt")]
    pub due_date: Option<DateTime<Utc>>,
    /// Lowercased, without `#`, sorted.
    pub tags: Vec<String>,
    /// How it repeats, an RRULE (`FREQ=WEEKLY;BYDAY=MO,TH`); null when it does not.
    pub repeat: Option<String>,
    /// The repeat in words ("every Monday and Thursday").
    pub repeat_text: Option<String>,
    /// For an occurrence of a repeating task: the one it follows (completing that one added
    /// this one).
    pub previous_id: Option<i64>,
    #[serde(serialize_with = "payload::rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "payload::rfc3339")]
    pub updated_at: DateTime<Utc>,
}

impl From<domain::Task> for TaskOut {
    fn from(t: domain::Task) -> Self {
        Self {
            id: t.id,
            title: t.title,
            description: t.description,
            completed: t.completed,
            priority: t.priority.into(),
            due_date: t.due_date,
            repeat_text: t
                .repeat
                .clone()
                .and_then(|rule| Repeat::try_from(rule).ok())
                .map(|repeat| repeat.describe()),
            repeat: t.repeat,
            previous_id: t.previous_id,
            tags: t.tags,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// A tag and how many of the user's tasks carry it.
#[derive(Debug, Clone, Object, Serialize)]
pub struct TagOut {
    /// Lowercased, without `#`.
    pub name: String,
    pub tasks: i64,
}

/// A task to create.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct TaskCreate {
    /// 1–200 characters after trimming.
    pub title: Text,
    /// Up to 2000 characters.
    pub description: Option<Text>,
    /// Defaults to `medium`.
    pub priority: Option<Priority>,
    /// When it is due: RFC 3339 with an offset (`2026-11-27T17:00:00-05:00`), a local
    /// date-time (`2026-11-27 17:00`), a date (`2026-11-27`, meaning 17:00) or words
    /// (`next friday 5pm`); all but the first are read in the user's time zone.
    #[oai(validator(max_length = 100))]
    pub due_date: Option<Text>,
    /// Up to 10 tags (`work`, `#work`: the same tag), each letters, digits, `-` or `_`, at
    /// most 32 characters; kept lowercased.
    #[oai(validator(max_items = 10))]
    pub tags: Option<Vec<Text>>,
    /// How it repeats: words ("every weekday", "every Monday and Thursday", "every 2 weeks",
    /// "on the 1st of every month", "every year") or an RRULE of the supported subset
    /// (`FREQ=WEEKLY;BYDAY=MO,TH`). A repeating task always has a due date (the first
    /// occurrence from today at 17:00 when none is given); completing it adds the next one.
    #[oai(validator(max_length = 200))]
    pub repeat: Option<Text>,
}

impl TaskCreate {
    /// The task to store, its due date read on the user's clock `dates`.
    pub fn into_new_task(self, dates: &DateContext) -> Result<NewTask, common::Error> {
        Ok(NewTask {
            title: TaskTitle::parse(&self.title)?,
            description: match self.description {
                Some(d) => TaskDescription::parse(&d)?,
                None => None,
            },
            priority: self.priority.map(Into::into).unwrap_or_default(),
            due_date: self
                .due_date
                .map(|text| parse_due(&text, dates, "due_date"))
                .transpose()?,
            tags: tags(self.tags.as_deref(), "tags")?.unwrap_or_default(),
            repeat: self
                .repeat
                .map(|text| Repeat::parse(&text, "repeat"))
                .transpose()?,
        })
    }
}

/// A partial update: omitted fields stay as they are; `null` clears `description` or `due_date`.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct TaskUpdate {
    pub title: Option<Text>,
    pub description: MaybeUndefined<Text>,
    pub priority: Option<Priority>,
    /// In any form `due_date` takes on create; `null` clears it.
    #[oai(validator(max_length = 100))]
    pub due_date: MaybeUndefined<Text>,
    pub completed: Option<bool>,
    /// All the task's tags, instead of the ones it has (`[]` removes them all).
    #[oai(validator(max_items = 10))]
    pub tags: Option<Vec<Text>>,
    /// Tags to add to the ones it has (not with `tags`).
    #[oai(validator(max_items = 10))]
    pub add_tags: Option<Vec<Text>>,
    /// Tags to remove from the ones it has (not with `tags`).
    #[oai(validator(max_items = 10))]
    pub remove_tags: Option<Vec<Text>>,
    /// A new repeat, as on create; `null` stops repeating.
    #[oai(validator(max_length = 200))]
    pub repeat: MaybeUndefined<Text>,
    /// `true`: skip this occurrence of a repeating task (its due date moves to the next one,
    /// it is not completed); 422 for a task that does not repeat.
    pub skip: Option<bool>,
}

/// Parses tags given as `field`.
fn tags(raw: Option<&[Text]>, field: &'static str) -> Result<Option<Tags>, common::Error> {
    raw.map(|raw| Tags::parse(raw, field)).transpose()
}

impl TaskUpdate {
    /// The due date as given, if the update sets one.
    pub fn due_text(&self) -> Option<&str> {
        self.due_date.value().map(|due| &**due)
    }

    /// The change to make, its due date read on the user's clock `dates`.
    pub fn into_patch(self, dates: &DateContext) -> Result<TaskPatch, common::Error> {
        let patch = TaskPatch {
            title: self.title.as_deref().map(TaskTitle::parse).transpose()?,
            description: match self.description {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(d) => Some(TaskDescription::parse(&d)?),
            },
            priority: self.priority.map(Into::into),
            due_date: match self.due_date {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(d) => Some(Some(parse_due(&d, dates, "due_date")?)),
            },
            completed: self.completed,
            tags: TagsEdit::from_parts(
                tags(self.tags.as_deref(), "tags")?,
                tags(self.add_tags.as_deref(), "add_tags")?,
                tags(self.remove_tags.as_deref(), "remove_tags")?,
            )?,
            repeat: match self.repeat {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(r) => Some(Some(Repeat::parse(&r, "repeat")?)),
            },
            skip: self.skip.unwrap_or(false),
        };
        if patch.is_empty() {
            return Err(common::Error::validation(
                "body",
                "nothing to update: give at least one of title, description, priority, due_date, completed, tags, add_tags, remove_tags, repeat, skip",
            ));
        }
        Ok(patch)
    }
}

/// Which due dates to list, on the user's calendar.
#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "snake_case")]
pub enum Due {
    /// Open tasks whose due time has passed.
    Overdue,
    Today,
    Tomorrow,
    /// Monday to Sunday.
    ThisWeek,
    /// Today and the six days after it.
    #[oai(rename = "next_7_days")]
    Next7Days,
    /// Without a due date.
    None,
}

impl From<Due> for DueView {
    fn from(d: Due) -> Self {
        match d {
            Due::Overdue => Self::Overdue,
            Due::Today => Self::Today,
            Due::Tomorrow => Self::Tomorrow,
            Due::ThisWeek => Self::ThisWeek,
            Due::Next7Days => Self::Next7Days,
            Due::None => Self::NoDate,
        }
    }
}

/// Which tasks to list by completion.
#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "lowercase")]
pub enum Status {
    All,
    Pending,
    Completed,
}

/// Listing order: a field, ascending, or with `-` descending.
#[derive(Debug, Clone, Copy, Enum)]
pub enum Sort {
    #[oai(rename = "-created_at")]
    CreatedDesc,
    #[oai(rename = "created_at")]
    CreatedAsc,
    #[oai(rename = "due_date")]
    DueAsc,
    #[oai(rename = "-due_date")]
    DueDesc,
    #[oai(rename = "-priority")]
    PriorityDesc,
    #[oai(rename = "priority")]
    PriorityAsc,
    #[oai(rename = "title")]
    TitleAsc,
    #[oai(rename = "-title")]
    TitleDesc,
}

impl From<Sort> for TaskSort {
    fn from(s: Sort) -> Self {
        match s {
            Sort::CreatedDesc => Self::CreatedDesc,
            Sort::CreatedAsc => Self::CreatedAsc,
            Sort::DueAsc => Self::DueAsc,
            Sort::DueDesc => Self::DueDesc,
            Sort::PriorityDesc => Self::PriorityDesc,
            Sort::PriorityAsc => Self::PriorityAsc,
            Sort::TitleAsc => Self::TitleAsc,
            Sort::TitleDesc => Self::TitleDesc,
        }
    }
}

impl From<Status> for StatusFilter {
    fn from(s: Status) -> Self {
        match s {
            Status::All => Self::All,
            Status::Pending => Self::Pending,
            Status::Completed => Self::Completed,
        }
    }
}

#[cfg(test)]
mod tests {
    use poem_openapi::types::ToJSON;

    use super::*;

    #[test]
    fn a_task_body_is_what_its_documented_json_would_be() {
        let at = |text| {
            DateTime::parse_from_rfc3339(text)
                .expect("a valid timestamp")
                .with_timezone(&Utc)
        };
        let tasks = [
            TaskOut {
                id: 1,
                title: "Renew passport".to_owned(),
                description: None,
                completed: false,
                priority: Priority::Low,
                due_date: None,
                tags: Vec::new(),
                repeat: None,
                repeat_text: None,
                previous_id: None,
                created_at: at("2026-11-22T22:35:27.215535Z"),
                updated_at: at("2026-11-22T22:35:27Z"),
            },
            TaskOut {
                id: i64::MAX,
                title: "Say \"hi\" to Zoë\n\t<b>".to_owned(),
                description: Some("two photos\u{1F4F7}".to_owned()),
                completed: true,
                priority: Priority::High,
                due_date: Some(at("2026-11-27T17:00:00+02:00")),
                tags: vec!["work".to_owned(), "日本".to_owned()],
                repeat: Some("FREQ=DAILY".to_owned()),
                repeat_text: Some("every day".to_owned()),
                previous_id: Some(1),
                created_at: at("1999-01-01T00:00:00.000000001Z"),
                updated_at: at("2026-11-22T22:35:27.5Z"),
            },
        ];
        for task in &tasks {
            assert_eq!(
                serde_json::to_value(task).expect("serialised"),
                task.to_json().expect("a JSON value"),
            );
        }
        let page = tasks.to_vec();
        assert_eq!(
            serde_json::to_value(&page).expect("serialised"),
            page.to_json().expect("a JSON value"),
        );
    }
}
