//! The change log of tasks (`task_changes`): written by a trigger in the statement of each
//! change (see [`Origin`]); read here as a task's history.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::{PgExecutor, Postgres, QueryBuilder, types::Json};
use uuid::Uuid;

use crate::{
    Error, Result,
    domain::{
        UserId,
        task::history::{TaskChange, TaskState, UndoReport},
    },
};

/// What makes a change to a task: its history names it, and an undo finds a turn's changes by
/// it. Every statement that changes tasks declares it (`taskwire_origin`, see the migration
/// `task_changes`), and a trigger records the change with it in the same statement.
#[derive(Debug, Clone, Copy)]
pub enum Origin<'a> {
    /// The REST API.
    Rest,
    /// An MCP client's tool call.
    Mcp,
    /// A tool call of a chat turn.
    Chat { job_id: Uuid, call_id: &'a str },
}

impl Origin<'_> {
    /// The origin as `taskwire_origin` takes it.
    pub fn json(&self) -> Value {
        match self {
            Origin::Rest => json!({"source": "rest"}),
            Origin::Mcp => json!({"source": "mcp"}),
            Origin::Chat { job_id, call_id } => {
                json!({"source": "chat", "job_id": job_id, "call_id": call_id})
            }
        }
    }
}

/// ` and taskwire_origin(…)`: the condition by which a statement declares its `origin`.
pub(crate) fn push_origin(query: &mut QueryBuilder<Postgres>, origin: &Origin<'_>) {
    query
        .push(" and taskwire_origin(")
        .push_bind(sqlx::types::Json(origin.json()))
        .push(")");
}

#[derive(sqlx::FromRow)]
struct ChangeRow {
    id: i64,
    task_id: i64,
    at: DateTime<Utc>,
    action: String,
    source: String,
    job_id: Option<Uuid>,
    conversation_id: Option<Uuid>,
    before: Option<Json<TaskState>>,
    after: Option<Json<TaskState>>,
    undone: bool,
    undo_of: Option<Uuid>,
    total: i64,
}

impl From<ChangeRow> for TaskChange {
    fn from(row: ChangeRow) -> Self {
        Self {
            id: row.id,
            task_id: row.task_id,
            at: row.at,
            action: row.action,
            source: row.source.into(),
            job_id: row.job_id,
            conversation_id: row.conversation_id,
            before: row.before.map(|state| state.0),
            after: row.after.map(|state| state.0),
            undone: row.undone,
            undo_of: row.undo_of,
        }
    }
}

/// A page of `user`'s task `task_id`'s changes, oldest first, and how many there are;
/// [`Error::NotFound`] when the user has no such task and never had.
pub async fn for_task(
    db: impl PgExecutor<'_> + Copy,
    user: &UserId,
    task_id: i64,
    limit: i64,
    offset: i64,
) -> Result<(Vec<TaskChange>, i64)> {
    let rows: Vec<ChangeRow> = sqlx::query_as(
        "select c.id, c.task_id, c.at, task_change_action(c.before, c.after) as action, c.source, c.job_id, j.conversation_id, c.before, c.after,
                c.undone_by is not null as undone, c.undo_of, count(*) over () as total
         from task_changes c
         left join chat_jobs j on j.id = c.job_id and j.user_id = c.user_id
         where c.user_id = $1 and c.task_id = $2
         order by c.id
         limit $3 offset $4",
    )
    .bind(user.as_str())
    .bind(task_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await?;
    let Some(total) = rows.first().map(|row| row.total) else {
        // Past the last page, a task from before changes were recorded, or no task at all.
        let (total, has_task): (i64, bool) = sqlx::query_as(
            "select (select count(*) from task_changes where user_id = $1 and task_id = $2),
                    exists (select from tasks where user_id = $1 and id = $2)",
        )
        .bind(user.as_str())
        .bind(task_id)
        .fetch_one(db)
        .await?;
        return if total > 0 || has_task {
            Ok((Vec::new(), total))
        } else {
            Err(Error::NotFound("task"))
        };
    };
    Ok((rows.into_iter().map(TaskChange::from).collect(), total))
}

/// Reverts every change `job_id` (a job of `user`'s) made that an undo has not reverted yet,
/// newest first, in one statement; changes of tasks that changed since are left alone. The
/// reverting changes are recorded as the REST API's, undoing that job.
pub async fn undo_job(db: impl PgExecutor<'_>, user: &UserId, job_id: Uuid) -> Result<UndoReport> {
    let report: Json<UndoReport> = sqlx::query_scalar(
        "select taskwire_undo($1, $2, $3, jsonb_build_object('source', 'rest'))",
    )
    .bind(user.as_str())
    .bind(job_id)
    .bind(Uuid::now_v7())
    .fetch_one(db)
    .await?;
    Ok(report.0)
}
