//! How a task repeats: an RRULE (RFC 5545) of the subset Taskwire supports, read and checked
//! with the `rrule` crate, written in one canonical form, and said in words ("every weekday").
//!
//! The subset: `FREQ` daily, weekly, monthly or yearly; `INTERVAL` 1–365; `BYDAY` plain
//! weekdays (daily and weekly rules); `BYMONTHDAY` 1–31 (monthly rules), and the form
//! `BYMONTHDAY=28,29,30,31;BYSETPOS=-1` for "the 31st, or the month's last day". The next
//! occurrence is computed by Postgres when an occurrence is completed (see the migration
//! `repeating_tasks`); `tests/api/repeat.rs` checks it against this crate's occurrences.

use rrule::{Frequency, NWeekday, RRule, Unvalidated, Weekday};

use crate::Error;

pub use super::repeat_words::extract_repeat;

/// Longest rule text accepted (the stored canonical form is shorter).
pub const REPEAT_MAX_CHARS: usize = 200;

/// A checked rule in canonical form, such as `FREQ=WEEKLY;BYDAY=MO,TH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repeat(String);

/// The parts of a rule Taskwire keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RuleParts {
    pub freq: Option<Frequency>,
    pub interval: u16,
    pub weekdays: Vec<Weekday>,
    /// A day of the month; 29–31 fall back to the month's last day.
    pub month_day: Option<u8>,
}

const WEEK: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

impl Repeat {
    /// Reads a rule (`FREQ=…`, optionally after `RRULE:`) or words ("every weekday", "on the
    /// 1st of every month"); `field` names the input in errors.
    pub fn parse(text: &str, field: &'static str) -> Result<Self, Error> {
        if text.chars().count() > REPEAT_MAX_CHARS {
            return Err(Error::validation(
                field,
                format!("must be at most {REPEAT_MAX_CHARS} characters"),
            ));
        }
        let text = text.trim();
        let upper = text.to_ascii_uppercase();
        let rule = upper.strip_prefix("RRULE:").unwrap_or(&upper);
        if rule.starts_with("FREQ=") || rule.contains(";FREQ=") {
            return Self::from_rule(rule, field);
        }
        super::repeat_words::parse_words(text).ok_or_else(|| {
            Error::validation(
                field,
                format!(
                    "{text:?} is not a repeat I can read: say \"every day\", \"every weekday\", \
                     \"every Monday and Thursday\", \"every 2 weeks\", \"on the 1st of every \
                     month\", \"every year\", or give an RRULE such as FREQ=WEEKLY;BYDAY=MO"
                ),
            )
        })
    }

    /// Checks an RRULE against the supported subset.
    fn from_rule(rule: &str, field: &'static str) -> Result<Self, Error> {
        let parsed: RRule<Unvalidated> = rule
            .parse()
            .map_err(|err| Error::validation(field, format!("{rule:?} is not an RRULE: {err}")))?;
        let unsupported = |what: &str| {
            Error::validation(field, format!("{what} is not supported in a repeat rule"))
        };
        if parsed.get_count().is_some() || parsed.get_until().is_some() {
            return Err(unsupported("an end (COUNT or UNTIL)"));
        }
        if !(parsed.get_by_month().is_empty()
            && parsed.get_by_year_day().is_empty()
            && parsed.get_by_week_no().is_empty()
            && parsed.get_by_hour().is_empty()
            && parsed.get_by_minute().is_empty()
            && parsed.get_by_second().is_empty())
        {
            return Err(unsupported("BYMONTH, BYYEARDAY, BYWEEKNO or a time part"));
        }
        let freq = parsed.get_freq();
        let mut weekdays = Vec::new();
        for day in parsed.get_by_weekday() {
            match day {
                NWeekday::Every(day) => weekdays.push(*day),
                NWeekday::Nth(..) => return Err(unsupported("a numbered weekday (such as 2MO)")),
            }
        }
        let month_day = month_day(parsed.get_by_month_day(), parsed.get_by_set_pos())
            .ok_or_else(|| unsupported("this BYMONTHDAY/BYSETPOS"))?;
        let parts = RuleParts {
            freq: Some(freq),
            interval: parsed.get_interval(),
            weekdays,
            month_day,
        };
        Self::from_parts(&parts).map_err(unsupported)
    }

