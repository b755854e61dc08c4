//! Dates written the way Taskwire writes them: the note of the user's time a model is shown
//! ("Saturday, December 5, 2026, 19:44 in Europe/Paris (UTC+01:00)") and the due dates of its
//! replies ("Monday, December 7 at 2:30 PM"). A small model copies these into a tool's
//! `due_date`; they are read as written, and a weekday that is not that date's is an error
//! rather than a guess between the two.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Utc, Weekday};

use super::DateContext;

/// With a year: the time note's form first, then the replies' and common variants.
const WITH_YEAR: &[&str] = &[
    "%B %d, %Y, %H:%M",
    "%B %d, %Y %H:%M",
    "%B %d, %Y at %H:%M",
    "%B %d, %Y at %I:%M %p",
    "%B %d, %Y, %I:%M %p",
    "%B %d, %Y %I:%M %p",
];

/// The outcome of reading `text` this way: `None` when it is not written like this at all
/// (no leading weekday, no trailing offset), so other readers may try; `words` reads the rest
/// when it has no year ("December 7 at 2:30 PM").
pub(super) fn written(
    text: &str,
    ctx: &DateContext,
    day_time: NaiveTime,
    words: impl Fn(&str) -> Option<DateTime<Utc>>,
) -> Option<Result<DateTime<Utc>, &'static str>> {
    let (rest, offset) = match zone_suffix(text) {
        Some((rest, offset)) => (rest, Some(offset?)),
        None => (text, None),
    };
    let (weekday, rest) = match leading_weekday(rest) {
        // "Friday 5pm" is words; "Friday, December 4 …" is written like this.
        Some((weekday, rest)) if starts_with_month(rest) => (Some(weekday), rest),
        _ if offset.is_some() => (None, rest),
        _ => return None,
    };
    let local = with_year(rest, day_time).or_else(|| {
        let at = words(rest)?;
        Some(ctx.zone.local(at).naive_local())
    })?;
    if weekday.is_some_and(|day| day != local.weekday()) {
        return Some(Err("names a weekday that is not that date's"));
    }
    Some(Ok(match offset {
        Some(offset) => match local.and_local_timezone(offset).single() {
            Some(at) => at.to_utc(),
            None => return Some(Err("is not a real date and time")),
        },
        None => ctx.zone.instant(local),
    }))
}

/// The text before " in Zone (UTC+hh:mm)" (or just "(UTC+hh:mm)"), and that offset (`None`
/// inside when the offset cannot be read).
fn zone_suffix(text: &str) -> Option<(&str, Option<FixedOffset>)> {
    let open = text.rfind("(UTC")?;
    let inner = text[open + 4..].strip_suffix(')')?.trim();
    let offset = if inner.is_empty() {
        Some(FixedOffset::east_opt(0)?)
    } else {
        let normal = inner.replace('−', "-");
        DateTime::parse_from_str(&format!("2000-01-01 00:00 {normal}"), "%Y-%m-%d %H:%M %:z")
            .ok()
            .map(|at| *at.offset())
    };
    let before = text[..open].trim_end();
    let before = match before.rfind(" in ") {
        Some(at) => &before[..at],
        None => before,
    };
    Some((before.trim_end_matches([',', ' ']), offset))
}

/// A weekday name (or its three-letter short form) that starts `text`, and what follows it.
fn leading_weekday(text: &str) -> Option<(Weekday, &str)> {
    let end = text.find([',', ' '])?;
    let weekday: Weekday = text[..end].parse().ok()?;
    Some((weekday, text[end..].trim_start_matches([',', ' '])))
}

fn starts_with_month(text: &str) -> bool {
    let first = text.split([' ', ',']).next().unwrap_or_default();
    NaiveDate::parse_from_str(&format!("{first} 1 2000"), "%B %d %Y").is_ok()
}

fn with_year(text: &str, day_time: NaiveTime) -> Option<NaiveDateTime> {
    WITH_YEAR
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%B %d, %Y")
                .ok()
                .map(|day| day.and_time(day_time))
        })
}
