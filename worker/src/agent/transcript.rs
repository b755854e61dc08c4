//! A turn as the model has been shown it so far: the messages, the calls made with their
//! results (live or replayed from the ledger, recorded by one function), the call ids used,
//! and the task ids the conversation has shown.

use std::collections::HashSet;

use common::{
    dates::DateContext,
    domain::ToolExecution,
    jobs::{ChatEvent, ToolCallRecord},
    tools::ToolOutcome,
};
use serde_json::Value;

use super::{
    model::{ChatMessage, ToolCall},
    rails::{agree::Reading, grounding::SeenIds},
};
use crate::events::TurnEvents;

/// The turn so far.
pub struct Transcript {
    pub messages: Vec<ChatMessage>,
    pub records: Vec<ToolCallRecord>,
    /// Call ids used in this job (the ledger needs them unique).
    used_ids: HashSet<String>,
    /// The task ids calls may act on.
    pub seen: SeenIds,
    /// The builtin's reading of the user's message, made at most once a turn (see
    /// `runner::guards`).
    pub reading: Option<Reading>,
    dates: DateContext,
}

impl Transcript {
    /// A turn that starts with `system` and the conversation `history`.
    pub fn new(system: String, history: Vec<ChatMessage>, dates: DateContext) -> Self {
        let seen = SeenIds::from_history(&history);
        let mut messages = vec![ChatMessage::System(system)];
        messages.extend(history);
        Self {
            messages,
            records: Vec::new(),
            used_ids: HashSet::new(),
            seen,
            reading: None,
            dates,
        }
    }

    /// The model's step: what it said and the calls it asked for, with ids made unique.
    pub fn push_step(&mut self, text: String, calls: Vec<ToolCall>, step: i32) -> Vec<ToolCall> {
        let calls: Vec<ToolCall> = calls
            .into_iter()
            .enumerate()
            .map(|(i, call)| self.unique_id(call, step, i))
            .collect();
        self.messages.push(ChatMessage::Assistant {
            content: (!text.is_empty()).then_some(text),
            tool_calls: calls.clone(),
        });
        calls
    }

    /// A call's result, whether it ran now or was replayed from the ledger: announced to the
    /// client as recorded (UTC), shown to the model with its times on the user's clock, its
    /// task ids noted, and kept for the reply.
    pub async fn record(
        &mut self,
        events: &mut dyn TurnEvents,
        call: (&str, &str),
        arguments: Value,
        outcome: ToolOutcome,
    ) {
        let (id, tool) = call;
        events
            .publish(&ChatEvent::ToolResult {
                id: id.to_owned(),
                tool: tool.to_owned(),
                ok: outcome.ok,
                result: outcome.result.clone(),
            })
            .await;
        self.seen.note_result(&outcome.result);
        self.messages.push(ChatMessage::Tool {
            call_id: id.to_owned(),
            content: self.dates.localize_result(&outcome.result).to_string(),
        });
        self.records.push(ToolCallRecord {
            tool: tool.to_owned(),
            arguments,
            result: outcome.result,
        });
    }

    /// The result of an earlier call of `tool` with exactly `arguments` in this turn that would
    /// only give the same again, if there was one.
    pub fn earlier_result(&self, tool: &str, arguments: &Value) -> Option<Value> {
        self.records
            .iter()
            .find(|r| r.tool == tool && &r.arguments == arguments && self.same_again(r))
            .map(|r| r.result.clone())
    }

    /// True when running a call again would give `result` again: it succeeded, or it was
    /// refused for an id the conversation still has not shown (a small model often repeats
    /// such a call word for word instead of using the ids it was offered).
    fn same_again(&self, record: &ToolCallRecord) -> bool {
        let id = record.arguments.get("task_id").and_then(|id| {
            id.as_i64()
                .or_else(|| id.as_str().and_then(|s| s.trim().parse().ok()))
        });
        match record.result.get("error") {
            None => true,
            Some(error) if error == "unknown_task_id" => {
                id.is_some_and(|id| !self.seen.ids().contains(&id))
            }
            Some(_) => false,
        }
    }

    /// Answers a call that repeats an earlier one of this turn without running it: the model
    /// is shown the earlier result again and told not to repeat it. Nothing is recorded (it
    /// did nothing), and the client is not told of it.
    pub fn answer_repeat(&mut self, call_id: &str, earlier: Value) {
        let answer = serde_json::json!({
            "repeated": true,
            "note": "This exact call already ran in this turn; it was not run again. \
                     Do not repeat it: tell the user what was done.",
            "result": self.dates.localize_result(&earlier),
        });
        self.messages.push(ChatMessage::Tool {
            call_id: call_id.to_owned(),
            content: answer.to_string(),
        });
    }

    /// Rebuilds the steps an earlier delivery recorded, re-announcing them to the client.
    /// Returns the next step number.
    pub async fn replay(&mut self, recorded: &[ToolExecution], events: &mut dyn TurnEvents) -> i32 {
        let mut next_step = 1;
        for step in recorded.chunk_by(|a, b| a.step == b.step) {
            let calls: Vec<ToolCall> = step
                .iter()
                .map(|r| ToolCall {
                    id: r.call_id.clone(),
                    name: r.tool.clone(),
                    arguments: match &r.arguments.0 {
                        Value::String(raw) => raw.clone(),
                        other => other.to_string(),
                    },
                })
                .collect();
            self.messages.push(ChatMessage::Assistant {
                content: None,
                tool_calls: calls,
            });
            for r in step {
                self.used_ids.insert(r.call_id.clone());
                events
                    .publish(&ChatEvent::ToolCall {
                        id: r.call_id.clone(),
                        tool: r.tool.clone(),
                        arguments: r.arguments.0.clone(),
                    })
                    .await;
                let outcome = ToolOutcome {
                    ok: r.ok,
                    result: r.result.0.clone(),
                };
                self.record(
                    events,
                    (&r.call_id, &r.tool),
                    r.arguments.0.clone(),
                    outcome,
                )
                .await;
            }
            next_step = step[0].step + 1;
        }
        next_step
    }

    /// Some models reuse ids (`call_0` every step) or send none; the ledger needs them unique
    /// within the job, so a repeated or empty id is replaced.
    fn unique_id(&mut self, mut call: ToolCall, step: i32, index: usize) -> ToolCall {
        if call.id.trim().is_empty() || self.used_ids.contains(&call.id) {
            call.id = format!("call_s{step}_{index}");
        }
        self.used_ids.insert(call.id.clone());
        call
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use common::dates::Zone;

    use super::*;

    #[test]
    fn repeated_or_missing_call_ids_are_made_unique() {
        let mut transcript = Transcript::new(
            "system".into(),
            Vec::new(),
            DateContext::new(Utc::now(), Zone::UTC),
        );
        let call = |id: &str| ToolCall {
            id: id.to_owned(),
            name: "list_tasks".to_owned(),
            arguments: "{}".to_owned(),
        };
        let first = transcript.push_step(String::new(), vec![call("call_0")], 1);
        let second = transcript.push_step(String::new(), vec![call("call_0"), call("")], 2);
        let ids: Vec<&str> = first.iter().chain(&second).map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["call_0", "call_s2_0", "call_s2_1"]);
    }
}
