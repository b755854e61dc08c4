//! Calendar names and arithmetic: weekday and month words, ordinals, clock times, and "the
//! next such day" from a given day. Pure functions of their inputs, no clock.

use chrono::{Datelike, Days, Months, NaiveDate, NaiveTime, Weekday};

use crate::text::digits;

/// A time of day; out-of-range parts give midnight rather than a panic.
pub(super) fn at(hour: u32, minute: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or(NaiveTime::MIN)
}

/// The time a task is due when only its day was said: the end of a working day (17:00).
pub fn default_due_time() -> NaiveTime {
    at(17, 0)
}

/// A weekday name. Short forms ("fri", "sat") only when `short_ok`, because some of them are
/// everyday words ("sun", "wed", "sat").
pub(crate) fn weekday(word: &str, short_ok: bool) -> Option<Weekday> {
    let day = match word {
        "monday" => Weekday::Mon,
        "tuesday" => Weekday::Tue,
        "wednesday" => Weekday::Wed,
        "thursday" => Weekday::Thu,
        "friday" => Weekday::Fri,
        "saturday" => Weekday::Sat,
        "sunday" => Weekday::Sun,
        _ if !short_ok => return None,
        "mon" => Weekday::Mon,
        "tue" | "tues" => Weekday::Tue,
        "wed" | "weds" => Weekday::Wed,
        "thu" | "thur" | "thurs" => Weekday::Thu,
        "fri" => Weekday::Fri,
        "sat" => Weekday::Sat,
        "sun" => Weekday::Sun,
        _ => return None,
    };
    Some(day)
}

/// A month name or its usual abbreviation, as 1–12.
pub(super) fn month(word: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    if word.len() < 3 {
        return None;
    }
    let found = MONTHS
        .iter()
        .position(|m| *m == word || (word.len() <= 4 && m.starts_with(word)))?;
    u32::try_from(found + 1).ok()
}

/// A day of the month, "1st", "22nd", "3rd", "4th", or plain "7" unless `suffix_needed`.
pub(crate) fn ordinal(word: &str, suffix_needed: bool) -> Option<u32> {
    let number = word.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let suffix = &word[number.len()..];
    let ok_suffix =
        matches!(suffix, "st" | "nd" | "rd" | "th") || (suffix.is_empty() && !suffix_needed);
    let day = digits(number)?;
    (ok_suffix && (1..=31).contains(&day)).then_some(day)
}

/// A four-digit year in a sensible range.
pub(super) fn year(word: &str) -> Option<i32> {
    let year = i32::try_from(digits(word)?).ok()?;
    (2000..=2200).contains(&year).then_some(year)
}

/// The next `day` strictly after `today` (1–7 days ahead).
pub(super) fn next_weekday(today: NaiveDate, day: Weekday) -> NaiveDate {
    let ahead = (day.num_days_from_monday() + 7 - today.weekday().num_days_from_monday()) % 7;
    let ahead = if ahead == 0 { 7 } else { ahead };
    today + Days::new(u64::from(ahead))
}

/// `day` this week if it is today or still ahead, else next week's.
pub(super) fn this_or_next(today: NaiveDate, day: Weekday) -> NaiveDate {
    if today.weekday() == day {
        today
    } else {
        next_weekday(today, day)
    }
}

/// `month`/`day` in `year`, or when no year is given, the first such day not before `today`.
pub(super) fn month_day(
    today: NaiveDate,
    month: u32,
    day: u32,
    year: Option<i32>,
) -> Option<NaiveDate> {
    match year {
        Some(year) => NaiveDate::from_ymd_opt(year, month, day),
        None => (0..=4).find_map(|ahead| {
            NaiveDate::from_ymd_opt(today.year() + ahead, month, day).filter(|d| *d >= today)
        }),
    }
}

/// The next date (today included) whose day of the month is `day`.
pub(super) fn day_of_month(today: NaiveDate, day: u32) -> Option<NaiveDate> {
    let first = today.with_day(1)?;
    (0..=12).find_map(|ahead| {
        let month = first.checked_add_months(Months::new(ahead))?;
        month.with_day(day).filter(|d| *d >= today)
    })
}

/// The first day of next month.
pub(super) fn first_of_next_month(today: NaiveDate) -> Option<NaiveDate> {
    today.with_day(1)?.checked_add_months(Months::new(1))
}

/// The last day of this month.
pub(super) fn end_of_month(today: NaiveDate) -> Option<NaiveDate> {
    first_of_next_month(today)?.pred_opt()
}

/// "morning", "afternoon", "evening", "night" as a time of day.
pub(super) fn part_of_day(word: &str) -> Option<NaiveTime> {
    match word {
        "morning" => Some(at(9, 0)),
        "afternoon" => Some(at(15, 0)),
        "evening" => Some(at(18, 0)),
        "night" | "tonight" => Some(at(20, 0)),
        _ => None,
    }
}

/// A clock time starting with `word` ("5pm", "5:30", "9.30am", or "5" followed by `next` =
/// "pm"), and how many tokens it spans. A bare hour counts only when `bare_ok` (after "at"):
/// 1–6 is taken as afternoon, 7–12 as morning, 13–23 as is.
pub(super) fn clock(word: &str, next: &str, bare_ok: bool) -> Option<(NaiveTime, usize)> {
    let split = word
        .find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.'))
        .unwrap_or(word.len());
    let (number, suffix) = word.split_at(split);
    let (suffix, used, bare_ok) = match (suffix.is_empty(), next) {
        (true, "am" | "pm" | "a.m" | "p.m") => (next, 2, bare_ok),
        (true, "oclock") => ("", 2, true),
        _ => (suffix, 1, bare_ok),
    };
    let (hour, minute, has_minutes) = hour_minute(number)?;
    let hour = match suffix {
        "am" | "a.m" | "a" => twelve_hour(hour, false)?,
        "pm" | "p.m" | "p" => twelve_hour(hour, true)?,
        "" if has_minutes && hour <= 23 => hour,
        "" if bare_ok && (1..=6).contains(&hour) => hour + 12,
        "" if bare_ok && (7..=23).contains(&hour) => hour,
        _ => return None,
    };
    Some((NaiveTime::from_hms_opt(hour, minute, 0)?, used))
}

fn hour_minute(number: &str) -> Option<(u32, u32, bool)> {
    match number.split_once([':', '.']) {
        Some((h, m)) if m.len() == 2 => {
            let minute = digits(m).filter(|m| *m < 60)?;
            Some((digits(h)?, minute, true))
        }
        Some(_) => None,
        None if number.len() <= 2 => Some((digits(number)?, 0, false)),
        None => None,
    }
}

fn twelve_hour(hour: u32, pm: bool) -> Option<u32> {
    if !(1..=12).contains(&hour) {
        return None;
    }
    Some(hour % 12 + if pm { 12 } else { 0 })
}
