//! Running the model's tool calls through the ledger: each call's effect and its record
//! are one statement, and a call already recorded for this job is replayed, not run.

use common::{
    db,
    domain::ToolExecution,
    tools::{self, Caller, Recorded, ToolOutcome},
};
use sqlx::PgPool;
use uuid::Uuid;

use super::model::{ToolCall, ToolSpec};

/// The tools offered to the model, built once per process.
pub fn tool_specs() -> std::sync::Arc<[ToolSpec]> {
    static SPECS: std::sync::LazyLock<std::sync::Arc<[ToolSpec]>> =
        std::sync::LazyLock::new(|| tools::chat_specs().into());
    SPECS.clone()
}

/// Where a call sits in its job, and whose call it is.
#[derive(Debug, Clone, Copy)]
pub struct CallSlot<'a> {
    pub job_id: Uuid,
    pub caller: Caller<'a>,
    pub step: i32,
    pub position: i32,
    /// The job's attempt this delivery runs: its calls run only while it is the latest.
    pub attempt: i32,
}

/// Runs `call` for the job's user, recording it; replays the recorded result if this call
/// already ran (a redelivered job, or a delivery racing another).
pub async fn run(
    pool: &PgPool,
    slot: CallSlot<'_>,
    call: &ToolCall,
) -> common::Result<ToolOutcome> {
    // No lookup first: a call that already ran was replayed from the ledger when the turn
    // started, and one recorded meanwhile by a racing delivery makes the record fail, which
    // undoes this run's effect (they are one statement). That saves a round trip per call.
    let ledger = tools::LedgerCall {
        job_id: slot.job_id,
        call_id: &call.id,
        step: slot.step,
        position: slot.position,
        name: &call.name,
        arguments: &call.arguments,
        attempt: slot.attempt,
    };
    match tools::execute_recorded(pool, slot.caller, &ledger).await? {
        Recorded::Ran(outcome) => {
            let ok = if outcome.ok { "true" } else { "false" };
            metrics::counter!("taskwire_tool_calls_total", "tool" => tool_label(&call.name), "ok" => ok)
                .increment(1);
            Ok(outcome)
        }
        Recorded::AlreadyRecorded => {
            // Another delivery recorded this call first: use its result.
            let recorded = db::tool_executions::get(pool, slot.job_id, &call.id)
                .await?
                .ok_or_else(|| {
                    common::Error::Internal(anyhow::anyhow!("recorded call vanished"))
                })?;
            Ok(replayed(recorded))
        }
    }
}

/// The tool name as a metric label: one of the chat's tools, or `unknown` (a model can make
/// up any name, which must not become a label value).
fn tool_label(name: &str) -> &'static str {
    tool_specs()
        .iter()
        .map(|spec| spec.name)
        .find(|known| *known == name)
        .unwrap_or("unknown")
}

fn replayed(recorded: ToolExecution) -> ToolOutcome {
    ToolOutcome {
        ok: recorded.ok,
        result: recorded.result.0,
    }
}
