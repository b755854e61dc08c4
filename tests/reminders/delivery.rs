//! Notifications delivered: on the stream (resumable, per user), late when every worker was
//! down, never for a completed task, and to the user's webhook, signed, retried.

use reqwest::Method;
use sqlx::PgPool;
use taskwire_tests::{eventually, spawn_app};

use crate::{call, next_reminder, notifications, receiver::Receiver, set_webhook, task_due};

/// Makes the reminders of `task` due now, as if their time had come.
async fn due_now(pool: &PgPool, task: i64) {
    sqlx::query("update reminders set remind_at = now() where task_id = $1")
        .bind(task)
        .execute(pool)
        .await
        .expect("made due");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_resumed_stream_gives_exactly_the_missed_notifications_and_only_its_users(pool: PgPool) {
    let app = spawn_app(pool).await;
    let _worker = app.spawn_worker();
    let (mut alice, start) = notifications(&app, "alice", None).await;
    let (mut bob, _) = notifications(&app, "bob", None).await;
    let mut ids = Vec::new();
    for title in ["one", "two", "three"] {
        let task = task_due(&app, "alice", title, 3600).await;
        due_now(&app.pool, task).await;
        let event = next_reminder(&mut alice).await;
        assert_eq!(event.data["title"], title);
        assert_eq!(event.data["task_id"], task);
        assert_eq!(event.data["late"], false);
        ids.push(event.data["id"].as_i64().expect("id"));
    }
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]) && ids[0] > start,
        "{ids:?} after {start}"
    );

    // Bob's stream saw none of that: his first event is his own.
    let bobs = task_due(&app, "bob", "bob's", 3600).await;
    due_now(&app.pool, bobs).await;
    let event = next_reminder(&mut bob).await;
    assert_eq!(
        event.data["task_id"], bobs,
        "bob sees only his own: {event:?}"
    );

    // Reconnecting after the first gives the second and third, then what comes next.
    drop(alice);
    let (mut resumed, after) = notifications(&app, "alice", Some(ids[0])).await;
    assert_eq!(after, ids[0]);
    for expected in &ids[1..] {
        assert_eq!(next_reminder(&mut resumed).await.data["id"], *expected);
    }
    let task = task_due(&app, "alice", "four", 3600).await;
    due_now(&app.pool, task).await;
    assert_eq!(
        next_reminder(&mut resumed).await.data["title"],
        "four",
        "no repeats, no gap"
    );

    let recent = app
        .get_json("alice", "/api/alice/notifications/recent?limit=2")
        .await;
    let titles: Vec<&str> = recent
        .as_array()
        .expect("list")
        .iter()
        .map(|n| n["title"].as_str().expect("title"))
        .collect();
    assert_eq!(titles, ["four", "three"], "newest first");
}

#[sqlx::test(migrations = "../migrations")]
async fn reminders_due_while_every_worker_was_down_are_sent_late_when_one_starts(pool: PgPool) {
    let app = spawn_app(pool).await;
    let (mut stream, _) = notifications(&app, "alice", None).await;
    let task = task_due(&app, "alice", "Pills", 3600).await;
    // No worker runs: the reminder's time comes and goes (90 s ago).
    sqlx::query(
        "update reminders set remind_at = now() - interval '90 seconds' where task_id = $1",
    )
    .bind(task)
    .execute(&app.pool)
    .await
    .expect("time passed");

    let _worker = app.spawn_worker();
    let event = next_reminder(&mut stream).await;
    assert_eq!(event.data["title"], "Pills");
    assert_eq!(event.data["late"], true, "{event:?}");
    let late_by = event.data["late_by_seconds"].as_f64().expect("seconds");
    assert!((90.0..120.0).contains(&late_by), "late by {late_by} s");
    // The worker runs in this process: its metrics are this process's.
    let metrics = common::metrics::render();
    for name in [
        "taskwire_reminders_due_total",
        "taskwire_reminders_sent_total",
        "taskwire_reminders_late_total",
        "taskwire_reminder_lateness_seconds_bucket{le=\"300\"}",
    ] {
        assert!(metrics.contains(name), "{name} in\n{metrics}");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_completed_tasks_reminder_is_not_sent(pool: PgPool) {
    let app = spawn_app(pool).await;
    let _worker = app.spawn_worker();
    let (mut stream, _) = notifications(&app, "alice", None).await;
    let done = task_due(&app, "alice", "Done already", 3600).await;
    let (status, _) = call(
        &app,
        Method::PATCH,
        "alice",
        &format!("/api/alice/tasks/{done}/complete"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    due_now(&app.pool, done).await;
    let open = task_due(&app, "alice", "Still open", 3600).await;
    due_now(&app.pool, open).await;

    let event = next_reminder(&mut stream).await;
    assert_eq!(
        event.data["title"], "Still open",
        "the completed task's was skipped"
    );
    let reminders = crate::reminders_of(&app, "alice", done).await;
    assert_eq!(reminders[0]["status"], "skipped", "{reminders:?}");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_webhook_is_retried_until_it_answers_and_each_post_is_signed(pool: PgPool) {
    let app = spawn_app(pool).await;
    let receiver = Receiver::start(2).await;
    let secret = set_webhook(&app, "alice", &receiver.url).await;
    receiver.set_secret(&secret);
    let _worker = app.spawn_worker();
    let task = task_due(&app, "alice", "Call mum", 3600).await;
    due_now(&app.pool, task).await;

    receiver.wait_for(3).await;
    let received = receiver.received();
    let id = received[0].notification_id.clone();
    assert!(!id.is_empty());
    for post in &received {
        assert!(post.signed, "signature verifies: {post:?}");
        assert_eq!(post.notification_id, id, "one notification, retried");
        assert_eq!(post.body["title"], "Call mum");
        assert_eq!(post.body["type"], "reminder");
        assert_eq!(post.body["id"].to_string(), id);
    }
    eventually("the delivery is recorded", || async {
        let row: Option<(String, i32)> = sqlx::query_as(
            "select status, attempts from webhook_deliveries where notification_id = $1::bigint",
        )
        .bind(&id)
        .fetch_optional(&app.pool)
        .await
        .expect("query");
        row == Some(("ok".to_owned(), 3))
    })
    .await;
}
