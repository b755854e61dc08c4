//! The accumulator against chunks as real servers send them.

use serde_json::json;

use super::*;

/// Feeds JSON chunks through the accumulator; returns the turn and the text deltas.
fn run(chunks: &[Value]) -> (Result<ModelTurn, ModelError>, Vec<String>) {
    let mut acc = Accumulator::default();
    let mut deltas = Vec::new();
    for chunk in chunks {
        let chunk: Chunk = serde_json::from_value(chunk.clone()).expect("a lenient chunk");
        if let Some(text) = acc.push(chunk).expect("no error chunk") {
            deltas.push(text);
        }
    }
    (acc.finish(), deltas)
}

fn turn(chunks: &[Value]) -> ModelTurn {
    run(chunks).0.expect("a finished turn")
}

fn delta(delta: Value) -> Value {
    json!({"choices": [{"index": 0, "delta": delta}]})
}

fn calls(delta_calls: Value) -> Value {
    delta(json!({"tool_calls": delta_calls}))
}

fn stop(reason: &str) -> Value {
    json!({"choices": [{"index": 0, "delta": {}, "finish_reason": reason}]})
}

fn call(id: &str, name: &str, arguments: &str) -> ToolCall {
    ToolCall {
        id: id.into(),
        name: name.into(),
        arguments: arguments.into(),
    }
}

#[test]
fn text_deltas_are_passed_on_in_order_and_add_up_to_the_text() {
    let (result, deltas) = run(&[
        delta(json!({"role": "assistant", "content": ""})),
        delta(json!({"content": "Hel"})),
        delta(json!({"content": "lo"})),
        json!({"choices": [{"delta": {"content": "!"}, "finish_reason": "stop"}]}),
    ]);

    assert_eq!(deltas, ["Hel", "lo", "!"]);
    assert_eq!(result.expect("finished").text, "Hello!");
}

#[test]
fn interleaved_fragments_are_assembled_by_index() {
    let turn = turn(&[
        calls(json!([{"index": 0, "id": "a", "type": "function",
            "function": {"name": "add_task", "arguments": ""}}])),
        calls(json!([{"index": 1, "id": "b", "type": "function",
            "function": {"name": "list_tasks", "arguments": ""}}])),
        calls(json!([{"index": 1, "function": {"arguments": "{\"status\""}}])),
        calls(json!([{"index": 0, "function": {"arguments": "{\"title\":"}}])),
        calls(json!([{"index": 0, "function": {"arguments": "\"milk\"}"}}])),
        calls(json!([{"index": 1, "function": {"arguments": ":\"open\"}"}}])),
        stop("tool_calls"),
    ]);

    assert_eq!(
        turn.tool_calls,
        [
            call("a", "add_task", r#"{"title":"milk"}"#),
            call("b", "list_tasks", r#"{"status":"open"}"#),
        ]
    );
    assert_eq!(turn.text, "");
}

#[test]
fn calls_without_index_or_id_are_placed_by_position_and_given_ids() {
    let turn = turn(&[
        calls(json!([
            {"function": {"name": "add_task", "arguments": "{\"title\":\"a\"}"}},
            {"function": {"name": "add_task", "arguments": "{\"title\":\"b\"}"}},
        ])),
        stop("tool_calls"),
    ]);

    assert_eq!(
        turn.tool_calls,
        [
            call("call_0", "add_task", r#"{"title":"a"}"#),
            call("call_1", "add_task", r#"{"title":"b"}"#),
        ]
    );
}

#[test]
fn a_call_without_index_keeps_collecting_its_fragments() {
    let turn = turn(&[
        calls(json!([{"id": "x", "function": {"name": "add_task"}}])),
        calls(json!([{"function": {"arguments": "{\"title\""}}])),
        calls(json!([{"function": {"arguments": ":\"tea\"}"}}])),
        stop("tool_calls"),
    ]);

    assert_eq!(
        turn.tool_calls,
        [call("x", "add_task", r#"{"title":"tea"}"#)]
    );
}

#[test]
fn complete_calls_each_sent_as_index_0_with_their_own_id_stay_apart() {
    let turn = turn(&[
        calls(json!([{"index": 0, "id": "a", "function": {"name": "f", "arguments": "{}"}}])),
        calls(json!([{"index": 0, "id": "b", "function": {"name": "g", "arguments": "{}"}}])),
        stop("tool_calls"),
    ]);

    assert_eq!(
        turn.tool_calls,
        [call("a", "f", "{}"), call("b", "g", "{}")]
    );
}

#[test]
fn arguments_sent_as_an_object_are_written_as_json_text() {
    let turn = turn(&[
        calls(json!([{"index": 0, "id": "c1",
            "function": {"name": "add_task", "arguments": {"title": "milk", "priority": 2}}}])),
        stop("stop"),
    ]);

    let arguments: Value = serde_json::from_str(&turn.tool_calls[0].arguments).expect("JSON text");
    assert_eq!(arguments, json!({"title": "milk", "priority": 2}));
}

#[test]
fn missing_arguments_read_as_an_empty_object() {
    let turn = turn(&[
        calls(json!([{"index": 0, "id": "c", "function": {"name": "list_tasks"}}])),
        stop("tool_calls"),
    ]);

    assert_eq!(turn.tool_calls, [call("c", "list_tasks", "{}")]);
}

#[test]
fn a_repeated_name_is_not_doubled() {
    let turn = turn(&[
        calls(json!([{"index": 0, "id": "c", "function": {"name": "add_task", "arguments": "{"}}])),
        calls(json!([{"index": 0, "function": {"name": "add_task", "arguments": "}"}}])),
        stop("tool_calls"),
    ]);

    assert_eq!(turn.tool_calls, [call("c", "add_task", "{}")]);
}

#[test]
fn odd_and_missing_fields_are_ignored() {
    let (result, deltas) = run(&[
        json!({"choices": [{"delta": {"content": "a"}, "finish_reason": ""}], "extra": [1]}),
        json!({"id": 5, "object": null, "choices": [{"index": "zero", "delta": {"content": 7}}]}),
        json!({"choices": null}),
        json!({}),
        json!({"choices": [{"index": 1, "delta": {"content": "other choice"}}]}),
        json!({"choices": [{"delta": {"content": "b"}, "finish_reason": null}]}),
        json!({"choices": [{"message": {"content": "c"}, "finish_reason": "stop"}]}),
    ]);

    assert_eq!(deltas, ["a", "b", "c"]);
    assert_eq!(result.expect("finished").text, "abc");
}

#[test]
fn a_stream_without_finish_reason_is_transient() {
    let (result, _) = run(&[delta(json!({"content": "partial"}))]);

    assert!(
        matches!(result, Err(ModelError::Transient { .. })),
        "{result:?}"
    );
}

#[test]
fn an_error_object_in_the_stream_is_transient() {
    let mut acc = Accumulator::default();
    let chunk: Chunk =
        serde_json::from_value(json!({"error": {"message": "overloaded", "type": "server_error"}}))
            .expect("a lenient chunk");

    let result = acc.push(chunk);

    assert!(
        matches!(&result, Err(ModelError::Transient { message, .. }) if message.contains("overloaded")),
        "{result:?}"
    );
}
