//! The tool-call ledger: each executed call with its result, written in the transaction of
//! its effect, so a redelivered job replays results instead of repeating effects.

use sqlx::PgExecutor;
use uuid::Uuid;

use crate::{Result, domain::ToolExecution};

/// Every recorded call of `job_id`, in the order they ran.
pub async fn for_job(db: impl PgExecutor<'_>, job_id: Uuid) -> Result<Vec<ToolExecution>> {
    Ok(sqlx::query_as::<_, ToolExecution>(
        "select job_id, call_id, step, position, tool, arguments, ok, result
         from tool_executions where job_id = $1 order by step, position",
    )
    .bind(job_id)
    .fetch_all(db)
    .await?)
}

/// The recorded call `call_id` of `job_id`, if any.
pub async fn get(
    db: impl PgExecutor<'_>,
    job_id: Uuid,
    call_id: &str,
) -> Result<Option<ToolExecution>> {
    Ok(sqlx::query_as::<_, ToolExecution>(
        "select job_id, call_id, step, position, tool, arguments, ok, result
         from tool_executions where job_id = $1 and call_id = $2",
    )
    .bind(job_id)
    .bind(call_id)
    .fetch_optional(db)
    .await?)
}

/// Records a call. Fails with a unique violation if the same call was recorded concurrently
/// (two deliveries racing): the caller's transaction then rolls back its effect.
pub async fn record(db: impl PgExecutor<'_>, execution: &ToolExecution) -> Result<()> {
    sqlx::query(
        "insert into tool_executions (job_id, call_id, step, position, tool, arguments, ok, result)
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(execution.job_id)
    .bind(&execution.call_id)
    .bind(execution.step)
    .bind(execution.position)
    .bind(&execution.tool)
    .bind(&execution.arguments)
    .bind(execution.ok)
    .bind(&execution.result)
    .execute(db)
    .await?;
    Ok(())
}
