//! How a job ends when it does not succeed: each failure's code, the reason recorded on the
//! job, and the words the user is told (written here and nowhere else); and the ending event
//! of a finished job, rebuilt from Postgres.

use crate::{
    domain::{Job, JobStatus},
    jobs::{ChatEvent, ToolCallRecord},
};

/// Why a job failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The model could not be reached (after retries), or stayed unavailable.
    ModelUnavailable,
    /// The model refused the request (bad request, authentication).
    ModelRefused,
    /// The turn ran past its deadline.
    Timeout,
    /// The model kept calling tools past the step limit.
    StepLimit,
    /// The turn failed on its last delivery for a reason of ours (the database).
    Internal,
    /// Nobody finished the job before the gateway's deadline.
    Abandoned,
}

impl Failure {
    /// The machine-readable code (`chat_jobs.error_code`, the `error` event's `code`).
    pub fn code(self) -> &'static str {
        match self {
            Self::ModelUnavailable => "model_unavailable",
            Self::ModelRefused => "model_error",
            Self::Timeout => "timeout",
            Self::StepLimit => "step_limit",
            Self::Internal => "internal",
            Self::Abandoned => "abandoned",
        }
    }

    /// The reason recorded on the job when nothing more specific is known.
    pub fn detail(self) -> &'static str {
        match self {
            Self::ModelUnavailable => "the model was unavailable",
            Self::ModelRefused => "the model refused the request",
            Self::Timeout => "the turn exceeded its deadline",
            Self::StepLimit => "the model kept calling tools past the step limit",
            Self::Internal => "the turn failed on its last delivery",
            Self::Abandoned => "the job passed its deadline unfinished",
        }
    }

    /// What the user is told, naming what the turn's tool calls `done` had already changed.
    pub fn reply(self, done: &[ToolCallRecord]) -> String {
        let done = what_was_done(done);
        match self {
            Self::ModelUnavailable => format!(
                "Sorry — I couldn't reach the language model just now, so I couldn't finish that. Please try again in a moment.{done}"
            ),
            Self::ModelRefused => format!(
                "Sorry — the language model refused the request, so I couldn't finish that. Please try again, or rephrase it.{done}"
            ),
            Self::Timeout => {
                format!("Sorry — that took too long, so I stopped.{done} Please try again.")
            }
            Self::StepLimit => format!(
                "Sorry — I got stuck going back and forth and stopped.{done} Could you say it differently?"
            ),
            Self::Internal => format!(
                "Sorry — something went wrong on my side and I couldn't finish that.{done} Please try again."
            ),
            Self::Abandoned if done.is_empty() => {
                "Sorry — I couldn't get to that message in time, so I didn't do it. Please send it again."
                    .to_owned()
            }
            Self::Abandoned => format!(
                "Sorry — I couldn't finish that message in time.{done} Check your list before sending the rest again."
            ),
        }
    }
}

/// " Before that I created “Buy milk”, deleted “Call Bob”." for the calls that changed a
/// task; empty when none did.
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

/// The ending event of a finished job, rebuilt from Postgres: used when a job's events have
/// expired from the event stream, and by a worker that finds its job already finished (its
/// `done` was lost with a crash) and publishes it again. `None` while the job runs.
pub async fn terminal_event(
    db: impl sqlx::PgExecutor<'_>,
    job: &Job,
) -> crate::Result<Option<ChatEvent>> {
    if !job.status.is_final() {
        return Ok(None);
    }
    let reply = crate::db::messages::reply_to(db, job.id).await?;
    Ok(Some(match (job.status, reply) {
        (JobStatus::Succeeded, Some(reply)) => ChatEvent::Done {
            job_id: job.id,
            message_id: reply.id,
            response: reply.content,
            tool_calls: reply
                .tool_calls
                .and_then(|calls| serde_json::from_value::<Vec<ToolCallRecord>>(calls.0).ok())
                .unwrap_or_default(),
        },
        (_, reply) => ChatEvent::Error {
            code: job
                .error_code
                .clone()
                .unwrap_or_else(|| "failed".to_owned()),
            message: reply
                .as_ref()
                .map(|r| r.content.clone())
                .or_else(|| job.error.clone())
                .unwrap_or_else(|| "The turn failed.".to_owned()),
            message_id: reply.map(|r| r.id),
        },
    }))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn call(tool: &str, result: serde_json::Value) -> ToolCallRecord {
        ToolCallRecord {
            tool: tool.to_owned(),
            arguments: json!({}),
            result,
        }
    }

    #[test]
    fn a_failure_names_what_was_already_done_and_only_that() {
        let calls = [
            call("list_tasks", json!([])),
            call(
                "add_task",
                json!({"task_id": 1, "status": "created", "title": "Buy milk"}),
            ),
            call(
                "delete_task",
                json!({"error": "task_not_found", "message": "no"}),
            ),
        ];
        let reply = Failure::Timeout.reply(&calls);
        assert_eq!(
            reply,
            "Sorry — that took too long, so I stopped. Before that I created “Buy milk”. Please try again."
        );
        assert!(!Failure::Abandoned.reply(&[]).contains("Before that"));
    }

    #[test]
    fn every_failure_has_its_own_code() {
        let all = [
            Failure::ModelUnavailable,
            Failure::ModelRefused,
            Failure::Timeout,
            Failure::StepLimit,
            Failure::Internal,
            Failure::Abandoned,
        ];
        let codes: std::collections::HashSet<_> = all.iter().map(|f| f.code()).collect();
        assert_eq!(codes.len(), all.len());
    }
}
