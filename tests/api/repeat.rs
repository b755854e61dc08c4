//! Repeating tasks: the next occurrence Postgres computes, checked against the `rrule` crate
//! over month ends, leap days and changes of the clocks in two zones; and over REST,
//! completing an occurrence adds exactly one next one, skipping moves it, stopping ends it.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use reqwest::Method;
use rrule::{RRule, Tz, Unvalidated};
use serde_json::{Value, json};
use sqlx::PgPool;
use taskwire_tests::{TestApp, assert_error, spawn_app};

/// A local start: year, month, day, hour.
type Start = (i32, u32, u32, u32);

/// The first `n` occurrences of `rule` from `start` (a local date and time in `zone`), as the
/// `rrule` crate computes them.
fn crate_occurrences(rule: &str, zone: chrono_tz::Tz, start: Start, n: u16) -> Vec<DateTime<Utc>> {
    let (y, m, d, h) = start;
    let local = NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|date| date.and_hms_opt(h, 0, 0))
        .expect("a date");
    let dt_start = Tz::Tz(zone)
        .from_local_datetime(&local)
        .single()
        .expect("an unambiguous start");
    let set = rule
        .parse::<RRule<Unvalidated>>()
        .expect("an RRULE")
        .build(dt_start)
        .expect("a valid rule");
    set.all(n)
        .dates
        .iter()
        .map(|at| at.with_timezone(&Utc))
        .collect()
}

/// The same chain, each occurrence computed by `taskwire_next_due` from the one before.
async fn database_occurrences(
    pool: &PgPool,
    rule: &str,
    zone: &str,
    first: DateTime<Utc>,
    n: usize,
) -> Vec<DateTime<Utc>> {
    let mut chain = vec![first];
    while chain.len() < n {
        let last = chain[chain.len() - 1];
        let next: DateTime<Utc> = sqlx::query_scalar("select taskwire_next_due($1, $2, $3)")
            .bind(rule)
            .bind(last)
            .bind(zone)
            .fetch_one(pool)
            .await
            .unwrap_or_else(|err| panic!("{rule} after {last}: {err}"));
        chain.push(next);
    }
    chain
}

#[sqlx::test(migrations = "../migrations")]
async fn each_rule_kind_follows_the_rrule_crate_across_month_ends_leap_days_and_dst(pool: PgPool) {
    let berlin = chrono_tz::Europe::Berlin;
    let new_york = chrono_tz::America::New_York;
    let cases: &[(&str, Start)] = &[
        // Across 29 March 2026 (Berlin) and 8 March / 1 November 2026 (New York).
        ("FREQ=DAILY", (2026, 3, 20, 8)),
        ("FREQ=DAILY", (2026, 10, 25, 8)),
        ("FREQ=DAILY;INTERVAL=3", (2026, 2, 20, 9)),
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", (2026, 3, 2, 9)),
        ("FREQ=WEEKLY;BYDAY=MO,TH", (2026, 10, 22, 18)),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,FR", (2026, 3, 3, 7)),
        ("FREQ=WEEKLY", (2026, 10, 30, 12)),
        ("FREQ=WEEKLY;BYDAY=SA,SU", (2026, 3, 7, 10)),
        ("FREQ=MONTHLY;BYMONTHDAY=1", (2026, 1, 1, 9)),
        ("FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=15", (2026, 1, 15, 9)),
        // "The 31st, or the month's last day", through February of a leap year.
        (
            "FREQ=MONTHLY;BYMONTHDAY=28,29,30,31;BYSETPOS=-1",
            (2027, 10, 31, 17),
        ),
        (
            "FREQ=MONTHLY;BYMONTHDAY=28,29,30;BYSETPOS=-1",
            (2027, 11, 30, 17),
        ),
        (
            "FREQ=MONTHLY;BYMONTHDAY=28,29;BYSETPOS=-1",
            (2027, 12, 29, 17),
        ),
        // Without BYMONTHDAY a month without the day is skipped (RFC 5545).
        ("FREQ=MONTHLY", (2026, 1, 31, 17)),
        ("FREQ=YEARLY", (2028, 2, 29, 9)),
        ("FREQ=YEARLY", (2026, 12, 24, 18)),
    ];
    for (rule, start) in cases {
        for zone in [berlin, new_york] {
            let expected = crate_occurrences(rule, zone, *start, 14);
            assert_eq!(expected.len(), 14, "{rule}");
            let got =
                database_occurrences(&pool, rule, zone.name(), expected[0], expected.len()).await;
            assert_eq!(got, expected, "{rule} from {start:?} in {}", zone.name());
        }
    }
}

async fn put(app: &TestApp, id: &Value, body: Value) -> reqwest::Response {
    app.request(Method::PUT, "alice", &format!("/api/alice/tasks/{id}"))
        .json(&body)
        .send()
        .await
        .expect("sent")
}

async fn toggle(app: &TestApp, id: &Value) -> Value {
    let resp = app
        .request(
            Method::PATCH,
            "alice",
            &format!("/api/alice/tasks/{id}/complete"),
        )
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 200);
    resp.json().await.expect("json")
}

