//! One job, start to end: the step function the runtime loop calls for each delivery.
//!
//! `process` takes the conversation's turn lease (turns run one at a time, in arrival
//! order), runs the agent within the turn's deadline, and ends the job in one transaction
//! (reply + status), or asks for a retry when the failure is worth retrying.

use std::time::Duration;

use async_nats::jetstream;
use chrono::Utc;
use common::{
    db::{self, conversations::TurnLease},
    domain::{Job, Role, UserId},
    jobs::{ChatEvent, ChatJob, MAX_DELIVER, ToolCallRecord, terminal_event},
};
use sqlx::PgPool;
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::{
    agent::{
        model::{ChatMessage, ModelError},
        runner::{Agent, TurnEnd, TurnError, TurnInput, TurnOutput},
    },
    config::TurnConfig,
    events::EventPublisher,
    runtime::AbortOnDrop,
};

/// Subject on which a worker announces that a conversation's turn is free.
pub fn turn_released_subject(conversation_id: Uuid) -> String {
    format!("chat.turns.{conversation_id}")
}

/// What the worker needs to process jobs.
pub struct Context {
    pub pool: PgPool,
    pub nats: async_nats::Client,
    pub js: jetstream::Context,
    pub agent: Agent,
    pub turn: TurnConfig,
    /// This worker's name, recorded on the jobs it takes.
    pub worker_id: String,
    /// The consumer's ack wait (heartbeats go every third of it).
    pub ack_wait: Duration,
    /// Conversations whose turn was just released (fed by a NATS subscription).
    pub turn_released: broadcast::Sender<Uuid>,
}

/// What to do with the JetStream message after `process`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The job ended (or needs nothing more): ack.
    Done,
    /// Try again after the delay: nak with that delay.
    Retry(Duration),
    /// The message itself is unusable: terminate it.
    Poison(String),
    /// Postgres is unreachable: keep the message (heartbeats go on) and process it again
    /// after the delay, rather than spend a delivery on an outage.
    DatabaseDown(Duration),
}

/// Delay before redelivery `delivered + 1`: `base` doubled per delivery, capped at a
/// minute, or what the model asked for.
fn backoff(base: Duration, delivered: i64, retry_after: Option<Duration>) -> Duration {
    let exponential = base.saturating_mul(1u32 << delivered.clamp(0, 10) as u32);
    retry_after
        .unwrap_or(exponential)
        .min(Duration::from_secs(60))
}

impl Context {
    fn retry(&self, delivered: i64, err: &common::Error) -> Outcome {
        tracing::warn!(error = %err, delivered, "job will be retried");
        match err {
            common::Error::Unavailable(_) => {
                Outcome::DatabaseDown(self.turn.retry_backoff.max(Duration::from_millis(200)))
            }
            _ => Outcome::Retry(backoff(self.turn.retry_backoff, delivered, None)),
        }
    }
}

