//! Finds a due date in an utterance and takes its words (and the preposition before them).
//!
//! Every day and time is read on the user's clock ([`DateContext`]): "tomorrow" is the day
//! after the user's today, "at 5pm" 17:00 in their zone. The rules, chosen to be predictable
//! rather than clever:
//! - a day without a time is due at 17:00 that day (the end of a working day);
//! - a time without a day is today, or tomorrow once that time has passed;
//! - a weekday ("Friday", "on Friday", "by Friday", "next Friday", "this Friday") is the next
//!   such day strictly after today;
//! - "next week" is next Monday, "this week"/"end of the week" this week's Friday, "the weekend"
//!   the coming Saturday, "next month" the 1st of next month;
//! - "in 3 days"/"in 2 weeks" count whole days; "in 2 hours"/"in 30 minutes" count from now;
//! - "Dec 1", "1st of December", "2026-12-01" are that day (this year, or next year once past),
//!   "on the 1st" is the next 1st of a month;
//! - "tonight" is 20:00, "tomorrow morning" 09:00, "afternoon" 15:00, "evening" 18:00; said
//!   once that hour has passed, "tonight", "this evening" and "end of the day" mean 23:59;
//! - a wall-clock time that daylight saving skips or repeats is read as [`super::Zone::instant`]
//!   says.

use chrono::{DateTime, Days, Duration, Months, NaiveDate, NaiveTime, Timelike, Utc, Weekday};

use super::{
    DateContext,
    calendar::{self, at},
};
use crate::text::{Sentence, count};

/// Words that introduce a date and go with it ("due by Friday", "on the 1st", "at 5pm").
const PREPOSITIONS: &[&str] = &[
    "by", "on", "due", "before", "until", "till", "til", "at", "for", "around", "from", "starting",
    "is", "no", "later", "than",
];

/// One recognised piece of a date.
#[derive(Debug, Clone, Copy)]
enum Piece {
    Day(NaiveDate),
    Time(NaiveTime),
    DayTime(NaiveDate, NaiveTime),
    Instant(DateTime<Utc>),
}

/// The pieces found so far; only the first day and the first time count.
#[derive(Debug, Default)]
struct Found {
    day: Option<NaiveDate>,
    time: Option<NaiveTime>,
    instant: Option<DateTime<Utc>>,
}

impl Found {
    fn add(&mut self, piece: Piece) -> bool {
        let free = self.instant.is_none();
        match piece {
            Piece::Day(d) if free && self.day.is_none() => self.day = Some(d),
            Piece::Time(t) if free && self.time.is_none() => self.time = Some(t),
            Piece::DayTime(d, t) if free && self.day.is_none() && self.time.is_none() => {
                self.day = Some(d);
                self.time = Some(t);
            }
            Piece::Instant(i) if free && self.day.is_none() && self.time.is_none() => {
                self.instant = Some(i);
            }
            _ => return false,
        }
        true
    }

    fn due(&self, ctx: &DateContext, day_time: NaiveTime) -> Option<DateTime<Utc>> {
        let today = ctx.today();
        match (self.instant, self.day, self.time) {
            (Some(instant), _, _) => Some(instant),
            (None, Some(day), time) => {
                Some(ctx.zone.instant(day.and_time(time.unwrap_or(day_time))))
            }
            (None, None, Some(time)) => {
                let due = ctx.zone.instant(today.and_time(time));
                if due > ctx.now {
                    Some(due)
                } else {
                    let tomorrow = today.checked_add_days(Days::new(1))?;
                    Some(ctx.zone.instant(tomorrow.and_time(time)))
                }
            }
            (None, None, None) => None,
        }
    }
}

/// Finds the due date in the free tokens of `s`, takes its words and the prepositions before
/// them (plus any word in `extra`, e.g. "to" in "move it to Friday"), and resolves it on the
/// user's clock.
pub fn extract_due(s: &mut Sentence, ctx: &DateContext, extra: &[&str]) -> Option<DateTime<Utc>> {
    extract_due_at(s, ctx, extra, calendar::default_due_time())
}

