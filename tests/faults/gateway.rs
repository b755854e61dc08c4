//! A gateway restarted while a client streams: the client reconnects to another gateway
//! with `Last-Event-ID` and receives the rest, with no duplicates.

use std::{sync::Arc, time::Duration};

use serde_json::json;
use sqlx::PgPool;
use taskwire_tests::{read_sse, spawn_app, token_for};
use worker::agent::{builtin::BuiltinModel, delayed::Delayed};

#[sqlx::test(migrations = "../migrations")]
async fn a_stream_cut_by_a_gateway_restart_resumes_on_another_gateway(pool: PgPool) {
    let mut app = spawn_app(pool).await;
    let (other, _keep_other) = app.spawn_gateway().await;
    let slow = Arc::new(Delayed {
        inner: Arc::new(BuiltinModel::new()),
        delay: Duration::from_millis(400),
    });
    let _worker = app.spawn_worker_with(slow, |_| {});

    let resp = app
        .request(reqwest::Method::POST, "alice", "/api/alice/chat/stream")
        .json(&json!({"message": "add buy milk"}))
        .send()
        .await
        .expect("sent");
    let head = read_sse(resp, 3).await; // accepted, started, tool_call; then the gateway goes
    assert_eq!(
        taskwire_tests::names(&head),
        ["accepted", "started", "tool_call"]
    );
    app.stop_gateway().await;
    let job = head[0].data["job_id"].as_str().expect("job").to_owned();

    let http = reqwest::Client::new();
    let events_url = format!("{other}/api/alice/jobs/{job}/events");
    let resp = http
        .get(&events_url)
        .bearer_auth(token_for("alice"))
        .header("Last-Event-ID", &head[2].id)
        .send()
        .await
        .expect("reconnected");
    let rest = read_sse(resp, usize::MAX).await;
    assert_eq!(rest.last().map(|e| e.event.as_str()), Some("done"));

    let resp = http
        .get(&events_url)
        .bearer_auth(token_for("alice"))
        .send()
        .await
        .expect("sent");
    let full = read_sse(resp, usize::MAX).await;
    let ids = |events: &[taskwire_tests::SseEvent]| {
        events.iter().map(|e| e.id.clone()).collect::<Vec<_>>()
    };
    let mut joined = ids(&head);
    joined.extend(ids(&rest));
    assert_eq!(
        joined,
        ids(&full),
        "head + rest is the whole stream, nothing twice, nothing missing"
    );
}
