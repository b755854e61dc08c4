//! The builtin offline model: a deterministic reader of everyday English for the five task
//! tools, so a newcomer can chat with their list without an API key and benchmarks run
//! without LLM noise.
//!
//! [`respond`] is a pure function of the conversation and the time. The last user message is
//! the request; the tool calls and results after it are the steps already taken this turn.
//! Each call it either asks for the next tool calls (search by title, then act; list completed
//! tasks, then delete them) or writes the final answer from the results — never more than
//! four steps per turn.
//!
//! The pipeline: `classify` turns the words into an `Intent` (with `add`, `list`, `update`,
//! `target`, `dates` and `priority` reading the parts; `followup` reads answers to the model's
//! own "Which one?"), `plan` picks the next move, and `reply` words the answer.

mod add;
mod calendar;
mod classify;
mod dates;
mod followup;
mod format;
mod intent;
mod list;
mod phrases;
mod plan;
mod priority;
mod reply;
mod results;
mod target;
mod turn;
mod update;
mod verbs;
mod words;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::model::{
    ChatMessage, ChatModel, DeltaSink, ModelError, ModelRequest, ModelTurn, ToolCall,
};
use intent::Intent;
use plan::Next;
use turn::Turn;

/// Where the builtin model reads the time, so tests can fix it.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The builtin offline model.
#[derive(Clone)]
pub struct BuiltinModel {
    clock: Clock,
}

impl BuiltinModel {
    /// A model reading the system clock.
    pub fn new() -> Self {
        Self::with_clock(Utc::now)
    }

    /// A model reading the time from `clock`.
    pub fn with_clock(clock: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Self {
        Self {
            clock: Arc::new(clock),
        }
    }
}

impl Default for BuiltinModel {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for BuiltinModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BuiltinModel").finish_non_exhaustive()
    }
}

#[async_trait]
impl ChatModel for BuiltinModel {
    /// Answers at once; the text is streamed word by word (each word with its trailing space).
    async fn step(
        &self,
        request: &ModelRequest,
        sink: &mut dyn DeltaSink,
    ) -> Result<ModelTurn, ModelError> {
        let turn = respond(&request.messages, (self.clock)());
        for word in turn.text.split_inclusive(' ') {
            sink.delta(word).await;
        }
        Ok(turn)
    }
}

/// The model's answer to `messages` at time `now`: tool calls or final text. Pure and
/// deterministic.
pub fn respond(messages: &[ChatMessage], now: DateTime<Utc>) -> ModelTurn {
    let Some(turn) = Turn::read(messages) else {
        return text(phrases::help());
    };
    let intent = match classify::parse(turn.request, now) {
        Intent::Unknown => followup::answer(&turn, now).unwrap_or(Intent::Unknown),
        intent => intent,
    };
    match plan::next(&intent, &turn, now) {
        Next::Say(answer) => text(answer),
        Next::Calls(calls) => {
            let made = turn.calls_made();
            let tool_calls = calls
                .into_iter()
                .enumerate()
                .map(|(k, (name, args))| ToolCall {
                    id: format!("call_{}", made + k + 1),
                    name: name.to_owned(),
                    arguments: args.to_string(),
                })
                .collect();
            ModelTurn {
                text: String::new(),
                tool_calls,
            }
        }
    }
}

fn text(answer: String) -> ModelTurn {
    ModelTurn {
        text: answer,
        tool_calls: Vec::new(),
    }
}
