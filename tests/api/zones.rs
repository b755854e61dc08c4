//! Time zones over REST: the profile holds the user's zone, due dates without an offset and
//! due-date views are read in it, and bad zones and dates are refused with nothing stored.

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use reqwest::Method;
use serde_json::{Value, json};
use sqlx::PgPool;
use taskwire_tests::{TestApp, assert_error, spawn_app};

async fn set_zone(app: &TestApp, user: &str, zone: &str) -> reqwest::Response {
    app.request(Method::PATCH, user, &format!("/api/{user}/profile"))
        .json(&json!({ "time_zone": zone }))
        .send()
        .await
        .expect("sent")
}

fn instant(value: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value.as_str().expect("a time"))
        .expect("RFC 3339")
        .to_utc()
}

/// 17:00 on the local day `days` after `now`'s in `zone`, as an instant.
fn five_pm(zone: Tz, now: DateTime<Utc>, days: i64) -> DateTime<Utc> {
    let day = now.with_timezone(&zone).date_naive() + Duration::days(days);
    let local = day.and_time(NaiveTime::from_hms_opt(17, 0, 0).expect("17:00"));
    zone.from_local_datetime(&local)
        .earliest()
        .expect("17:00 exists")
        .to_utc()
}

#[sqlx::test(migrations = "../migrations")]
async fn the_profile_holds_the_zone_and_refuses_unknown_ones(pool: PgPool) {
    let app = spawn_app(pool).await;
    let profile = app.get_json("alice", "/api/alice/profile").await;
    assert_eq!(profile, json!({"user_id": "alice", "time_zone": "UTC"}));

    let resp = set_zone(&app, "alice", "Asia/Kolkata").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.json::<Value>().await.expect("json")["time_zone"],
        "Asia/Kolkata"
    );

    for bad in ["Mars/Olympus", "", "asia/kolkata", "+05:30"] {
        let message = assert_error(
            set_zone(&app, "alice", bad).await,
            422,
            "validation_failed",
            bad,
        )
        .await;
        assert!(message.starts_with("time_zone: "), "{bad}: {message}");
    }
    let profile = app.get_json("alice", "/api/alice/profile").await;
    assert_eq!(profile["time_zone"], "Asia/Kolkata", "nothing stored");

    let resp = app
        .request(Method::GET, "bob", "/api/alice/profile")
        .send()
        .await
        .expect("sent");
    assert_error(resp, 403, "forbidden", "another user's profile").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_due_date_without_an_offset_is_read_in_the_users_zone(pool: PgPool) {
    let app = spawn_app(pool).await;
    assert_eq!(
        set_zone(&app, "alice", "America/New_York").await.status(),
        200
    );
    let ny: Tz = "America/New_York".parse().expect("zone");
    let now = Utc::now();

    let cases = [
        ("2026-12-11", "2026-12-11T22:00:00Z"),
        ("2026-12-11 09:30", "2026-12-11T14:30:00Z"),
        ("2026-12-11T17:00:00+01:00", "2026-12-11T16:00:00Z"),
        ("2027-03-14 02:30", "2027-03-14T07:30:00Z"),
    ];
    for (given, stored) in cases {
        let task = app
            .create_task("alice", json!({"title": given, "due_date": given}))
            .await;
        assert_eq!(
            task["due_date"],
            json!(stored.replace('Z', "+00:00")),
            "{given}"
        );
    }
    let tomorrow = app
        .create_task("alice", json!({"title": "words", "due_date": "tomorrow"}))
        .await;
    let due = instant(&tomorrow["due_date"]);
    assert!(
        due == five_pm(ny, now, 1) || due == five_pm(ny, Utc::now(), 1),
        "tomorrow 17:00 in New York, got {due}"
    );

    // The same words for a user in UTC are another instant.
    let utc_task = app
        .create_task("bob", json!({"title": "words", "due_date": "2026-12-11"}))
        .await;
    assert_eq!(utc_task["due_date"], "2026-12-11T17:00:00+00:00");

    // An update reads its date the same way, and null clears it.
    let id = tomorrow["id"].as_i64().expect("id");
    let path = format!("/api/alice/tasks/{id}");
    let moved: Value = app
        .request(Method::PUT, "alice", &path)
        .json(&json!({"due_date": "2026-12-24"}))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(moved["due_date"], "2026-12-24T22:00:00+00:00");
}

