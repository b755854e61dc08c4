//! The tool-call ledger: each executed call with its result, written in the statement of its
//! effect ([`crate::tools::execute_recorded`]), so a redelivered job replays results instead
//! of repeating effects.

use sqlx::PgExecutor;
use uuid::Uuid;

use crate::{Result, domain::ToolExecution};

/// The columns of a [`ToolExecution`], in the order the ledger's insert
/// ([`crate::tools::execute_recorded`]) fills them.
macro_rules! tool_execution_columns {
    () => {
        "job_id, call_id, step, position, tool, arguments, ok, result"
    };
}
pub(crate) use tool_execution_columns;

/// The primary key of the ledger: one record per (job, call).
pub const ONE_RECORD_PER_CALL: &str = "tool_executions_pkey";

/// Every recorded call of `job_id`, in the order they ran.
pub async fn for_job(db: impl PgExecutor<'_>, job_id: Uuid) -> Result<Vec<ToolExecution>> {
    Ok(sqlx::query_as::<_, ToolExecution>(concat!(
        "select ",
        tool_execution_columns!(),
        " from tool_executions where job_id = $1 order by step, position"
    ))
    .bind(job_id)
    .fetch_all(db)
    .await?)
}

/// What the calls recorded for `job_id` did, in order, as a reply names them.
pub async fn records_for_job(
    db: impl PgExecutor<'_>,
    job_id: Uuid,
) -> Result<Vec<crate::jobs::ToolCallRecord>> {
    Ok(for_job(db, job_id)
        .await?
        .into_iter()
        .map(|r| crate::jobs::ToolCallRecord {
            tool: r.tool,
            arguments: r.arguments.0,
            result: r.result.0,
        })
        .collect())
}

/// The recorded call `call_id` of `job_id`, if any.
pub async fn get(
    db: impl PgExecutor<'_>,
    job_id: Uuid,
    call_id: &str,
) -> Result<Option<ToolExecution>> {
    Ok(sqlx::query_as::<_, ToolExecution>(concat!(
        "select ",
        tool_execution_columns!(),
        " from tool_executions where job_id = $1 and call_id = $2"
    ))
    .bind(job_id)
    .bind(call_id)
    .fetch_optional(db)
    .await?)
}
