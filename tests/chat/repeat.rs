//! Repeating tasks in chat with the builtin model: "every Monday and Thursday", "on the 1st
//! of every month", "every weekday at 9:30", ticking one off (exactly one next occurrence),
//! "skip", "stop repeating".

use serde_json::Value;
use sqlx::PgPool;
use taskwire_tests::spawn_app;

fn response(reply: &Value) -> &str {
    reply["response"].as_str().unwrap_or_default()
}

/// (repeat, due on the user's clock as "Dy HH:MI", completed) of alice's tasks titled `title`,
/// oldest first.
async fn occurrences(pool: &PgPool, title: &str) -> Vec<(Option<String>, String, bool)> {
    sqlx::query_as(
        "select repeat, to_char(due_date at time zone taskwire_zone(user_id), 'Dy HH24:MI'), \
         completed from tasks where user_id = 'alice' and title = $1 order by id",
    )
    .bind(title)
    .fetch_all(pool)
    .await
    .expect("tasks")
}

#[sqlx::test(migrations = "../migrations")]
async fn a_user_sets_up_repeats_in_words(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let _worker = app.spawn_worker();
    for (say, title, rule, said) in [
        (
            "water the plants every Monday and Thursday",
            "Water the plants",
            "FREQ=WEEKLY;BYDAY=MO,TH",
            "repeating every Monday and Thursday",
        ),
        (
            "pay rent on the 1st of every month",
            "Pay rent",
            "FREQ=MONTHLY;BYMONTHDAY=1",
            "repeating monthly on the 1st",
        ),
        (
            "add stand-up every weekday at 9:30",
            "Stand-up",
            "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
            "repeating every weekday",
        ),
    ] {
        let reply = app.say("alice", None, say).await;
        assert!(response(&reply).contains(said), "{say}: {reply}");
        let tasks = occurrences(&pool, title).await;
        assert_eq!(tasks.len(), 1, "{say}: {tasks:?}");
        assert_eq!(tasks[0].0.as_deref(), Some(rule), "{say}");
    }
    let standup = occurrences(&pool, "Stand-up").await;
    assert!(standup[0].1.ends_with("09:30"), "{standup:?}");
    assert!(!standup[0].1.starts_with('S'), "a weekday: {standup:?}");
}

#[sqlx::test(migrations = "../migrations")]
async fn ticking_off_a_daily_task_adds_the_next_one_once_and_it_can_be_skipped_or_stopped(
    pool: PgPool,
) {
    let app = spawn_app(pool.clone()).await;
    let _worker = app.spawn_worker();
    let reply = app
        .say(
            "alice",
            None,
            "remind me to take the pills every day at 8am",
        )
        .await;
    assert!(response(&reply).contains("repeating every day"), "{reply}");
    let first = occurrences(&pool, "Take the pills").await;
    assert_eq!(first.len(), 1);
    assert!(first[0].1.ends_with("08:00"), "{first:?}");

    let reply = app.say("alice", None, "I took the pills").await;
    let text = response(&reply);
    assert!(text.contains("The next one is due"), "{text}");
    assert!(text.contains("8 AM"), "{text}");
    let tasks = occurrences(&pool, "Take the pills").await;
    let done: Vec<bool> = tasks.iter().map(|t| t.2).collect();
    assert_eq!(done, [true, false], "one next occurrence: {tasks:?}");
    assert_eq!(tasks[1].0.as_deref(), Some("FREQ=DAILY"));
    assert!(tasks[1].1.ends_with("08:00"), "{tasks:?}");

    let before = occurrences(&pool, "Take the pills").await;
    let open_before = before.iter().find(|t| !t.2).cloned().expect("an open one");
    let reply = app.say("alice", None, "skip the pills").await;
    assert!(response(&reply).contains("skipped"), "{reply}");
    let after = occurrences(&pool, "Take the pills").await;
    let open_after = after.iter().find(|t| !t.2).cloned().expect("an open one");
    assert_ne!(open_after.1, open_before.1, "moved to the next day");
    assert_eq!(after.len(), before.len(), "skipping adds nothing");

    let reply = app.say("alice", None, "stop repeating the pills").await;
    assert!(response(&reply).contains("no longer repeating"), "{reply}");
    let stopped = occurrences(&pool, "Take the pills").await;
    assert!(stopped.iter().all(|t| t.2 || t.0.is_none()), "{stopped:?}");
}

#[sqlx::test(migrations = "../migrations")]
async fn an_undo_puts_an_overdue_repeating_task_back_exactly(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let _worker = app.spawn_worker();
    let task = app
        .create_task(
            "alice",
            serde_json::json!({"title": "Water the plants", "repeat": "every day", "due_date": "2030-01-01T08:00:00Z"}),
        )
        .await;
    // Overdue now: as if days had passed since.
    sqlx::query("update tasks set due_date = '2026-01-01T08:00:00Z' where id = $1")
        .bind(task["id"].as_i64())
        .execute(&pool)
        .await
        .expect("made overdue");
    let row = |pool: PgPool| async move {
        sqlx::query_scalar::<_, Value>("select to_jsonb(t) from tasks t where user_id = 'alice'")
            .fetch_all(&pool)
            .await
            .expect("rows")
    };
    let before = row(pool.clone()).await;
    let reply = app
        .say("alice", None, &format!("delete task {}", task["id"]))
        .await;
    let conversation = reply["conversation_id"].as_str().expect("conversation");
    app.say("alice", Some(conversation), "undo").await;
    assert_eq!(
        row(pool.clone()).await,
        before,
        "the same row, its overdue date included"
    );
}