/// [`extract_due`], with a day said without a time due at `day_time` that day.
pub(super) fn extract_due_at(
    s: &mut Sentence,
    ctx: &DateContext,
    extra: &[&str],
    day_time: NaiveTime,
) -> Option<DateTime<Utc>> {
    let before: Vec<&str> = PREPOSITIONS.iter().chain(extra).copied().collect();
    let mut found = Found::default();
    let mut i = 0;
    while i < s.len() {
        let piece = if s.is_free(i) {
            piece_at(s, i, ctx)
        } else {
            None
        };
        match piece {
            Some((len, piece)) if found.add(piece) => {
                s.take(i, i + len);
                s.take_before(i, &before);
                i += len;
            }
            _ => i += 1,
        }
    }
    found.due(ctx, day_time)
}

/// The date piece starting at `i`, and how many tokens it spans.
fn piece_at(s: &Sentence, i: usize, ctx: &DateContext) -> Option<(usize, Piece)> {
    let today = ctx.today();
    let day = relative(s, i, ctx)
        .or_else(|| iso(s, i))
        .or_else(|| slashed(s, i, today))
        .or_else(|| month_first(s, i, today))
        .or_else(|| day_first(s, i, today))
        .or_else(|| the_ordinal(s, i, today))
        .or_else(|| weekday(s, i, today));
    match day {
        Some(found) => Some(with_part_of_day(s, i, found)),
        None => amount(s, i, ctx).or_else(|| clock_time(s, i)),
    }
}

/// "tomorrow" + "morning" / "in the evening".
fn with_part_of_day(s: &Sentence, i: usize, (len, piece): (usize, Piece)) -> (usize, Piece) {
    let Piece::Day(day) = piece else {
        return (len, piece);
    };
    let next = i + len;
    let skip = if s.matches(next, &["in", "the"]) {
        2
    } else {
        0
    };
    match calendar::part_of_day(s.word(next + skip)) {
        Some(time) if s.is_free(next + skip) => (len + skip + 1, Piece::DayTime(day, time)),
        _ => (len, piece),
    }
}

#[derive(Debug, Clone, Copy)]
enum Rel {
    Days(u64),
    /// Today at this hour.
    TodayAt(u32),
    /// Today at this hour, or the end of today once it has passed ("tonight").
    LaterToday(u32),
    EndOfWeek,
    Weekend,
    NextMonday,
    NextMonth,
    EndOfMonth,
}

const RELATIVE: &[(&[&str], Rel)] = &[
    (&["day", "after", "tomorrow"], Rel::Days(2)),
    (&["end", "of", "the", "day"], Rel::LaterToday(17)),
    (&["end", "of", "day"], Rel::LaterToday(17)),
    (&["end", "of", "today"], Rel::LaterToday(17)),
    (&["eod"], Rel::LaterToday(17)),
    (&["end", "of", "the", "week"], Rel::EndOfWeek),
    (&["end", "of", "this", "week"], Rel::EndOfWeek),
    (&["end", "of", "week"], Rel::EndOfWeek),
    (&["eow"], Rel::EndOfWeek),
    (&["this", "week"], Rel::EndOfWeek),
    (&["end", "of", "the", "month"], Rel::EndOfMonth),
    (&["end", "of", "this", "month"], Rel::EndOfMonth),
    (&["end", "of", "month"], Rel::EndOfMonth),
    (&["eom"], Rel::EndOfMonth),
    (&["next", "week"], Rel::NextMonday),
    (&["next", "month"], Rel::NextMonth),
    (&["this", "weekend"], Rel::Weekend),
    (&["the", "weekend"], Rel::Weekend),
    (&["next", "weekend"], Rel::Weekend),
    (&["this", "morning"], Rel::TodayAt(9)),
    (&["this", "afternoon"], Rel::TodayAt(15)),
    (&["this", "evening"], Rel::LaterToday(18)),
    (&["tonight"], Rel::LaterToday(20)),
    (&["today"], Rel::Days(0)),
    (&["tomorrow"], Rel::Days(1)),
    (&["tmrw"], Rel::Days(1)),
    (&["tmr"], Rel::Days(1)),
    (&["tomorow"], Rel::Days(1)),
    (&["tommorow"], Rel::Days(1)),
    (&["tommorrow"], Rel::Days(1)),
];

