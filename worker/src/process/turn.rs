//! Running a turn: the model's view of the conversation rebuilt from Postgres (a bounded
//! window), the calls an earlier delivery recorded, and the agent.

use common::{
    db,
    domain::{Job, Message, Role, ToolExecution},
    jobs::ChatEvent,
};
use sqlx::{Postgres, pool::PoolConnection};
use tracing::Instrument as _;

use crate::{
    agent::{
        model::ChatMessage,
        runner::{TurnError, TurnInput, TurnOutput},
    },
    events::EventPublisher,
};

use super::Context;

/// Whether the tool-call ledger holds calls of the job, as far as the worker knows.
#[derive(Debug, Clone, Copy)]
pub(super) enum Ledger {
    /// Read when the turn began: `true` if it held calls.
    Known(bool),
    /// Not known: read it.
    Unknown,
}

/// Rebuilds the model's view of the conversation from Postgres (bounded), announces the
/// turn's start and runs the agent; the reads go on `conn` if the caller still holds one.
pub(super) async fn run(
    ctx: &Context,
    conn: Option<PoolConnection<Postgres>>,
    job: &Job,
    ledger: Ledger,
    events: &mut EventPublisher,
) -> Result<TurnOutput, TurnError> {
    // Both reads on one connection: a pooled connection costs a round trip on its way back.
    let reading = std::time::Instant::now();
    let (rows, recorded) = read_history(ctx, conn, job, ledger)
        .instrument(tracing::info_span!("history"))
        .await?;
    common::metrics::record_stage(common::metrics::TurnStage::History, reading);
    events
        .publish(&ChatEvent::Started {
            attempt: job.attempts,
        })
        .await;
    let history = bounded_history(rows, ctx.turn.history_chars);
    ctx.agent
        .run(
            TurnInput {
                job_id: job.id,
                user: &job.user_id,
                history,
                recorded,
                dates: job.date_context(),
                attempt: job.attempts,
            },
            events,
        )
        .await
}

/// The conversation's messages up to this turn's and the calls the ledger holds for the
/// job, both read on `conn` if the caller still holds one. The connection goes back before
/// anything is published: a publish can wait (NATS away, its buffer full), and must not
/// hold a connection other turns need meanwhile.
async fn read_history(
    ctx: &Context,
    conn: Option<PoolConnection<Postgres>>,
    job: &Job,
    ledger: Ledger,
) -> common::Result<(Vec<Message>, Vec<ToolExecution>)> {
    let mut conn = match conn {
        Some(conn) => conn,
        None => ctx.pool.acquire().await?,
    };
    let rows = db::messages::history(
        &mut *conn,
        job.conversation_id,
        job.seq,
        ctx.turn.history_messages,
    )
    .await?;
    let recorded = match ledger {
        Ledger::Known(false) => Vec::new(),
        Ledger::Known(true) | Ledger::Unknown => {
            db::tool_executions::for_job(&mut *conn, job.id).await?
        }
    };
    Ok((rows, recorded))
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

#[cfg(test)]
mod tests {
    use uuid::Uuid;

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
            created_at: chrono::Utc::now(),
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
}
