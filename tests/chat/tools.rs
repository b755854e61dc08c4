//! The task tools against real Postgres: each action, every kind of bad argument turned into
//! an explaining result, user scoping, and the ledger that makes a repeated call a replay.

use chrono::Utc;
use common::{domain::UserId, tools};
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;
use worker::agent::{model::ToolCall, tools as ledger};

async fn run(pool: &PgPool, user: &str, tool: &str, args: &str) -> tools::ToolOutcome {
    let user = UserId::parse(user).expect("user");
    tools::execute(pool, taskwire_tests::utc_caller(&user), tool, args)
        .await
        .expect("tool ran")
}

#[sqlx::test(migrations = "../migrations")]
async fn each_tool_does_its_action_and_reports_it(pool: PgPool) {
    let added = run(
        &pool,
        "alice",
        "add_task",
        r#"{"title":"Buy milk","priority":"high","due_date":"2026-11-27"}"#,
    )
    .await;
    assert!(added.ok, "{:?}", added.result);
    assert_eq!(added.result["status"], "created");
    assert_eq!(added.result["title"], "Buy milk");
    assert_eq!(added.result["due_date"], "2026-11-27T17:00:00Z");
    let id = added.result["task_id"].as_i64().expect("task_id");

    let listed = run(
        &pool,
        "alice",
        "list_tasks",
        r#"{"status":"pending","query":"milk"}"#,
    )
    .await;
    assert_eq!(listed.result.as_array().map(Vec::len), Some(1));
    assert_eq!(listed.result[0]["id"], id);

    let updated = run(
        &pool,
        "alice",
        "update_task",
        &json!({"task_id": id, "title": "Buy oat milk", "due_date": null}).to_string(),
    )
    .await;
    assert_eq!(updated.result["status"], "updated");
    assert_eq!(updated.result["title"], "Buy oat milk");
    assert_eq!(updated.result["due_date"], Value::Null);

    let completed = run(
        &pool,
        "alice",
        "complete_task",
        &json!({"task_id": id}).to_string(),
    )
    .await;
    assert_eq!(completed.result["status"], "completed");
    let again = run(
        &pool,
        "alice",
        "complete_task",
        &json!({"task_id": id.to_string()}).to_string(),
    )
    .await;
    assert!(
        again.ok,
        "completing a completed task succeeds without change"
    );
    assert_eq!(again.result["already_completed"], true);

    let deleted = run(
        &pool,
        "alice",
        "delete_task",
        &json!({"task_id": id}).to_string(),
    )
    .await;
    assert_eq!(deleted.result["status"], "deleted");
    assert_eq!(deleted.result["title"], "Buy oat milk");
    let listed = run(&pool, "alice", "list_tasks", "{}").await;
    assert_eq!(listed.result, json!([]));
}

#[sqlx::test(migrations = "../migrations")]
async fn bad_arguments_become_a_result_that_explains_them(pool: PgPool) {
    let long = "x".repeat(201);
    let cases = [
        (
            "add_task",
            "{not json".to_owned(),
            "invalid_arguments",
            "not valid JSON",
        ),
        (
            "add_task",
            "[1,2]".to_owned(),
            "invalid_arguments",
            "JSON object",
        ),
        (
            "add_task",
            r#"{"title": 42}"#.to_owned(),
            "invalid_arguments",
            "title must be a string",
        ),
        (
            "add_task",
            json!({"title": long}).to_string(),
            "invalid_arguments",
            "at most 200",
        ),
        (
            "add_task",
            r#"{"title":"x","priority":"urgent"}"#.to_owned(),
            "invalid_arguments",
            "priority",
        ),
        (
            "add_task",
            r#"{"title":"x","due_date":"someday"}"#.to_owned(),
            "invalid_arguments",
            "due_date",
        ),
        (
            "complete_task",
            r#"{"task_id":"three"}"#.to_owned(),
            "invalid_arguments",
            "positive integer",
        ),
        (
            "complete_task",
            "{}".to_owned(),
            "invalid_arguments",
            "task_id is required",
        ),
        (
            "delete_task",
            r#"{"task_id": 999999}"#.to_owned(),
            "task_not_found",
            "999999",
        ),
        (
            "update_task",
            r#"{"task_id": 999999, "title": "y"}"#.to_owned(),
            "task_not_found",
            "999999",
        ),
        (
            "update_task",
            r#"{"task_id": 1}"#.to_owned(),
            "invalid_arguments",
            "Nothing to update",
        ),
        (
            "list_tasks",
            r#"{"status":"open"}"#.to_owned(),
            "invalid_arguments",
            "status",
        ),
        ("drop_tables", "{}".to_owned(), "unknown_tool", "add_task"),
    ];
    for (tool, args, code, mentions) in cases {
        let outcome = run(&pool, "alice", tool, &args).await;
        assert!(!outcome.ok, "{tool} {args}");
        assert_eq!(
            outcome.result["error"], code,
            "{tool} {args}: {}",
            outcome.result
        );
        let message = outcome.result["message"].as_str().expect("message");
        assert!(message.contains(mentions), "{tool} {args}: {message}");
    }
    let count: i64 = sqlx::query_scalar("select count(*) from tasks")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(count, 0, "no bad call changed anything");
}

