//! The issue's "done when", through the chat: "remind me to take the pills every day at 8am
//! #health" gives a daily task whose reminder arrives on the notification stream; ticking it
//! off gives tomorrow's, reminding at 8:00 again; the #health tasks are found by tag. And
//! reminders said in chat ("30 minutes before") are added once, with the call.

use serde_json::Value;
use sqlx::PgPool;
use taskwire_tests::spawn_app;

use crate::{next_reminder, notifications, reminders_of};

fn response(reply: &Value) -> &str {
    reply["response"].as_str().unwrap_or_default()
}

/// Alice's open "Take the pills": its id and its due time on her clock ("HH24:MI").
async fn open_pills(pool: &PgPool) -> (i64, String) {
    sqlx::query_as(
        "select id, to_char(due_date at time zone taskwire_zone(user_id), 'HH24:MI') from tasks \
         where user_id = 'alice' and title = 'Take the pills' and not completed",
    )
    .fetch_one(pool)
    .await
    .expect("one open occurrence")
}

#[sqlx::test(migrations = "../migrations")]
async fn pills_every_day_at_8am_remind_each_day_and_are_found_by_tag(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let _worker = app.spawn_worker();
    let (mut stream, _) = notifications(&app, "alice", None).await;
    let reply = app
        .say(
            "alice",
            None,
            "remind me to take the pills every day at 8am #health",
        )
        .await;
    assert!(response(&reply).contains("repeating every day"), "{reply}");
    let (first, at) = open_pills(&pool).await;
    assert_eq!(at, "08:00");
    let reminders = reminders_of(&app, "alice", first).await;
    assert_eq!(reminders.len(), 1, "{reminders:?}");
    assert_eq!(reminders[0]["before_minutes"], 0, "at the due time");

    // 8:00 comes (the reminder is made due now rather than waited for).
    sqlx::query("update reminders set remind_at = now() where task_id = $1")
        .bind(first)
        .execute(&pool)
        .await
        .expect("made due");
    let event = next_reminder(&mut stream).await;
    assert_eq!(event.data["title"], "Take the pills");
    assert_eq!(event.data["task_id"], first);

    let reply = app.say("alice", None, "I took the pills").await;
    assert!(response(&reply).contains("next one is due"), "{reply}");
    let (next, at) = open_pills(&pool).await;
    assert_ne!(next, first);
    assert_eq!(at, "08:00");
    let reminders = reminders_of(&app, "alice", next).await;
    assert_eq!(
        reminders.len(),
        1,
        "the next one reminds too: {reminders:?}"
    );
    assert_eq!(reminders[0]["before_minutes"], 0);
    assert_eq!(reminders[0]["status"], "armed");

    let reply = app.say("alice", None, "show my #health tasks").await;
    let text = response(&reply);
    assert!(
        text.contains("tagged #health") && text.contains("Take the pills"),
        "{text}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_reminder_said_in_chat_is_added_with_the_task_once(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let _worker = app.spawn_worker();
    let reply = app
        .say(
            "alice",
            None,
            "remind me to call mom tomorrow at 5pm, 30 minutes before",
        )
        .await;
    let calls = reply["tool_calls"].as_array().expect("calls");
    assert_eq!(calls.len(), 1, "{reply}");
    let result = &calls[0]["result"];
    assert_eq!(
        result["reminders"].as_array().map(Vec::len),
        Some(1),
        "{result}"
    );
    assert_eq!(result["reminders"][0]["before_minutes"], 30);
    let id = result["task_id"].as_i64().expect("task id");
    let reminders = reminders_of(&app, "alice", id).await;
    let before: Vec<&Value> = reminders.iter().map(|r| &r["before_minutes"]).collect();
    assert_eq!(
        before,
        [&Value::from(30)],
        "only the one asked for: {reminders:?}"
    );
}
