//! The due-date questions people ask — "what's due today?", "anything overdue?", "what do I
//! have this week?" — as ranges of instants, computed on the user's clock.

use std::{fmt, str::FromStr};

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};

use super::{DateContext, parse_due_bound};
use crate::Error;

/// A named due-date view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueView {
    /// Open tasks whose due time has passed.
    Overdue,
    /// Due during the user's today.
    Today,
    /// Due during the user's tomorrow.
    Tomorrow,
    /// Due this week, Monday to Sunday, on the user's calendar.
    ThisWeek,
    /// Due today or in the six days after it.
    Next7Days,
    /// Without a due date.
    NoDate,
}

impl DueView {
    /// Every view, in the order documentation lists them.
    pub const ALL: [DueView; 6] = [
        Self::Overdue,
        Self::Today,
        Self::Tomorrow,
        Self::ThisWeek,
        Self::Next7Days,
        Self::NoDate,
    ];

    /// The name in URLs and tool arguments.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Overdue => "overdue",
            Self::Today => "today",
            Self::Tomorrow => "tomorrow",
            Self::ThisWeek => "this_week",
            Self::Next7Days => "next_7_days",
            Self::NoDate => "none",
        }
    }

    /// The tasks this view shows, as bounds on their due date.
    pub fn bounds(self, ctx: &DateContext) -> DueBounds {
        let today = ctx.today();
        let day_start = |day: NaiveDate| ctx.zone.instant(day.and_time(chrono::NaiveTime::MIN));
        let days = |n: u64| today.checked_add_days(Days::new(n)).unwrap_or(today);
        let range = |from: NaiveDate, to: NaiveDate| DueBounds {
            after: Some(day_start(from)),
            before: Some(day_start(to)),
            ..DueBounds::default()
        };
        match self {
            Self::Overdue => DueBounds {
                before: Some(ctx.now),
                open_only: true,
                ..DueBounds::default()
            },
            Self::Today => range(today, days(1)),
            Self::Tomorrow => range(days(1), days(2)),
            Self::ThisWeek => {
                let monday = today
                    .checked_sub_days(Days::new(u64::from(today.weekday().num_days_from_monday())))
                    .unwrap_or(today);
                let next_monday = monday.checked_add_days(Days::new(7)).unwrap_or(today);
                range(monday, next_monday)
            }
            Self::Next7Days => range(today, days(7)),
            Self::NoDate => DueBounds {
                no_date: true,
                ..DueBounds::default()
            },
        }
    }
}

impl fmt::Display for DueView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DueView {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        let alias = match name.as_str() {
            "no_date" | "no_due_date" | "undated" => "none",
            "week" => "this_week",
            "next_week" | "next7days" | "7_days" => "next_7_days",
            other => other,
        };
        Self::ALL
            .into_iter()
            .find(|view| view.as_str() == alias)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                Error::validation("due", format!("must be one of {}", names.join(", ")))
            })
    }
}

/// The due dates a listing keeps for a view and an explicit range (`due_after` inclusive,
/// `due_before` exclusive; each a date, a date-time or words, a bare day meaning its start),
/// all on the user's clock.
pub fn due_bounds(
    view: Option<DueView>,
    after: Option<&str>,
    before: Option<&str>,
    ctx: &DateContext,
) -> Result<DueBounds, Error> {
    let range = DueBounds {
        after: after
            .map(|text| parse_due_bound(text, ctx, "due_after"))
            .transpose()?,
        before: before
            .map(|text| parse_due_bound(text, ctx, "due_before"))
            .transpose()?,
        ..DueBounds::default()
    };
    if let (Some(after), Some(before)) = (range.after, range.before)
        && after >= before
    {
        return Err(Error::validation(
            "due_before",
            "must be later than due_after",
        ));
    }
    Ok(match view {
        Some(view) => view.bounds(ctx).and(range),
        None => range,
    })
}