    /// The canonical rule for `parts`, or what about them is not supported.
    pub(crate) fn from_parts(parts: &RuleParts) -> Result<Self, &'static str> {
        let freq = match parts.freq {
            Some(Frequency::Daily) => "DAILY",
            Some(Frequency::Weekly) => "WEEKLY",
            Some(Frequency::Monthly) => "MONTHLY",
            Some(Frequency::Yearly) => "YEARLY",
            _ => return Err("a frequency other than daily, weekly, monthly or yearly"),
        };
        if !(1..=365).contains(&parts.interval) {
            return Err("an interval outside 1-365");
        }
        let by_day_ok = matches!(freq, "DAILY" | "WEEKLY");
        if !parts.weekdays.is_empty() && !by_day_ok {
            return Err("BYDAY with a monthly or yearly frequency");
        }
        if parts.month_day.is_some() && freq != "MONTHLY" {
            return Err("BYMONTHDAY without a monthly frequency");
        }
        let mut rule = format!("FREQ={freq}");
        if parts.interval > 1 {
            rule.push_str(&format!(";INTERVAL={}", parts.interval));
        }
        let days: Vec<&str> = WEEK
            .iter()
            .filter(|day| parts.weekdays.contains(day))
            .map(|day| day_code(*day))
            .collect();
        if !days.is_empty() {
            rule.push_str(&format!(";BYDAY={}", days.join(",")));
        }
        match parts.month_day {
            Some(day @ 1..=28) => rule.push_str(&format!(";BYMONTHDAY={day}")),
            Some(day @ 29..=31) => {
                let days: Vec<String> = (28..=day).map(|d| d.to_string()).collect();
                rule.push_str(&format!(";BYMONTHDAY={};BYSETPOS=-1", days.join(",")));
            }
            Some(_) => return Err("a day of the month outside 1-31"),
            None => {}
        }
        Ok(Self(rule))
    }

    /// The rule, as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The rule's parts, read back from the canonical form.
    pub(crate) fn parts(&self) -> RuleParts {
        let part = |name: &str| {
            self.0
                .split(';')
                .find_map(|p| p.strip_prefix(name)?.strip_prefix('='))
        };
        RuleParts {
            freq: part("FREQ").and_then(|f| f.parse().ok()),
            interval: part("INTERVAL").and_then(|n| n.parse().ok()).unwrap_or(1),
            weekdays: part("BYDAY")
                .map(|days| {
                    WEEK.iter()
                        .copied()
                        .filter(|day| days.split(',').any(|d| d == day_code(*day)))
                        .collect()
                })
                .unwrap_or_default(),
            month_day: part("BYMONTHDAY")
                .and_then(|days| days.split(',').filter_map(|d| d.parse().ok()).max()),
        }
    }

    /// The rule in words: "every weekday", "every 2 weeks on Monday and Thursday", "monthly on
    /// the 31st (or the month's last day)".
    pub fn describe(&self) -> String {
        super::repeat_words::describe(&self.parts())
    }
}

/// A stored rule, as the database holds it (already canonical).
impl TryFrom<String> for Repeat {
    type Error = Error;
    fn try_from(rule: String) -> Result<Self, Self::Error> {
        Self::from_rule(&rule, "repeat")
    }
}

/// The one day of the month a BYMONTHDAY/BYSETPOS pair says: a single day, or the
/// fallback form `28,…,d;BYSETPOS=-1`; `Some(None)` for neither part; `None` for others.
fn month_day(days: &[i8], set_pos: &[i32]) -> Option<Option<u8>> {
    match (days, set_pos) {
        ([], []) => Some(None),
        ([day], []) if (1..=31).contains(day) => Some(u8::try_from(*day).ok()),
        (days, [-1]) => {
            let last = *days.last()?;
            let expected: Vec<i8> = (28..=last).collect();
            (days == expected.as_slice() && (29..=31).contains(&last))
                .then(|| u8::try_from(last).ok())
        }
        _ => None,
    }
}

pub(crate) fn day_code(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "MO",
        Weekday::Tue => "TU",
        Weekday::Wed => "WE",
        Weekday::Thu => "TH",
        Weekday::Fri => "FR",
        Weekday::Sat => "SA",
        Weekday::Sun => "SU",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(text: &str) -> String {
        Repeat::parse(text, "repeat")
            .unwrap_or_else(|err| panic!("{text:?}: {err}"))
            .as_str()
            .to_owned()
    }

    #[test]
    fn rules_are_checked_and_written_canonically() {
        assert_eq!(
            rule("RRULE:FREQ=WEEKLY;BYDAY=TH,MO"),
            "FREQ=WEEKLY;BYDAY=MO,TH"
        );
        assert_eq!(rule("freq=daily;interval=1"), "FREQ=DAILY");
        assert_eq!(
            rule("FREQ=MONTHLY;BYMONTHDAY=1"),
            "FREQ=MONTHLY;BYMONTHDAY=1"
        );
        assert_eq!(
            rule("FREQ=MONTHLY;BYMONTHDAY=28,29,30,31;BYSETPOS=-1"),
            "FREQ=MONTHLY;BYMONTHDAY=28,29,30,31;BYSETPOS=-1"
        );
        for bad in [
            "FREQ=HOURLY",
            "FREQ=DAILY;COUNT=3",
            "FREQ=WEEKLY;UNTIL=20270101T000000Z",
            "FREQ=MONTHLY;BYDAY=2MO",
            "FREQ=MONTHLY;BYMONTHDAY=1,15",
            "FREQ=YEARLY;BYMONTH=3",
            "FREQ=MONTHLY;BYDAY=MO",
            "FREQ=DAILY;INTERVAL=400",
            "FREQ=SOMETIMES",
        ] {
            assert!(Repeat::parse(bad, "repeat").is_err(), "{bad}");
        }
    }

    #[test]
    fn a_stored_rule_reads_back_into_the_same_words() {
        for (text, words) in [
            ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "every weekday"),
            ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", "every 2 weeks on Monday"),
            ("FREQ=DAILY", "every day"),
            ("FREQ=MONTHLY;BYMONTHDAY=1", "monthly on the 1st"),
            (
                "FREQ=MONTHLY;BYMONTHDAY=28,29,30,31;BYSETPOS=-1",
                "monthly on the 31st (or the month's last day)",
            ),
        ] {
            let repeat = Repeat::try_from(text.to_owned()).expect("valid");
            assert_eq!(repeat.describe(), words, "{text}");
        }
    }
}
