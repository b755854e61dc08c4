//! The task API's bodies and parameters as documented in OpenAPI, and their conversion to
//! and from the domain types.

use chrono::{DateTime, Utc};
use common::domain::{
    self, NewTask, StatusFilter, TaskDescription, TaskPatch, TaskSort, TaskTitle,
};
use poem_openapi::{Enum, Object, types::MaybeUndefined};
use serde::Serialize;

use crate::api::payload;

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
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// A task to create.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct TaskCreate {
    /// 1–200 characters after trimming.
    pub title: String,
    /// Up to 2000 characters.
    pub description: Option<String>,
    /// Defaults to `medium`.
    pub priority: Option<Priority>,
    /// RFC 3339 date-time, e.g. `2026-11-27T17:00:00Z`.
    pub due_date: Option<DateTime<Utc>>,
}

impl TryFrom<TaskCreate> for NewTask {
    type Error = common::Error;
    fn try_from(body: TaskCreate) -> Result<Self, Self::Error> {
        Ok(Self {
            title: TaskTitle::parse(&body.title)?,
            description: match body.description {
                Some(d) => TaskDescription::parse(&d)?,
                None => None,
            },
            priority: body.priority.map(Into::into).unwrap_or_default(),
            due_date: body
                .due_date
                .map(domain::task::validate_due_date)
                .transpose()?,
        })
    }
}

/// A partial update: omitted fields stay as they are; `null` clears `description` or `due_date`.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct TaskUpdate {
    pub title: Option<String>,
    pub description: MaybeUndefined<String>,
    pub priority: Option<Priority>,
    pub due_date: MaybeUndefined<DateTime<Utc>>,
    pub completed: Option<bool>,
}

impl TryFrom<TaskUpdate> for TaskPatch {
    type Error = common::Error;
    fn try_from(body: TaskUpdate) -> Result<Self, Self::Error> {
        let patch = Self {
            title: body.title.as_deref().map(TaskTitle::parse).transpose()?,
            description: match body.description {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(d) => Some(TaskDescription::parse(&d)?),
            },
            priority: body.priority.map(Into::into),
            due_date: match body.due_date {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(d) => Some(Some(domain::task::validate_due_date(d)?)),
            },
            completed: body.completed,
        };
        if patch.is_empty() {
            return Err(common::Error::validation(
                "body",
                "nothing to update: give at least one of title, description, priority, due_date, completed",
            ));
        }
        Ok(patch)
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