/// Which due dates a listing keeps: on or after `after`, before `before`, none at all
/// (`no_date`), and only open tasks (`open_only`, for overdue).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DueBounds {
    pub after: Option<DateTime<Utc>>,
    pub before: Option<DateTime<Utc>>,
    pub no_date: bool,
    pub open_only: bool,
}

impl DueBounds {
    /// True when the bounds keep every task.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The tasks both bounds keep.
    pub fn and(self, other: DueBounds) -> DueBounds {
        DueBounds {
            after: self.after.max(other.after),
            before: match (self.before, other.before) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
            no_date: self.no_date || other.no_date,
            open_only: self.open_only || other.open_only,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::Zone;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("RFC 3339")
            .to_utc()
    }

    fn ctx(now: &str, zone: &str) -> DateContext {
        DateContext::new(at(now), Zone::parse(zone, "time_zone").expect("a zone"))
    }

    #[test]
    fn today_is_the_users_day_not_utcs() {
        // 02:00 UTC on Saturday is still Friday evening in New York, already Saturday in
        // Kolkata.
        let now = "2026-12-05T02:00:00Z";
        let ny = DueView::Today.bounds(&ctx(now, "America/New_York"));
        assert_eq!(ny.after, Some(at("2026-12-04T05:00:00Z")));
        assert_eq!(ny.before, Some(at("2026-12-05T05:00:00Z")));
        let kolkata = DueView::Today.bounds(&ctx(now, "Asia/Kolkata"));
        assert_eq!(kolkata.after, Some(at("2026-12-04T18:30:00Z")));
        assert_eq!(kolkata.before, Some(at("2026-12-05T18:30:00Z")));
    }

    #[test]
    fn a_day_across_a_clock_change_is_23_or_25_hours_long() {
        let tomorrow = DueView::Tomorrow.bounds(&ctx("2026-10-31T16:00:00Z", "America/New_York"));
        let (after, before) = (tomorrow.after.expect("from"), tomorrow.before.expect("to"));
        assert_eq!(
            (before - after).num_hours(),
            25,
            "November 1 repeats an hour"
        );
    }

    #[test]
    fn this_week_runs_monday_to_sunday_and_overdue_only_open_tasks() {
        // Friday, December 4, 2026.
        let ctx = ctx("2026-12-04T12:00:00Z", "UTC");
        let week = DueView::ThisWeek.bounds(&ctx);
        assert_eq!(week.after, Some(at("2026-11-30T00:00:00Z")));
        assert_eq!(week.before, Some(at("2026-12-07T00:00:00Z")));
        let overdue = DueView::Overdue.bounds(&ctx);
        assert_eq!((overdue.before, overdue.open_only), (Some(ctx.now), true));
        let next = DueView::Next7Days.bounds(&ctx);
        assert_eq!(next.before, Some(at("2026-12-11T00:00:00Z")));
    }

    #[test]
    fn views_are_named_and_misnamed_views_explained() {
        for view in DueView::ALL {
            assert_eq!(view.as_str().parse::<DueView>().ok(), Some(view));
        }
        assert_eq!("No date".parse::<DueView>().ok(), Some(DueView::NoDate));
        let err = "someday".parse::<DueView>().expect_err("unknown");
        assert!(err.to_string().contains("overdue, today"), "{err}");
    }

    #[test]
    fn bounds_combine_to_the_tighter_range() {
        let a = DueBounds {
            after: Some(at("2026-12-01T00:00:00Z")),
            before: Some(at("2026-12-10T00:00:00Z")),
            ..DueBounds::default()
        };
        let b = DueBounds {
            after: Some(at("2026-12-03T00:00:00Z")),
            before: None,
            open_only: true,
            ..DueBounds::default()
        };
        let both = a.and(b);
        assert_eq!(both.after, Some(at("2026-12-03T00:00:00Z")));
        assert_eq!(both.before, Some(at("2026-12-10T00:00:00Z")));
        assert!(both.open_only);
    }
}
