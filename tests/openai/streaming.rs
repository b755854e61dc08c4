//! Successful answers: text deltas, tool calls from fragments, the request's contents, and
//! chunks as real servers send them.

use std::time::Duration;

use serde_json::{Value, json};
use taskwire_tests::fake_openai::{FakeCall, FakeOpenAi, Reply};
use tokio::time::timeout;
use worker::agent::model::{ChatMessage, ModelRequest, ToolCall};

use super::{SENT_NOTE, add_task_tool, model, model_with, sent_at, step, user};

#[tokio::test]
async fn text_reaches_the_sink_delta_by_delta_and_adds_up_to_the_answer() {
    let fake = FakeOpenAi::start().await;
    fake.push(Reply::text(["Hel", "lo, ", "world", "!"]));

    let (result, deltas) = step(&model(&fake), &user("hi")).await;

    let turn = result.expect("an answer");
    assert_eq!(deltas.texts(), ["Hel", "lo, ", "world", "!"]);
    assert_eq!(turn.text, deltas.texts().concat());
    assert!(turn.tool_calls.is_empty());
    let received = fake.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].body["model"], "gpt-test");
    assert_eq!(received[0].body["stream"], true);
    assert_eq!(
        received[0].body["messages"],
        json!([{"role": "user", "content": format!("hi{SENT_NOTE}")}])
    );
    assert_eq!(received[0].authorization.as_deref(), Some("Bearer sk-test"));
}

#[tokio::test]
async fn a_tool_call_sent_in_five_fragments_is_reassembled() {
    let fake = FakeOpenAi::start().await;
    fake.push(Reply::ToolCalls(vec![FakeCall::new(
        "call_abc",
        "add_task",
        &[
            "{\"ti",
            "tle\": \"bu",
            "y milk\", ",
            "\"due\": \"2025-",
            "06-01\"}",
        ],
    )]));

    let (result, deltas) = step(&model(&fake), &user("add buy milk")).await;

    let turn = result.expect("an answer");
    assert_eq!(
        turn.tool_calls,
        [ToolCall {
            id: "call_abc".into(),
            name: "add_task".into(),
            arguments: r#"{"title": "buy milk", "due": "2025-06-01"}"#.into(),
        }]
    );
    assert!(deltas.0.is_empty(), "no text was streamed");
}

#[tokio::test]
async fn two_interleaved_tool_calls_are_told_apart_by_index() {
    let fake = FakeOpenAi::start().await;
    fake.push(Reply::InterleavedToolCalls(vec![
        FakeCall::new("call_1", "add_task", &["{\"title\":", "\"milk\"", "}"]),
        FakeCall::new("call_2", "complete_task", &["{\"id\":", "3}"]),
    ]));

    let (result, _) = step(&model(&fake), &user("add milk and finish 3")).await;

    let calls: Vec<(String, String, Value)> = result
        .expect("an answer")
        .tool_calls
        .into_iter()
        .map(|c| {
            let args = serde_json::from_str(&c.arguments).expect("arguments are JSON");
            (c.id, c.name, args)
        })
        .collect();
    assert_eq!(
        calls,
        [
            ("call_1".into(), "add_task".into(), json!({"title": "milk"})),
            ("call_2".into(), "complete_task".into(), json!({"id": 3})),
        ]
    );
}

#[tokio::test]
async fn the_request_offers_every_tool_with_its_schema() {
    let fake = FakeOpenAi::start().await;
    fake.push(Reply::text(["ok"]));
    let request = ModelRequest {
        messages: vec![
            ChatMessage::System("You manage tasks.".into()),
            ChatMessage::User("add milk".into()),
        ],
        tools: vec![add_task_tool()].into(),
        dates: sent_at(),
        force_tool: None,
    };

    step(&model(&fake), &request).await.0.expect("an answer");

    let body = &fake.requests()[0];
    assert_eq!(
        body["tools"],
        json!([{
            "type": "function",
            "function": {
                "name": "add_task",
                "description": "Adds a task to the user's list.",
                "parameters": add_task_tool().parameters,
            },
        }])
    );
    assert_eq!(body["tool_choice"], "auto");
    assert_eq!(
        body["messages"][0],
        json!({"role": "system", "content": "You manage tasks."})
    );
    assert_eq!(
        body["messages"][1],
        json!({"role": "user", "content": format!("add milk{SENT_NOTE}")})
    );
}

