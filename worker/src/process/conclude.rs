//! Concluding a delivery: what the turn's result means for the job (an ending, or a retry
//! when the failure is worth retrying), and the ending itself: the reply (or the message
//! telling the user what went wrong), the status and the lease in one statement, then the
//! `done` or `error` event.

use common::{
    db::{
        self,
        jobs::{Ending, Finished},
    },
    domain::{Job, Role},
    ending::{Failure, terminal_event},
    jobs::{ChatEvent, MAX_DELIVER, ToolCallRecord},
    metrics::{TurnStage, record_stage},
};
use tokio::time::error::Elapsed;
use uuid::Uuid;

use super::{
    Context, Outcome, backoff,
    lease::{announce_release, release},
};
use crate::{
    agent::{
        model::ModelError,
        runner::{TurnEnd, TurnError, TurnOutput},
    },
    events::EventPublisher,
};

/// How the turn of a job ends.
enum Conclusion {
    Succeeded(TurnOutput),
    Failed {
        failure: Failure,
        /// The reason recorded on the job.
        detail: String,
        /// The calls the turn made (the user is told what they changed).
        tool_calls: Vec<ToolCallRecord>,
    },
}

/// Concludes delivery `delivered` of `job` after its turn gave `result` (or ran out of time):
/// ends the job, or hands it back for a retry.
pub(super) async fn conclude(
    ctx: &Context,
    job: &Job,
    result: Result<Result<TurnOutput, TurnError>, Elapsed>,
    delivered: i64,
    events: &mut EventPublisher,
) -> Outcome {
    let last_delivery = delivered >= MAX_DELIVER;
    let failed = |failure: Failure, detail: String, tool_calls| Conclusion::Failed {
        failure,
        detail,
        tool_calls,
    };
    let conclusion = match result {
        Ok(Ok(output)) if output.end == TurnEnd::Answered => Conclusion::Succeeded(output),
        Ok(Ok(output)) => failed(
            Failure::StepLimit,
            Failure::StepLimit.detail().to_owned(),
            output.tool_calls,
        ),
        Ok(Err(TurnError::Model(ModelError::Transient {
            message,
            retry_after,
        }))) if !last_delivery => {
            tracing::warn!(job_id = %job.id, %message, delivered, "model unavailable; retrying later");
            release(ctx, job).await;
            let delay = backoff(ctx.turn.retry_backoff, delivered, retry_after);
            return Outcome::Retry(delay);
        }
        Ok(Err(TurnError::Database(common::Error::Superseded))) => return Outcome::Superseded,
        Ok(Err(TurnError::Database(e)))
            if (!last_delivery && !matches!(e, common::Error::Unstorable(_)))
                || matches!(e, common::Error::Unavailable(_)) =>
        {
            release(ctx, job).await;
            return ctx.retry(delivered, &e);
        }
        Ok(Err(TurnError::Model(e))) => {
            tracing::warn!(job_id = %job.id, error = %e, "model failed; failing the turn");
            let failure = match e {
                ModelError::Transient { .. } => Failure::ModelUnavailable,
                ModelError::Permanent(_) => Failure::ModelRefused,
            };
            failed(failure, e.to_string(), recorded_calls(ctx, job.id).await)
        }
        Ok(Err(TurnError::Database(e))) => {
            tracing::error!(job_id = %job.id, error = %e, "turn failed on its last delivery");
            let failure = Failure::Internal;
            failed(
                failure,
                failure.detail().to_owned(),
                recorded_calls(ctx, job.id).await,
            )
        }
        Err(_elapsed) => {
            tracing::warn!(job_id = %job.id, timeout = ?ctx.turn.timeout, "turn timed out");
            let failure = Failure::Timeout;
            failed(
                failure,
                failure.detail().to_owned(),
                recorded_calls(ctx, job.id).await,
            )
        }
    };
    match finish(ctx, job, conclusion, events).await {
        Ok(outcome) => outcome,
        // The reply itself cannot be stored: no delivery will store it. End the job with the
        // failure reply instead (its words are Taskwire's, not the model's).
        Err(common::Error::Unstorable(why)) => {
            tracing::error!(job_id = %job.id, %why, "the reply cannot be stored; failing the turn");
            let failure = Failure::Internal;
            let fallback = failed(failure, why, recorded_calls(ctx, job.id).await);
            match finish(ctx, job, fallback, events).await {
                Ok(outcome) => outcome,
                Err(e) => give_back(ctx, job, delivered, &e).await,
            }
        }
        Err(e) => give_back(ctx, job, delivered, &e).await,
    }
}

/// The ending could not be stored: the job goes back for a later delivery, its turn lease
/// released now (so the conversation's next turn is not held up meanwhile).
async fn give_back(ctx: &Context, job: &Job, delivered: i64, e: &common::Error) -> Outcome {
    release(ctx, job).await;
    ctx.retry(delivered, e)
}

/// The calls the ledger holds for `job_id` (none if it cannot be read).
async fn recorded_calls(ctx: &Context, job_id: Uuid) -> Vec<ToolCallRecord> {
    db::tool_executions::records_for_job(&ctx.pool, job_id)
        .await
        .unwrap_or_default()
}

/// Ends the job in one statement (reply, status, lease), then announces it.
async fn finish(
    ctx: &Context,
    job: &Job,
    conclusion: Conclusion,
    events: &mut EventPublisher,
) -> common::Result<Outcome> {
    let (text, tool_calls, ending) = match &conclusion {
        Conclusion::Succeeded(out) => (out.text.clone(), &out.tool_calls, Ending::Succeeded),
        Conclusion::Failed {
            failure,
            detail,
            tool_calls,
        } => (
            failure.reply(tool_calls),
            tool_calls,
            Ending::Failed {
                code: failure.code(),
                error: detail,
            },
        ),
    };
    let calls_json =
        serde_json::to_value(tool_calls).map_err(|e| common::Error::Internal(e.into()))?;
    let reply = db::messages::NewMessage {
        id: Uuid::now_v7(),
        conversation_id: job.conversation_id,
        user_id: &job.user_id,
        role: Role::Assistant,
        content: &text,
        tool_calls: Some(&calls_json),
        job_id: job.id,
        turn_seq: job.seq,
    };
    let storing = std::time::Instant::now();
    match db::jobs::finish(&ctx.pool, &reply, ending).await? {
        Finished::Stored => record_stage(TurnStage::Finish, storing),
        Finished::AlreadyAnswered => {
            // Another delivery already answered this job: announce its reply instead.
            release(ctx, job).await;
            if let Some(row) = db::jobs::get(&ctx.pool, job.id).await?
                && let Some(event) = terminal_event(&ctx.pool, &row).await?
            {
                events.publish(&event).await;
            }
            return Ok(Outcome::Done);
        }
    }
    announce_release(ctx, job.conversation_id).await;
    let message_id = reply.id;
    let (result, event) = match conclusion {
        Conclusion::Succeeded(out) => (
            "succeeded",
            ChatEvent::Done {
                job_id: job.id,
                message_id,
                response: text,
                tool_calls: out.tool_calls,
            },
        ),
        Conclusion::Failed { failure, .. } => (
            failure.code(),
            ChatEvent::Error {
                code: failure.code().to_owned(),
                message: text,
                message_id: Some(message_id),
            },
        ),
    };
    metrics::counter!("taskwire_turns_total", "result" => result).increment(1);
    tracing::info!(result, message_id = %message_id, "turn concluded");
    events.publish(&event).await;
    Ok(Outcome::Done)
}