#[sqlx::test(migrations = "../migrations")]
async fn due_views_are_the_users_days(pool: PgPool) {
    let app = spawn_app(pool).await;
    let now = Utc::now();
    // The same list for two users 15.5 hours apart: a task due every three hours from a day
    // and a half ago to a day and a half ahead, and one without a date.
    let zones = [("kiran", "Asia/Kolkata"), ("leilani", "Pacific/Honolulu")];
    let dues: Vec<DateTime<Utc>> = (-12..=12).map(|k| now + Duration::hours(3 * k)).collect();
    for (user, zone) in zones {
        assert_eq!(set_zone(&app, user, zone).await.status(), 200);
        for (k, due) in dues.iter().enumerate() {
            app.create_task(
                user,
                json!({"title": format!("t{k}"), "due_date": due.to_rfc3339()}),
            )
            .await;
        }
        app.create_task(user, json!({"title": "no date"})).await;
    }
    let listed = |tasks: Vec<Value>| -> Vec<String> {
        tasks
            .iter()
            .map(|t| t["title"].as_str().expect("title").to_owned())
            .collect()
    };
    let mut todays = Vec::new();
    for (user, zone) in zones {
        let tz: Tz = zone.parse().expect("zone");
        // The oracle: the tasks whose due date falls on the user's today.
        let today = now.with_timezone(&tz).date_naive();
        let expected: Vec<String> = dues
            .iter()
            .enumerate()
            .filter(|(_, due)| due.with_timezone(&tz).date_naive() == today)
            .map(|(k, _)| format!("t{k}"))
            .collect();
        let (today_tasks, total) = app.list_tasks(user, "due=today").await;
        assert_eq!(
            listed(today_tasks),
            expected,
            "{zone}: today, soonest first"
        );
        assert_eq!(total, expected.len() as i64);
        todays.push(expected);

        let (none, _) = app.list_tasks(user, "due=none").await;
        assert_eq!(listed(none), ["no date"], "{zone}");
        let (overdue, _) = app.list_tasks(user, "due=overdue").await;
        let past = dues.iter().filter(|due| **due < Utc::now()).count();
        assert!(
            (past.saturating_sub(1)..=past).contains(&overdue.len()),
            "{zone}: {} overdue of {past} past",
            overdue.len()
        );
    }
    assert_ne!(todays[0], todays[1], "Kolkata's today is not Honolulu's");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_due_range_is_read_on_the_users_calendar(pool: PgPool) {
    let app = spawn_app(pool).await;
    assert_eq!(set_zone(&app, "alice", "Asia/Kolkata").await.status(), 200);
    for (title, due) in [
        ("early on the 10th", "2026-12-09T19:00:00Z"), // 00:30 on the 10th in Kolkata
        ("late on the 10th", "2026-12-10T18:00:00Z"),  // 23:30 on the 10th
        ("on the 11th", "2026-12-10T18:40:00Z"),       // 00:10 on the 11th
    ] {
        app.create_task("alice", json!({"title": title, "due_date": due}))
            .await;
    }
    let (tasks, total) = app
        .list_tasks("alice", "due_after=2026-12-10&due_before=2026-12-11")
        .await;
    let titles: Vec<&str> = tasks
        .iter()
        .map(|t| t["title"].as_str().expect("title"))
        .collect();
    assert_eq!(
        titles,
        ["early on the 10th", "late on the 10th"],
        "soonest first"
    );
    assert_eq!(total, 2);

    for (query, status, code) in [
        ("due=someday", 400, "bad_request"),
        ("due_before=blursday", 422, "validation_failed"),
        (
            "due_after=2026-12-11&due_before=2026-12-10",
            422,
            "validation_failed",
        ),
    ] {
        let resp = app
            .request(Method::GET, "alice", &format!("/api/alice/tasks?{query}"))
            .send()
            .await
            .expect("sent");
        assert_error(resp, status, code, query).await;
    }
}
