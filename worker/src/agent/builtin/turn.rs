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

    /// The last reply before this message, and the user message it answered.
    pub(super) fn last_exchange(&self) -> Option<(&str, &str)> {
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
        let request = self.history[..at].iter().rev().find_map(|m| match m {
            ChatMessage::User(text) => Some(text.as_str()),
            _ => None,
        })?;
        Some((reply, request))
    }

    /// The user's message before this one.
    pub(super) fn previous_request(&self) -> Option<&str> {
        self.history.iter().rev().find_map(|m| match m {
            ChatMessage::User(text) => Some(text.as_str()),
            _ => None,
        })
    }

    /// The task numbers of the last listing the model showed, in its order ("- #5 …" lines),
    /// for "the first one", "the second one".
    pub(super) fn listed_ids(&self) -> Vec<i64> {
        self.history
            .iter()
            .rev()
            .filter_map(|m| match m {
                ChatMessage::Assistant {
                    content: Some(text),
                    ..
                } => Some(listing_ids(text)),
                _ => None,
            })
            .find(|ids| !ids.is_empty())
            .unwrap_or_default()
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

/// The numbers of a listing's lines ("- #5 Buy milk", "- ✓ #6 Call mom"), in order.
fn listing_ids(text: &str) -> Vec<i64> {
    text.lines()
        .filter_map(|line| {
            let rest = line.trim_start().strip_prefix("- ")?;
            let rest = rest.trim_start_matches("✓ ").strip_prefix('#')?;
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .collect()
}

/// The task numbers ("#5") a text mentions, each once, in order.
pub(super) fn task_numbers(text: &str) -> Vec<i64> {
    let mut ids: Vec<i64> = Vec::new();
    for rest in text.split('#').skip(1) {
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if let Ok(id) = digits.parse()
            && !ids.contains(&id)
        {
            ids.push(id);
        }
    }
    ids
}

/// The one task number ("#5") a reply mentions, if exactly one.
fn single_number(text: &str) -> Option<i64> {
    match task_numbers(text).as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}
