//! Running a chat turn's tool call and recording it in the tool-call ledger, in one
//! statement: the effect and its record commit together, so a redelivered job replays the
//! recorded result instead of repeating the effect.

use serde_json::Value;
use sqlx::{PgExecutor, QueryBuilder};
use uuid::Uuid;

use super::{Caller, ToolOutcome, arguments_json, parse};
use crate::{
    Result,
    db::{
        OnConstraint,
        task_changes::Origin,
        tool_executions::{ONE_RECORD_PER_CALL, tool_execution_columns},
    },
};

/// A call to run and record in the tool-call ledger.
#[derive(Debug, Clone, Copy)]
pub struct LedgerCall<'a> {
    pub job_id: Uuid,
    /// The model's id of the call.
    pub call_id: &'a str,
    /// The agent loop step that made the call, and the call's order within it.
    pub step: i32,
    pub position: i32,
    /// The tool, and the raw JSON arguments the model wrote.
    pub name: &'a str,
    pub arguments: &'a str,
    /// The job's attempt this delivery runs (`chat_jobs.attempts` when it started): the call
    /// runs only while it is the latest ([`crate::Error::Superseded`] otherwise).
    pub attempt: i32,
}

/// What [`execute_recorded`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Recorded {
    /// The call ran (or was refused for its arguments) and is recorded with this result.
    Ran(ToolOutcome),
    /// The ledger already held this call (a delivery racing another): nothing changed.
    AlreadyRecorded,
}

/// Runs `call` for `caller` and records it in the ledger, in one statement: the effect and
/// its record commit together, in one round trip, and the result recorded is the result
/// returned. If the call is already recorded the statement fails as a whole, which undoes
/// its effect.
pub async fn execute_recorded(
    db: impl PgExecutor<'_>,
    caller: Caller<'_>,
    call: &LedgerCall<'_>,
) -> Result<Recorded> {
    let effect = parse(call.name, call.arguments, &caller);
    let mut query = QueryBuilder::new("with effect as (");
    let missing = match &effect {
        Ok(effect) => {
            let origin = Origin::Chat {
                job_id: call.job_id,
                call_id: call.call_id,
            };
            effect.push(&mut query, &caller, &origin);
            effect.missing()
        }
        // Nothing to run: the error is the result.
        Err(outcome) => {
            query.push("select null::jsonb as r where false");
            Some(outcome.clone())
        }
    };
    query.push(concat!(
        ") insert into tool_executions (",
        tool_execution_columns!(),
        ") select "
    ));
    let mut values = query.separated(", ");
    values
        .push_bind(call.job_id)
        .push_bind(call.call_id)
        .push_bind(call.step)
        .push_bind(call.position)
        .push_bind(call.name)
        .push_bind(sqlx::types::Json(arguments_json(call.arguments)))
        .push("exists (select from effect)")
        .push("coalesce((select r from effect), ")
        .push_bind_unseparated(missing.map(|m| sqlx::types::Json(m.result)))
        .push_unseparated(") where taskwire_fence(")
        .push_bind_unseparated(call.job_id)
        .push_unseparated(", ")
        .push_bind_unseparated(call.attempt)
        .push_unseparated(") returning ok, result");
    query
        .build_query_as::<(bool, Value)>()
        .fetch_one(db)
        .await
        .map(|(ok, result)| Recorded::Ran(ToolOutcome { ok, result }))
        .on_constraint(ONE_RECORD_PER_CALL, || Ok(Recorded::AlreadyRecorded))
}
