//! Tool calls a model wrote as text instead of calling the tool. Small models do this often,
//! in one of three forms: `<tool_call>{"name": …, "arguments": …}</tool_call>`, a fenced JSON
//! object, or `functions.list_tasks: {…}`. Such text is a call only when it names one of the
//! task tools and its arguments are valid for that tool; anything else stays text.

use common::{dates::DateContext, tools};
use serde_json::{Map, Value};

/// Where a written tool call can begin; the sink holds text back from the first of these.
pub(super) const OPENERS: [&str; 3] = ["<tool_call>", "```", "functions."];

/// A call recovered from text: the tool and its arguments as JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenCall {
    pub name: String,
    pub arguments: String,
}

impl From<WrittenCall> for crate::agent::model::ToolCall {
    /// A recovered call has no id of its own: the transcript gives it one.
    fn from(call: WrittenCall) -> Self {
        Self {
            id: String::new(),
            name: call.name,
            arguments: call.arguments,
        }
    }
}

/// The calls written in `text`, and the prose before the first of them; `None` when the
/// text holds no valid call (then it is the answer, as written).
pub fn recover(text: &str, dates: &DateContext) -> Option<(String, Vec<WrittenCall>)> {
    let trimmed = text.trim();
    let (start, candidates) = if trimmed.starts_with('{') {
        // A message that is one bare JSON object.
        (
            text.len() - text.trim_start().len(),
            vec![trimmed.to_owned()],
        )
    } else {
        let start = OPENERS.iter().filter_map(|o| text.find(o)).min()?;
        (start, blocks(&text[start..]))
    };
    let calls: Vec<WrittenCall> = candidates
        .iter()
        .filter_map(|block| call_in(block))
        .filter(|call| tools::valid_call(&call.name, &call.arguments, dates))
        .collect();
    if calls.is_empty() {
        return None;
    }
    Some((text[..start].trim().to_owned(), calls))
}

/// The task tool a text that holds no valid call still names as a call's start
/// (`functions.add_task:` with nothing after it, a `<tool_call>` with broken arguments): the
/// model meant to call it, and is asked again with that tool required.
pub fn named_tool(text: &str) -> Option<&'static str> {
    let start = OPENERS.iter().filter_map(|o| text.find(o)).min();
    let candidates = match start {
        Some(start) => blocks(&text[start..]),
        None if text.trim_start().starts_with('{') => vec![text.trim().to_owned()],
        None => return None,
    };
    let named = candidates.iter().find_map(|block| call_in(block))?;
    tools::chat_specs()
        .into_iter()
        .map(|spec| spec.name)
        .find(|name| *name == named.name)
}

/// The pieces of `text` that may each hold one call, in the first form the text uses (a
/// text mixes them only when one quotes another, and each call must count once).
fn blocks(text: &str) -> Vec<String> {
    if text.contains("<tool_call>") {
        return delimited(text, "<tool_call>", "</tool_call>", false);
    }
    if text.contains("```") {
        return delimited(text, "```", "```", true);
    }
    text.match_indices("functions.")
        .map(|(i, _)| text[i..].to_owned())
        .collect()
}

/// What stands between each `open` and the next `close` (or the end); `info` skips the rest
/// of the opening line (a fence's "json").
fn delimited(text: &str, open: &str, close: &str, info: bool) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(open) {
        let mut body = &rest[start + open.len()..];
        if info {
            body = body.split_once('\n').map_or(body, |(_, after)| after);
        }
        let end = body.find(close).unwrap_or(body.len());
        found.push(body[..end].to_owned());
        rest = &body[(end + close.len()).min(body.len())..];
    }
    found
}

/// The call one block holds: a JSON object naming the tool, or `functions.NAME: {args}`.
fn call_in(block: &str) -> Option<WrittenCall> {
    let block = block.trim();
    if let Some(rest) = block.strip_prefix("functions.") {
        let name_end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let name = &rest[..name_end];
        let after = rest[name_end..].trim_start_matches([':', ' ', '\n', '(']);
        let arguments = first_object(after).unwrap_or_else(|| "{}".to_owned());
        return Some(WrittenCall {
            name: name.to_owned(),
            arguments,
        });
    }
    let object: Map<String, Value> = serde_json::from_str(&first_object(block)?).ok()?;
    let name = ["name", "tool", "function"]
        .iter()
        .find_map(|key| object.get(*key).and_then(Value::as_str))?;
    let arguments = ["arguments", "parameters", "args", "input"]
        .iter()
        .find_map(|key| object.get(*key))
        .cloned()
        .unwrap_or(Value::Object(Map::new()));
    let arguments = match arguments {
        // Some models send the arguments as a JSON string.
        Value::String(text) => text,
        other => other.to_string(),
    };
    Some(WrittenCall {
        name: name.to_owned(),
        arguments,
    })
}

