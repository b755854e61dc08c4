//! The bounded agent loop: the model answers text or tool calls; tool calls run (through the
//! ledger) and their results go back to the model; at most `max_steps` rounds.
//!
//! A redelivered job does not start over: the calls recorded by an earlier delivery are
//! rebuilt into the conversation as steps already taken, so the model continues from where
//! the dead worker stopped and no effect happens twice.

use std::{collections::HashSet, sync::Arc};

use async_trait::async_trait;
use common::{
    dates::DateContext,
    domain::{ToolExecution, UserId},
    jobs::{ChatEvent, ToolCallRecord},
    tools::{Caller, ToolOutcome, arguments_json},
};
use serde_json::Value;
use sqlx::PgPool;
use tracing::Instrument as _;
use uuid::Uuid;

use super::{
    model::{ChatMessage, ChatModel, DeltaSink, ModelError, ModelRequest, ToolCall},
    prompt::system_prompt,
    tools::{self, CallSlot},
};
use crate::events::EventPublisher;

/// Why a turn could not be completed.
#[derive(Debug, thiserror::Error)]
pub enum TurnError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Database(#[from] common::Error),
}

/// How a turn ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TurnEnd {
    /// The model gave its final answer.
    Answered,
    /// The model was still calling tools after `max_steps` rounds.
    StepLimit,
}

/// What a turn produced.
#[derive(Debug, Clone)]
pub struct TurnOutput {
    pub text: String,
    pub tool_calls: Vec<ToolCallRecord>,
    pub end: TurnEnd,
}

/// Everything one turn needs.
pub struct TurnInput<'a> {
    pub job_id: Uuid,
    pub user: &'a UserId,
    /// Earlier messages and this turn's user message, oldest first.
    pub history: Vec<ChatMessage>,
    /// The tool calls earlier deliveries of this job recorded, to replay instead of rerun.
    pub recorded: Vec<ToolExecution>,
    /// When and where the user is: the prompt says it, and dates are read with it.
    pub dates: DateContext,
}

/// The agent: a model, the task tools, and a step limit.
#[derive(Clone)]
pub struct Agent {
    pub model: Arc<dyn ChatModel>,
    pub pool: PgPool,
    pub max_steps: usize,
}

/// Streams the model's text as `delta` events and keeps a copy.
struct EventSink<'a> {
    events: &'a mut EventPublisher,
    text: String,
}

#[async_trait]
impl DeltaSink for EventSink<'_> {
    async fn delta(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        self.text.push_str(text);
        self.events
            .publish(&ChatEvent::Delta {
                text: text.to_owned(),
            })
            .await;
    }
}

/// The turn as the model has been shown it so far, and the calls it made.
struct Transcript {
    messages: Vec<ChatMessage>,
    records: Vec<ToolCallRecord>,
    /// Call ids used in this job (the ledger needs them unique).
    used_ids: HashSet<String>,
    dates: DateContext,
}

impl Transcript {
    /// A call's result, whether it ran now or was replayed from the ledger: announced to the
    /// client as recorded (UTC), shown to the model with its times on the user's clock, and
    /// kept for the reply.
    async fn record(
        &mut self,
        events: &mut EventPublisher,
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

    /// Rebuilds the steps an earlier delivery recorded, re-announcing them to the client.
    /// Returns the next step number.
    async fn replay(&mut self, recorded: &[ToolExecution], events: &mut EventPublisher) -> i32 {
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
}

impl Agent {
    /// Runs one turn, publishing its progress to `events`.
    pub async fn run(
        &self,
        input: TurnInput<'_>,
        events: &mut EventPublisher,
    ) -> Result<TurnOutput, TurnError> {
        let mut transcript = Transcript {
            messages: vec![ChatMessage::System(system_prompt(&input.dates))],
            records: Vec::new(),
            used_ids: HashSet::new(),
            dates: input.dates,
        };
        transcript.messages.extend(input.history);
        let specs = tools::tool_specs();
        let first_step = transcript.replay(&input.recorded, events).await;
        let caller = Caller {
            user: input.user,
            dates: input.dates,
        };

        let mut text = String::new();
        for step in first_step..=self.max_steps as i32 {
            let request = ModelRequest {
                messages: transcript.messages.clone(),
                tools: specs.clone(),
                dates: input.dates,
            };
            let mut sink = EventSink {
                events,
                text: String::new(),
            };
            let stepping = std::time::Instant::now();
            let turn = self
                .model
                .step(&request, &mut sink)
                .instrument(tracing::info_span!("model_step", step))
                .await?;
            common::metrics::record_stage(common::metrics::TurnStage::Model, stepping);
            // Providers stream what they return; fall back to the returned text if one did not.
            let step_text = if sink.text.is_empty() {
                turn.text
            } else {
                sink.text
            };
            text.push_str(&step_text);
            if turn.tool_calls.is_empty() {
                return Ok(TurnOutput {
                    text: final_text(text),
                    tool_calls: transcript.records,
                    end: TurnEnd::Answered,
                });
            }
            let calls: Vec<ToolCall> = turn
                .tool_calls
                .into_iter()
                .enumerate()
                .map(|(i, call)| unique_id(call, step, i, &mut transcript.used_ids))
                .collect();
            transcript.messages.push(ChatMessage::Assistant {
                content: (!step_text.is_empty()).then_some(step_text),
                tool_calls: calls.clone(),
            });
            for (position, call) in calls.iter().enumerate() {
                let slot = CallSlot {
                    job_id: input.job_id,
                    caller,
                    step,
                    position: position as i32,
                };
                let arguments = arguments_json(&call.arguments);
                events
                    .publish(&ChatEvent::ToolCall {
                        id: call.id.clone(),
                        tool: call.name.clone(),
                        arguments: arguments.clone(),
                    })
                    .await;
                let running = std::time::Instant::now();
                let outcome = tools::run(&self.pool, slot, call)
                    .instrument(tracing::info_span!("tool", tool = %call.name, call_id = %call.id))
                    .await?;
                common::metrics::record_stage(common::metrics::TurnStage::Tool, running);
                tracing::debug!(tool = %call.name, ok = outcome.ok, "tool call ran");
                transcript
                    .record(events, (&call.id, &call.name), arguments, outcome)
                    .await;
            }
        }
        Ok(TurnOutput {
            text: final_text(text),
            tool_calls: transcript.records,
            end: TurnEnd::StepLimit,
        })
    }
}

/// Some models reuse ids (`call_0` every step) or send none; the ledger needs them unique
/// within the job, so a repeated or empty id is replaced.
fn unique_id(mut call: ToolCall, step: i32, index: usize, used: &mut HashSet<String>) -> ToolCall {
    if call.id.trim().is_empty() || used.contains(&call.id) {
        call.id = format!("call_s{step}_{index}");
    }
    used.insert(call.id.clone());
    call
}

fn final_text(text: String) -> String {
    let text = text.trim();
    if text.is_empty() {
        "Done.".to_owned()
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_or_missing_call_ids_are_made_unique() {
        let mut used = HashSet::new();
        let call = |id: &str| ToolCall {
            id: id.to_owned(),
            name: "list_tasks".to_owned(),
            arguments: "{}".to_owned(),
        };
        assert_eq!(unique_id(call("call_0"), 1, 0, &mut used).id, "call_0");
        assert_eq!(unique_id(call("call_0"), 2, 0, &mut used).id, "call_s2_0");
        assert_eq!(unique_id(call(""), 2, 1, &mut used).id, "call_s2_1");
    }
}