/// "today", "tomorrow", "next week", "end of the month", …
fn relative(s: &Sentence, i: usize, ctx: &DateContext) -> Option<(usize, Piece)> {
    let (phrase, rel) = RELATIVE.iter().find(|(phrase, _)| s.matches(i, phrase))?;
    let today = ctx.today();
    let piece = match *rel {
        Rel::Days(n) => Piece::Day(today.checked_add_days(Days::new(n))?),
        Rel::TodayAt(hour) => Piece::DayTime(today, at(hour, 0)),
        Rel::LaterToday(hour) if ctx.local_now().hour() >= hour => {
            Piece::DayTime(today, at(23, 59))
        }
        Rel::LaterToday(hour) => Piece::DayTime(today, at(hour, 0)),
        Rel::EndOfWeek => Piece::Day(calendar::this_or_next(today, Weekday::Fri)),
        Rel::Weekend => Piece::Day(calendar::this_or_next(today, Weekday::Sat)),
        Rel::NextMonday => Piece::Day(calendar::next_weekday(today, Weekday::Mon)),
        Rel::NextMonth => Piece::Day(calendar::first_of_next_month(today)?),
        Rel::EndOfMonth => Piece::Day(calendar::end_of_month(today)?),
    };
    Some((phrase.len(), piece))
}

/// "2026-12-01", "2026/12/01" or a full RFC 3339 time.
fn iso(s: &Sentence, i: usize) -> Option<(usize, Piece)> {
    let raw = s.raw(i).trim_end_matches([',', '.', ';', '!', '?']);
    if let Ok(instant) = DateTime::parse_from_rfc3339(raw) {
        return Some((1, Piece::Instant(instant.with_timezone(&Utc))));
    }
    let word = s.word(i);
    let day = NaiveDate::parse_from_str(word, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(word, "%Y/%m/%d"))
        .ok()?;
    Some((1, Piece::Day(day)))
}

/// "24/12" or "24/12/2026": day and month, or month and day when only that reading is a
/// date ("12/24"). Two numbers that could be either ("5/6") are not read as a date.
fn slashed(s: &Sentence, i: usize, today: NaiveDate) -> Option<(usize, Piece)> {
    let parts: Vec<u32> = s
        .word(i)
        .split('/')
        .map(crate::text::digits)
        .collect::<Option<_>>()?;
    let (first, second, year) = match parts[..] {
        [a, b] => (a, b, None),
        [a, b, y] if y >= 1000 => (a, b, Some(i32::try_from(y).ok()?)),
        _ => return None,
    };
    let (day, month) = match (first, second) {
        (d, m) if d > 12 && m <= 12 => (d, m),
        (m, d) if d > 12 && m <= 12 => (d, m),
        (a, b) if a == b => (a, b),
        _ => return None,
    };
    let date = calendar::month_day(today, month, day, year)?;
    Some((1, Piece::Day(date)))
}

/// "Dec 1", "December 1st, 2026", "December the 1st".
fn month_first(s: &Sentence, i: usize, today: NaiveDate) -> Option<(usize, Piece)> {
    let month = calendar::month(s.word(i)).filter(|_| s.is_free(i))?;
    let skip = usize::from(s.matches(i + 1, &["the"]));
    let day_at = i + 1 + skip;
    let day = calendar::ordinal(s.word(day_at), false).filter(|_| s.is_free(day_at))?;
    let year = calendar::year(s.word(day_at + 1)).filter(|_| s.is_free(day_at + 1));
    let date = calendar::month_day(today, month, day, year)?;
    Some((2 + skip + usize::from(year.is_some()), Piece::Day(date)))
}

/// "1 December", "1st of December 2026", "the 1st of December".
fn day_first(s: &Sentence, i: usize, today: NaiveDate) -> Option<(usize, Piece)> {
    let skip = usize::from(s.matches(i, &["the"]));
    let day_at = i + skip;
    let day = calendar::ordinal(s.word(day_at), false).filter(|_| s.is_free(day_at))?;
    let of = usize::from(s.matches(day_at + 1, &["of"]));
    let month_at = day_at + 1 + of;
    let month = calendar::month(s.word(month_at)).filter(|_| s.is_free(month_at))?;
    let year = calendar::year(s.word(month_at + 1)).filter(|_| s.is_free(month_at + 1));
    let date = calendar::month_day(today, month, day, year)?;
    Some((
        month_at + 1 - i + usize::from(year.is_some()),
        Piece::Day(date),
    ))
}

