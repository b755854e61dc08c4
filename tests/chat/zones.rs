//! Chat in the user's time zone, end to end: the turn reads "tomorrow at 5pm" and "tonight"
//! on the user's clock, a message may carry its own zone, the model is told the local time
//! and shown local times, and the same words give the same instant through the builtin, a
//! model's tool call and the REST API.

use std::sync::Arc;

use chrono::{DateTime, Days, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use reqwest::Method;
use serde_json::{Value, json};
use sqlx::PgPool;
use taskwire_tests::{
    TestApp, assert_error,
    fake_openai::{FakeCall, FakeOpenAi, Reply},
    spawn_app,
};
use worker::agent::openai::OpenAiModel;

async fn set_zone(app: &TestApp, user: &str, zone: &str) {
    let resp = app
        .request(Method::PATCH, user, &format!("/api/{user}/profile"))
        .json(&json!({ "time_zone": zone }))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 200, "{zone}");
}

/// When the job of a chat answer was accepted: the moment its dates are read at.
async fn accepted_at(app: &TestApp, reply: &Value) -> DateTime<Utc> {
    sqlx::query_scalar("select created_at from chat_jobs where id = $1::uuid")
        .bind(reply["job_id"].as_str().expect("job id"))
        .fetch_one(&app.pool)
        .await
        .expect("job row")
}

/// The due date of the task a chat answer added.
fn added_due(reply: &Value) -> DateTime<Utc> {
    let result = &reply["tool_calls"][0]["result"];
    assert_eq!(result["status"], "created", "{reply}");
    DateTime::parse_from_rfc3339(result["due_date"].as_str().expect("a due date"))
        .expect("RFC 3339")
        .to_utc()
}

/// `hour`:00 on the local day `days` after `at`'s, in `zone`.
fn local(zone: Tz, at: DateTime<Utc>, days: u64, hour: u32, minute: u32) -> DateTime<Utc> {
    let day = at
        .with_timezone(&zone)
        .date_naive()
        .checked_add_days(Days::new(days))
        .expect("a day");
    let time = NaiveTime::from_hms_opt(hour, minute, 0).expect("a time");
    zone.from_local_datetime(&day.and_time(time))
        .earliest()
        .expect("the time exists")
        .to_utc()
}

