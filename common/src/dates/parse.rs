//! Reading a whole text as a due date: RFC 3339 with an offset, a local date-time or a date
//! (read in the user's zone), or words ("next friday 5pm"). What cannot be read is an error
//! that says which forms are accepted.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};

use super::{DateContext, calendar::default_due_time, natural::extract_due_at, written::written};
use crate::{Error, domain::task::validate_due_date, text::Sentence};

/// The forms a due date may take, for error messages and tool descriptions.
pub const ACCEPTED_FORMS: &str = "RFC 3339 with an offset (2026-12-11T17:00:00-05:00), a local \
     date-time (2026-12-11 17:00, read in the user's time zone), a date (2026-12-11, meaning \
     17:00 that day), or words (tomorrow at 5pm, next Friday, in 3 days, Dec 24, end of the \
     month)";

/// Local date-times without an offset, read in the user's zone.
const LOCAL_FORMATS: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
];

/// Dates, due at [`default_due_time`] in the user's zone.
const DATE_FORMATS: &[&str] = &["%Y-%m-%d", "%Y/%m/%d"];

/// Reads `text` as a due date on the user's clock (`ctx`); `field` names the input in the
/// error. Models write many near-misses of RFC 3339 ("2026-12-4T23:59:59Z", a space for the
/// `T`): they are read as meant.
pub fn parse_due(
    text: &str,
    ctx: &DateContext,
    field: &'static str,
) -> Result<DateTime<Utc>, Error> {
    read(text, ctx, field, default_due_time())
}

/// Like [`parse_due`], for the bound of a range (`due_before`, `due_after`): a date without
/// a time means the start of that day (00:00), so a range of two dates holds whole days.
pub fn parse_due_bound(
    text: &str,
    ctx: &DateContext,
    field: &'static str,
) -> Result<DateTime<Utc>, Error> {
    read(text, ctx, field, NaiveTime::MIN)
}

fn read(
    text: &str,
    ctx: &DateContext,
    field: &'static str,
    day_time: NaiveTime,
) -> Result<DateTime<Utc>, Error> {
    let text = text.trim();
    let unreadable = || {
        Error::validation(
            field,
            format!("{text:?} is not a date I can read; use {ACCEPTED_FORMS}"),
        )
    };
    if text.is_empty() {
        return Err(unreadable());
    }
    let at = match structured(text, ctx, day_time) {
        Some(Ok(at)) => at,
        Some(Err(why)) => return Err(Error::validation(field, format!("{text:?} {why}"))),
        None => match written(text, ctx, day_time, |rest| words(rest, ctx, day_time)) {
            Some(Ok(at)) => at,
            Some(Err(why)) => return Err(Error::validation(field, format!("{text:?} {why}"))),
            None => words(text, ctx, day_time).ok_or_else(unreadable)?,
        },
    };
    validate_due_date(at, field)
}

/// The numeric forms; `Some(Err)` for text shaped like a date that is not one ("2026-02-30").
fn structured(
    text: &str,
    ctx: &DateContext,
    day_time: NaiveTime,
) -> Option<Result<DateTime<Utc>, &'static str>> {
    let normal = text.replacen(' ', "T", 1);
    let with_offset = match normal.strip_suffix(['Z', 'z']) {
        Some(rest) => format!("{rest}+00:00"),
        None => normal,
    };
    if let Ok(at) = DateTime::parse_from_rfc3339(&with_offset)
        .or_else(|_| DateTime::parse_from_str(&with_offset, "%Y-%m-%dT%H:%M:%S%.f%:z"))
        .or_else(|_| DateTime::parse_from_str(&with_offset, "%Y-%m-%dT%H:%M%:z"))
    {
        return Some(Ok(at.to_utc()));
    }
    for format in LOCAL_FORMATS {
        if let Ok(local) = NaiveDateTime::parse_from_str(text, format) {
            return Some(Ok(ctx.zone.instant(local)));
        }
    }
    for format in DATE_FORMATS {
        if let Ok(day) = NaiveDate::parse_from_str(text, format) {
            return Some(Ok(ctx.zone.instant(day.and_time(day_time))));
        }
    }
    looks_numeric(text).then_some(Err("is not a real date and time"))
}

/// Digits and date punctuation only, starting with a year: a date that failed to parse is
/// an impossible one, not words.
fn looks_numeric(text: &str) -> bool {
    text.len() >= 8
        && text.chars().take(4).all(|c| c.is_ascii_digit())
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || "-/:.T+Z ".contains(c))
}

/// Words, all of which must be part of the date: "next friday 5pm" yes, "friday lunch" no.
fn words(text: &str, ctx: &DateContext, day_time: NaiveTime) -> Option<DateTime<Utc>> {
    let mut sentence = Sentence::new(text);
    let at = extract_due_at(&mut sentence, ctx, &["in", "the"], day_time)?;
    sentence
        .free()
        .into_iter()
        .all(|i| sentence.word(i).is_empty())
        .then_some(at)
}

#[cfg(test)]
mod tests;
