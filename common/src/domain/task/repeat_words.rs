//! Repeats in words: reading "every Monday and Thursday", "every weekday", "every 2 weeks",
//! "on the 1st of every month", "daily" out of a sentence, and saying a rule back.

use rrule::{Frequency, Weekday};

use super::repeat::{Repeat, RuleParts};
use crate::dates::calendar::{ordinal, weekday};
use crate::text::{Sentence, count, join_and};

const WEEKDAYS: [Weekday; 5] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
];

/// A weekday, also in the plural ("mondays") and short ("mon").
fn day_name(word: &str) -> Option<Weekday> {
    weekday(word, true).or_else(|| weekday(word.strip_suffix('s')?, false))
}

/// The weekdays listed from `i` on: "monday and thursday", "mon, wed, fri"; the position after.
fn day_list(s: &Sentence, mut i: usize) -> (Vec<Weekday>, usize) {
    let mut days = Vec::new();
    while s.is_free(i) {
        if let Some(day) = day_name(s.word(i)) {
            days.push(day);
            i += 1;
        } else if !days.is_empty() && matches!(s.word(i), "and" | "or" | "") {
            i += 1;
        } else {
            break;
        }
    }
    (days, i)
}

/// What follows "every"/"each" (after any count): the unit and the days it names.
fn unit(s: &Sentence, i: usize, parts: &mut RuleParts) -> Option<usize> {
    let word = s.word(i);
    let (freq, next) = match word {
        "day" | "days" => (Frequency::Daily, i + 1),
        "week" | "weeks" => (Frequency::Weekly, i + 1),
        "month" | "months" => (Frequency::Monthly, i + 1),
        "year" | "years" => (Frequency::Yearly, i + 1),
        "weekday" | "weekdays" | "workday" | "workdays" => {
            parts.weekdays = WEEKDAYS.to_vec();
            (Frequency::Weekly, i + 1)
        }
        "weekend" | "weekends" => {
            parts.weekdays = vec![Weekday::Sat, Weekday::Sun];
            (Frequency::Weekly, i + 1)
        }
        _ => {
            let (days, next) = day_list(s, i);
            if days.is_empty() {
                return None;
            }
            parts.weekdays = days;
            (Frequency::Weekly, next)
        }
    };
    parts.freq = Some(freq);
    Some(next)
}

/// "on Monday and Thursday" after a weekly rule, "on the 1st" after a monthly one.
fn on_days(s: &Sentence, i: usize, parts: &mut RuleParts) -> usize {
    if s.word(i) != "on" || !s.is_free(i) {
        return i;
    }
    match parts.freq {
        Some(Frequency::Weekly) if parts.weekdays.is_empty() => {
            let (days, next) = day_list(s, i + 1);
            if days.is_empty() {
                return i;
            }
            parts.weekdays = days;
            next
        }
        Some(Frequency::Monthly) => match month_day(s, i + 1) {
            Some((day, next)) => {
                parts.month_day = Some(day);
                next
            }
            None => i,
        },
        _ => i,
    }
}

/// "the 1st", "the 31st", "the last day" from `i`; the day (31 for the last) and the position
/// after.
fn month_day(s: &Sentence, i: usize) -> Option<(u8, usize)> {
    let i = if s.word(i) == "the" { i + 1 } else { i };
    if s.word(i) == "last" {
        let next = if s.word(i + 1) == "day" { i + 2 } else { i + 1 };
        return Some((31, next));
    }
    let day = u8::try_from(ordinal(s.word(i), true)?).ok()?;
    Some((day, i + 1))
}