#[sqlx::test(migrations = "../migrations")]
async fn completing_an_occurrence_adds_exactly_one_next_one(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let task = app
        .create_task(
            "alice",
            json!({"title": "Pay rent", "repeat": "on the 31st of every month", "due_date": "2027-01-31T09:00:00+00:00", "tags": ["home"], "priority": "high", "description": "standing order"}),
        )
        .await;
    assert_eq!(
        task["repeat"],
        "FREQ=MONTHLY;BYMONTHDAY=28,29,30,31;BYSETPOS=-1"
    );
    assert_eq!(
        task["repeat_text"],
        "monthly on the 31st (or the month's last day)"
    );
    let id = &task["id"];
    toggle(&app, id).await;
    // Reopened and completed again: still the one successor.
    toggle(&app, id).await;
    toggle(&app, id).await;
    let (tasks, total) = app.list_tasks("alice", "status=pending").await;
    assert_eq!(total, 1, "{tasks:?}");
    let next = &tasks[0];
    assert_eq!(next["due_date"], "2027-02-28T09:00:00+00:00");
    assert_eq!(next["previous_id"], *id);
    for field in ["title", "description", "priority", "tags", "repeat"] {
        assert_eq!(next[field], task[field], "{field} is kept");
    }
    // Its own completion adds the one after it.
    toggle(&app, &next["id"]).await;
    let (tasks, _) = app.list_tasks("alice", "status=pending").await;
    assert_eq!(tasks[0]["due_date"], "2027-03-31T09:00:00+00:00");

    // An occurrence completed days late is followed by the next one still to come.
    let late = app
        .create_task(
            "alice",
            json!({"title": "Pills", "repeat": "every day", "due_date": "2030-01-01T08:00:00Z"}),
        )
        .await;
    sqlx::query("update tasks set due_date = now() - interval '3 days 1 hour' where id = $1")
        .bind(late["id"].as_i64())
        .execute(&pool)
        .await
        .expect("made late");
    toggle(&app, &late["id"]).await;
    let (tasks, _) = app.list_tasks("alice", "status=pending&q=pills").await;
    let due: DateTime<Utc> = tasks[0]["due_date"]
        .as_str()
        .expect("due")
        .parse()
        .expect("time");
    assert!(
        due > Utc::now() && due < Utc::now() + chrono::Duration::days(1),
        "{due}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn skip_moves_to_the_next_occurrence_and_stop_ends_the_repeat(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let task = app
        .create_task(
            "alice",
            json!({"title": "Water the plants", "repeat": "every Monday and Thursday", "due_date": "2027-01-04T08:00:00Z"}),
        )
        .await;
    let id = &task["id"];
    let resp = put(&app, id, json!({"skip": true})).await;
    assert_eq!(resp.status(), 200);
    let skipped: Value = resp.json().await.expect("json");
    assert_eq!(
        skipped["due_date"], "2027-01-07T08:00:00+00:00",
        "Monday → Thursday"
    );
    assert_eq!(skipped["completed"], false);
    let resp = put(&app, id, json!({"repeat": null})).await;
    let stopped: Value = resp.json().await.expect("json");
    assert_eq!(stopped["repeat"], Value::Null);
    toggle(&app, id).await;
    let (_, total) = app.list_tasks("alice", "").await;
    assert_eq!(total, 1, "no next occurrence once it stopped repeating");
    let resp = put(&app, id, json!({"skip": true})).await;
    let message = assert_error(resp, 422, "validation_failed", "skip without a repeat").await;
    assert!(message.contains("does not repeat"), "{message}");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_repeating_task_gets_its_first_occurrence_as_due_date(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    // Without a due date: the first weekday from today on at 17:00 UTC, not in the past.
    let task = app
        .create_task(
            "alice",
            json!({"title": "Stand-up", "repeat": "every weekday"}),
        )
        .await;
    let due: DateTime<Utc> = task["due_date"]
        .as_str()
        .expect("due")
        .parse()
        .expect("time");
    assert!(due > Utc::now(), "{due}");
    assert!(due < Utc::now() + chrono::Duration::days(4), "{due}");
    assert_eq!(due.format("%H:%M").to_string(), "17:00");
    use chrono::Datelike;
    assert!(due.weekday().num_days_from_monday() < 5, "{due}");
    // A due date the rule does not allow moves to the first day it does.
    let task = app
        .create_task(
            "alice",
            json!({"title": "Gym", "repeat": "FREQ=WEEKLY;BYDAY=WE", "due_date": "2030-01-05T18:00:00Z"}),
        )
        .await;
    assert_eq!(
        task["due_date"], "2030-01-09T18:00:00+00:00",
        "Saturday → Wednesday"
    );
    for bad in ["now and then", "FREQ=HOURLY", "FREQ=DAILY;COUNT=3"] {
        let resp = app
            .request(Method::POST, "alice", "/api/alice/tasks")
            .json(&json!({"title": "T", "repeat": bad}))
            .send()
            .await
            .expect("sent");
        let message = assert_error(resp, 422, "validation_failed", bad).await;
        assert!(message.contains("repeat"), "{bad}: {message}");
    }
}
