//! Worker processes killed (SIGKILL) mid-turn and stopped (SIGTERM) while turns run.

use std::time::Duration;

use serde_json::Value;
use sqlx::PgPool;
use taskwire_tests::{
    fake_openai::{FakeCall, FakeOpenAi, Reply},
    process::WorkerProcess,
    spawn_app_with,
};

use crate::{WORKER_BIN, assert_one_task_one_reply, count, job_state};

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
            ("OPENAI_TIMEOUT", "30s"),
        ],
    )
    .await
}

fn add_milk() -> Reply {
    Reply::ToolCalls(vec![FakeCall::new(
        "call_1",
        "add_task",
        &["{\"title\": ", "\"Buy milk\"}"],
    )])
}

async fn within<T>(what: &str, future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), future)
        .await
        .unwrap_or_else(|_| panic!("timed out: {what}"))
}

fn roles(request: &Value) -> Vec<&str> {
    request["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["role"].as_str().expect("role"))
        .collect()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_worker_killed_after_the_tool_ran_does_not_add_the_task_twice(pool: PgPool) {
    let app = spawn_app_with(pool, |c| c.chat_wait = Duration::from_millis(10)).await;
    let fake = FakeOpenAi::start().await;
    fake.push(add_milk());
    fake.push(Reply::Hang); // the model never writes the reply: the turn is stuck after the tool
    let mut a = openai_worker(&app, &fake, "a").await;
    let (_, accepted) = app.chat("alice", None, "add buy milk").await;
    let job = accepted["job_id"].as_str().expect("job").to_owned();

    within(
        "the tool ran and the reply was asked for",
        fake.wait_for_requests(2),
    )
    .await;
    assert_eq!(
        count(&app.pool, "select count(*) from tasks").await,
        1,
        "the tool's effect is committed"
    );
    a.kill().await;

    fake.push(Reply::text(["Added “Buy milk”."]));
    let _b = openai_worker(&app, &fake, "b").await;
    let end = within("the job ends", app.wait_for_job("alice", &job)).await;
    assert_eq!(end.event, "done", "{:?}", end.data);

    assert_one_task_one_reply(&app.pool).await;
    let (status, attempts, worker, _) = job_state(&app.pool, &job).await;
    assert_eq!(
        (status.as_str(), attempts, worker.as_deref()),
        ("succeeded", 2, Some("b"))
    );
    // Worker b did not call the tool again: it rebuilt the recorded call and asked the model
    // for the reply with the recorded result.
    let requests = fake.requests();
    assert_eq!(requests.len(), 3, "a: tool step, a: reply (hung), b: reply");
    assert_eq!(roles(&requests[2]), ["system", "user", "assistant", "tool"]);
    assert_eq!(requests[2]["messages"][2]["tool_calls"][0]["id"], "call_1");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_worker_killed_before_the_tool_ran_leaves_the_turn_to_another(pool: PgPool) {
    let app = spawn_app_with(pool, |c| c.chat_wait = Duration::from_millis(10)).await;
    let fake = FakeOpenAi::start().await;
    fake.push(Reply::Hang);
    let mut a = openai_worker(&app, &fake, "a").await;
    let (_, accepted) = app.chat("alice", None, "add buy milk").await;
    let job = accepted["job_id"].as_str().expect("job").to_owned();

    within("worker a asked the model", fake.wait_for_requests(1)).await;
    a.kill().await;
    assert_eq!(count(&app.pool, "select count(*) from tasks").await, 0);

    fake.push(add_milk());
    fake.push(Reply::text(["Added “Buy milk”."]));
    let _b = openai_worker(&app, &fake, "b").await;
    let end = within("the job ends", app.wait_for_job("alice", &job)).await;
    assert_eq!(end.event, "done");
    assert_eq!(end.data["response"], "Added “Buy milk”.");
    assert_one_task_one_reply(&app.pool).await;
    let (status, attempts, worker, _) = job_state(&app.pool, &job).await;
    assert_eq!(
        (status.as_str(), attempts, worker.as_deref()),
        ("succeeded", 2, Some("b"))
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_stopped_worker_finishes_its_turn_and_takes_no_new_one(pool: PgPool) {
    let app = spawn_app_with(pool, |c| c.chat_wait = Duration::from_millis(10)).await;
    let fake = FakeOpenAi::start().await;
    fake.push(Reply::Slow {
        ttft: Duration::from_millis(1500),
        tokens_per_sec: 50.0,
        reply: Box::new(Reply::text(["Hello ", "there."])),
    });
    let mut a = openai_worker(&app, &fake, "a").await;
    let (_, first) = app.chat("alice", None, "hello").await;
    let first = first["job_id"].as_str().expect("job").to_owned();
    within("worker a asked the model", fake.wait_for_requests(1)).await;

    a.terminate();
    // A message sent while a drains is not taken by it.
    let (_, second) = app.chat("alice", None, "hello again").await;
    let second = second["job_id"].as_str().expect("job").to_owned();
    assert!(
        a.wait(Duration::from_secs(20)).await,
        "worker a exits cleanly after SIGTERM"
    );

    let (status, attempts, worker, _) = job_state(&app.pool, &first).await;
    assert_eq!(
        (status.as_str(), attempts, worker.as_deref()),
        ("succeeded", 1, Some("a")),
        "finished, not redelivered"
    );
    let (status, attempts, _, _) = job_state(&app.pool, &second).await;
    assert_eq!(
        (status.as_str(), attempts),
        ("queued", 0),
        "left for another worker"
    );

    fake.push(Reply::text(["Hi again."]));
    let _b = openai_worker(&app, &fake, "b").await;
    let end = within("the second job ends", app.wait_for_job("alice", &second)).await;
    assert_eq!(end.event, "done");
    let (_, attempts, worker, _) = job_state(&app.pool, &second).await;
    assert_eq!((attempts, worker.as_deref()), (1, Some("b")));
}

/// Every task of alice, whole rows, in id order.
async fn alices_rows(pool: &PgPool) -> Vec<Value> {
    sqlx::query_scalar("select to_jsonb(t) from tasks t where user_id = 'alice' order by id")
        .fetch_all(pool)
        .await
        .expect("rows")
}

#[sqlx::test(migrations = "../migrations")]
async fn a_worker_killed_during_an_undo_restores_each_task_once(pool: PgPool) {
    let app = spawn_app_with(pool, |c| c.chat_wait = Duration::from_millis(10)).await;
    let rent = app
        .create_task("alice", serde_json::json!({"title": "Pay rent"}))
        .await;
    let milk = app
        .create_task("alice", serde_json::json!({"title": "Buy milk"}))
        .await;
    let before = alices_rows(&app.pool).await;
    let (rent, milk) = (
        rent["id"].as_i64().expect("id"),
        milk["id"].as_i64().expect("id"),
    );
    let fake = FakeOpenAi::start().await;
    fake.push(Reply::ToolCalls(vec![
        FakeCall::new(
            "call_d1",
            "delete_task",
            &[&format!("{{\"task_id\": {rent}}}")],
        ),
        FakeCall::new(
            "call_d2",
            "delete_task",
            &[&format!("{{\"task_id\": {milk}}}")],
        ),
    ]));
    fake.push(Reply::text(["Deleted both."]));
    let mut a = openai_worker(&app, &fake, "a").await;
    let (_, first) = app
        .chat("alice", None, &format!("delete tasks {rent} and {milk}"))
        .await;
    let first_job = first["job_id"].as_str().expect("job").to_owned();
    let conversation = first["conversation_id"]
        .as_str()
        .expect("conversation")
        .to_owned();
    within("the delete ends", app.wait_for_job("alice", &first_job)).await;
    assert!(alices_rows(&app.pool).await.is_empty());

    fake.push(Reply::ToolCalls(vec![FakeCall::new(
        "call_undo",
        "undo_last_turn",
        &["{}"],
    )]));
    fake.push(Reply::Hang); // the undo ran; the reply never comes
    let (_, undo) = app.chat("alice", Some(&conversation), "undo that").await;
    let undo_job = undo["job_id"].as_str().expect("job").to_owned();
    within(
        "the undo ran and the reply was asked for",
        fake.wait_for_requests(4),
    )
    .await;
    assert_eq!(
        alices_rows(&app.pool).await,
        before,
        "the undo is committed"
    );
    a.kill().await;

    fake.push(Reply::text(["Both are back."]));
    let _b = openai_worker(&app, &fake, "b").await;
    let end = within("the undo ends", app.wait_for_job("alice", &undo_job)).await;
    assert_eq!(end.event, "done", "{:?}", end.data);
    assert_eq!(
        alices_rows(&app.pool).await,
        before,
        "each task restored once"
    );
    let restores = count(
        &app.pool,
        "select count(*) from task_changes where undo_of is not null",
    )
    .await;
    assert_eq!(restores, 2, "two restores recorded, not four");
    let (status, attempts, worker, _) = job_state(&app.pool, &undo_job).await;
    assert_eq!(
        (status.as_str(), attempts, worker.as_deref()),
        ("succeeded", 2, Some("b"))
    );
    // Worker b replayed the recorded undo instead of running it again.
    let requests = fake.requests();
    assert_eq!(
        requests.len(),
        5,
        "a: delete, reply, undo, reply (hung); b: reply"
    );
    let last = requests[4]["messages"]
        .as_array()
        .and_then(|m| m.last())
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (last["role"].as_str(), last["tool_call_id"].as_str()),
        (Some("tool"), Some("call_undo")),
        "b asked for the reply with the recorded undo result"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_worker_killed_after_a_bulk_call_changes_each_task_once(pool: PgPool) {
    let app = spawn_app_with(pool, |c| c.chat_wait = Duration::from_millis(10)).await;
    let mut ids = Vec::new();
    for title in ["Milk", "Bread", "Eggs"] {
        let task = app
            .create_task("alice", serde_json::json!({"title": title}))
            .await;
        ids.push(task["id"].as_i64().expect("id"));
    }
    let fake = FakeOpenAi::start().await;
    fake.push(Reply::ToolCalls(vec![FakeCall::new(
        "call_bulk",
        "complete_tasks",
        &[&format!("{{\"task_ids\": {ids:?}}}")],
    )]));
    fake.push(Reply::Hang);
    let mut a = openai_worker(&app, &fake, "a").await;
    let (_, accepted) = app
        .chat(
            "alice",
            None,
            &format!("complete tasks {}, {} and {}", ids[0], ids[1], ids[2]),
        )
        .await;
    let job = accepted["job_id"].as_str().expect("job").to_owned();
    within("the bulk call ran", fake.wait_for_requests(2)).await;
    a.kill().await;

    fake.push(Reply::text(["All three are done."]));
    let _b = openai_worker(&app, &fake, "b").await;
    let end = within("the job ends", app.wait_for_job("alice", &job)).await;
    assert_eq!(end.event, "done", "{:?}", end.data);
    let done = count(&app.pool, "select count(*) from tasks where completed").await;
    assert_eq!(done, 3);
    let changes = count(
        &app.pool,
        "select count(*) from task_changes where source = 'chat'",
    )
    .await;
    assert_eq!(changes, 3, "each task completed once");
    let (_, attempts, worker, _) = job_state(&app.pool, &job).await;
    assert_eq!((attempts, worker.as_deref()), (2, Some("b")));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_worker_killed_after_completing_a_repeating_task_adds_one_next_occurrence(pool: PgPool) {
    let app = spawn_app_with(pool, |c| c.chat_wait = Duration::from_millis(10)).await;
    let task = app
        .create_task(
            "alice",
            serde_json::json!({"title": "Take the pills", "repeat": "every day", "due_date": "2030-01-01T08:00:00Z"}),
        )
        .await;
    let id = task["id"].as_i64().expect("id");
    let fake = FakeOpenAi::start().await;
    fake.push(Reply::ToolCalls(vec![FakeCall::new(
        "call_done",
        "complete_task",
        &[&format!("{{\"task_id\": {id}}}")],
    )]));
    fake.push(Reply::Hang);
    let mut a = openai_worker(&app, &fake, "a").await;
    let (_, accepted) = app
        .chat("alice", None, &format!("I took the pills, task {id}"))
        .await;
    let job = accepted["job_id"].as_str().expect("job").to_owned();
    within("the completion ran", fake.wait_for_requests(2)).await;
    a.kill().await;

    fake.push(Reply::text(["Done, see you tomorrow."]));
    let _b = openai_worker(&app, &fake, "b").await;
    let end = within("the job ends", app.wait_for_job("alice", &job)).await;
    assert_eq!(end.event, "done", "{:?}", end.data);
    let occurrences: Vec<(bool, Option<i64>, chrono::DateTime<chrono::Utc>)> = sqlx::query_as(
        "select completed, previous_id, due_date from tasks where user_id = 'alice' order by id",
    )
    .fetch_all(&app.pool)
    .await
    .expect("tasks");
    let expected_next = "2030-01-02T08:00:00Z".parse().expect("time");
    assert_eq!(
        occurrences,
        [
            (true, None, "2030-01-01T08:00:00Z".parse().expect("time")),
            (false, Some(id), expected_next)
        ],
        "the completed one and exactly one next occurrence"
    );
    let (_, attempts, worker, _) = job_state(&app.pool, &job).await;
    assert_eq!((attempts, worker.as_deref()), (2, Some("b")));
    // The recorded result told the model when the next one is due.
    let result: Value =
        sqlx::query_scalar("select result from tool_executions where call_id = 'call_done'")
            .fetch_one(&app.pool)
            .await
            .expect("the ledger entry");
    assert_eq!(result["next_due"], "2030-01-02T08:00:00Z");
}
