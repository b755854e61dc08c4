//! The Chat Completions request body, built as JSON for async-openai's `byot` API: the crate's
//! typed request would be fine, but `byot` needs a body of our own, and JSON keeps the
//! mapping from [`ChatMessage`] visible in one place.

use serde_json::{Map, Value, json};

use crate::agent::model::{ChatMessage, ModelRequest, ToolCall, ToolSpec};

/// The request for one model step, streamed or not. `tools` and `tool_choice` are left out
/// when no tool is offered: some servers reject an empty `tools` array.
pub(super) fn body(
    model: &str,
    temperature: Option<f32>,
    request: &ModelRequest,
    stream: bool,
) -> Value {
    let mut body = Map::new();
    body.insert("model".into(), json!(model));
    // The user's time goes with their last message, not into the system prompt: a prompt the
    // same for every user and every minute keeps the server's prompt cache (the tools' long
    // schemas after it) valid from one turn and one conversation to the next.
    let last_user = request
        .messages
        .iter()
        .rposition(|m| matches!(m, ChatMessage::User(_)));
    let messages = request.messages.iter().enumerate().map(|(i, m)| match m {
        ChatMessage::User(text) if Some(i) == last_user => json!({
            "role": "user",
            "content": format!("{text}\n\n({}{})", SENT, request.dates.describe_now()),
        }),
        other => message(other),
    });
    body.insert("messages".into(), messages.collect());
    if !request.tools.is_empty() {
        body.insert("tools".into(), request.tools.iter().map(tool).collect());
        let choice = match request.force_tool {
            Some(name) => json!({"type": "function", "function": {"name": name}}),
            None => json!("auto"),
        };
        body.insert("tool_choice".into(), choice);
    }
    // With `byot`, async-openai sends the body as given: streaming must be asked for here.
    body.insert("stream".into(), json!(stream));
    if let Some(temperature) = temperature {
        body.insert("temperature".into(), json!(short_float(temperature)));
    }
    Value::Object(body)
}

/// What starts the note of the user's time after their last message (the system prompt says
/// how to read it).
pub(crate) const SENT: &str = "sent ";

fn message(message: &ChatMessage) -> Value {
    match message {
        ChatMessage::System(content) => json!({"role": "system", "content": content}),
        ChatMessage::User(content) => json!({"role": "user", "content": content}),
        ChatMessage::Assistant {
            content,
            tool_calls,
        } => {
            let mut message = Map::new();
            message.insert("role".into(), json!("assistant"));
            // OpenAI accepts `content: null` beside tool calls, llama-cpp-python's server does
            // not ("Input should be a valid string"): an empty string suits both.
            let content = content.as_deref().unwrap_or_default();
            message.insert("content".into(), json!(content));
            if !tool_calls.is_empty() {
                message.insert(
                    "tool_calls".into(),
                    tool_calls.iter().map(tool_call).collect(),
                );
            }
            Value::Object(message)
        }
        ChatMessage::Tool { call_id, content } => {
            json!({"role": "tool", "tool_call_id": call_id, "content": content})
        }
    }
}

fn tool_call(call: &ToolCall) -> Value {
    json!({
        "id": call.id,
        "type": "function",
        "function": {"name": call.name, "arguments": call.arguments},
    })
}

fn tool(spec: &ToolSpec) -> Value {
    json!({
        "type": "function",
        "function": {
            "name": spec.name,
            "description": spec.description,
            "parameters": spec.parameters,
        },
    })
}

