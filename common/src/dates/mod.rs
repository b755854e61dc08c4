//! Dates as people say them, read in their own time zone: the one date parser every path
//! uses (the builtin model, the tools' `due_date`, the REST API), the due-date views
//! ("today", "overdue", …) as ranges of instants, and due dates shown on the user's clock.
//!
//! Instants are stored and exchanged in UTC; the zone matters only where a wall-clock time
//! is read or shown. A date without a time means 17:00 that day in the user's zone, the end
//! of a working day.

pub(crate) mod calendar;
#[cfg(test)]
mod calendar_tests;
mod natural;
mod parse;
mod views;
mod written;
mod zone;

pub use calendar::default_due_time;
pub use natural::extract_due;
pub use parse::{ACCEPTED_FORMS, parse_due, parse_due_bound};
pub use views::{DueBounds, DueView, due_bounds};
pub use zone::Zone;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use chrono_tz::Tz;
use serde_json::Value;

/// When and where relative dates are read: "now" (for a chat turn, the moment its message
/// was accepted, so every delivery of the turn reads "tomorrow" alike) and the user's zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateContext {
    pub now: DateTime<Utc>,
    pub zone: Zone,
}

impl DateContext {
    /// Now in `zone`.
    pub fn new(now: DateTime<Utc>, zone: Zone) -> Self {
        Self { now, zone }
    }

    /// Now on the user's clock.
    pub fn local_now(&self) -> DateTime<Tz> {
        self.zone.local(self.now)
    }

    /// The user's today.
    pub fn today(&self) -> NaiveDate {
        self.local_now().date_naive()
    }

    /// `at` on the user's clock, as RFC 3339 with the zone's offset then
    /// ("2026-12-11T17:00:00-05:00"): the same instant, in the words of the user's zone.
    pub fn local_rfc3339(&self, at: DateTime<Utc>) -> String {
        self.zone
            .local(at)
            .to_rfc3339_opts(SecondsFormat::Secs, true)
    }

    /// "Friday, December 4, 2026, 16:22 in America/New_York (UTC−05:00)": the line that tells
    /// a model where and when the user is.
    pub fn describe_now(&self) -> String {
        let local = self.local_now();
        let offset = local.format("%:z").to_string().replace('-', "−");
        format!(
            "{} in {} (UTC{offset})",
            local.format("%A, %B %-d, %Y, %H:%M"),
            self.zone
        )
    }

    /// A tool result as the model is shown it: every time of a task (`due_date`, `next_due`,
    /// `created_at`, `updated_at`, in lists too) on the user's clock, so the model repeats
    /// the times the user means. The recorded result, and what clients receive, stay in UTC.
    pub fn localize_result(&self, result: &Value) -> Value {
        match result {
            Value::Array(items) => {
                Value::Array(items.iter().map(|i| self.localize_result(i)).collect())
            }
            Value::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(key, value)| {
                        let local = match (key.as_str(), value.as_str()) {
                            ("due_date" | "next_due" | "created_at" | "updated_at", Some(text)) => {
                                DateTime::parse_from_rfc3339(text)
                                    .ok()
                                    .map(|at| Value::String(self.local_rfc3339(at.to_utc())))
                            }
                            _ => None,
                        };
                        (key.clone(), local.unwrap_or_else(|| value.clone()))
                    })
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn ctx(zone: &str) -> DateContext {
        let now = DateTime::parse_from_rfc3339("2026-12-04T21:22:00Z")
            .expect("RFC 3339")
            .to_utc();
        DateContext::new(now, Zone::parse(zone, "time_zone").expect("a zone"))
    }

    #[test]
    fn now_is_described_with_the_zone_and_its_offset() {
        assert_eq!(
            ctx("America/New_York").describe_now(),
            "Friday, December 4, 2026, 16:22 in America/New_York (UTC−05:00)"
        );
        assert_eq!(
            ctx("Pacific/Chatham").describe_now(),
            "Saturday, December 5, 2026, 11:07 in Pacific/Chatham (UTC+13:45)"
        );
    }

    #[test]
    fn a_result_shows_its_times_on_the_users_clock() {
        let result = json!([
            {"id": 1, "title": "Call mom", "due_date": "2026-12-11T22:00:00Z",
             "created_at": "2026-12-04T21:00:00Z", "updated_at": "2026-12-04T21:00:00Z"},
            {"id": 2, "title": "No date", "due_date": null},
        ]);
        let shown = ctx("America/New_York").localize_result(&result);
        assert_eq!(shown[0]["due_date"], "2026-12-11T17:00:00-05:00");
        assert_eq!(shown[0]["created_at"], "2026-12-04T16:00:00-05:00");
        assert_eq!(shown[1]["due_date"], Value::Null);
        assert_eq!(shown[0]["title"], "Call mom");
        let error = json!({"error": "task_not_found", "message": "There is no task 9."});
        assert_eq!(ctx("Asia/Kolkata").localize_result(&error), error);
    }
}