#[tokio::test]
async fn tool_results_go_back_as_tool_messages_after_the_assistants_calls() {
    let fake = FakeOpenAi::start().await;
    fake.push(Reply::ToolCalls(vec![FakeCall::new(
        "call_7",
        "add_task",
        &["{\"title\":\"milk\"}"],
    )]));
    fake.push(Reply::text(["Added ", "milk."]));
    let model = model(&fake);
    let mut request = ModelRequest {
        messages: vec![ChatMessage::User("add milk".into())],
        tools: vec![add_task_tool()].into(),
        dates: sent_at(),
        force_tool: None,
    };

    let first = step(&model, &request).await.0.expect("tool calls");
    request.messages.push(ChatMessage::Assistant {
        content: None,
        tool_calls: first.tool_calls.clone(),
    });
    request.messages.push(ChatMessage::Tool {
        call_id: first.tool_calls[0].id.clone(),
        content: r#"{"id":12,"title":"milk"}"#.into(),
    });
    let second = step(&model, &request).await.0.expect("an answer");

    assert_eq!(second.text, "Added milk.");
    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[1]["messages"],
        json!([
            {"role": "user", "content": format!("add milk{SENT_NOTE}")},
            // An empty string, not null: llama-cpp-python's server refuses null.
            {"role": "assistant", "content": "", "tool_calls": [{
                "id": "call_7",
                "type": "function",
                "function": {"name": "add_task", "arguments": "{\"title\":\"milk\"}"},
            }]},
            {"role": "tool", "tool_call_id": "call_7", "content": "{\"id\":12,\"title\":\"milk\"}"},
        ])
    );
}

#[tokio::test]
async fn chunks_missing_fields_or_shaped_oddly_are_still_understood() {
    let fake = FakeOpenAi::start().await;
    // No id/object/index, finish_reason "", a keep-alive comment, an unknown field, a call
    // without id or index whose arguments are an object, and an unreadable line.
    let raw = [
        ": keep-alive\n\n",
        "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"Sure\"},\"finish_reason\":\"\"}]}\n\n",
        "data: {\"choices\":[{\"delta\":{\"content\":\", adding.\",\"reasoning\":\"x\"},\"finish_reason\":\"\"}],\"system_fingerprint\":null}\n\n",
        "data: not json\n\n",
        "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"function\":{\"name\":\"add_task\",\"arguments\":{\"title\":\"milk\"}}}]}}]}\n\n",
        "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n",
        "data: [DONE]\n\n",
    ]
    .concat();
    fake.push(Reply::Raw(raw));

    let (result, deltas) = step(&model(&fake), &user("add milk")).await;

    let turn = result.expect("an answer");
    assert_eq!(deltas.texts(), ["Sure", ", adding."]);
    assert_eq!(turn.text, "Sure, adding.");
    assert_eq!(turn.tool_calls.len(), 1, "{turn:?}");
    assert_eq!(turn.tool_calls[0].id, "call_0");
    assert_eq!(turn.tool_calls[0].name, "add_task");
    let args: Value = serde_json::from_str(&turn.tool_calls[0].arguments).expect("JSON text");
    assert_eq!(args, json!({"title": "milk"}));
}

#[tokio::test]
async fn a_slow_reply_arrives_over_time_rather_than_all_at_once() {
    let fake = FakeOpenAi::start().await;
    fake.push(Reply::Slow {
        ttft: Duration::from_millis(50),
        tokens_per_sec: 50.0,
        reply: Box::new(Reply::text(["one ", "two ", "three ", "four ", "five"])),
    });

    let (result, deltas) = step(&model(&fake), &user("count")).await;

    assert_eq!(result.expect("an answer").text, "one two three four five");
    let first = deltas.0.first().expect("a first delta").0;
    let last = deltas.0.last().expect("a last delta").0;
    // Four gaps of 20 ms between the five deltas; allow for timer slack.
    assert!(
        last - first >= Duration::from_millis(60),
        "deltas spread over {:?}",
        last - first
    );
}

#[tokio::test]
async fn without_an_api_key_no_authorization_header_is_sent() {
    let fake = FakeOpenAi::start().await;
    fake.push(Reply::text(["ok"]));
    let model = model_with(&fake, |s| s.api_key = None);

    step(&model, &user("hi")).await.0.expect("an answer");

    assert_eq!(fake.received()[0].authorization, None);
}

#[tokio::test]
async fn the_fake_lists_its_model_and_answers_unstreamed_requests_whole() {
    let fake = FakeOpenAi::start().await;
    fake.push(Reply::text(["Hel", "lo"]));
    let http = reqwest::Client::new();

    let models: Value = http
        .get(format!("{}/models", fake.base_url))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON");
    let completion: Value = http
        .post(format!("{}/chat/completions", fake.base_url))
        .json(&json!({"model": "m", "messages": []}))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON");

    assert_eq!(models["data"][0]["id"], "fake-model");
    assert_eq!(completion["choices"][0]["message"]["content"], "Hello");
    assert_eq!(completion["choices"][0]["finish_reason"], "stop");
}

#[tokio::test]
async fn the_fake_reports_each_request_as_it_arrives() {
    let fake = FakeOpenAi::start().await;
    fake.push(Reply::Hang);
    let model = model(&fake);

    timeout(Duration::from_secs(1), fake.wait_for_requests(0))
        .await
        .expect("nothing to wait for");
    let early = timeout(Duration::from_millis(100), fake.wait_for_requests(1)).await;
    let stepping = tokio::spawn(async move { step(&model, &user("hi")).await.0 });
    let arrived = timeout(Duration::from_secs(5), fake.wait_for_requests(1)).await;
    stepping.abort();

    assert!(early.is_err(), "no request had been sent yet");
    arrived.expect("the request arrives while its answer hangs");
}
