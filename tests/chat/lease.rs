//! Turn leases against real Postgres: the one statement that starts a delivery takes the
//! conversation's turn only when the rules allow it, and a worker's held leases are renewed
//! together until let go.

use std::time::Duration;

use common::{
    db::{self, jobs::Started},
    domain::{JobStatus, UserId},
};
use sqlx::PgPool;
use uuid::Uuid;
use worker::process::HeldLeases;

const LEASE: Duration = Duration::from_secs(5);

async fn queue_job(pool: &PgPool, user: &UserId, conversation: Uuid) -> Uuid {
    taskwire_tests::store_queued_job(pool, user, conversation, "add buy milk").await
}

async fn conversation(pool: &PgPool, user: &UserId) -> Uuid {
    let id = Uuid::now_v7();
    db::conversations::insert(pool, user, id, "c")
        .await
        .expect("conversation");
    id
}

async fn start(pool: &PgPool, job: Uuid, user: &str, conversation: Uuid) -> Option<Started> {
    db::jobs::start_attempt(pool, (job, user, conversation), "w1", LEASE)
        .await
        .expect("start")
}

async fn turn_holder(pool: &PgPool, conversation: Uuid) -> Option<Uuid> {
    sqlx::query_scalar("select turn_job_id from conversations where id = $1")
        .bind(conversation)
        .fetch_one(pool)
        .await
        .expect("conversation row")
}

#[sqlx::test(migrations = "../migrations")]
async fn a_later_job_waits_for_the_earlier_one_to_end(pool: PgPool) {
    let alice = UserId::parse("alice").expect("user");
    let c = conversation(&pool, &alice).await;
    let first = queue_job(&pool, &alice, c).await;
    let second = queue_job(&pool, &alice, c).await;

    let early = start(&pool, second, "alice", c).await.expect("second job");
    assert!(!early.turn_taken, "an earlier turn is still open");
    assert_eq!(early.job.status, JobStatus::Running);
    assert_eq!(early.job.attempts, 1);
    assert_eq!(early.job.started_at, None, "its turn has not begun");
    assert_eq!(turn_holder(&pool, c).await, None);

    let next = start(&pool, first, "alice", c).await.expect("first job");
    assert!(next.turn_taken);
    assert!(next.job.started_at.is_some());
    assert_eq!(turn_holder(&pool, c).await, Some(first));

    // Another delivery of the first job while its lease is live takes nothing.
    let again = start(&pool, first, "alice", c).await.expect("first job");
    assert!(!again.turn_taken);
    assert_eq!(again.job.attempts, 2);
    assert_eq!(
        again.job.started_at, next.job.started_at,
        "the first start stays"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_message_that_does_not_match_its_job_takes_no_turn(pool: PgPool) {
    let alice = UserId::parse("alice").expect("user");
    let c = conversation(&pool, &alice).await;
    let job = queue_job(&pool, &alice, c).await;

    let forged = start(&pool, job, "mallory", c).await.expect("job");
    assert!(!forged.turn_taken);
    assert_eq!(
        forged.job.user_id, "alice",
        "the stored job is returned as it is"
    );
    let elsewhere = start(&pool, job, "alice", Uuid::now_v7())
        .await
        .expect("job");
    assert!(!elsewhere.turn_taken);
    assert_eq!(turn_holder(&pool, c).await, None);

    assert!(start(&pool, job, "alice", c).await.expect("job").turn_taken);
}

#[sqlx::test(migrations = "../migrations")]
async fn an_ended_job_is_left_as_it_is_and_a_deleted_one_is_gone(pool: PgPool) {
    let alice = UserId::parse("alice").expect("user");
    let c = conversation(&pool, &alice).await;
    let job = queue_job(&pool, &alice, c).await;
    db::jobs::fail(&pool, job, "internal", "test")
        .await
        .expect("failed");

    let ended = start(&pool, job, "alice", c).await.expect("job");
    assert!(!ended.turn_taken);
    assert_eq!(ended.job.status, JobStatus::Failed);
    assert_eq!(ended.job.attempts, 0, "no attempt is counted");
    assert_eq!(ended.job.worker_id, None);
    assert_eq!(turn_holder(&pool, c).await, None);

    sqlx::query("delete from conversations where id = $1")
        .bind(c)
        .execute(&pool)
        .await
        .expect("deleted");
    assert!(start(&pool, job, "alice", c).await.is_none());
}

async fn lease_is_live(pool: &PgPool, conversation: Uuid) -> bool {
    sqlx::query_scalar(
        "select coalesce(turn_expires_at > now(), false) from conversations where id = $1",
    )
    .bind(conversation)
    .fetch_one(pool)
    .await
    .expect("conversation row")
}

#[sqlx::test(migrations = "../migrations")]
async fn held_leases_are_renewed_together_until_let_go(pool: PgPool) {
    // Expiry is what is under test, so this test waits for time to pass.
    let lease = Duration::from_millis(900);
    let alice = UserId::parse("alice").expect("user");
    let mut held = Vec::new();
    for _ in 0..2 {
        let c = conversation(&pool, &alice).await;
        let job = queue_job(&pool, &alice, c).await;
        let started = db::jobs::start_attempt(&pool, (job, "alice", c), "w1", lease)
            .await
            .expect("start")
            .expect("job");
        assert!(started.turn_taken);
        held.push((c, started.job));
    }
    let leases = HeldLeases::default();
    let keeper = tokio::spawn(leases.clone().keep(pool.clone(), lease));
    let first = leases.hold(&held[0].1);
    let _second = leases.hold(&held[1].1);

    tokio::time::sleep(lease * 2).await;
    assert!(
        lease_is_live(&pool, held[0].0).await,
        "renewed past its first lease"
    );
    assert!(
        lease_is_live(&pool, held[1].0).await,
        "renewed past its first lease"
    );

    drop(first);
    tokio::time::sleep(lease * 2).await;
    assert!(
        !lease_is_live(&pool, held[0].0).await,
        "let go, so it expired"
    );
    assert!(
        lease_is_live(&pool, held[1].0).await,
        "still held, still renewed"
    );
    keeper.abort();
}

#[sqlx::test(migrations = "../migrations")]
async fn the_start_tells_whether_the_ledger_holds_calls_of_the_job(pool: PgPool) {
    let alice = UserId::parse("alice").expect("user");
    let c = conversation(&pool, &alice).await;
    let job = queue_job(&pool, &alice, c).await;
    let first = start(&pool, job, "alice", c).await.expect("job");
    assert!(first.turn_taken);
    assert!(!first.calls_recorded, "a first delivery finds none");

    // The delivery ran a tool, then died; the next one learns of it from its start.
    let call = common::domain::ToolExecution {
        job_id: job,
        call_id: "call-1".into(),
        step: 0,
        position: 0,
        tool: "add_task".into(),
        arguments: sqlx::types::Json(serde_json::json!({"title": "buy milk"})),
        ok: true,
        result: sqlx::types::Json(serde_json::json!({"status": "created"})),
    };
    db::tool_executions::record(&pool, &call)
        .await
        .expect("recorded");
    sqlx::query(
        "update conversations set turn_expires_at = now() - interval '1 second' where id = $1",
    )
    .bind(c)
    .execute(&pool)
    .await
    .expect("its lease lapsed");
    let again = start(&pool, job, "alice", c).await.expect("job");
    assert!(again.turn_taken);
    assert!(again.calls_recorded);
}
