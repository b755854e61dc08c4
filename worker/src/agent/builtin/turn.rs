//! The turn being answered: the last user message, the tool steps already taken after it
//! (each a model step's tool calls with their results), and the history before it.

use serde_json::Value;

use crate::agent::model::ChatMessage;

/// One tool call of this turn and what it returned (`Null` when no result came back).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Done {
    pub id: String,
    pub name: String,
    pub args: Value,
    pub result: Value,
}

/// The tool calls of one model step.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Step {
    pub calls: Vec<Done>,
}

impl Step {
    /// The tool this step called (steps call one kind of tool at a time).
    pub(super) fn tool(&self) -> &str {
        self.calls.first().map_or("", |c| c.name.as_str())
    }
}

/// The conversation seen from its last user message.
#[derive(Debug)]
pub(super) struct Turn<'a> {
    pub request: &'a str,
    pub history: &'a [ChatMessage],
    pub steps: Vec<Step>,
}

impl<'a> Turn<'a> {
    /// Splits `messages` at the last user message; `None` when there is none.
    pub(super) fn read(messages: &'a [ChatMessage]) -> Option<Self> {
        let at = messages
            .iter()
            .rposition(|m| matches!(m, ChatMessage::User(_)))?;
        let ChatMessage::User(request) = &messages[at] else {
            return None;
        };
        Some(Self {
            request,
            history: &messages[..at],
            steps: steps(&messages[at + 1..]),
        })
    }

    /// How many tool calls this turn has made, to number the next ones.
    pub(super) fn calls_made(&self) -> usize {
        self.steps.iter().map(|s| s.calls.len()).sum()
    }

    /// How many of this turn's steps were searches.
    pub(super) fn searches(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| s.tool() == "list_tasks")
            .count()
    }

    /// When the last reply before this message asked `question`, that reply and the user
    /// message it answered.
    pub(super) fn last_question(&self, question: &str) -> Option<(&str, &str)> {
        let at = self.history.iter().rposition(|m| {
            matches!(m, ChatMessage::Assistant { content: Some(_), tool_calls } if tool_calls.is_empty())
        })?;
        let ChatMessage::Assistant {
            content: Some(reply),
            ..
        } = &self.history[at]
        else {
            return None;
        };
        if !reply.contains(question) {
            return None;
        }
        let request = self.history[..at].iter().rev().find_map(|m| match m {
            ChatMessage::User(text) => Some(text.as_str()),
            _ => None,
        })?;
        Some((reply, request))
    }

    /// The task the conversation was last about, for "it"/"that": the last tool result naming
    /// one task, or the last reply mentioning exactly one task number.
    pub(super) fn last_task_id(&self) -> Option<i64> {
        self.history
            .iter()
            .rev()
            .find_map(|message| match message {
                ChatMessage::Tool { content, .. } => task_of_result(content),
                ChatMessage::Assistant {
                    content: Some(text),
                    tool_calls,
                } if tool_calls.is_empty() => Some(single_number(text)),
                _ => None,
            })?
    }
}

fn steps(after_request: &[ChatMessage]) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    for message in after_request {
        match message {
            ChatMessage::Assistant { tool_calls, .. } if !tool_calls.is_empty() => {
                steps.push(Step {
                    calls: tool_calls
                        .iter()
                        .map(|call| Done {
                            id: call.id.clone(),
                            name: call.name.clone(),
                            args: serde_json::from_str(&call.arguments).unwrap_or(Value::Null),
                            result: Value::Null,
                        })
                        .collect(),
                });
            }
            ChatMessage::Tool { call_id, content } => {
                record(&mut steps, call_id, content);
            }
            _ => {}
        }
    }
    steps
}

/// Stores a tool result on the latest call with `call_id`.
fn record(steps: &mut [Step], call_id: &str, content: &str) {
    let call = steps
        .iter_mut()
        .rev()
        .flat_map(|s| s.calls.iter_mut())
        .find(|c| c.id == call_id);
    if let Some(call) = call {
        call.result =
            serde_json::from_str(content).unwrap_or_else(|_| Value::String(content.to_owned()));
    }
}

/// `Some(Some(id))` for a result naming one task, `Some(None)` for one that names several or
/// an error (the trail stops there), `None` for results that say nothing.
fn task_of_result(content: &str) -> Option<Option<i64>> {
    let value: Value = serde_json::from_str(content).ok()?;
    if value.get("error").is_some() {
        return None;
    }
    if let Some(id) = value.get("task_id").and_then(Value::as_i64) {
        return Some(Some(id));
    }
    let items = value.as_array()?;
    match items.as_slice() {
        [one] => Some(one.get("id").and_then(Value::as_i64)),
        _ => Some(None),
    }
}

/// The one task number ("#5") a reply mentions, if exactly one.
fn single_number(text: &str) -> Option<i64> {
    let mut ids: Vec<i64> = text
        .split('#')
        .skip(1)
        .filter_map(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    match ids.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}