/// A repeat starting at `i`, with the position after it.
fn repeat_at(s: &Sentence, i: usize) -> Option<(RuleParts, usize)> {
    let mut parts = RuleParts {
        interval: 1,
        ..RuleParts::default()
    };
    let simple = |freq| {
        Some((
            RuleParts {
                freq: Some(freq),
                interval: 1,
                ..RuleParts::default()
            },
            i + 1,
        ))
    };
    let (mut parts, end) = match s.word(i) {
        "daily" | "everyday" | "nightly" => simple(Frequency::Daily)?,
        "weekly" => simple(Frequency::Weekly)?,
        "monthly" => simple(Frequency::Monthly)?,
        "yearly" | "annually" => simple(Frequency::Yearly)?,
        "fortnightly" => {
            parts.freq = Some(Frequency::Weekly);
            parts.interval = 2;
            (parts, i + 1)
        }
        "every" | "each" => {
            let mut at = i + 1;
            if s.word(at) == "other" {
                parts.interval = 2;
                at += 1;
            } else if let Some(n) = count(s.word(at)).filter(|_| s.word(at) != "a") {
                parts.interval = u16::try_from(n).ok()?;
                at += 1;
            }
            let end = unit(s, at, &mut parts)?;
            (parts, end)
        }
        "on" if s.word(i + 1) == "weekdays" => {
            parts.freq = Some(Frequency::Weekly);
            parts.weekdays = WEEKDAYS.to_vec();
            (parts, i + 2)
        }
        word if word.ends_with('s') && day_name(word).is_some() => {
            // "mondays and thursdays"
            let (days, end) = day_list(s, i);
            parts.freq = Some(Frequency::Weekly);
            parts.weekdays = days;
            (parts, end)
        }
        _ => return monthly_day_first(s, i),
    };
    let end = on_days(s, end, &mut parts);
    Some((parts, end))
}

/// "the 1st of every month", "on the 15th of each month", "the last day of the month".
fn monthly_day_first(s: &Sentence, i: usize) -> Option<(RuleParts, usize)> {
    let start = if s.word(i) == "on" { i + 1 } else { i };
    if s.word(start) != "the" {
        return None;
    }
    let (day, at) = month_day(s, start)?;
    let of = (s.word(at) == "of").then_some(at + 1)?;
    if !matches!(s.word(of), "every" | "each" | "the") || s.word(of + 1) != "month" {
        return None;
    }
    let parts = RuleParts {
        freq: Some(Frequency::Monthly),
        interval: 1,
        weekdays: Vec::new(),
        month_day: Some(day),
    };
    Some((parts, of + 2))
}

/// True for "daily", "weekly", … used as an adjective ("the weekly report", "daily standup"):
/// another word of the task follows it in the clause.
fn adjective(s: &Sentence, i: usize, end: usize) -> bool {
    const ADVERBS: &[&str] = &[
        "daily",
        "everyday",
        "nightly",
        "weekly",
        "monthly",
        "yearly",
        "annually",
        "fortnightly",
    ];
    end == i + 1
        && ADVERBS.contains(&s.word(i))
        && !s.ends_clause(i)
        && s.is_free(end)
        && !matches!(
            s.word(end),
            "at" | "on" | "from" | "starting" | "please" | ""
        )
}

/// Finds a repeat among the free words of `s`, takes its words, and returns it.
pub fn extract_repeat(s: &mut Sentence) -> Option<Repeat> {
    for i in s.free() {
        let Some((parts, end)) = repeat_at(s, i) else {
            continue;
        };
        if adjective(s, i, end) {
            continue;
        }
        if !(i..end).all(|k| s.is_free(k)) {
            continue;
        }
        if let Ok(repeat) = Repeat::from_parts(&parts) {
            s.take(i, end);
            s.take_before(i, &["and", "to", "repeat", "repeating", "recurring"]);
            return Some(repeat);
        }
    }
    None
}

/// A text that is only a repeat ("every weekday", "repeat daily").
pub(super) fn parse_words(text: &str) -> Option<Repeat> {
    let mut s = Sentence::new(text);
    let repeat = extract_repeat(&mut s)?;
    let rest = s.free();
    rest.iter()
        .all(|&i| {
            matches!(
                s.word(i),
                "repeat" | "repeats" | "repeating" | "it" | "at" | ""
            )
        })
        .then_some(repeat)
}

