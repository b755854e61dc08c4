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
    start_with(pool, job, user, conversation, LEASE).await
}

async fn start_with(
    pool: &PgPool,
    job_id: Uuid,
    user: &str,
    conversation_id: Uuid,
    lease: Duration,
) -> Option<Started> {
    let user = UserId::parse(user).expect("user");
    let delivery = db::jobs::Delivery {
        job_id,
        user: &user,
        conversation_id,
        worker_id: "w1",
        lease,
    };
    db::jobs::start_attempt(pool, delivery)
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
        forged.job.user_id.as_str(),
        "alice",
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
    let seq: i64 = sqlx::query_scalar("select seq from chat_jobs where id = $1")
        .bind(job)
        .fetch_one(&pool)
        .await
        .expect("job row");
    let reply = db::messages::NewMessage {
        id: Uuid::now_v7(),
        conversation_id: c,
        user_id: &alice,
        role: common::domain::Role::Assistant,
        content: "failed",
        tool_calls: None,
        job_id: job,
        turn_seq: seq,
    };
    let ending = db::jobs::Ending::Failed {
        code: "internal",
        error: "test",
    };
    db::jobs::finish(&pool, &reply, ending)
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
        let started = start_with(&pool, job, "alice", c, lease)
            .await
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
    let call = common::tools::LedgerCall {
        job_id: job,
        call_id: "call-1",
        step: 0,
        position: 0,
        name: "add_task",
        arguments: r#"{"title": "buy milk"}"#,
        attempt: first.job.attempts,
    };
    common::tools::execute_recorded(&pool, taskwire_tests::utc_caller(&alice), &call)
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

#[sqlx::test(migrations = "../migrations")]
async fn the_turn_rule_reads_only_the_conversations_open_jobs(pool: PgPool) {
    // A conversation with 3,000 ended turns, beside 300 open jobs of other conversations.
    let alice = UserId::parse("alice").expect("user");
    let long = conversation(&pool, &alice).await;
    let mut tx = pool.begin().await.expect("tx");
    sqlx::query(
        "insert into conversations (id, user_id, title)
         select gen_random_uuid(), 'user' || g, 'c' from generate_series(1, 300) g",
    )
    .execute(&mut *tx)
    .await
    .expect("others");
    for sql in [
        "create temp table t as
         select gen_random_uuid() as job, gen_random_uuid() as message, $1::uuid as conversation,
                'alice' as owner, 'succeeded' as status
         from generate_series(1, 3000)
         union all
         select gen_random_uuid(), gen_random_uuid(), id, user_id, 'queued'
         from conversations where id <> $1",
        "insert into chat_jobs (id, user_id, conversation_id, user_message_id, status)
         select job, owner, conversation, message, status from t",
        "insert into messages (id, conversation_id, user_id, role, content, job_id, turn_seq)
         select t.message, t.conversation, t.owner, 'user', 'x', t.job, j.seq
         from t join chat_jobs j on j.id = t.job",
    ] {
        sqlx::query(sql)
            .bind(long)
            .execute(&mut *tx)
            .await
            .expect("history");
    }
    tx.commit().await.expect("committed");
    let job = queue_job(&pool, &alice, long).await;
    sqlx::query("analyze chat_jobs")
        .execute(&pool)
        .await
        .expect("analyze");

    // The rule's probe, as `take_turn_sql!` writes it, costs a couple of index pages in the
    // generic plan a worker's prepared statement settles on after its first executions.
    let seq: i64 = sqlx::query_scalar("select seq from chat_jobs where id = $1")
        .bind(job)
        .fetch_one(&pool)
        .await
        .expect("seq");
    let mut conn = pool.acquire().await.expect("connection");
    sqlx::raw_sql(
        "set plan_cache_mode = force_generic_plan;
         prepare probe(uuid, bigint) as
         select 1 from chat_jobs j
         where j.conversation_id = $1 and j.seq < $2 and j.status in ('queued', 'running')",
    )
    .execute(&mut *conn)
    .await
    .expect("prepared");
    let plan: serde_json::Value = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "explain (analyze, buffers, format json) execute probe('{long}', {seq})"
    )))
    .fetch_one(&mut *conn)
    .await
    .expect("plan");
    drop(conn);
    let top = &plan[0]["Plan"];
    let pages = top["Shared Hit Blocks"].as_i64().expect("hits")
        + top["Shared Read Blocks"].as_i64().expect("reads");
    assert!(pages <= 4, "{pages} pages read: {plan:#}");
    assert!(
        start(&pool, job, "alice", long)
            .await
            .expect("job")
            .turn_taken,
        "every earlier turn has ended"
    );
}
