//! Edge cases of the calendar arithmetic the date phrases rely on.

use chrono::{NaiveDate, NaiveTime, Weekday};

use super::calendar::{clock, day_of_month, month_day, next_weekday, ordinal};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

fn time(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).expect("a valid time")
}

#[test]
fn a_weekday_is_always_ahead_even_when_it_is_today() {
    let sunday = date(2026, 11, 22);
    assert_eq!(
        next_weekday(sunday, Weekday::Sun),
        date(2026, 11, 29),
        "a week ahead"
    );
    assert_eq!(
        next_weekday(sunday, Weekday::Mon),
        date(2026, 11, 23),
        "tomorrow"
    );
}

#[test]
fn a_day_of_the_month_skips_months_too_short_for_it() {
    assert_eq!(
        day_of_month(date(2026, 11, 22), 31),
        Some(date(2026, 12, 31))
    );
    assert_eq!(
        day_of_month(date(2026, 11, 22), 22),
        Some(date(2026, 11, 22)),
        "today counts"
    );
    assert_eq!(
        day_of_month(date(2027, 1, 31), 30),
        Some(date(2027, 3, 30)),
        "February has no 30th"
    );
}

#[test]
fn a_date_without_a_year_is_the_next_one() {
    let today = date(2026, 11, 22);
    assert_eq!(month_day(today, 11, 22, None), Some(date(2026, 11, 22)));
    assert_eq!(month_day(today, 11, 21, None), Some(date(2027, 11, 21)));
    assert_eq!(
        month_day(today, 2, 29, None),
        Some(date(2028, 2, 29)),
        "the next leap day"
    );
    assert_eq!(month_day(today, 2, 30, None), None, "no such day");
}

#[test]
fn clock_times_read_twelve_and_twenty_four_hour_forms() {
    let cases = [
        ("5pm", "", false, Some((time(17, 0), 1))),
        ("5", "pm", false, Some((time(17, 0), 2))),
        ("12am", "", false, Some((time(0, 0), 1))),
        ("12pm", "", false, Some((time(12, 0), 1))),
        ("9.30am", "", false, Some((time(9, 30), 1))),
        ("17:45", "", false, Some((time(17, 45), 1))),
        ("3", "", true, Some((time(15, 0), 1))),
        ("9", "", true, Some((time(9, 0), 1))),
        ("3", "", false, None),
        ("13pm", "", false, None),
        ("5:75", "", false, None),
        ("2026", "", true, None),
    ];
    for (word, next, after_at, expected) in cases {
        assert_eq!(clock(word, next, after_at), expected, "{word:?} {next:?}");
    }
}

#[test]
fn ordinals_need_a_suffix_only_when_asked() {
    assert_eq!(ordinal("1st", true), Some(1));
    assert_eq!(ordinal("22nd", true), Some(22));
    assert_eq!(ordinal("7", true), None);
    assert_eq!(ordinal("7", false), Some(7));
    assert_eq!(ordinal("32nd", false), None);
    assert_eq!(ordinal("5pm", false), None);
}