fn day_word(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

fn ordinal_word(day: u8) -> String {
    let suffix = match (day % 10, day % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{day}{suffix}")
}

/// The rule in words.
pub(super) fn describe(parts: &RuleParts) -> String {
    let n = parts.interval;
    let every = |unit: &str| {
        if n == 1 {
            format!("every {unit}")
        } else {
            format!("every {n} {unit}s")
        }
    };
    let days: Vec<&str> = parts.weekdays.iter().map(|d| day_word(*d)).collect();
    match parts.freq {
        Some(Frequency::Daily) if days.is_empty() => every("day"),
        Some(Frequency::Daily | Frequency::Weekly) if parts.weekdays == WEEKDAYS && n == 1 => {
            "every weekday".to_owned()
        }
        Some(Frequency::Weekly) if days.is_empty() => every("week"),
        Some(Frequency::Weekly) if n == 1 => format!("every {}", join_and(&days)),
        Some(Frequency::Daily | Frequency::Weekly) => {
            format!("{} on {}", every("week"), join_and(&days))
        }
        Some(Frequency::Monthly) => match parts.month_day {
            Some(day @ 29..=31) if n == 1 => format!(
                "monthly on the {} (or the month's last day)",
                ordinal_word(day)
            ),
            Some(day) if n == 1 => format!("monthly on the {}", ordinal_word(day)),
            Some(day) => format!("{} on the {}", every("month"), ordinal_word(day)),
            None => every("month"),
        },
        Some(Frequency::Yearly) => every("year"),
        _ => "repeating".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(text: &str) -> Option<String> {
        parse_words(text).map(|r| r.as_str().to_owned())
    }

    #[test]
    fn everyday_phrasings_become_rules() {
        for (text, expected) in [
            ("every day", "FREQ=DAILY"),
            ("daily", "FREQ=DAILY"),
            ("every weekday", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
            ("on weekdays", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
            ("every Monday and Thursday", "FREQ=WEEKLY;BYDAY=MO,TH"),
            ("every mon, wed & fri", "FREQ=WEEKLY;BYDAY=MO,WE,FR"),
            ("mondays and thursdays", "FREQ=WEEKLY;BYDAY=MO,TH"),
            ("every 2 weeks", "FREQ=WEEKLY;INTERVAL=2"),
            (
                "every other week on Tuesday",
                "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
            ),
            ("every three days", "FREQ=DAILY;INTERVAL=3"),
            ("on the 1st of every month", "FREQ=MONTHLY;BYMONTHDAY=1"),
            ("every month on the 15th", "FREQ=MONTHLY;BYMONTHDAY=15"),
            (
                "the 31st of each month",
                "FREQ=MONTHLY;BYMONTHDAY=28,29,30,31;BYSETPOS=-1",
            ),
            (
                "the last day of every month",
                "FREQ=MONTHLY;BYMONTHDAY=28,29,30,31;BYSETPOS=-1",
            ),
            ("every year", "FREQ=YEARLY"),
            ("fortnightly", "FREQ=WEEKLY;INTERVAL=2"),
            ("every weekend", "FREQ=WEEKLY;BYDAY=SA,SU"),
        ] {
            assert_eq!(rule(text).as_deref(), Some(expected), "{text}");
        }
        for text in ["every now and then", "sometimes", "every", "on monday"] {
            assert_eq!(rule(text), None, "{text}");
        }
    }

    #[test]
    fn a_repeat_is_taken_out_of_a_sentence() {
        let mut s = Sentence::new("water the plants every Monday and Thursday at 8am");
        let repeat = extract_repeat(&mut s).expect("a repeat");
        assert_eq!(repeat.as_str(), "FREQ=WEEKLY;BYDAY=MO,TH");
        assert_eq!(s.text(&s.free()), "water the plants at 8am");
        let mut s = Sentence::new("pay rent on the 1st of every month");
        assert_eq!(
            extract_repeat(&mut s)
                .map(|r| r.as_str().to_owned())
                .as_deref(),
            Some("FREQ=MONTHLY;BYMONTHDAY=1")
        );
        assert_eq!(s.text(&s.free()), "pay rent");
        let mut s = Sentence::new("call mom on monday");
        assert!(extract_repeat(&mut s).is_none(), "one Monday is a date");
        let mut s = Sentence::new("send the weekly report");
        assert!(extract_repeat(&mut s).is_none(), "an adjective");
        let mut s = Sentence::new("water the plants weekly");
        assert!(extract_repeat(&mut s).is_some(), "an adverb");
        let mut s = Sentence::new("take out the trash weekly, on monday");
        assert!(
            extract_repeat(&mut s).is_some(),
            "an adverb before a clause"
        );
    }
}
