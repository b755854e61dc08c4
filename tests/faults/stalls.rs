//! A worker that stalls past its lease and the queue's ack wait (SIGSTOP: a paused VM, a long
//! GC pause) and then resumes must not act on the turn the redelivery has taken over (finding
//! 12 of the security review). Real models give each call a random id, so the ledger's
//! (job, call id) key cannot tell the stalled worker's add from the new one's: the attempt
//! fence on every tool effect must.

use std::time::Duration;

use sqlx::PgPool;
use taskwire_tests::{
    fake_openai::{FakeCall, FakeOpenAi, Reply},
    process::WorkerProcess,
    spawn_app_with,
};

use crate::{WORKER_BIN, assert_one_task_one_reply, job_state};

async fn openai_worker(
    app: &taskwire_tests::TestApp,
    fake: &FakeOpenAi,
    name: &str,
) -> WorkerProcess {
    WorkerProcess::spawn(
        WORKER_BIN,
        app,
        name,
        &[
            ("MODEL_PROVIDER", "openai"),
            ("OPENAI_BASE_URL", &fake.base_url),
            ("OPENAI_API_KEY", "sk-test"),
            ("OPENAI_MODEL", "fake-model"),
            ("OPENAI_TIMEOUT", "60s"),
        ],
    )
    .await
}

fn add_milk(call_id: &str) -> Reply {
    Reply::ToolCalls(vec![FakeCall::new(
        call_id,
        "add_task",
        &[r#"{"title": "Buy milk"}"#],
    )])
}

#[sqlx::test(migrations = "../migrations")]
async fn a_stalled_worker_that_resumes_does_not_act_on_a_turn_taken_over(pool: PgPool) {
    let app = spawn_app_with(pool, |c| c.chat_wait = Duration::from_millis(10)).await;
    let fake = FakeOpenAi::start().await;
    // The first worker's model answers late: by then it is stopped, and its answer (an add
    // with its own call id) waits for it in the socket.
    fake.push(Reply::Slow {
        ttft: Duration::from_secs(3),
        tokens_per_sec: 1000.0,
        reply: Box::new(add_milk("call_from_a")),
    });
    fake.push(add_milk("call_from_b"));
    fake.push(Reply::text(["Added “Buy milk”."]));

    let a = openai_worker(&app, &fake, "a").await;
    let (_, accepted) = app.chat("alice", None, "add buy milk").await;
    let job = accepted["job_id"].as_str().expect("job").to_owned();
    tokio::time::timeout(Duration::from_secs(30), fake.wait_for_requests(1))
        .await
        .expect("a asked the model");
    a.signal("STOP");

    // Past the lease and the ack wait, another worker takes the turn over and ends it.
    let _b = openai_worker(&app, &fake, "b").await;
    let end = tokio::time::timeout(Duration::from_secs(60), app.wait_for_job("alice", &job))
        .await
        .expect("b ended the turn");
    assert_eq!(end.event, "done", "{:?}", end.data);

    // The stalled worker wakes with its add in hand, and must not run it.
    a.signal("CONT");
    a.signal("TERM");
    let mut a = a;
    assert!(a.wait(Duration::from_secs(30)).await, "a stopped cleanly");
    assert_one_task_one_reply(&app.pool).await;
    assert_eq!(fake.requests().len(), 3, "a asked the model nothing more");
    let (status, _, worker, _) = job_state(&app.pool, &job).await;
    assert_eq!(
        (status.as_str(), worker.as_deref()),
        ("succeeded", Some("b"))
    );
}
