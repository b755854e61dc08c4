//! Running the model's tool calls through the ledger: each call's effect and its record
//! commit in one transaction, and a call already recorded for this job is replayed, not run.

use chrono::{DateTime, Utc};
use common::{
    db,
    domain::{ToolExecution, UserId},
    tools::{self, ToolOutcome},
};
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use super::model::{ToolCall, ToolSpec};

/// The tools offered to the model, built once per process.
pub fn tool_specs() -> std::sync::Arc<[ToolSpec]> {
    static SPECS: std::sync::LazyLock<std::sync::Arc<[ToolSpec]>> =
        std::sync::LazyLock::new(|| tools::specs().into());
    SPECS.clone()
}

/// The model's arguments as JSON: the parsed object, or the raw text as a JSON string when
/// it is not valid JSON (so the ledger and the events still show what the model sent).
pub fn arguments_json(raw: &str) -> Value {
    serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_owned()))
}

/// Where a call sits in its job.
#[derive(Debug, Clone, Copy)]
pub struct CallSlot<'a> {
    pub job_id: Uuid,
    pub user: &'a UserId,
    pub step: i32,
    pub position: i32,
}

/// Runs `call` for the job's user, recording it; replays the recorded result if this call
/// already ran (a redelivered job, or a delivery racing another).
pub async fn run(
    pool: &PgPool,
    slot: CallSlot<'_>,
    call: &ToolCall,
    now: DateTime<Utc>,
) -> common::Result<ToolOutcome> {
    // No lookup first: a call that already ran was replayed from the ledger when the turn
    // started, and one recorded meanwhile by a racing delivery makes the insert below fail,
    // which rolls this run's effect back. That saves a round trip on every call.
    let mut tx = pool.begin().await?;
    let outcome = tools::execute(&mut tx, slot.user, &call.name, &call.arguments, now).await?;
    let ok = if outcome.ok { "true" } else { "false" };
    metrics::counter!("taskwire_tool_calls_total", "tool" => tool_label(&call.name), "ok" => ok)
        .increment(1);
    let record = ToolExecution {
        job_id: slot.job_id,
        call_id: call.id.clone(),
        step: slot.step,
        position: slot.position,
        tool: call.name.clone(),
        arguments: sqlx::types::Json(arguments_json(&call.arguments)),
        ok: outcome.ok,
        result: sqlx::types::Json(outcome.result.clone()),
    };
    match db::tool_executions::record(&mut *tx, &record).await {
        Ok(()) => {
            tx.commit().await?;
            Ok(outcome)
        }
        Err(e) if db::is_unique_violation(&e) => {
            // Another delivery recorded this call first: undo ours, use theirs.
            tx.rollback().await?;
            let recorded = db::tool_executions::get(pool, slot.job_id, &call.id)
                .await?
                .ok_or_else(|| {
                    common::Error::Internal(anyhow::anyhow!("recorded call vanished"))
                })?;
            Ok(replayed(recorded))
        }
        Err(e) => Err(e),
    }
}

/// The tool name as a metric label: one of the five, or `unknown` (a model can make up any
/// name, which must not become a label value).
fn tool_label(name: &str) -> &'static str {
    tools::TOOL_NAMES
        .iter()
        .find(|known| **known == name)
        .copied()
        .unwrap_or("unknown")
}

fn replayed(recorded: ToolExecution) -> ToolOutcome {
    ToolOutcome {
        ok: recorded.ok,
        result: recorded.result.0,
    }
}