#[sqlx::test(migrations = "../migrations")]
async fn tools_only_reach_the_jobs_user(pool: PgPool) {
    let bobs = run(&pool, "bob", "add_task", r#"{"title":"Bob's"}"#).await;
    let id = bobs.result["task_id"].as_i64().expect("id");
    for (tool, args) in [
        ("complete_task", json!({"task_id": id})),
        ("delete_task", json!({"task_id": id})),
        ("update_task", json!({"task_id": id, "title": "mine now"})),
        // Arguments naming a user are ignored: the user comes from the job.
        ("list_tasks", json!({"user_id": "bob"})),
    ] {
        let outcome = run(&pool, "alice", tool, &args.to_string()).await;
        if tool == "list_tasks" {
            assert_eq!(outcome.result, json!([]), "alice sees none of bob's tasks");
        } else {
            assert_eq!(outcome.result["error"], "task_not_found", "{tool}");
        }
    }
    let title: String = sqlx::query_scalar("select title from tasks where id = $1")
        .bind(id)
        .fetch_one(&pool)
        .await
        .expect("bob's task");
    assert_eq!(title, "Bob's");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_repeated_call_is_replayed_from_the_ledger_not_run_twice(pool: PgPool) {
    // A job row to hang the ledger on.
    let conversation = Uuid::now_v7();
    let user = UserId::parse("alice").expect("user");
    common::db::conversations::insert(&pool, &user, conversation, "c")
        .await
        .expect("conversation");
    let job = taskwire_tests::store_queued_job(&pool, &user, conversation, "add buy milk").await;

    let call = ToolCall {
        id: "call_1".into(),
        name: "add_task".into(),
        arguments: r#"{"title":"Buy milk"}"#.into(),
    };
    let slot = ledger::CallSlot {
        job_id: job,
        caller: taskwire_tests::utc_caller(&user),
        step: 1,
        position: 0,
        attempt: 0,
    };
    let first = ledger::run(&pool, slot, &call).await.expect("first run");
    // The same call again (a redelivered job), and two at once (racing deliveries).
    let second = ledger::run(&pool, slot, &call).await.expect("replay");
    let (a, b) = tokio::join!(
        ledger::run(&pool, slot, &call),
        ledger::run(&pool, slot, &call)
    );
    assert_eq!(second, first);
    assert_eq!(a.expect("a"), first);
    assert_eq!(b.expect("b"), first);
    let count: i64 = sqlx::query_scalar("select count(*) from tasks")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(count, 1, "the task was added exactly once");
    let recorded: i64 = sqlx::query_scalar("select count(*) from tool_executions")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(recorded, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_recorded_call_returns_what_the_ledger_holds(pool: PgPool) {
    let user = UserId::parse("alice").expect("user");
    let conversation = Uuid::now_v7();
    common::db::conversations::insert(&pool, &user, conversation, "c")
        .await
        .expect("conversation");
    let job = taskwire_tests::store_queued_job(&pool, &user, conversation, "tools").await;
    let calls = [
        (
            "add_task",
            json!({"title": "Older", "due_date": "2026-11-27"}),
        ),
        ("add_task", json!({"title": "Newer", "priority": "high"})),
        ("complete_task", json!({"task_id": "#0"})), // invalid: nothing runs
        ("delete_task", json!({"task_id": 999_999})), // not found
        ("list_tasks", json!({})),
    ];
    let mut outcomes = Vec::new();
    for (position, (tool, args)) in calls.iter().enumerate() {
        let call_id = format!("call_{position}");
        let arguments = args.to_string();
        let call = tools::LedgerCall {
            job_id: job,
            call_id: &call_id,
            step: 0,
            position: position as i32,
            name: tool,
            arguments: &arguments,
            attempt: 0,
        };
        let tools::Recorded::Ran(outcome) =
            tools::execute_recorded(&pool, taskwire_tests::utc_caller(&user), &call)
                .await
                .expect("ran")
        else {
            panic!("call {call_id} was not recorded before")
        };
        outcomes.push(outcome);
    }
    let ok: Vec<bool> = outcomes.iter().map(|o| o.ok).collect();
    assert_eq!(ok, [true, true, false, false, true]);
    assert_eq!(outcomes[2].result["error"], "invalid_arguments");
    assert_eq!(outcomes[3].result["error"], "task_not_found");

    // The ledger holds each result as it was returned, with the model's arguments.
    let recorded = common::db::tool_executions::for_job(&pool, job)
        .await
        .expect("ledger");
    assert_eq!(recorded.len(), calls.len());
    for ((outcome, (tool, args)), row) in outcomes.iter().zip(&calls).zip(&recorded) {
        assert_eq!((row.tool.as_str(), &row.arguments.0), (*tool, args));
        assert_eq!((row.ok, &row.result.0), (outcome.ok, &outcome.result));
    }

    // Tasks as the model sees them: every field, times in UTC to the second, newest first.
    let older = &outcomes[0].result;
    let id = older["task_id"].as_i64().expect("task_id");
    let created: chrono::DateTime<Utc> =
        sqlx::query_scalar("select created_at from tasks where id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .expect("stored");
    let created = created.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert_eq!(
        older,
        &json!({
            "task_id": id, "status": "created", "title": "Older", "description": null,
            "completed": false, "priority": "medium", "due_date": "2026-11-27T17:00:00Z",
            "tags": [], "repeat": null, "created_at": created, "updated_at": created,
        })
    );
    let listed = outcomes[4].result.as_array().expect("a list");
    let titles: Vec<_> = listed.iter().map(|t| t["title"].clone()).collect();
    assert_eq!(titles, [json!("Newer"), json!("Older")]);
    assert_eq!(listed[1]["id"], id);
    assert_eq!(listed[1]["created_at"], json!(created));
    assert!(
        listed[1].get("status").is_none(),
        "a listed task is not an action"
    );
    let count: i64 = sqlx::query_scalar("select count(*) from tasks")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(count, 2);
}

/// The add tool for `user` on a fixed clock in `zone`; returns the stored due date.
async fn add_due(pool: &PgPool, now: &str, zone: &str, due: &str) -> String {
    let user = UserId::parse("alice").expect("user");
    let caller = tools::Caller::new(
        &user,
        common::dates::DateContext::new(
            chrono::DateTime::parse_from_rfc3339(now)
                .expect("RFC 3339")
                .to_utc(),
            common::dates::Zone::parse(zone, "time_zone").expect("zone"),
        ),
    );
    let args = json!({"title": "t", "due_date": due}).to_string();
    let outcome = tools::execute(pool, caller, "add_task", &args)
        .await
        .expect("tool ran");
    assert!(outcome.ok, "{due}: {}", outcome.result);
    let id = outcome.result["task_id"].as_i64().expect("id");
    let stored: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("select due_date from tasks where id = $1")
            .bind(id)
            .fetch_one(pool)
            .await
            .expect("row");
    stored.to_rfc3339()
}

#[sqlx::test(migrations = "../migrations")]
async fn the_tool_stores_the_instant_the_user_meant_across_clock_changes(pool: PgPool) {
    // Thursday 2026-10-29 in New York (daylight time); Sunday November 1 is standard time.
    assert_eq!(
        add_due(
            &pool,
            "2026-10-29T16:00:00Z",
            "America/New_York",
            "at 9am next Sunday"
        )
        .await,
        "2026-11-01T14:00:00+00:00"
    );
    // Wednesday 2027-03-10 (standard time); Sunday March 14 is daylight time.
    assert_eq!(
        add_due(
            &pool,
            "2027-03-10T16:00:00Z",
            "America/New_York",
            "at 9am next Sunday"
        )
        .await,
        "2027-03-14T13:00:00+00:00"
    );
    // The skipped 02:30 on March 14 is moved forward by the gap: 03:30 EDT.
    assert_eq!(
        add_due(
            &pool,
            "2027-03-10T16:00:00Z",
            "America/New_York",
            "2027-03-14 02:30"
        )
        .await,
        "2027-03-14T07:30:00+00:00"
    );
    // 23:30 on Friday in Honolulu is already Saturday in UTC: tomorrow is Saturday, local.
    assert_eq!(
        add_due(
            &pool,
            "2026-12-05T09:30:00Z",
            "Pacific/Honolulu",
            "tomorrow"
        )
        .await,
        "2026-12-06T03:00:00+00:00"
    );
}
