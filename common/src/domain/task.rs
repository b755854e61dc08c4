//! Tasks: validated field types, the row type, and the shapes of create, update and list.

use std::{fmt, str::FromStr};

use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};

use crate::Error;

/// Longest title, in characters, after trimming.
pub const TITLE_MAX_CHARS: usize = 200;
/// Longest description, in characters.
pub const DESCRIPTION_MAX_CHARS: usize = 2000;
/// Longest search text, in characters.
pub const QUERY_MAX_CHARS: usize = 200;
/// Largest page of a task listing.
pub const LIST_LIMIT_MAX: i64 = 100;
/// Page size when none is asked for.
pub const LIST_LIMIT_DEFAULT: i64 = 50;

/// A task title: 1–200 characters after trimming, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskTitle(String);

impl TaskTitle {
    /// Trims and validates a title.
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let title = raw.trim();
        if title.is_empty() {
            return Err(Error::validation("title", "must not be empty"));
        }
        if title.chars().count() > TITLE_MAX_CHARS {
            return Err(Error::validation(
                "title",
                format!("must be at most {TITLE_MAX_CHARS} characters"),
            ));
        }
        if title.chars().any(char::is_control) {
            return Err(Error::validation(
                "title",
                "must not contain control characters",
            ));
        }
        Ok(Self(title.to_owned()))
    }

    /// The title as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A task description: at most 2000 characters; line breaks and tabs allowed, other control
/// characters not. Empty (after trimming) means "no description".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskDescription(String);

impl TaskDescription {
    /// Trims and validates a description; `Ok(None)` when it is empty.
    pub fn parse(raw: &str) -> Result<Option<Self>, Error> {
        let text = raw.trim();
        if text.chars().count() > DESCRIPTION_MAX_CHARS {
            return Err(Error::validation(
                "description",
                format!("must be at most {DESCRIPTION_MAX_CHARS} characters"),
            ));
        }
        if text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
        {
            return Err(Error::validation(
                "description",
                "must not contain control characters other than line breaks and tabs",
            ));
        }
        Ok((!text.is_empty()).then(|| Self(text.to_owned())))
    }

    /// The description as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Checks that a due date is one Postgres can store and a person could mean.
pub fn validate_due_date(due: DateTime<Utc>) -> Result<DateTime<Utc>, Error> {
    if (1900..=9999).contains(&due.year()) {
        Ok(due)
    } else {
        Err(Error::validation(
            "due_date",
            "must be between the years 1900 and 9999",
        ))
    }
}

/// How urgent a task is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Low,
    #[default]
    Medium,
    High,
}

impl Priority {
    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }
}

impl FromStr for Priority {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "low" => Ok(Self::Low),
            "medium" => Ok(Self::Medium),
            "high" => Ok(Self::High),
            _ => Err(Error::validation(
                "priority",
                "must be one of low, medium, high",
            )),
        }
    }
}

impl TryFrom<String> for Priority {
    type Error = Error;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stored task.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Task {
    pub id: i64,
    #[serde(skip)]
    pub user_id: String,
    pub title: String,
    pub description: Option<String>,
    pub completed: bool,
    #[sqlx(try_from = "String")]
    pub priority: Priority,
    pub due_date: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A task to create.
#[derive(Debug, Clone)]
pub struct NewTask {
    pub title: TaskTitle,
    pub description: Option<TaskDescription>,
    pub priority: Priority,
    pub due_date: Option<DateTime<Utc>>,
}

/// A partial update. `None` leaves a field alone; for the nullable fields `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct TaskPatch {
    pub title: Option<TaskTitle>,
    pub description: Option<Option<TaskDescription>>,
    pub priority: Option<Priority>,
    pub due_date: Option<Option<DateTime<Utc>>>,
    pub completed: Option<bool>,
}

impl TaskPatch {
    /// True when the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        self.title.is_none()
            && self.description.is_none()
            && self.priority.is_none()
            && self.due_date.is_none()
            && self.completed.is_none()
    }
}

/// Which tasks a listing shows by completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatusFilter {
    #[default]
    All,
    Pending,
    Completed,
}

impl StatusFilter {
    /// The `completed` value to match, or `None` for all.
    pub fn completed(self) -> Option<bool> {
        match self {
            Self::All => None,
            Self::Pending => Some(false),
            Self::Completed => Some(true),
        }
    }
}

impl FromStr for StatusFilter {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "all" => Ok(Self::All),
            "pending" => Ok(Self::Pending),
            "completed" => Ok(Self::Completed),
            _ => Err(Error::validation(
                "status",
                "must be one of all, pending, completed",
            )),
        }
    }
}

/// Listing order. Each has a stable tie-breaker on the id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TaskSort {
    /// Newest first (the default).
    #[default]
    CreatedDesc,
    CreatedAsc,
    /// Soonest due first; tasks without a due date last.
    DueAsc,
    DueDesc,
    /// High before medium before low.
    PriorityDesc,
    PriorityAsc,
    TitleAsc,
    TitleDesc,
}

