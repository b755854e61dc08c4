//! Ending a job: the reply (or the message telling the user what went wrong), the status
//! and the lease in one transaction, then the `done` or `error` event.

use common::{
    db,
    domain::{Job, Role, UserId},
    jobs::{ChatEvent, ToolCallRecord, terminal_event},
};
use uuid::Uuid;

use crate::{
    agent::{model::ModelError, runner::TurnOutput},
    events::EventPublisher,
};

use super::{
    Context, Outcome,
    lease::{announce_release, release},
};

/// Why a turn failed, and what the user is told.
pub(super) struct Failure {
    code: &'static str,
    detail: String,
    message: String,
    tool_calls: Vec<ToolCallRecord>,
}

fn what_was_done(calls: &[ToolCallRecord]) -> String {
    let done: Vec<String> = calls
        .iter()
        .filter(|c| c.result.get("error").is_none() && c.tool != "list_tasks")
        .map(|c| {
            let title = c
                .result
                .get("title")
                .and_then(|t| t.as_str())
                .unwrap_or("a task");
            let status = c
                .result
                .get("status")
                .and_then(|s| s.as_str())
                .unwrap_or("changed");
            format!("{status} “{title}”")
        })
        .collect();
    if done.is_empty() {
        String::new()
    } else {
        format!(" Before that I {}.", done.join(", "))
    }
}

impl Failure {
    pub(super) fn model(err: &ModelError, tool_calls: Vec<ToolCallRecord>) -> Self {
        let (code, message) = match err {
            ModelError::Transient { .. } => (
                "model_unavailable",
                "Sorry — I couldn't reach the language model just now, so I couldn't finish that. Please try again in a moment.",
            ),
            ModelError::Permanent(_) => (
                "model_error",
                "Sorry — the language model refused the request, so I couldn't finish that. Please try again, or rephrase it.",
            ),
        };
        Self {
            code,
            detail: err.to_string(),
            message: format!("{message}{}", what_was_done(&tool_calls)),
            tool_calls,
        }
    }

    pub(super) fn timeout(tool_calls: Vec<ToolCallRecord>) -> Self {
        Self {
            code: "timeout",
            detail: "the turn exceeded its deadline".to_owned(),
            message: format!(
                "Sorry — that took too long, so I stopped.{} Please try again.",
                what_was_done(&tool_calls)
            ),
            tool_calls,
        }
    }

    pub(super) fn step_limit(output: TurnOutput) -> Self {
        Self {
            code: "step_limit",
            detail: "the model kept calling tools past the step limit".to_owned(),
            message: format!(
                "Sorry — I got stuck going back and forth and stopped.{} Could you say it differently?",
                what_was_done(&output.tool_calls)
            ),
            tool_calls: output.tool_calls,
        }
    }

    pub(super) fn internal(tool_calls: Vec<ToolCallRecord>) -> Self {
        Self {
            code: "internal",
            detail: "the turn failed on its last delivery".to_owned(),
            message: format!(
                "Sorry — something went wrong on my side and I couldn't finish that.{} Please try again.",
                what_was_done(&tool_calls)
            ),
            tool_calls,
        }
    }
}

pub(super) async fn recorded_calls(ctx: &Context, job_id: Uuid) -> Vec<ToolCallRecord> {
    db::tool_executions::for_job(&ctx.pool, job_id)
        .await
        .map(|rows| {
            rows.into_iter()
                .map(|r| ToolCallRecord {
                    tool: r.tool,
                    arguments: r.arguments.0,
                    result: r.result.0,
                })
                .collect()
        })
        .unwrap_or_default()
}

pub(super) enum Finish {
    Succeeded(TurnOutput),
    Failed(Failure),
}

/// Ends the job in one statement (reply, status, lease), then announces it.
pub(super) async fn finish(
    ctx: &Context,
    job: &Job,
    user: &UserId,
    finish: Finish,
    events: &mut EventPublisher,
) -> common::Result<Outcome> {
    let (text, tool_calls) = match &finish {
        Finish::Succeeded(out) => (out.text.clone(), out.tool_calls.clone()),
        Finish::Failed(f) => (f.message.clone(), f.tool_calls.clone()),
    };
    let calls_json =
        serde_json::to_value(&tool_calls).map_err(|e| common::Error::Internal(e.into()))?;
    let message_id = Uuid::now_v7();
    let ending = match &finish {
        Finish::Succeeded(_) => db::jobs::Ending::Succeeded,
        Finish::Failed(f) => db::jobs::Ending::Failed {
            code: f.code,
            error: &f.detail,
        },
    };
    let reply = db::messages::NewMessage {
        id: message_id,
        conversation_id: job.conversation_id,
        user_id: user,
        role: Role::Assistant,
        content: &text,
        tool_calls: Some(&calls_json),
        job_id: job.id,
        turn_seq: job.seq,
    };
    let storing = std::time::Instant::now();
    match db::jobs::finish(&ctx.pool, &reply, ending).await {
        Ok(()) => common::metrics::record_stage(common::metrics::TurnStage::Finish, storing),
        Err(e) if db::is_unique_violation(&e) => {
            // Another delivery already answered this job: announce its reply instead.
            release(ctx, job).await;
            if let Some(row) = db::jobs::get(&ctx.pool, job.id).await?
                && let Some(event) = terminal_event(&ctx.pool, &row).await?
            {
                events.publish(&event).await;
            }
            return Ok(Outcome::Done);
        }
        Err(e) => return Err(e),
    }
    announce_release(ctx, job.conversation_id).await;
    let status = match &finish {
        Finish::Succeeded(_) => "succeeded",
        Finish::Failed(f) => f.code,
    };
    metrics::counter!("taskwire_turns_total", "result" => status).increment(1);
    let event = match finish {
        Finish::Succeeded(_) => ChatEvent::Done {
            job_id: job.id,
            message_id,
            response: text,
            tool_calls,
        },
        Finish::Failed(f) => ChatEvent::Error {
            code: f.code.to_owned(),
            message: f.message,
            message_id: Some(message_id),
        },
    };
    events.publish(&event).await;
    Ok(Outcome::Done)
}
