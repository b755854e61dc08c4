//! The builtin offline model: a deterministic reader of everyday English for the five task
//! tools, so a newcomer can chat with their list without an API key and benchmarks run
//! without LLM noise.
//!
//! [`respond`] is a pure function of the conversation and the time and zone of the turn
//! ([`DateContext`]; "tomorrow" is the user's tomorrow). The last user message is
//! the request; the tool calls and results after it are the steps already taken this turn.
//! Each call it either asks for the next tool calls (list the tasks, then act; list completed
//! tasks, then delete them) or writes the final answer from the results — never more than
//! four steps per turn. It never guesses: a task named by words is acted on only when the
//! words clearly find it; otherwise the model asks.
//!
//! The pipeline: `request` reads the message into requests — `spell` repairs slips,
//! `segment` splits "add X and show my list", `classify` reads each request (with `add`,
//! `items`, `list`, `update`, `target`, `statement`, `plain`, `scope` and `priority` reading
//! the parts), `followup` reads answers to the model's own questions and `recall` what just
//! happened. Then `plan` picks the next move, `resolve` decides each request once the tasks
//! are known (with `matcher` finding tasks by words, `stem` comparing word forms), and
//! `reply` words the answer.

mod add;
mod bulk;
mod changed;
mod changes;
mod classify;
mod followup;
mod format;
mod intent;
mod items;
mod list;
mod matcher;
mod openers;
mod phrases;
mod plain;
mod plan;
mod priority;
mod recall;
mod reply;
mod request;
mod resolve;
mod results;
mod scope;
mod segment;
mod spell;
mod statement;
mod stem;
mod tags;
mod target;
mod turn;
mod undo;
mod update;
mod verbs;
mod words;

#[cfg(test)]
mod tests;

use async_trait::async_trait;
use common::{dates::DateContext, jobs::ToolCallRecord, tools::TaskFit};

use super::model::{
    ChatMessage, ChatModel, DeltaSink, ModelError, ModelRequest, ModelTurn, ToolCall,
};
use intent::Intent;
use plan::Next;
use turn::Turn;

/// The builtin offline model. It reads dates on the clock the request carries.
#[derive(Debug, Clone, Default)]
pub struct BuiltinModel;

impl BuiltinModel {
    /// The builtin model.
    pub fn new() -> Self {
        Self
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
        let turn = respond(&request.messages, &request.dates);
        for word in turn.text.split_inclusive(' ') {
            sink.delta(word).await;
        }
        Ok(turn)
    }
}

/// The model's answer to `messages` on the user's clock `ctx`: tool calls or final text.
/// Pure and deterministic.
pub fn respond(messages: &[ChatMessage], ctx: &DateContext) -> ModelTurn {
    let Some(turn) = Turn::read(messages) else {
        return text(phrases::help());
    };
    let intents = request::read(&turn, ctx);
    match plan::next(&intents, &turn, ctx) {
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

/// What `calls` did, in words, as the builtin would answer after them: the reply a turn
/// gets when its model said nothing (results are read on the user's clock `ctx`).
pub fn summarise(calls: &[ToolCallRecord], ctx: &DateContext) -> String {
    let done: Vec<turn::Done> = calls
        .iter()
        .map(|call| turn::Done {
            id: String::new(),
            name: call.tool.clone(),
            args: call.arguments.clone(),
            result: ctx.localize_result(&call.result),
        })
        .collect();
    done.chunk_by(|a, b| a.name == b.name)
        .map(|group| match group[0].name.as_str() {
            "list_tasks" => match intent::ListFilter::read(&group[0].args) {
                Some(filter) => reply::listing(&filter, &group[0].result, ctx),
                None => reply::narrowed_listing(&group[0].result, ctx),
            },
            _ => reply::actions(
                &Intent::Unknown,
                &turn::Step {
                    calls: group.to_vec(),
                },
                ctx,
            ),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The tasks of `listing` (a `list_tasks` result) that the user's words `said` may be about,
/// best first. Shown to a model that named a task by an id the conversation never showed, so
/// it can call again with the right one: the model still decides, nothing is acted on here.
pub fn fitting(said: &str, listing: &serde_json::Value) -> Vec<TaskFit> {
    let tasks = results::task_list(listing).unwrap_or_default();
    matcher::ranked(said, &tasks)
        .into_iter()
        .map(|task| TaskFit {
            id: task.id,
            title: task.title.clone(),
            completed: task.completed,
        })
        .collect()
}

/// The question to ask when a change the user's words name (`tasks`: id and title) was not
/// made because the model chose another task: the way the builtin asks its own, so "yes" or
/// "the first one" is read as the answer.
pub fn which_task(tasks: &[TaskFit]) -> String {
    let named: Vec<(i64, &str)> = tasks
        .iter()
        .map(|task| (task.id, task.title.as_str()))
        .collect();
    reply::which_task(&named)
}

fn text(answer: String) -> ModelTurn {
    ModelTurn {
        text: answer,
        tool_calls: Vec::new(),
    }
}