impl FromStr for TaskSort {
    type Err = Error;
    /// Parses `field` (ascending) or `-field` (descending), field one of `created_at`,
    /// `due_date`, `priority`, `title`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.trim() {
            "-created_at" => Self::CreatedDesc,
            "created_at" => Self::CreatedAsc,
            "due_date" => Self::DueAsc,
            "-due_date" => Self::DueDesc,
            "-priority" => Self::PriorityDesc,
            "priority" => Self::PriorityAsc,
            "title" => Self::TitleAsc,
            "-title" => Self::TitleDesc,
            _ => {
                return Err(Error::validation(
                    "sort",
                    "must be one of created_at, due_date, priority, title, each optionally prefixed by '-' for descending",
                ));
            }
        })
    }
}

/// What a listing asks for.
#[derive(Debug, Clone)]
pub struct TaskFilter {
    pub status: StatusFilter,
    pub priority: Option<Priority>,
    /// Case-insensitive text searched in title and description.
    pub query: Option<String>,
    pub sort: TaskSort,
    pub limit: i64,
    pub offset: i64,
}

impl Default for TaskFilter {
    fn default() -> Self {
        Self {
            status: StatusFilter::All,
            priority: None,
            query: None,
            sort: TaskSort::default(),
            limit: LIST_LIMIT_DEFAULT,
            offset: 0,
        }
    }
}

impl TaskFilter {
    /// Validates the free-form parts: search text, limit and offset.
    pub fn validated(mut self) -> Result<Self, Error> {
        if let Some(q) = self.query.take() {
            let q = q.trim();
            if q.chars().count() > QUERY_MAX_CHARS {
                return Err(Error::validation(
                    "q",
                    format!("must be at most {QUERY_MAX_CHARS} characters"),
                ));
            }
            if q.chars().any(char::is_control) {
                return Err(Error::validation(
                    "q",
                    "must not contain control characters",
                ));
            }
            self.query = (!q.is_empty()).then(|| q.to_owned());
        }
        if !(1..=LIST_LIMIT_MAX).contains(&self.limit) {
            return Err(Error::validation(
                "limit",
                format!("must be between 1 and {LIST_LIMIT_MAX}"),
            ));
        }
        if self.offset < 0 {
            return Err(Error::validation("offset", "must not be negative"));
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_is_trimmed_and_bounded() {
        assert_eq!(
            TaskTitle::parse("  Buy milk \n").expect("valid").as_str(),
            "Buy milk"
        );
        assert!(TaskTitle::parse("   ").is_err(), "blank");
        assert!(
            TaskTitle::parse(&"é".repeat(200)).is_ok(),
            "200 characters, 400 bytes"
        );
        assert!(
            TaskTitle::parse(&"a".repeat(201)).is_err(),
            "201 characters"
        );
        assert!(TaskTitle::parse("a\u{0}b").is_err(), "NUL inside");
        assert!(TaskTitle::parse("two\nlines").is_err(), "newline inside");
    }

    #[test]
    fn description_allows_lines_but_not_nul() {
        assert_eq!(TaskDescription::parse("  ").expect("valid"), None);
        assert!(TaskDescription::parse("a\nb\tc").expect("valid").is_some());
        assert!(TaskDescription::parse("a\u{0}b").is_err());
        assert!(TaskDescription::parse(&"x".repeat(2000)).is_ok());
        assert!(TaskDescription::parse(&"x".repeat(2001)).is_err());
    }

    #[test]
    fn priority_status_and_sort_parse() {
        assert_eq!("HIGH".parse::<Priority>().expect("valid"), Priority::High);
        assert!("urgent".parse::<Priority>().is_err());
        assert_eq!(
            "pending".parse::<StatusFilter>().expect("valid"),
            StatusFilter::Pending
        );
        assert!("open".parse::<StatusFilter>().is_err());
        assert_eq!(
            "-due_date".parse::<TaskSort>().expect("valid"),
            TaskSort::DueDesc
        );
        assert!("id; drop table tasks".parse::<TaskSort>().is_err());
    }

    #[test]
    fn due_dates_outside_storable_years_are_refused() {
        let ok = DateTime::parse_from_rfc3339("2026-12-01T17:00:00Z").expect("valid");
        assert!(validate_due_date(ok.with_timezone(&Utc)).is_ok());
        let far = DateTime::parse_from_rfc3339("+20000-01-01T00:00:00Z");
        if let Ok(far) = far {
            assert!(validate_due_date(far.with_timezone(&Utc)).is_err());
        }
        let old = DateTime::parse_from_rfc3339("1066-10-14T09:00:00Z").expect("valid");
        assert!(validate_due_date(old.with_timezone(&Utc)).is_err());
    }

    #[test]
    fn filter_limits_are_checked() {
        let base = TaskFilter::default();
        assert!(
            TaskFilter {
                limit: 0,
                ..base.clone()
            }
            .validated()
            .is_err()
        );
        assert!(
            TaskFilter {
                limit: 101,
                ..base.clone()
            }
            .validated()
            .is_err()
        );
        assert!(
            TaskFilter {
                offset: -1,
                ..base.clone()
            }
            .validated()
            .is_err()
        );
        let f = TaskFilter {
            query: Some("  ".into()),
            ..base
        }
        .validated()
        .expect("valid");
        assert_eq!(f.query, None, "blank search means no search");
    }
}