/// Processes one delivery of `job`; `delivered` counts deliveries including this one.
pub async fn process(ctx: &Context, job: &ChatJob, delivered: i64) -> Outcome {
    if job.version != ChatJob::VERSION {
        return Outcome::Poison(format!("unknown job version {}", job.version));
    }
    let row = match db::jobs::start_attempt(&ctx.pool, job.job_id, &ctx.worker_id).await {
        Ok(Some(row)) => row,
        // Its conversation was deleted while it waited: nothing to answer.
        Ok(None) => return Outcome::Done,
        Err(e) => return ctx.retry(delivered, &e),
    };
    if row.user_id != job.user_id || row.conversation_id != job.conversation_id {
        return Outcome::Poison("job message does not match the stored job".to_owned());
    }
    if row.status.is_final() {
        // Finished by an earlier delivery whose ack (or `done`) was lost: announce it again.
        return match terminal_event(&ctx.pool, &row).await {
            Ok(Some(event)) => {
                EventPublisher::new(ctx.js.clone(), row.id, row.attempts)
                    .publish(&event)
                    .await;
                Outcome::Done
            }
            Ok(None) => Outcome::Done,
            Err(e) => ctx.retry(delivered, &e),
        };
    }
    match wait_for_turn(ctx, &row).await {
        Ok(TurnLease::Acquired) => {}
        Ok(TurnLease::Gone) => return Outcome::Done,
        Ok(TurnLease::Busy) => return Outcome::Retry(Duration::from_secs(5)),
        Err(e) => return ctx.retry(delivered, &e),
    }
    let user = match UserId::parse(row.user_id.clone()) {
        Ok(user) => user,
        Err(e) => return Outcome::Poison(format!("stored job has an invalid user: {e}")),
    };
    let renewing = AbortOnDrop(tokio::spawn(renew_lease(
        ctx.pool.clone(),
        row.clone(),
        ctx.turn.lease,
    )));
    let mut events = EventPublisher::new(ctx.js.clone(), row.id, row.attempts);
    events
        .publish(&ChatEvent::Started {
            attempt: row.attempts,
        })
        .await;
    let result =
        tokio::time::timeout(ctx.turn.timeout, run_turn(ctx, &row, &user, &mut events)).await;
    drop(renewing);

    let last_delivery = delivered >= MAX_DELIVER;
    let outcome = match result {
        Ok(Ok(output)) if output.end == TurnEnd::Answered => {
            finish(ctx, &row, &user, Finish::Succeeded(output), &mut events).await
        }
        Ok(Ok(output)) => {
            finish(
                ctx,
                &row,
                &user,
                Finish::Failed(Failure::step_limit(output)),
                &mut events,
            )
            .await
        }
        Ok(Err(TurnError::Model(ModelError::Transient {
            message,
            retry_after,
        }))) if !last_delivery => {
            tracing::warn!(job_id = %row.id, %message, delivered, "model unavailable; retrying later");
            release(ctx, &row).await;
            Ok(Outcome::Retry(backoff(
                ctx.turn.retry_backoff,
                delivered,
                retry_after,
            )))
        }
        Ok(Err(TurnError::Database(e)))
            if !last_delivery || matches!(e, common::Error::Unavailable(_)) =>
        {
            release(ctx, &row).await;
            Ok(ctx.retry(delivered, &e))
        }
        Ok(Err(TurnError::Model(e))) => {
            tracing::warn!(job_id = %row.id, error = %e, "model failed; failing the turn");
            let failure = Failure::model(&e, recorded_calls(ctx, row.id).await);
            finish(ctx, &row, &user, Finish::Failed(failure), &mut events).await
        }
        Ok(Err(TurnError::Database(e))) => {
            tracing::error!(job_id = %row.id, error = %e, "turn failed on its last delivery");
            let failure = Failure::internal(recorded_calls(ctx, row.id).await);
            finish(ctx, &row, &user, Finish::Failed(failure), &mut events).await
        }
        Err(_elapsed) => {
            tracing::warn!(job_id = %row.id, timeout = ?ctx.turn.timeout, "turn timed out");
            let failure = Failure::timeout(recorded_calls(ctx, row.id).await);
            finish(ctx, &row, &user, Finish::Failed(failure), &mut events).await
        }
    };
    outcome.unwrap_or_else(|e| ctx.retry(delivered, &e))
}

