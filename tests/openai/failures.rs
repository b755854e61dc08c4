//! Failures that end the step at once (final statuses), and hangs, stalls and cut streams,
//! which are retried only while no text of the attempt has reached the sink.

use std::time::{Duration, Instant};

use taskwire_tests::fake_openai::{FakeOpenAi, Reply};
use worker::agent::model::ModelError;

use super::{assert_transient, model, model_with, step, user};

#[tokio::test]
async fn an_exhausted_quota_fails_at_once_as_permanent() {
    let fake = FakeOpenAi::start().await;
    fake.push(Reply::Status {
        code: 429,
        retry_after: None,
        body: serde_json::json!({"error": {
            "message": "You exceeded your current quota.",
            "type": "insufficient_quota", "param": null, "code": "insufficient_quota",
        }})
        .to_string(),
    });
    fake.push(Reply::text(["never sent"]));

    let (result, _) = step(&model(&fake), &user("hi")).await;

    assert!(
        matches!(result, Err(ModelError::Permanent(_))),
        "{result:?}"
    );
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn a_401_fails_at_once_as_permanent() {
    let fake = FakeOpenAi::start().await;
    fake.push(Reply::error(401, "Incorrect API key provided."));
    fake.push(Reply::text(["never sent"]));

    let (result, _) = step(&model(&fake), &user("hi")).await;

    assert!(
        matches!(&result, Err(ModelError::Permanent(m)) if m.contains("401") && m.contains("Incorrect API key")),
        "{result:?}"
    );
    assert_eq!(fake.requests().len(), 1);
    assert_eq!(fake.unused_replies(), 1);
}

#[tokio::test]
async fn an_unknown_model_fails_at_once_as_permanent() {
    let fake = FakeOpenAi::start().await;
    fake.push(Reply::error(404, "The model `gpt-test` does not exist."));

    let (result, _) = step(&model(&fake), &user("hi")).await;

    assert!(
        matches!(result, Err(ModelError::Permanent(_))),
        "{result:?}"
    );
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_as_transient() {
    let fake = FakeOpenAi::start().await;
    fake.push(Reply::Hang);
    let model = model_with(&fake, |s| {
        s.request_timeout = Duration::from_millis(300);
        s.max_retries = 0;
    });
    let started = Instant::now();

    let (result, _) = step(&model, &user("hi")).await;

    let took = started.elapsed();
    assert_transient(&result, "hang");
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(2),
        "gave up after {took:?}"
    );
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn a_hang_is_retried_like_any_transient_failure() {
    let fake = FakeOpenAi::start().await;
    fake.push(Reply::Hang);
    fake.push(Reply::text(["ok"]));
    let model = model_with(&fake, |s| s.request_timeout = Duration::from_millis(300));

    let (result, _) = step(&model, &user("hi")).await;

    assert_eq!(result.expect("an answer after the retry").text, "ok");
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test]
async fn a_stream_that_stalls_after_text_times_out_and_is_not_retried() {
    let fake = FakeOpenAi::start().await;
    fake.push(Reply::Stall {
        chunks: vec!["Half an ".into(), "answer".into()],
    });
    fake.push(Reply::text(["would repeat the text"]));
    let model = model_with(&fake, |s| s.request_timeout = Duration::from_millis(300));

    let (result, deltas) = step(&model, &user("hi")).await;

    assert_transient(&result, "stall");
    assert_eq!(deltas.texts(), ["Half an ", "answer"]);
    assert_eq!(
        fake.requests().len(),
        1,
        "the user already saw part of an answer"
    );
}

#[tokio::test]
async fn a_stream_cut_off_after_text_is_transient_and_not_retried() {
    let fake = FakeOpenAi::start().await;
    fake.push(Reply::CutAfter {
        chunks: vec!["Half".into(), " an answer".into()],
    });
    fake.push(Reply::text(["would repeat the text"]));

    let (result, deltas) = step(&model(&fake), &user("hi")).await;

    assert_transient(&result, "cut stream");
    assert_eq!(deltas.texts(), ["Half", " an answer"]);
    assert_eq!(
        fake.requests().len(),
        1,
        "the user already saw part of an answer"
    );
}

#[tokio::test]
async fn a_stream_cut_before_any_text_is_retried() {
    let fake = FakeOpenAi::start().await;
    fake.push(Reply::CutAfter { chunks: vec![] });
    fake.push(Reply::text(["whole"]));

    let (result, deltas) = step(&model(&fake), &user("hi")).await;

    assert_eq!(result.expect("an answer after the retry").text, "whole");
    assert_eq!(deltas.texts(), ["whole"]);
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test]
async fn a_stream_that_ends_without_finish_reason_is_transient() {
    let fake = FakeOpenAi::start().await;
    fake.push(Reply::Raw(
        "data: {\"choices\":[{\"delta\":{\"content\":\"Hal\"}}]}\n\n".into(),
    ));
    let model = model_with(&fake, |s| s.max_retries = 0);

    let (result, deltas) = step(&model, &user("hi")).await;

    assert_transient(&result, "clean end without finish_reason");
    assert_eq!(deltas.texts(), ["Hal"]);
}