/// "the 1st", "the 15th": the next such day of a month.
fn the_ordinal(s: &Sentence, i: usize, today: NaiveDate) -> Option<(usize, Piece)> {
    if !s.matches(i, &["the"]) || !s.is_free(i + 1) {
        return None;
    }
    let day = calendar::ordinal(s.word(i + 1), true)?;
    Some((2, Piece::Day(calendar::day_of_month(today, day)?)))
}

/// "Friday", "next Friday", "this coming Fri".
fn weekday(s: &Sentence, i: usize, today: NaiveDate) -> Option<(usize, Piece)> {
    let qualifiers: [&[&str]; 4] = [&["this", "coming"], &["next"], &["this"], &["coming"]];
    let skip = qualifiers
        .iter()
        .find(|q| s.matches(i, q))
        .map_or(0, |q| q.len());
    let at_day = i + skip;
    let short_ok = skip > 0 || (i > 0 && PREPOSITIONS.contains(&s.word(i - 1)));
    let day = calendar::weekday(s.word(at_day), short_ok).filter(|_| s.is_free(at_day))?;
    Some((skip + 1, Piece::Day(calendar::next_weekday(today, day))))
}

/// "in 3 days", "in a week", "in 2 hours", "3 days from now", "in half an hour".
fn amount(s: &Sentence, i: usize, ctx: &DateContext) -> Option<(usize, Piece)> {
    let now = ctx.now.with_second(0)?.with_nanosecond(0)?;
    if s.matches(i, &["in", "half", "an", "hour"]) {
        return Some((4, Piece::Instant(now + Duration::minutes(30))));
    }
    let lead = usize::from(s.matches(i, &["in"]));
    let (n, n_len) = quantity(s, i + lead)?;
    let unit_at = i + lead + n_len;
    if !s.is_free(unit_at) {
        return None;
    }
    let tail = if lead == 0 {
        if !s.matches(unit_at + 1, &["from", "now"]) {
            return None;
        }
        2
    } else {
        0
    };
    let piece = apply_unit(s.word(unit_at), n, now, ctx.today())?;
    Some((lead + n_len + 1 + tail, piece))
}

/// "3", "three", "a", "a couple of", "a few".
fn quantity(s: &Sentence, i: usize) -> Option<(i64, usize)> {
    let phrases: [(&[&str], i64); 4] = [
        (&["a", "couple", "of"], 2),
        (&["couple", "of"], 2),
        (&["a", "few"], 3),
        (&["few"], 3),
    ];
    if let Some((phrase, n)) = phrases.iter().find(|(p, _)| s.matches(i, p)) {
        return Some((*n, phrase.len()));
    }
    let n = count(s.word(i)).filter(|_| s.is_free(i))?;
    Some((n, 1))
}

fn apply_unit(unit: &str, n: i64, now: DateTime<Utc>, today: NaiveDate) -> Option<Piece> {
    if !(0..=3650).contains(&n) {
        return None;
    }
    let days = |k: i64| today.checked_add_days(Days::new(u64::try_from(k).ok()?));
    let piece = match unit {
        "day" | "days" => Piece::Day(days(n)?),
        "week" | "weeks" => Piece::Day(days(7 * n)?),
        "month" | "months" => {
            Piece::Day(today.checked_add_months(Months::new(u32::try_from(n).ok()?))?)
        }
        "hour" | "hours" | "hr" | "hrs" => Piece::Instant(now + Duration::hours(n)),
        "minute" | "minutes" | "min" | "mins" => Piece::Instant(now + Duration::minutes(n)),
        _ => return None,
    };
    Some(piece)
}

/// "5pm", "5:30 pm", "17:00", "at 9", "noon", "midnight", "in the evening".
fn clock_time(s: &Sentence, i: usize) -> Option<(usize, Piece)> {
    match s.word(i) {
        "noon" | "midday" => return Some((1, Piece::Time(at(12, 0)))),
        "midnight" => return Some((1, Piece::Time(at(23, 59)))),
        _ => {}
    }
    if s.matches(i, &["in", "the"])
        && let Some(time) = calendar::part_of_day(s.word(i + 2)).filter(|_| s.is_free(i + 2))
    {
        return Some((3, Piece::Time(time)));
    }
    let after_at = i > 0 && matches!(s.word(i - 1), "at" | "around");
    let next = if s.is_free(i + 1) { s.word(i + 1) } else { "" };
    let (time, len) = calendar::clock(s.word(i), next, after_at)?;
    Some((len, Piece::Time(time)))
}
