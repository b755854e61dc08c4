//! The date parser against the cases people hit: four zones with odd offsets, late evenings
//! where UTC is already tomorrow, daylight-saving changes, and input that is not a date.

use chrono::{DateTime, Datelike, Timelike, Utc};

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

fn due(text: &str, ctx: &DateContext) -> DateTime<Utc> {
    parse_due(text, ctx, "due_date").unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

/// Friday 2026-12-04 at 10:00 in each zone: (zone, now in UTC, tomorrow 17:00 in UTC,
/// tonight 20:00 in UTC).
const ZONES: &[(&str, &str, &str, &str)] = &[
    (
        "America/New_York",
        "2026-12-04T15:00:00Z",
        "2026-12-05T22:00:00Z",
        "2026-12-05T01:00:00Z",
    ),
    (
        "Asia/Kolkata",
        "2026-12-04T04:30:00Z",
        "2026-12-05T11:30:00Z",
        "2026-12-04T14:30:00Z",
    ),
    (
        "Pacific/Chatham",
        "2026-12-03T20:15:00Z",
        "2026-12-05T03:15:00Z",
        "2026-12-04T06:15:00Z",
    ),
    (
        "Pacific/Honolulu",
        "2026-12-04T20:00:00Z",
        "2026-12-06T03:00:00Z",
        "2026-12-05T06:00:00Z",
    ),
];

#[test]
fn tomorrow_at_5pm_and_tonight_are_read_on_the_users_clock() {
    for &(zone, now, tomorrow_5pm, tonight) in ZONES {
        let ctx = ctx(now, zone);
        assert_eq!(
            ctx.local_now().format("%a %H:%M").to_string(),
            "Fri 10:00",
            "{zone}"
        );
        assert_eq!(due("tomorrow at 5pm", &ctx), at(tomorrow_5pm), "{zone}");
        assert_eq!(
            due("tomorrow", &ctx),
            at(tomorrow_5pm),
            "{zone}: a day means 17:00"
        );
        assert_eq!(due("tonight", &ctx), at(tonight), "{zone}");
    }
}

#[test]
fn late_in_the_evening_tomorrow_is_the_next_local_day() {
    // 23:30 on Friday in Honolulu is 09:30 on Saturday in UTC: tomorrow is Saturday.
    let honolulu = ctx("2026-12-05T09:30:00Z", "Pacific/Honolulu");
    assert_eq!(due("tomorrow", &honolulu), at("2026-12-06T03:00:00Z"));
    assert_eq!(
        due("today", &honolulu),
        at("2026-12-05T03:00:00Z"),
        "already past"
    );
    // 23:30 on Friday in New York: tonight has begun, so it means the end of the day.
    let ny = ctx("2026-12-05T04:30:00Z", "America/New_York");
    assert_eq!(due("tonight", &ny), at("2026-12-05T04:59:00Z"));
    assert_eq!(due("tomorrow at 9am", &ny), at("2026-12-05T14:00:00Z"));
    // 23:30 in Kolkata is 18:00 UTC the same day: "at 8am" is tomorrow morning.
    let kolkata = ctx("2026-12-04T18:00:00Z", "Asia/Kolkata");
    assert_eq!(due("at 8am", &kolkata), at("2026-12-05T02:30:00Z"));
}

#[test]
fn next_sunday_at_9am_across_new_yorks_clock_changes() {
    // Thursday 2026-10-29 (daylight time): Sunday November 1 is in standard time.
    let autumn = ctx("2026-10-29T16:00:00Z", "America/New_York");
    assert_eq!(
        due("at 9am next Sunday", &autumn),
        at("2026-11-01T14:00:00Z")
    );
    // Wednesday 2027-03-10 (standard time): Sunday March 14 is in daylight time.
    let spring = ctx("2027-03-10T16:00:00Z", "America/New_York");
    assert_eq!(
        due("at 9am next Sunday", &spring),
        at("2027-03-14T13:00:00Z")
    );
    // 02:30 does not happen on March 14: it is moved forward by the gap, to 03:30 EDT.
    assert_eq!(due("2027-03-14 02:30", &spring), at("2027-03-14T07:30:00Z"));
    assert_eq!(
        due("next sunday at 2:30am", &spring),
        at("2027-03-14T07:30:00Z")
    );
    // 01:30 happens twice on November 1: the first one (EDT).
    assert_eq!(due("2026-11-01T01:30", &autumn), at("2026-11-01T05:30:00Z"));
}

#[test]
fn numeric_forms_with_and_without_an_offset() {
    let ny = ctx("2026-12-04T15:00:00Z", "America/New_York");
    let cases = [
        ("2026-12-11T17:00:00-05:00", "2026-12-11T22:00:00Z"),
        ("2026-12-11T17:00:00Z", "2026-12-11T17:00:00Z"),
        ("2026-12-11T17:00:00.250+01:00", "2026-12-11T16:00:00.250Z"),
        ("2026-12-11 17:00:00+05:30", "2026-12-11T11:30:00Z"),
        ("2026-12-4T23:59:59Z", "2026-12-04T23:59:59Z"),
        ("2026-12-11T17:00", "2026-12-11T22:00:00Z"),
        ("2026-12-11 09:30", "2026-12-11T14:30:00Z"),
        ("2026-12-11", "2026-12-11T22:00:00Z"),
        ("2026/12/11", "2026-12-11T22:00:00Z"),
    ];
    for (text, expected) in cases {
        assert_eq!(due(text, &ny), at(expected), "{text}");
    }
}

#[test]
fn words_the_builtin_knows_are_read_here_too() {
    // Friday 2026-12-04, 10:00 in Berlin.
    let berlin = ctx("2026-12-04T09:00:00Z", "Europe/Berlin");
    let cases = [
        ("next friday 5pm", "2026-12-11T16:00:00Z"),
        ("Friday", "2026-12-11T16:00:00Z"),
        ("in 3 days", "2026-12-07T16:00:00Z"),
        ("in 2 hours", "2026-12-04T11:00:00Z"),
        ("next week", "2026-12-07T16:00:00Z"),
        ("end of the month", "2026-12-31T16:00:00Z"),
        ("Dec 24", "2026-12-24T16:00:00Z"),
        ("24/12", "2026-12-24T16:00:00Z"),
        ("at 5pm", "2026-12-04T16:00:00Z"),
        ("17:30", "2026-12-04T16:30:00Z"),
        ("noon", "2026-12-04T11:00:00Z"),
        ("this evening", "2026-12-04T17:00:00Z"),
        ("by tomorrow morning", "2026-12-05T08:00:00Z"),
    ];
    for (text, expected) in cases {
        assert_eq!(due(text, &berlin), at(expected), "{text}");
    }
}

#[test]
fn what_is_not_a_date_is_refused_with_the_forms_that_are() {
    let utc = ctx("2026-12-04T15:00:00Z", "UTC");
    for text in ["", "someday", "friday lunch", "Feb 30", "next blursday"] {
        let err = parse_due(text, &utc, "due_date").expect_err(text);
        let message = err.to_string();
        assert!(message.starts_with("due_date: "), "{text}: {message}");
        assert!(message.contains("RFC 3339"), "{text}: {message}");
    }
    let impossible = parse_due("2026-02-30", &utc, "due_date").expect_err("no such day");
    assert!(
        impossible.to_string().contains("not a real date"),
        "{impossible}"
    );
    for text in ["0999-01-01", "1066-10-14T09:00:00Z"] {
        let err = parse_due(text, &utc, "due_date").expect_err(text);
        assert!(err.to_string().contains("1900"), "{text}: {err}");
    }
    assert!(parse_due("10000-01-01", &utc, "due_date").is_err());
}

#[test]
fn a_range_bound_given_as_a_day_starts_at_midnight() {
    let ny = ctx("2026-12-04T15:00:00Z", "America/New_York");
    assert_eq!(
        parse_due_bound("2026-12-11", &ny, "due_before").expect("a date"),
        at("2026-12-11T05:00:00Z")
    );
    assert_eq!(
        parse_due_bound("next friday", &ny, "due_before").expect("a day"),
        at("2026-12-11T05:00:00Z")
    );
    assert_eq!(
        parse_due_bound("next friday 5pm", &ny, "due_before").expect("a time"),
        at("2026-12-11T22:00:00Z")
    );
}

#[test]
fn dates_written_the_way_taskwire_writes_them_read_back() {
    // Friday 2026-12-04, 10:00 in New York: a small model copies the time note or a reply.
    let ny = ctx("2026-12-04T15:00:00Z", "America/New_York");
    let cases = [
        // The time note, whole: its own offset says when.
        (
            "Saturday, December 5, 2026, 19:44 in America/New_York (UTC−05:00)",
            "2026-12-06T00:44:00Z",
        ),
        (
            "Saturday, December 5, 2026, 19:44 in Asia/Kolkata (UTC+05:30)",
            "2026-12-05T14:14:00Z",
        ),
        (
            "Saturday, December 5, 2026, 13:12 in UTC (UTC+00:00)",
            "2026-12-05T13:12:00Z",
        ),
        // Without the zone: the user's.
        ("Saturday, December 5, 2026, 19:00", "2026-12-06T00:00:00Z"),
        ("Saturday, December 5, 2026", "2026-12-05T22:00:00Z"),
        (
            "Friday, January 15, 2027 at 9:30 AM",
            "2027-01-15T14:30:00Z",
        ),
        // A reply's form, without a year.
        ("Monday, December 7 at 2:30 PM", "2026-12-07T19:30:00Z"),
        ("Mon, December 7", "2026-12-07T22:00:00Z"),
    ];
    for (text, expected) in cases {
        assert_eq!(due(text, &ny), at(expected), "{text}");
    }
    // Words that start with a weekday are still words.
    let friday = due("Friday 5pm", &ny).with_timezone(&ny.zone.tz());
    assert_eq!(
        (friday.weekday(), friday.hour()),
        (chrono::Weekday::Fri, 17)
    );
    // A weekday that is not the date's is not guessed between.
    let err = parse_due("Sunday, December 5, 2026", &ny, "due_date").expect_err("a Saturday");
    assert!(err.to_string().contains("weekday"), "{err}");
}
