//! Tasks: validated field types, the row type, and the shapes of create and update; what a
//! listing asks for is in [`listing`].

pub mod history;
pub mod listing;
pub mod reminder;
pub mod repeat;
mod repeat_words;
pub mod tags;

pub use listing::{
    LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX, QUERY_MAX_CHARS, StatusFilter, TaskFilter, TaskSort,
};
pub use repeat::{REPEAT_MAX_CHARS, Repeat};
pub use tags::{MAX_TAGS_PER_TASK, TAG_MAX_CHARS, Tag, Tags, TagsEdit};

use std::{fmt, str::FromStr};

use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};

use crate::Error;

/// Longest title, in characters as sent (surrounding whitespace counts).
pub const TITLE_MAX_CHARS: usize = 200;
/// Longest description, in characters.
pub const DESCRIPTION_MAX_CHARS: usize = 2000;
/// The most tasks one user may have (a quota: one user must not fill the database).
pub const MAX_TASKS_PER_USER: i64 = 10_000;

/// A task title: at most 200 characters as sent, not blank, trimmed, no control characters and
/// no invisible formatting characters ([`crate::unicode::is_hidden_format`]). The limit counts
/// what was sent so that it is the `maxLength` the OpenAPI document declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskTitle(String);

impl TaskTitle {
    /// Trims and validates a title.
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let title = raw.trim();
        if title.is_empty() {
            return Err(Error::validation("title", "must not be empty"));
        }
        if raw.chars().count() > TITLE_MAX_CHARS {
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
        if title.chars().any(crate::unicode::is_hidden_format) {
            return Err(Error::validation(
                "title",
                "must not contain invisible formatting characters (such as U+200B or U+202E)",
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
        if raw.chars().count() > DESCRIPTION_MAX_CHARS {
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

/// Checks that a due date (given in the input `field`) is one Postgres can store and a
/// person could mean.
pub fn validate_due_date(due: DateTime<Utc>, field: &'static str) -> Result<DateTime<Utc>, Error> {
    if (1900..=9999).contains(&due.year()) {
        Ok(due)
    } else {
        Err(Error::validation(
            field,
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
    /// Lowercased, without '#', sorted.
    pub tags: Vec<String>,
    /// How it repeats: a canonical RRULE ([`Repeat`]).
    pub repeat: Option<String>,
    /// The occurrence this one follows, for a repeating task.
    pub previous_id: Option<i64>,
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
    pub tags: Tags,
    pub repeat: Option<Repeat>,
}

/// A partial update. `None` leaves a field alone; for the nullable fields `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct TaskPatch {
    pub title: Option<TaskTitle>,
    pub description: Option<Option<TaskDescription>>,
    pub priority: Option<Priority>,
    pub due_date: Option<Option<DateTime<Utc>>>,
    pub completed: Option<bool>,
    pub tags: Option<TagsEdit>,
    /// A new rule, or `Some(None)`: stop repeating.
    pub repeat: Option<Option<Repeat>>,
    /// Moves a repeating task to its next occurrence without completing it.
    pub skip: bool,
}

impl TaskPatch {
    /// True when the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        self.title.is_none()
            && self.description.is_none()
            && self.priority.is_none()
            && self.due_date.is_none()
            && self.completed.is_none()
            && self.tags.is_none()
            && self.repeat.is_none()
            && !self.skip
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
    fn priority_parses() {
        assert_eq!("HIGH".parse::<Priority>().expect("valid"), Priority::High);
        assert!("urgent".parse::<Priority>().is_err());
    }

    #[test]
    fn due_dates_outside_storable_years_are_refused() {
        let ok = DateTime::parse_from_rfc3339("2026-12-01T17:00:00Z").expect("valid");
        assert!(validate_due_date(ok.with_timezone(&Utc), "due_date").is_ok());
        let far = DateTime::parse_from_rfc3339("+20000-01-01T00:00:00Z");
        if let Ok(far) = far {
            assert!(validate_due_date(far.with_timezone(&Utc), "due_date").is_err());
        }
        let old = DateTime::parse_from_rfc3339("1066-10-14T09:00:00Z").expect("valid");
        assert!(validate_due_date(old.with_timezone(&Utc), "due_date").is_err());
    }
}
