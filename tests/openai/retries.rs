//! Retries: the provider's own `max_retries` is the only retry policy, it covers every
//! transient failure alike, and it waits as long as the server's `Retry-After` asks, unless
//! that is longer than the back-off cap (2 s in these tests): then the step gives up at once
//! and hands the wait to the caller.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use serde_json::json;
use taskwire_tests::fake_openai::{FakeOpenAi, Reply};
use tokio::{io::AsyncReadExt, net::TcpListener, time::timeout};
use worker::agent::model::ModelError;

use super::{assert_transient, model, model_with, step, user};

/// A 429 in OpenAI's shape whose message states no wait.
fn rate_limited(retry_after: Option<u64>) -> Reply {
    Reply::Status {
        code: 429,
        retry_after,
        body: json!({"error": {
            "message": "Rate limit reached for gpt-test.",
            "type": "requests", "param": null, "code": "rate_limit_exceeded",
        }})
        .to_string(),
    }
}

fn retry_after<T>(result: &Result<T, ModelError>) -> Option<Duration> {
    match result {
        Err(ModelError::Transient { retry_after, .. }) => *retry_after,
        _ => None,
    }
}

#[tokio::test]
async fn a_server_error_is_tried_max_retries_plus_one_times_then_reported_as_transient() {
    let fake = FakeOpenAi::start().await;
    fake.set_default(Reply::error(500, "The server had an error."));
    let model = model_with(&fake, |s| s.max_retries = 2);

    let (result, _) = step(&model, &user("hi")).await;

    assert_transient(&result, "500 every time");
    assert_eq!(
        fake.requests().len(),
        3,
        "one attempt and two retries, none by async-openai"
    );
}

#[tokio::test]
async fn different_transient_failures_share_one_retry_budget() {
    let fake = FakeOpenAi::start().await;
    fake.push(Reply::error(503, "overloaded"));
    fake.push(rate_limited(None));
    fake.push(Reply::CutAfter { chunks: vec![] });
    fake.push(Reply::text(["too late"]));
    let model = model_with(&fake, |s| s.max_retries = 2);

    let (result, _) = step(&model, &user("hi")).await;

    assert_transient(&result, "503, 429, cut");
    assert_eq!(fake.requests().len(), 3);
    assert_eq!(fake.unused_replies(), 1);
}

#[tokio::test]
async fn a_429_is_retried_after_the_retry_after_header() {
    let fake = FakeOpenAi::start().await;
    fake.push(rate_limited(Some(1)));
    fake.push(Reply::text(["ok"]));
    let model = model(&fake);

    let stepping = tokio::spawn(async move { step(&model, &user("hi")).await.0 });
    timeout(Duration::from_secs(10), fake.wait_for_requests(2))
        .await
        .expect("a second request within 10 s");

    let received = fake.received();
    let waited = received[1].at - received[0].at;
    assert!(waited >= Duration::from_secs(1), "retried after {waited:?}");
    let result = stepping.await.expect("the step ends");
    assert_eq!(result.expect("an answer after the retry").text, "ok");
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test]
async fn without_the_header_the_wait_stated_in_the_message_is_honoured() {
    let fake = FakeOpenAi::start().await;
    fake.push(Reply::error(
        429,
        "Rate limit reached for gpt-test. Please try again in 300ms.",
    ));
    fake.push(Reply::text(["ok"]));

    let (result, _) = step(&model(&fake), &user("hi")).await;

    assert_eq!(result.expect("an answer after the retry").text, "ok");
    let received = fake.received();
    let waited = received[1].at - received[0].at;
    assert!(
        waited >= Duration::from_millis(300),
        "retried after {waited:?}"
    );
}

#[tokio::test]
async fn a_retry_after_longer_than_the_cap_is_handed_to_the_caller_after_one_request() {
    let fake = FakeOpenAi::start().await;
    fake.push(rate_limited(Some(3600)));
    fake.push(Reply::text(["not yet"]));
    let started = Instant::now();

    let (result, _) = step(&model(&fake), &user("hi")).await;

    assert_eq!(
        retry_after(&result),
        Some(Duration::from_secs(3600)),
        "{result:?}"
    );
    assert_eq!(fake.requests().len(), 1);
    assert!(started.elapsed() < Duration::from_secs(1), "did not sleep");
}

#[tokio::test]
async fn a_retry_after_given_as_an_http_date_is_understood() {
    let fake = FakeOpenAi::start().await;
    let in_two_hours = chrono::Utc::now() + chrono::TimeDelta::hours(2);
    fake.push(Reply::StatusWithHeaders {
        code: 503,
        headers: vec![(
            "retry-after".into(),
            in_two_hours.format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
        )],
        body: "<html>Service Unavailable</html>".into(),
    });

    let (result, _) = step(&model(&fake), &user("hi")).await;

    let wait = retry_after(&result).expect("a wait from the date");
    assert!(
        wait > Duration::from_secs(7190) && wait <= Duration::from_secs(7200),
        "{wait:?}"
    );
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn a_429_with_an_empty_body_is_transient() {
    let fake = FakeOpenAi::start().await;
    fake.push(Reply::Status {
        code: 429,
        retry_after: None,
        body: String::new(),
    });
    let model = model_with(&fake, |s| s.max_retries = 0);

    let (result, _) = step(&model, &user("hi")).await;

    assert_transient(&result, "empty 429");
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn a_429_in_no_known_shape_is_retried() {
    let fake = FakeOpenAi::start().await;
    fake.push(Reply::Status {
        code: 429,
        retry_after: None,
        body: "Too Many Requests".into(),
    });
    fake.push(Reply::text(["ok"]));

    let (result, _) = step(&model(&fake), &user("hi")).await;

    assert_eq!(result.expect("an answer after the retry").text, "ok");
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test]
async fn streams_cut_every_time_are_retried_max_retries_times() {
    let fake = FakeOpenAi::start().await;
    fake.set_default(Reply::CutAfter { chunks: vec![] });
    let model = model_with(&fake, |s| s.max_retries = 3);

    let (result, _) = step(&model, &user("hi")).await;

    assert_transient(&result, "cut every time");
    assert_eq!(fake.requests().len(), 4, "one attempt and three retries");
}

#[tokio::test]
async fn a_server_that_drops_every_connection_is_tried_max_retries_plus_one_times() {
    let fake = FakeOpenAi::start().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    let server = tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            // Read the request, then hang up without a response.
            let _ = socket.read(&mut [0; 4096]).await;
        }
    });
    let model = model_with(&fake, |s| {
        s.base_url = format!("http://127.0.0.1:{port}/v1");
        s.max_retries = 2;
    });

    let (result, _) = step(&model, &user("hi")).await;

    server.abort();
    assert_transient(&result, "connection closed without a response");
    assert_eq!(connections.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_server_that_is_not_listening_is_transient() {
    let fake = FakeOpenAi::start().await;
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").port()
    };
    let model = model_with(&fake, |s| {
        s.base_url = format!("http://127.0.0.1:{closed}/v1");
        s.max_retries = 1;
    });

    let (result, _) = step(&model, &user("hi")).await;

    assert_transient(&result, "connection refused");
}