/// Waits (bounded) until every earlier turn of the conversation has ended and takes its
/// lease. Woken by other workers' release announcements; polls once a second in case one
/// was missed or a dead worker's lease has to expire.
async fn wait_for_turn(ctx: &Context, job: &Job) -> common::Result<TurnLease> {
    let mut released = ctx.turn_released.subscribe();
    let deadline = tokio::time::Instant::now() + ctx.turn.timeout * 3;
    loop {
        match db::conversations::try_acquire_turn(
            &ctx.pool,
            job.conversation_id,
            job.id,
            job.seq,
            ctx.turn.lease,
        )
        .await?
        {
            TurnLease::Busy if tokio::time::Instant::now() < deadline => {}
            other => return Ok(other),
        }
        let wake = async {
            loop {
                match released.recv().await {
                    Ok(id) if id == job.conversation_id => return,
                    Ok(_) => continue,
                    Err(broadcast::error::RecvError::Lagged(_)) => return,
                    Err(broadcast::error::RecvError::Closed) => std::future::pending::<()>().await,
                }
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(1), wake).await;
    }
}

async fn renew_lease(pool: PgPool, job: Job, lease: Duration) {
    let mut tick = tokio::time::interval(lease / 3);
    tick.tick().await;
    loop {
        tick.tick().await;
        if let Err(e) =
            db::conversations::renew_turn(&pool, job.conversation_id, job.id, lease).await
        {
            tracing::warn!(job_id = %job.id, error = %e, "cannot renew the turn lease");
        }
    }
}

async fn release(ctx: &Context, job: &Job) {
    match db::conversations::release_turn(&ctx.pool, job.conversation_id, job.id).await {
        Ok(()) => announce_release(ctx, job.conversation_id).await,
        Err(e) => {
            tracing::warn!(job_id = %job.id, error = %e, "cannot release the turn lease; it will expire")
        }
    }
}

async fn announce_release(ctx: &Context, conversation_id: Uuid) {
    if let Err(e) = ctx
        .nats
        .publish(turn_released_subject(conversation_id), bytes::Bytes::new())
        .await
    {
        tracing::debug!(error = %e, "turn release not announced; waiters poll");
    }
}

/// Rebuilds the model's view of the conversation from Postgres (bounded) and runs the agent.
async fn run_turn(
    ctx: &Context,
    job: &Job,
    user: &UserId,
    events: &mut EventPublisher,
) -> Result<TurnOutput, TurnError> {
    let rows = db::messages::history(
        &ctx.pool,
        job.conversation_id,
        job.seq,
        ctx.turn.history_messages,
    )
    .await?;
    let history = bounded_history(rows, ctx.turn.history_chars);
    ctx.agent
        .run(
            TurnInput {
                job_id: job.id,
                user,
                history,
                now: Utc::now(),
            },
            events,
        )
        .await
}

/// The history as model messages, dropping the oldest until it fits in `max_chars`; the
/// last message (this turn's) is always kept.
pub fn bounded_history(rows: Vec<common::domain::Message>, max_chars: usize) -> Vec<ChatMessage> {
    let mut budget = max_chars;
    let mut kept = Vec::new();
    for (i, row) in rows.into_iter().rev().enumerate() {
        let len = row.content.chars().count();
        if i > 0 && len > budget {
            break;
        }
        budget = budget.saturating_sub(len);
        kept.push(match row.role {
            Role::User => ChatMessage::User(row.content),
            Role::Assistant => ChatMessage::Assistant {
                content: Some(row.content),
                tool_calls: Vec::new(),
            },
        });
    }
    kept.reverse();
    kept
}

/// Why a turn failed, and what the user is told.
struct Failure {
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
    fn model(err: &ModelError, tool_calls: Vec<ToolCallRecord>) -> Self {
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

    fn timeout(tool_calls: Vec<ToolCallRecord>) -> Self {
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

    fn step_limit(output: TurnOutput) -> Self {
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

    fn internal(tool_calls: Vec<ToolCallRecord>) -> Self {
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

async fn recorded_calls(ctx: &Context, job_id: Uuid) -> Vec<ToolCallRecord> {
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

enum Finish {
    Succeeded(TurnOutput),
    Failed(Failure),
}

/// Ends the job in one transaction (reply, status, lease), then announces it.
async fn finish(
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
    let mut tx = ctx.pool.begin().await?;
    let inserted = db::messages::insert(
        &mut *tx,
        &db::messages::NewMessage {
            id: message_id,
            conversation_id: job.conversation_id,
            user_id: user,
            role: Role::Assistant,
            content: &text,
            tool_calls: Some(&calls_json),
            job_id: job.id,
            turn_seq: job.seq,
        },
    )
    .await;
    match inserted {
        Ok(_) => {}
        Err(e) if db::is_unique_violation(&e) => {
            // Another delivery already answered this job: announce its reply instead.
            tx.rollback().await?;
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
    match &finish {
        Finish::Succeeded(_) => db::jobs::succeed(&mut *tx, job.id).await?,
        Finish::Failed(f) => db::jobs::fail(&mut *tx, job.id, f.code, &f.detail).await?,
    }
    db::conversations::release_turn(&mut *tx, job.conversation_id, job.id).await?;
    tx.commit().await?;
    announce_release(ctx, job.conversation_id).await;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn message(role: Role, content: &str) -> common::domain::Message {
        common::domain::Message {
            id: Uuid::now_v7(),
            conversation_id: Uuid::nil(),
            role,
            content: content.to_owned(),
            tool_calls: None,
            job_id: Uuid::nil(),
            turn_seq: 1,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn history_keeps_the_newest_messages_within_the_budget() {
        let rows = vec![
            message(Role::User, &"a".repeat(50)),
            message(Role::Assistant, &"b".repeat(50)),
            message(Role::User, &"c".repeat(30)),
        ];
        let kept = bounded_history(rows, 90);
        assert_eq!(kept.len(), 2, "the oldest message does not fit");
        assert_eq!(kept[1], ChatMessage::User("c".repeat(30)));
    }

    #[test]
    fn the_current_message_is_kept_even_when_alone_over_budget() {
        let kept = bounded_history(vec![message(Role::User, &"x".repeat(100))], 10);
        assert_eq!(kept.len(), 1);
    }

    #[test]
    fn backoff_grows_and_honours_retry_after() {
        let base = Duration::from_secs(1);
        assert_eq!(backoff(base, 1, None), Duration::from_secs(2));
        assert_eq!(backoff(base, 3, None), Duration::from_secs(8));
        assert_eq!(backoff(base, 20, None), Duration::from_secs(60));
        assert_eq!(
            backoff(base, 1, Some(Duration::from_secs(7))),
            Duration::from_secs(7)
        );
        assert_eq!(
            backoff(Duration::from_millis(50), 2, None),
            Duration::from_millis(200)
        );
    }
}
