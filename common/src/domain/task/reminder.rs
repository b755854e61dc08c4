//! When a task reminds its owner, as the chat tools take it: "30 minutes before", "an hour
//! before", "at the due time", or a time ("8am", "tomorrow 9:00", an RFC 3339 instant).

use chrono::{DateTime, Utc};

use crate::{
    Error,
    dates::{DateContext, parse_due},
    text::{Sentence, count},
};

/// The most minutes before the due date a reminder may be (4 weeks, as the schedule allows).
pub const MAX_BEFORE_MINUTES: i64 = 40_320;

/// One reminder of a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReminderSpec {
    /// Minutes before the due date (0: at the due time); follows the due date when it moves.
    Before(i32),
    /// At this instant.
    At(DateTime<Utc>),
}

impl ReminderSpec {
    /// Reads a reminder; a time is read on the user's clock (`ctx`).
    pub fn parse(text: &str, ctx: &DateContext) -> Result<Self, Error> {
        let mut s = Sentence::new(text);
        if let Some(spec) = take_before(&mut s) {
            let rest: Vec<usize> = s.free();
            if rest
                .iter()
                .all(|&i| matches!(s.word(i), "remind" | "me" | "it" | ""))
            {
                return Ok(spec);
            }
        }
        let at = parse_due(text, ctx, "reminders")?;
        Ok(Self::At(at))
    }

    /// (before_minutes, at) as `taskwire_add_reminder` takes them.
    pub fn sql_parts(self) -> (Option<i32>, Option<DateTime<Utc>>) {
        match self {
            Self::Before(minutes) => (Some(minutes), None),
            Self::At(at) => (None, Some(at)),
        }
    }
}

/// Minutes in a unit of time.
fn unit_minutes(word: &str) -> Option<i64> {
    match word {
        "minute" | "minutes" | "min" | "mins" | "m" => Some(1),
        "hour" | "hours" | "hr" | "hrs" | "h" => Some(60),
        "day" | "days" => Some(24 * 60),
        "week" | "weeks" => Some(7 * 24 * 60),
        _ => None,
    }
}

/// Takes "30 minutes before", "an hour before (it's due)", "a day ahead", "at the due
/// time", "when it's due" out of `s`.
pub fn take_before(s: &mut Sentence) -> Option<ReminderSpec> {
    for phrase in [
        &["at", "the", "due", "time"][..],
        &["when", "its", "due"],
        &["when", "it", "is", "due"],
        &["on", "time"],
    ] {
        if let Some(i) = s.find(phrase) {
            s.take(i, i + phrase.len());
            return Some(ReminderSpec::Before(0));
        }
    }
    for i in s.free() {
        let Some(n) = count(s.word(i)) else {
            continue;
        };
        let Some(unit) = unit_minutes(s.word(i + 1)) else {
            continue;
        };
        if !matches!(
            s.word(i + 2),
            "before" | "ahead" | "early" | "earlier" | "prior"
        ) {
            continue;
        }
        let minutes = n
            .checked_mul(unit)
            .filter(|m| (1..=MAX_BEFORE_MINUTES).contains(m))?;
        let mut end = i + 3;
        // "before it's due", "before the due time"
        for tail in [
            &["its", "due"][..],
            &["it", "is", "due"],
            &["the", "due", "time"],
            &["it"],
        ] {
            if tail.iter().enumerate().all(|(k, w)| s.word(end + k) == *w) {
                end += tail.len();
                break;
            }
        }
        s.take(i, end);
        return i32::try_from(minutes).ok().map(ReminderSpec::Before);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::Zone;

    fn ctx() -> DateContext {
        let now = DateTime::parse_from_rfc3339("2026-12-05T10:00:00Z")
            .expect("time")
            .to_utc();
        DateContext::new(
            now,
            Zone::parse("Europe/Berlin", "time_zone").expect("zone"),
        )
    }

    #[test]
    fn offsets_before_the_due_time() {
        for (text, minutes) in [
            ("30 minutes before", 30),
            ("an hour before it's due", 60),
            ("2 hours ahead", 120),
            ("a day before", 1440),
            ("at the due time", 0),
            ("when it's due", 0),
        ] {
            assert_eq!(
                ReminderSpec::parse(text, &ctx()).expect(text),
                ReminderSpec::Before(minutes),
                "{text}"
            );
        }
        assert!(ReminderSpec::parse("99 weeks before", &ctx()).is_err());
    }

    #[test]
    fn a_time_is_read_on_the_users_clock() {
        let at = ReminderSpec::parse("tomorrow 8am", &ctx()).expect("a time");
        let expected = DateTime::parse_from_rfc3339("2026-12-06T07:00:00Z").expect("time");
        assert_eq!(at, ReminderSpec::At(expected.to_utc()));
    }
}
