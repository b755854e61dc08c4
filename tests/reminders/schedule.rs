//! The schedule Postgres keeps: the default reminder, relative reminders following the due
//! date, removed defaults staying removed, reminders copied to a repeating task's next one.

use reqwest::Method;
use serde_json::json;
use sqlx::PgPool;
use taskwire_tests::spawn_app;

use crate::{call, in_secs, reminders_of, task_due};

#[sqlx::test(migrations = "../migrations")]
async fn a_task_due_in_the_future_gets_one_reminder_at_its_due_time(pool: PgPool) {
    let app = spawn_app(pool).await;
    let task = app
        .create_task(
            "alice",
            json!({"title": "Dentist", "due_date": in_secs(3600)}),
        )
        .await;
    let reminders = reminders_of(&app, "alice", task["id"].as_i64().expect("id")).await;
    assert_eq!(reminders.len(), 1, "{reminders:?}");
    assert_eq!(reminders[0]["before_minutes"], 0);
    assert_eq!(reminders[0]["status"], "armed");
    let remind_at = reminders[0]["remind_at"].as_str().expect("remind_at");
    let due = task["due_date"].as_str().expect("due");
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(remind_at).expect("time"),
        chrono::DateTime::parse_from_rfc3339(due).expect("time"),
    );

    let past = app
        .create_task(
            "alice",
            json!({"title": "Yesterday's", "due_date": in_secs(-3600)}),
        )
        .await;
    let none = app.create_task("alice", json!({"title": "Someday"})).await;
    for task in [past, none] {
        let id = task["id"].as_i64().expect("id");
        assert!(
            reminders_of(&app, "alice", id).await.is_empty(),
            "no default for {task}"
        );
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn relative_reminders_follow_the_due_date_and_are_armed_again_when_it_moves(pool: PgPool) {
    let app = spawn_app(pool).await;
    let task = task_due(&app, "alice", "Report", 3600).await;
    let (status, _) = call(
        &app,
        Method::POST,
        "alice",
        &format!("/api/alice/tasks/{task}/reminders"),
        Some(json!({"before_minutes": 30})),
    )
    .await;
    assert_eq!(status, 201);
    // The default one was sent already (as a worker would mark it).
    sqlx::query("update reminders set sent_at = now() where task_id = $1 and before_minutes = 0")
        .bind(task)
        .execute(&app.pool)
        .await
        .expect("marked sent");

    let new_due = chrono::Utc::now() + chrono::Duration::hours(5);
    let (status, _) = call(
        &app,
        Method::PUT,
        "alice",
        &format!("/api/alice/tasks/{task}"),
        Some(json!({"due_date": new_due.to_rfc3339()})),
    )
    .await;
    assert_eq!(status, 200);

    let reminders = reminders_of(&app, "alice", task).await;
    assert_eq!(reminders.len(), 2, "{reminders:?}");
    for reminder in &reminders {
        let before = reminder["before_minutes"].as_i64().expect("relative");
        let at = chrono::DateTime::parse_from_rfc3339(
            reminder["remind_at"].as_str().expect("remind_at"),
        )
        .expect("time");
        let expected = new_due - chrono::Duration::minutes(before);
        assert!(
            (at.timestamp_millis() - expected.timestamp_millis()).abs() < 1000,
            "{reminder}"
        );
        assert_eq!(
            reminder["status"], "armed",
            "moved into the future, armed (again): {reminder}"
        );
    }

    let (status, _) = call(
        &app,
        Method::PUT,
        "alice",
        &format!("/api/alice/tasks/{task}"),
        Some(json!({"due_date": null})),
    )
    .await;
    assert_eq!(status, 200);
    for reminder in reminders_of(&app, "alice", task).await {
        assert_eq!(reminder["status"], "unscheduled", "{reminder}");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_task_whose_reminders_were_removed_does_not_get_the_default_back(pool: PgPool) {
    let app = spawn_app(pool).await;
    let task = task_due(&app, "alice", "Quiet one", 3600).await;
    let reminders = reminders_of(&app, "alice", task).await;
    let id = reminders[0]["id"].as_i64().expect("id");
    let (status, _) = call(
        &app,
        Method::DELETE,
        "alice",
        &format!("/api/alice/tasks/{task}/reminders/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 204);

    for change in [
        json!({"title": "Quiet one, renamed"}),
        json!({"due_date": in_secs(7200)}),
    ] {
        let (status, _) = call(
            &app,
            Method::PUT,
            "alice",
            &format!("/api/alice/tasks/{task}"),
            Some(change.clone()),
        )
        .await;
        assert_eq!(status, 200);
        assert!(
            reminders_of(&app, "alice", task).await.is_empty(),
            "after {change}"
        );
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn copying_reminders_gives_the_next_occurrence_the_same_relative_ones(pool: PgPool) {
    let app = spawn_app(pool).await;
    let first = task_due(&app, "alice", "Water plants", 3 * 3600).await;
    for minutes in [30, 120] {
        let (status, _) = call(
            &app,
            Method::POST,
            "alice",
            &format!("/api/alice/tasks/{first}/reminders"),
            Some(json!({"before_minutes": minutes})),
        )
        .await;
        assert_eq!(status, 201);
    }
    let (status, _) = call(
        &app,
        Method::POST,
        "alice",
        &format!("/api/alice/tasks/{first}/reminders"),
        Some(json!({"at": in_secs(600)})),
    )
    .await;
    assert_eq!(status, 201);
    let next = task_due(&app, "alice", "Water plants", 3600 * 24 * 7).await;

    let copied = common::db::reminders::copy(&app.pool, first, next)
        .await
        .expect("copied");
    assert_eq!(
        copied, 3,
        "the relative ones: at the due time, 30 and 120 minutes before"
    );
    let mut minutes: Vec<i64> = reminders_of(&app, "alice", next)
        .await
        .iter()
        .map(|r| r["before_minutes"].as_i64().expect("relative only"))
        .collect();
    minutes.sort_unstable();
    assert_eq!(minutes, [0, 30, 120]);

    // Another user's task is never a source or a target.
    let bobs = task_due(&app, "bob", "Bob's", 3600).await;
    assert_eq!(
        common::db::reminders::copy(&app.pool, first, bobs)
            .await
            .expect("ran"),
        0
    );
    assert_eq!(
        reminders_of(&app, "bob", bobs).await.len(),
        1,
        "bob keeps his default only"
    );
}
