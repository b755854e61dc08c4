//! The task ids a conversation has shown: numbers in the user's words and in the replies the
//! model was shown, and the ids in tool results. A call that changes or deletes a task by an
//! id outside this set is refused by the tool layer (`Caller::grounded`), so a guessed id
//! ("delete the meeting task" → `delete_task(1)`) never touches a task.

use std::collections::HashSet;

use serde_json::Value;

use common::dates::DateContext;

use crate::agent::model::{ChatMessage, ToolCall};

/// Ids seen so far in a turn's conversation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeenIds(HashSet<i64>);

impl SeenIds {
    /// The ids in what the model is shown of the conversation: its users' and assistant's
    /// messages (the system prompt and the model's own tool calls do not count).
    pub fn from_history(messages: &[ChatMessage]) -> Self {
        let mut seen = Self::default();
        for message in messages {
            match message {
                ChatMessage::User(text) => seen.note_text(text),
                ChatMessage::Assistant {
                    content: Some(text),
                    ..
                } => seen.note_text(text),
                ChatMessage::Tool { content, .. } => {
                    if let Ok(result) = serde_json::from_str::<Value>(content) {
                        seen.note_result(&result);
                    }
                }
                ChatMessage::System(_) | ChatMessage::Assistant { content: None, .. } => {}
            }
        }
        seen
    }

    /// Every whole number written in `text` ("task 12", "#12", "12").
    pub fn note_text(&mut self, text: &str) {
        for number in text
            .split(|c: char| !c.is_ascii_digit())
            .filter(|n| !n.is_empty() && n.len() <= 18)
        {
            if let Ok(id) = number.parse::<i64>() {
                self.0.insert(id);
            }
        }
    }

    /// The task ids in a tool result (`id`, `task_id`, in lists and nested objects).
    pub fn note_result(&mut self, result: &Value) {
        match result {
            Value::Array(items) => items.iter().for_each(|item| self.note_result(item)),
            Value::Object(fields) => {
                for (key, value) in fields {
                    match (key.as_str(), value.as_i64()) {
                        ("id" | "task_id", Some(id)) => {
                            self.0.insert(id);
                        }
                        _ => self.note_result(value),
                    }
                }
            }
            _ => {}
        }
    }

    /// One id, shown by other means (a guessed id corrected to the task the words name).
    pub fn note_id(&mut self, id: i64) {
        self.0.insert(id);
    }

    /// The id `call` names when the conversation never showed it: a guess.
    pub fn unseen_in(&self, call: &ToolCall, dates: &DateContext) -> Option<i64> {
        common::tools::task_id_of(&call.name, &call.arguments, dates)
            .filter(|id| !self.0.contains(id))
    }

    /// The ids `call` acts on when the conversation showed none of them: a guess (one id, or a
    /// bulk call's every id).
    pub fn guessed_in(&self, call: &ToolCall, dates: &DateContext) -> Option<Vec<i64>> {
        common::tools::task_ids_of(&call.name, &call.arguments, dates)
            .filter(|ids| !ids.is_empty() && ids.iter().all(|id| !self.0.contains(id)))
    }

    /// True when the conversation showed every one of `ids`.
    pub fn all_shown(&self, ids: &[i64]) -> bool {
        ids.iter().all(|id| self.0.contains(id))
    }

    /// The ids, for the tool layer.
    pub fn ids(&self) -> &HashSet<i64> {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn ids_come_from_the_words_the_replies_and_the_results() {
        let history = [
            ChatMessage::System("Task 99 is not a task the user saw.".into()),
            ChatMessage::User("mark #12 and task 7 as done".into()),
            ChatMessage::Assistant {
                content: Some("Done! “Milk” (#31) is complete.".into()),
                tool_calls: vec![],
            },
        ];
        let mut seen = SeenIds::from_history(&history);
        seen.note_result(&json!([{"id": 40, "title": "Rent 2026"}, {"task_id": 41}]));
        seen.note_result(&json!({"error": "task_not_found", "message": "no task 55"}));
        for id in [12, 7, 31, 40, 41] {
            assert!(seen.ids().contains(&id), "{id}");
        }
        for id in [99, 55, 1] {
            assert!(!seen.ids().contains(&id), "{id}");
        }
    }
}
