//! Faults injected for real — worker processes killed and stopped, NATS stopped and
//! restarted, a misbehaving model — and the invariants that must survive them: every
//! accepted message gets exactly one reply, no effect happens twice, every job ends.

mod crashes;
mod deadlines;
mod gateway;
mod model;
mod nats;
mod overload;
mod postgres;
mod soak;
mod stalls;

use std::{sync::Arc, time::Duration};

use sqlx::PgPool;
use taskwire_tests::{TestApp, TestWorker};
pub use taskwire_tests::{eventually, eventually_within};
use worker::agent::{builtin::BuiltinModel, delayed::Delayed};

/// The real worker binary, built for these tests.
pub const WORKER_BIN: &str = env!("CARGO_BIN_EXE_taskwire-worker-under-test");

/// A job's state: (status, attempts, worker_id, error_code).
pub async fn job_state(
    pool: &PgPool,
    job_id: &str,
) -> (String, i32, Option<String>, Option<String>) {
    sqlx::query_as(
        "select status, attempts, worker_id, error_code from chat_jobs where id = $1::uuid",
    )
    .bind(job_id)
    .fetch_one(pool)
    .await
    .expect("job row")
}

/// Starts a worker whose builtin model takes `step` per step, sends "add buy milk" and waits
/// until a worker has started the turn: the moment to inject a fault mid-turn. Returns the
/// worker (keep it alive) and the job id.
pub async fn start_slow_turn(app: &TestApp, step: Duration) -> (TestWorker, String) {
    let slow = Arc::new(Delayed {
        inner: Arc::new(BuiltinModel::new()),
        delay: step,
    });
    let worker = app.spawn_worker_with(slow, |_| {});
    let (_, accepted) = app.chat("alice", None, "add buy milk").await;
    let job = accepted["job_id"].as_str().expect("job").to_owned();
    eventually("the turn has started", || async {
        job_state(&app.pool, &job).await.1 >= 1
    })
    .await;
    (worker, job)
}

/// A count from SQL.
pub async fn count(pool: &PgPool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(pool)
        .await
        .expect("count")
}

/// The invariant every single-message fault test ends on: the message added exactly one
/// task and got exactly one reply.
pub async fn assert_one_task_one_reply(pool: &PgPool) {
    assert_eq!(
        count(pool, "select count(*) from tasks").await,
        1,
        "the task was added exactly once"
    );
    assert_eq!(
        count(
            pool,
            "select count(*) from messages where role = 'assistant'"
        )
        .await,
        1,
        "exactly one reply"
    );
}
