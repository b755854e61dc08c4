//! Reminders that arrive exactly once: the schedule in Postgres (defaults, due-date changes,
//! completed tasks), the REST API, the notification stream, webhooks, and workers killed
//! mid-burst or all down while reminders come due.

mod api;
mod burst;
mod delivery;
mod in_chat;
mod receiver;
mod schedule;

use reqwest::Method;
use serde_json::{Value, json};
use taskwire_tests::{SseEvent, SseReader, TestApp};

/// The real worker binary, built for these tests.
pub const WORKER_BIN: &str = env!("CARGO_BIN_EXE_taskwire-worker-under-test");

/// An RFC 3339 instant `secs` from now.
pub fn in_secs(secs: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::seconds(secs)).to_rfc3339()
}

/// Opens `user`'s notification stream (after `last_event_id` if given) and reads its `ready`
/// event; returns the reader and the id it resumes after.
pub async fn notifications(
    app: &TestApp,
    user: &str,
    last_event_id: Option<i64>,
) -> (SseReader, i64) {
    let mut req = app.request(Method::GET, user, &format!("/api/{user}/notifications"));
    if let Some(id) = last_event_id {
        req = req.header("Last-Event-ID", id.to_string());
    }
    let resp = req.send().await.expect("stream sent");
    assert_eq!(resp.status(), 200, "stream opened");
    let mut reader = SseReader::new(resp);
    let ready = reader.next().await.expect("a ready event");
    assert_eq!(ready.event, "ready", "{ready:?}");
    assert_eq!(ready.data["type"], "ready");
    let last = ready.data["last_event_id"].as_i64().expect("last_event_id");
    (reader, last)
}

/// The next `reminder` event of a stream.
pub async fn next_reminder(reader: &mut SseReader) -> SseEvent {
    let event = reader.next().await.expect("a reminder event");
    assert_eq!(event.event, "reminder", "{event:?}");
    assert_eq!(event.data["type"], "reminder");
    assert_eq!(
        event.id,
        event.data["id"].to_string(),
        "the SSE id is the notification id"
    );
    event
}

/// Sends `body` with `method` to `path` as `user`; returns the status and JSON body (null if
/// none).
pub async fn call(
    app: &TestApp,
    method: Method,
    user: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = app.request(method, user, path);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req.send().await.expect("request sent");
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Creates a task for `user` due `due_in_secs` from now; returns its id.
pub async fn task_due(app: &TestApp, user: &str, title: &str, due_in_secs: i64) -> i64 {
    let task = app
        .create_task(
            user,
            json!({"title": title, "due_date": in_secs(due_in_secs)}),
        )
        .await;
    task["id"].as_i64().expect("task id")
}

/// `user`'s reminders of `task`.
pub async fn reminders_of(app: &TestApp, user: &str, task: i64) -> Vec<Value> {
    let list = app
        .get_json(user, &format!("/api/{user}/tasks/{task}/reminders"))
        .await;
    list.as_array().expect("a list").clone()
}

/// Sets `user`'s webhook to `url`; returns the signing secret.
pub async fn set_webhook(app: &TestApp, user: &str, url: &str) -> String {
    let (status, body) = call(
        app,
        Method::PUT,
        user,
        &format!("/api/{user}/webhook"),
        Some(json!({"url": url})),
    )
    .await;
    assert_eq!(status, 200, "webhook set: {body}");
    body["secret"].as_str().expect("secret").to_owned()
}