/// The first balanced `{…}` in `text` (strings and escapes respected).
fn first_object(text: &str) -> Option<String> {
    let start = text.find('{')?;
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (i, c) in text[start..].char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '{' if !in_string => depth += 1,
            '}' if !in_string => {
                depth -= 1;
                if depth == 0 {
                    return Some(text[start..start + i + 1].to_owned());
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use common::dates::Zone;

    use super::*;

    fn dates() -> DateContext {
        DateContext::new(Utc::now(), Zone::UTC)
    }

    fn names(text: &str) -> Option<(String, Vec<(String, Value)>)> {
        recover(text, &dates()).map(|(prose, calls)| {
            let calls = calls
                .into_iter()
                .map(|c| {
                    let args = serde_json::from_str(&c.arguments).expect("JSON arguments");
                    (c.name, args)
                })
                .collect();
            (prose, calls)
        })
    }

    #[test]
    fn the_three_written_forms_are_recovered() {
        let cases = [
            "<tool_call>\n{\"name\": \"list_tasks\", \"arguments\": {\"status\": \"pending\"}}\n</tool_call>",
            "```json\n{\"name\": \"list_tasks\", \"arguments\": {\"status\": \"pending\"}}\n```",
            "functions.list_tasks: {\"status\": \"pending\"}",
            "{\"name\": \"list_tasks\", \"parameters\": {\"status\": \"pending\"}}",
            "{\"tool\": \"list_tasks\", \"arguments\": \"{\\\"status\\\": \\\"pending\\\"}\"}",
        ];
        for text in cases {
            let (prose, calls) = names(text).unwrap_or_else(|| panic!("recovered: {text}"));
            assert_eq!(prose, "", "{text}");
            assert_eq!(
                calls,
                [(
                    "list_tasks".to_owned(),
                    serde_json::json!({"status": "pending"})
                )],
                "{text}"
            );
        }
        let (_, bare) = names("functions.list_tasks:").expect("no arguments");
        assert_eq!(bare, [("list_tasks".to_owned(), serde_json::json!({}))]);
    }

    #[test]
    fn prose_before_a_call_and_several_calls_are_kept_apart() {
        let text = "Sure, adding both.\n<tool_call>{\"name\": \"add_task\", \"arguments\": {\"title\": \"Milk\"}}</tool_call>\n<tool_call>{\"name\": \"add_task\", \"arguments\": {\"title\": \"Bread\"}}</tool_call>";
        let (prose, calls) = names(text).expect("recovered");
        assert_eq!(prose, "Sure, adding both.");
        let titles: Vec<&str> = calls
            .iter()
            .map(|(_, args)| args["title"].as_str().expect("title"))
            .collect();
        assert_eq!(titles, ["Milk", "Bread"]);
    }

    #[test]
    fn a_call_named_without_valid_arguments_names_its_tool() {
        assert_eq!(named_tool("functions.add_task:"), Some("add_task"));
        assert_eq!(
            named_tool(
                "Sure! <tool_call>{\"name\": \"delete_task\", \"arguments\": {\"task_id\": \"x\"}}"
            ),
            Some("delete_task")
        );
        assert_eq!(
            named_tool("{\"name\": \"list_tasks\", \"arguments\": 7}"),
            Some("list_tasks")
        );
        for text in [
            "You have 3 open tasks.",
            "functions.drop_database: {}",
            "<tool_call>{\"name\": \"rm -rf\"}</tool_call>",
            "```rust\nfn main() {}\n```",
        ] {
            assert_eq!(named_tool(text), None, "{text}");
        }
    }

    #[test]
    fn text_that_is_not_a_valid_call_stays_text() {
        for text in [
            "You have 3 open tasks.",
            "Here is an example: ```rust\nfn main() {}\n```",
            "<tool_call>{\"name\": \"drop_database\", \"arguments\": {}}</tool_call>",
            "<tool_call>{\"name\": \"add_task\", \"arguments\": {}}</tool_call>",
            "functions.delete_task: {\"task_id\": \"three\"}",
            "{\"answer\": 42}",
            "{not json",
        ] {
            assert_eq!(recover(text, &dates()), None, "{text}");
        }
    }
}
