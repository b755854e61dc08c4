//! Small pieces of reply text: quoted titles, "A, B and C", plurals, due dates in words and
//! one line per task.

use chrono::{DateTime, Datelike, FixedOffset, Timelike};
use common::dates::{DateContext, default_due_time};

use super::priority::Priority;
use super::results::TaskView;

/// A title in curly quotes.
pub(super) fn quoted(title: &str) -> String {
    format!("“{title}”")
}

/// “Buy milk” (#3)
pub(super) fn named(title: &str, id: i64) -> String {
    format!("{} (#{id})", quoted(title))
}

/// "A", "A and B", "A, B and C".
pub(super) fn join_and(items: &[String]) -> String {
    common::text::join_and(items)
}

/// "1 task", "2 tasks".
pub(super) fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// "Friday, November 27", with the year when it is not this year and the time when it is not
/// the default due time: "Monday, November 23 at 9 AM". `due` is on the user's clock (the
/// runner shows the model tool results so).
pub(super) fn due(due: DateTime<FixedOffset>, ctx: &DateContext) -> String {
    let mut text = due.format("%A, %B %-d").to_string();
    if due.year() != ctx.local_now().year() {
        text.push_str(&format!(", {}", due.year()));
    }
    if due.time() != default_due_time() {
        let pattern = if due.minute() == 0 {
            "%-I %p"
        } else {
            "%-I:%M %p"
        };
        text.push_str(&format!(" at {}", due.format(pattern)));
    }
    text
}

/// [`due`], saying "today" or "tomorrow" first when it is: "tomorrow (Saturday, December 5
/// at 10 AM)".
pub(super) fn due_words(due: DateTime<FixedOffset>, ctx: &DateContext) -> String {
    let day = due.date_naive();
    let today = ctx.today();
    let full = self::due(due, ctx);
    if day == today {
        format!("today ({full})")
    } else if today.succ_opt() == Some(day) {
        format!("tomorrow ({full})")
    } else {
        full
    }
}

/// "high priority", or nothing for the default medium.
pub(super) fn priority(priority: Option<Priority>) -> Option<String> {
    match priority? {
        Priority::Medium => None,
        other => Some(format!("{} priority", other.as_str())),
    }
}

/// One line of a listing: "- #3 Buy milk #home (high priority, due Friday, November 27)",
/// with a check mark for done tasks.
pub(super) fn task_line(task: &TaskView, ctx: &DateContext) -> String {
    let mark = if task.completed { "✓ " } else { "" };
    let details: Vec<String> = priority(task.priority)
        .into_iter()
        .chain(task.due.map(|d| format!("due {}", self::due(d, ctx))))
        .collect();
    let details = if details.is_empty() {
        String::new()
    } else {
        format!(" ({})", details.join(", "))
    };
    let tags: String = task.tags.iter().map(|tag| format!(" #{tag}")).collect();
    format!("- {mark}#{} {}{tags}{details}", task.id, task.title)
}