/// `0.2_f32` as `0.2` rather than `0.20000000298023224`.
fn short_float(value: f32) -> f64 {
    value.to_string().parse().unwrap_or(f64::from(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(messages: Vec<ChatMessage>, tools: Vec<ToolSpec>) -> ModelRequest {
        ModelRequest {
            messages,
            tools: tools.into(),
            dates: common::dates::DateContext::new(chrono::Utc::now(), common::dates::Zone::UTC),
            force_tool: None,
        }
    }

    fn add_task() -> ToolSpec {
        ToolSpec {
            name: "add_task",
            description: "Adds a task.",
            parameters: json!({
                "type": "object",
                "properties": {"title": {"type": "string"}},
                "required": ["title"],
            }),
            ..Default::default()
        }
    }

    #[test]
    fn the_users_time_goes_with_their_last_message_only() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-22T10:05:00Z")
            .expect("valid")
            .to_utc();
        let zone = common::dates::Zone::parse("Asia/Kolkata", "time_zone").expect("a zone");
        let mut request = request(
            vec![
                ChatMessage::System("rules".into()),
                ChatMessage::User("add milk".into()),
                ChatMessage::Assistant {
                    content: Some("Added.".into()),
                    tool_calls: Vec::new(),
                },
                ChatMessage::User("and bread".into()),
            ],
            vec![add_task()],
        );
        request.dates = common::dates::DateContext::new(now, zone);

        let body = body("m", None, &request, false);

        let messages = body["messages"].as_array().expect("messages");
        assert_eq!(messages[0]["content"], "rules");
        assert_eq!(messages[1]["content"], "add milk");
        assert_eq!(
            messages[3]["content"],
            "and bread\n\n(sent Sunday, November 22, 2026, 15:35 in Asia/Kolkata (UTC+05:30))"
        );
    }

    #[test]
    fn the_body_streams_and_offers_the_tools_with_their_schemas() {
        let body = body(
            "gpt-test",
            Some(0.2),
            &request(vec![ChatMessage::User("hi".into())], vec![add_task()]),
            true,
        );

        assert_eq!(body["model"], "gpt-test");
        assert_eq!(body["stream"], true);
        assert_eq!(body["temperature"], 0.2);
        assert_eq!(body["tool_choice"], "auto");
        assert_eq!(
            body["tools"],
            json!([{
                "type": "function",
                "function": {
                    "name": "add_task",
                    "description": "Adds a task.",
                    "parameters": {
                        "type": "object",
                        "properties": {"title": {"type": "string"}},
                        "required": ["title"],
                    },
                },
            }])
        );
    }

    #[test]
    fn a_required_tool_is_asked_for_by_name() {
        let mut request = request(vec![ChatMessage::User("hi".into())], vec![add_task()]);
        request.force_tool = Some("add_task");
        let body = body("m", None, &request, false);
        assert_eq!(
            body["tool_choice"],
            json!({"type": "function", "function": {"name": "add_task"}})
        );
    }

    #[test]
    fn without_tools_or_temperature_those_fields_are_left_out() {
        let body = body(
            "m",
            None,
            &request(vec![ChatMessage::User("hi".into())], vec![]),
            true,
        );

        let mut fields: Vec<&str> = body
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        fields.sort_unstable();
        assert_eq!(fields, ["messages", "model", "stream"]);
    }

    #[test]
    fn every_kind_of_message_is_written_in_openai_form() {
        let call = ToolCall {
            id: "call_1".into(),
            name: "add_task".into(),
            arguments: r#"{"title":"milk"}"#.into(),
        };
        let messages = vec![
            ChatMessage::System("be brief".into()),
            ChatMessage::User("add milk".into()),
            ChatMessage::Assistant {
                content: None,
                tool_calls: vec![call],
            },
            ChatMessage::Tool {
                call_id: "call_1".into(),
                content: r#"{"id":7}"#.into(),
            },
            ChatMessage::Assistant {
                content: Some("Added milk.".into()),
                tool_calls: vec![],
            },
            ChatMessage::Assistant {
                content: None,
                tool_calls: vec![],
            },
        ];

        let body = body("m", None, &request(messages, vec![]), false);
        let mut messages = body["messages"].clone();
        let user = messages[1]["content"].as_str().unwrap_or_default();
        assert!(user.starts_with("add milk\n\n(sent "), "{user}");
        messages[1]["content"] = json!("add milk");

        assert_eq!(
            messages,
            json!([
                {"role": "system", "content": "be brief"},
                {"role": "user", "content": "add milk"},
                {"role": "assistant", "content": "", "tool_calls": [{
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "add_task", "arguments": "{\"title\":\"milk\"}"},
                }]},
                {"role": "tool", "tool_call_id": "call_1", "content": "{\"id\":7}"},
                {"role": "assistant", "content": "Added milk."},
                {"role": "assistant", "content": ""},
            ])
        );
        assert_eq!(body["stream"], false, "a whole answer is asked for");
    }
}
