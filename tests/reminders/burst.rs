//! 200 reminders due within one second across three worker processes, two of them SIGKILLed
//! during the burst: each is delivered exactly once, at the stream and at the webhook.

use std::collections::HashSet;

use sqlx::PgPool;
use taskwire_tests::{eventually, process::WorkerProcess, spawn_app};

use crate::{WORKER_BIN, next_reminder, notifications, receiver::Receiver, set_webhook};

const REMINDERS: usize = 200;

async fn sent(pool: &PgPool) -> i64 {
    sqlx::query_scalar("select count(*) from notifications")
        .fetch_one(pool)
        .await
        .expect("count")
}

#[sqlx::test(migrations = "../migrations")]
async fn a_burst_survives_two_of_three_workers_killed_and_arrives_exactly_once(pool: PgPool) {
    let app = spawn_app(pool).await;
    let receiver = Receiver::start(0).await;
    let secret = set_webhook(&app, "alice", &receiver.url).await;
    receiver.set_secret(&secret);
    let env = [
        ("REMINDER_POLL", "1s"),
        ("REMINDER_BATCH", "10"),
        ("REMINDER_SWEEP", "500ms"),
        ("WEBHOOK_ALLOW_PRIVATE", "true"),
        ("WEBHOOK_RETRY_BASE", "100ms"),
        ("WEBHOOK_TIMEOUT", "1s"),
    ];
    let mut workers = Vec::new();
    for name in ["a", "b", "c"] {
        workers.push(WorkerProcess::spawn(WORKER_BIN, &app, name, &env).await);
    }
    let (mut stream, _) = notifications(&app, "alice", None).await;

    // 200 tasks due within one second, starting 3 s from now; each gets its default reminder.
    sqlx::query(
        "insert into tasks (user_id, title, due_date)
         select 'alice', 'task ' || n, now() + interval '3 seconds' + n * interval '5 milliseconds'
         from generate_series(0, $1 - 1) n",
    )
    .bind(REMINDERS as i32)
    .execute(&app.pool)
    .await
    .expect("tasks inserted");

    eventually("the burst has begun", || async {
        sent(&app.pool).await > 0
    })
    .await;
    workers[0].kill().await;
    eventually("a third of it is sent", || async {
        sent(&app.pool).await >= 70
    })
    .await;
    workers[1].kill().await;

    let mut ids = HashSet::new();
    let started = std::time::Instant::now();
    for _ in 0..REMINDERS {
        let event = next_reminder(&mut stream).await;
        assert!(ids.insert(event.id.clone()), "stream repeated {}", event.id);
    }
    eprintln!(
        "stream: {} distinct of {REMINDERS} in {:?} after the first kill",
        ids.len(),
        started.elapsed()
    );
    assert_eq!(ids.len(), REMINDERS);
    assert_eq!(
        sent(&app.pool).await,
        REMINDERS as i64,
        "one notification per reminder"
    );
    let late: i64 = sqlx::query_scalar("select count(*) from notifications where late")
        .fetch_one(&app.pool)
        .await
        .expect("count");
    assert_eq!(late, 0, "none late");

    receiver.wait_for(REMINDERS).await;
    eventually("every delivery is recorded", || async {
        let recorded: i64 =
            sqlx::query_scalar("select count(*) from webhook_deliveries where status = 'ok'")
                .fetch_one(&app.pool)
                .await
                .expect("count");
        recorded == REMINDERS as i64
    })
    .await;
    let received = receiver.received();
    let distinct: HashSet<&str> = received
        .iter()
        .map(|r| r.notification_id.as_str())
        .collect();
    assert!(received.iter().all(|r| r.signed), "every POST is signed");
    assert_eq!(
        distinct.len(),
        REMINDERS,
        "every notification reached the webhook"
    );
    eprintln!(
        "webhook: {} POSTs, {} distinct",
        received.len(),
        distinct.len()
    );
    // A worker killed between a POST and its record POSTs it again on redelivery: the
    // receiver tells it by Taskwire-Notification-Id. Bounded by the deliveries in flight.
    assert!(
        received.len() - distinct.len() <= 2 * 16,
        "{} repeats",
        received.len() - distinct.len()
    );
    assert_eq!(
        ids.iter().map(String::as_str).collect::<HashSet<_>>(),
        distinct,
        "the same notifications"
    );
}