#[sqlx::test(migrations = "../migrations")]
async fn tomorrow_at_5pm_and_tonight_are_the_users_in_four_zones(pool: PgPool) {
    let app = spawn_app(pool).await;
    let _worker = app.spawn_worker();
    let zones = [
        "America/New_York",
        "Asia/Kolkata",
        "Pacific/Chatham",
        "Pacific/Honolulu",
    ];
    for (n, zone) in zones.iter().enumerate() {
        let user = format!("user{n}");
        set_zone(&app, &user, zone).await;
        let tz: Tz = zone.parse().expect("zone");

        let reply = app.say(&user, None, "add call mom tomorrow at 5pm").await;
        let at = accepted_at(&app, &reply).await;
        assert_eq!(
            added_due(&reply),
            local(tz, at, 1, 17, 0),
            "{zone}: tomorrow 5pm"
        );

        let reply = app.say(&user, None, "add take out the trash tonight").await;
        let at = accepted_at(&app, &reply).await;
        let tonight = if at.with_timezone(&tz).hour() >= 20 {
            local(tz, at, 0, 23, 59)
        } else {
            local(tz, at, 0, 20, 0)
        };
        assert_eq!(added_due(&reply), tonight, "{zone}: tonight");
        let response = reply["response"].as_str().expect("response");
        assert!(
            response.contains("Take out the trash"),
            "{zone}: {response}"
        );
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_message_can_carry_its_own_zone(pool: PgPool) {
    let app = spawn_app(pool).await;
    let _worker = app.spawn_worker();
    set_zone(&app, "alice", "Asia/Kolkata").await;
    let resp = app
        .request(Method::POST, "alice", "/api/alice/chat")
        .json(&json!({"message": "add dentist tomorrow at 9am", "time_zone": "Europe/Berlin"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 200);
    let reply: Value = resp.json().await.expect("json");
    let at = accepted_at(&app, &reply).await;
    let berlin: Tz = "Europe/Berlin".parse().expect("zone");
    assert_eq!(added_due(&reply), local(berlin, at, 1, 9, 0));

    let tasks_before = app.list_tasks("alice", "").await.1;
    let resp = app
        .request(Method::POST, "alice", "/api/alice/chat")
        .json(&json!({"message": "add another", "time_zone": "Mars/Olympus"}))
        .send()
        .await
        .expect("sent");
    let message = assert_error(resp, 422, "validation_failed", "unknown zone").await;
    assert!(message.starts_with("time_zone: "), "{message}");
    let jobs: i64 = sqlx::query_scalar("select count(*) from chat_jobs")
        .fetch_one(&app.pool)
        .await
        .expect("count");
    assert_eq!(jobs, 1, "no job stored for the refused message");
    assert_eq!(app.list_tasks("alice", "").await.1, tasks_before);
}

fn model(fake: &FakeOpenAi) -> Arc<OpenAiModel> {
    fake.model()
}

#[sqlx::test(migrations = "../migrations")]
async fn the_same_words_give_the_same_instant_through_every_path(pool: PgPool) {
    let app = spawn_app(pool).await;
    set_zone(&app, "alice", "Pacific/Chatham").await;
    let words = "next friday at 5pm";

    // The builtin model reads the words itself.
    let builtin = app.spawn_worker();
    let reply = app
        .say("alice", None, &format!("add pay rent {words}"))
        .await;
    let by_builtin = added_due(&reply);
    builtin.stop().await;

    // A model writes the words into the tool's due_date, as a small model would.
    let fake = FakeOpenAi::start().await;
    let _model_worker = app.spawn_worker_with(model(&fake), |_| {});
    fake.push(Reply::ToolCalls(vec![FakeCall::new(
        "call_1",
        "add_task",
        &[&json!({"title": "Pay rent", "due_date": words}).to_string()],
    )]));
    fake.push(Reply::text(["Added it."]));
    let reply = app
        .say("alice", None, "add pay rent next friday at 5pm")
        .await;
    let by_tool = added_due(&reply);

    // The REST API.
    let task = app
        .create_task("alice", json!({"title": "Pay rent", "due_date": words}))
        .await;
    let by_rest = DateTime::parse_from_rfc3339(task["due_date"].as_str().expect("due"))
        .expect("RFC 3339")
        .to_utc();

    assert_eq!(by_builtin, by_tool, "builtin and tool");
    assert_eq!(by_tool, by_rest, "tool and REST");
    let chatham: Tz = "Pacific/Chatham".parse().expect("zone");
    let local_due = by_rest.with_timezone(&chatham);
    assert_eq!(local_due.format("%a %H:%M").to_string(), "Fri 17:00");

    // The model was told the local time, and shown the task's due date on the user's clock.
    let requests = fake.requests();
    let said = requests[0]["messages"][1]["content"]
        .as_str()
        .expect("the user's message");
    assert!(said.contains("in Pacific/Chatham (UTC+1"), "{said}");
    let tool_message = requests[1]["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .find(|m| m["role"] == "tool")
        .expect("the tool result went back to the model");
    let shown: Value =
        serde_json::from_str(tool_message["content"].as_str().expect("content")).expect("JSON");
    let offset = local_due.format("%:z").to_string();
    assert!(
        shown["due_date"].as_str().expect("due").ends_with(&offset),
        "shown on the user's clock ({offset}): {shown}"
    );
    // What the client receives stays in UTC.
    let stored = reply["tool_calls"][0]["result"]["due_date"]
        .as_str()
        .expect("due");
    assert!(stored.ends_with('Z'), "{stored}");
}

#[sqlx::test(migrations = "../migrations")]
async fn whats_due_today_lists_the_users_today(pool: PgPool) {
    let app = spawn_app(pool).await;
    let _worker = app.spawn_worker();
    set_zone(&app, "alice", "Pacific/Honolulu").await;
    let honolulu: Tz = "Pacific/Honolulu".parse().expect("zone");
    let now = Utc::now();
    let today_noon = local(honolulu, now, 0, 12, 0);
    let tomorrow_noon = local(honolulu, now, 1, 12, 0);
    let yesterday_noon = today_noon - chrono::Duration::days(1);
    for (title, due) in [
        ("Today's task", today_noon),
        ("Tomorrow's task", tomorrow_noon),
        ("Yesterday's task", yesterday_noon),
    ] {
        app.create_task(
            "alice",
            json!({"title": title, "due_date": due.to_rfc3339()}),
        )
        .await;
    }
    let reply = app.say("alice", None, "what's due today?").await;
    let response = reply["response"].as_str().expect("response");
    assert!(response.contains("Today's task"), "{response}");
    assert!(!response.contains("Tomorrow's task"), "{response}");
    assert!(!response.contains("Yesterday's task"), "{response}");
    assert!(
        response.contains("due today") && response.contains("at 12 PM"),
        "said in the user's time: {response}"
    );
    let reply = app.say("alice", None, "anything overdue?").await;
    let response = reply["response"].as_str().expect("response");
    assert!(response.starts_with("You have "), "{response}");
    assert!(response.contains("Yesterday's task"), "{response}");
    assert!(!response.contains("Tomorrow's task"), "{response}");
}
