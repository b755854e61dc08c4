//! What a task listing asks for: which tasks (completion, priority, due dates, search text),
//! in which order, which page.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{Priority, Tags};
use crate::{Error, dates::DueBounds};

/// Longest search text, in characters.
pub const QUERY_MAX_CHARS: usize = 200;
/// Largest page of a task listing.
pub const LIST_LIMIT_MAX: i64 = 100;
/// Page size when none is asked for.
pub const LIST_LIMIT_DEFAULT: i64 = 50;

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
    /// Best search match first (title and tags over description), then newest: the order
    /// when a listing searches and asks for no other.
    Relevance,
}

impl TaskSort {
    /// The order of a listing that asks for none: soonest due first when it asks about due
    /// dates, best match first when it searches, else newest first.
    pub fn default_for(reads_dates: bool, searches: bool) -> Self {
        match (reads_dates, searches) {
            (true, _) => Self::DueAsc,
            (false, true) => Self::Relevance,
            (false, false) => Self::CreatedDesc,
        }
    }
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
    /// Which due dates (a view such as "today", or a range), resolved to instants.
    pub due: DueBounds,
    /// Words searched in title, description and tags (see [`crate::db::tasks`]).
    pub query: Option<String>,
    /// Only tasks with all of these tags.
    pub tags: Tags,
    pub sort: TaskSort,
    pub limit: i64,
    pub offset: i64,
}

impl Default for TaskFilter {
    fn default() -> Self {
        Self {
            status: StatusFilter::All,
            priority: None,
            due: DueBounds::default(),
            query: None,
            tags: Tags::default(),
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
        if self.query.is_none() && self.sort == TaskSort::Relevance {
            self.sort = TaskSort::default();
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
    fn status_and_sort_parse() {
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
