//! Soak: many users chatting while worker processes are killed and restarted at random; at
//! the end every accepted message has exactly one reply and added exactly one task.
//!
//! `soak_short` runs in CI. The long version runs on demand:
//! `SOAK_USERS=50 SOAK_MESSAGES=20 SOAK_KILLS=30 scripts/test.sh -p taskwire-tests --test faults soak_long -- --ignored --nocapture`

use std::time::Duration;

use futures::future::join_all;
use sqlx::PgPool;
use taskwire_tests::{TestApp, process::WorkerProcess, spawn_app_with};

use crate::{WORKER_BIN, count, eventually_within};

struct Plan {
    users: usize,
    messages: usize,
    workers: usize,
    kills: usize,
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn worker(app: &TestApp, n: usize) -> WorkerProcess {
    WorkerProcess::spawn(
        WORKER_BIN,
        app,
        &format!("soak-{n}"),
        &[
            ("MODEL_PROVIDER", "builtin"),
            ("BUILTIN_STEP_DELAY", "100ms"),
            ("WORKER_CONCURRENCY", "16"),
        ],
    )
    .await
}

/// One user's messages, sent one after another into one conversation; returns how many the
/// gateway accepted.
async fn chat(app: &TestApp, user: String, messages: usize) -> usize {
    let mut conversation: Option<String> = None;
    let mut accepted = 0;
    for m in 0..messages {
        let (status, body) = app
            .chat(
                &user,
                conversation.as_deref(),
                &format!("add soak task {user} number {m}"),
            )
            .await;
        assert!(status == 200 || status == 202, "{user}: {status} {body}");
        accepted += 1;
        conversation = body["conversation_id"].as_str().map(str::to_owned);
    }
    accepted
}

async fn soak(pool: PgPool, plan: Plan) {
    let app = spawn_app_with(pool, |c| {
        c.chat_wait = Duration::from_millis(5);
        c.max_open_jobs_per_user = 1_000;
    })
    .await;
    let mut workers = Vec::new();
    for n in 0..plan.workers {
        workers.push(worker(&app, n).await);
    }
    let senders = join_all((0..plan.users).map(|u| chat(&app, format!("user{u}"), plan.messages)));
    let chaos = async {
        for (k, next) in (0..plan.kills).zip(plan.workers..) {
            tokio::time::sleep(Duration::from_millis(300 + (k as u64 * 7919) % 500)).await;
            let victim = (k * 31) % workers.len();
            workers[victim].kill().await;
            workers[victim] = worker(&app, next).await;
        }
    };
    let (accepted, ()) = tokio::join!(senders, chaos);
    let accepted: usize = accepted.into_iter().sum();

    eventually_within(Duration::from_secs(300), "every job has ended", || async {
        count(
            &app.pool,
            "select count(*) from chat_jobs where status in ('queued', 'running')",
        )
        .await
            == 0
    })
    .await;
    let jobs = count(&app.pool, "select count(*) from chat_jobs").await;
    let succeeded = count(
        &app.pool,
        "select count(*) from chat_jobs where status = 'succeeded'",
    )
    .await;
    let failed = count(
        &app.pool,
        "select count(*) from chat_jobs where status = 'failed'",
    )
    .await;
    let redelivered = count(
        &app.pool,
        "select count(*) from chat_jobs where attempts > 1",
    )
    .await;
    let prompts = count(
        &app.pool,
        "select count(*) from messages where role = 'user'",
    )
    .await;
    let replies = count(
        &app.pool,
        "select count(*) from messages where role = 'assistant'",
    )
    .await;
    let tasks = count(&app.pool, "select count(*) from tasks").await;
    let distinct = count(
        &app.pool,
        "select count(distinct (user_id, lower(title))) from tasks",
    )
    .await;
    println!(
        "soak: {} users x {} messages, {} kills: accepted {accepted}, jobs {jobs} (succeeded {succeeded}, failed {failed}, redelivered {redelivered}), user messages {prompts}, replies {replies}, tasks {tasks} ({distinct} distinct)",
        plan.users, plan.messages, plan.kills
    );
    let accepted = accepted as i64;
    assert_eq!(prompts, accepted, "every accepted message is stored");
    assert_eq!(jobs, accepted, "one job per message");
    assert_eq!(succeeded + failed, accepted, "every job ended");
    assert_eq!(replies, accepted, "exactly one reply per message");
    assert_eq!(failed, 0, "no turn needed more than its deliveries");
    assert_eq!(tasks, succeeded, "each answered message added one task");
    assert_eq!(distinct, tasks, "no task was added twice");
}

#[sqlx::test(migrations = "../migrations")]
async fn soak_short(pool: PgPool) {
    soak(
        pool,
        Plan {
            users: 6,
            messages: 4,
            workers: 3,
            kills: 4,
        },
    )
    .await;
}

#[sqlx::test(migrations = "../migrations")]
#[ignore = "long; run on demand (see the module docs)"]
async fn soak_long(pool: PgPool) {
    let plan = Plan {
        users: env_or("SOAK_USERS", 40),
        messages: env_or("SOAK_MESSAGES", 15),
        workers: env_or("SOAK_WORKERS", 4),
        kills: env_or("SOAK_KILLS", 25),
    };
    soak(pool, plan).await;
}
