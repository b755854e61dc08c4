//! `/api/{user_id}/jobs/{job_id}`: a chat job's status, and its events replayed as SSE.

use common::{db, domain::task::history::UndoReport};
use poem_openapi::{
    Object, OpenApi,
    param::{Header, Path},
    payload::Json,
};
use sqlx::PgPool;
use uuid::Uuid;

use super::{
    ApiTags,
    sse::{self, SseResponse},
};
use crate::{auth::BearerAuth, error::ApiError, limits::StreamSlots, nats::Nats};

/// The job endpoints.
pub struct JobsApi {
    pub pool: PgPool,
    pub nats: Nats,
    /// The user's open event streams.
    pub streams: std::sync::Arc<StreamSlots>,
}

/// Why a job failed.
#[derive(Debug, Object)]
pub struct JobError {
    pub code: String,
    pub message: String,
}

/// What an undo did to one task.
#[derive(Debug, Object)]
pub struct UndoItemOut {
    pub task_id: i64,
    pub title: String,
    /// `removed` (an added task), `restored` (a deleted one, with its id and fields),
    /// `reverted` (an edit or a completion), or `changed_since`: the task changed after the
    /// job, so it was left as it is.
    pub result: String,
}

/// What an undo did: each task the job changed, newest change first.
#[derive(Debug, Object)]
pub struct UndoOut {
    pub undone_job_id: Uuid,
    pub items: Vec<UndoItemOut>,
}

impl From<UndoReport> for UndoOut {
    fn from(report: UndoReport) -> Self {
        Self {
            undone_job_id: report.undone_job_id,
            items: report
                .items
                .into_iter()
                .map(|item| UndoItemOut {
                    task_id: item.task_id,
                    title: item.title,
                    result: item.result.as_str().to_owned(),
                })
                .collect(),
        }
    }
}

/// A chat job's state.
#[derive(Debug, Object)]
pub struct JobOut {
    pub job_id: Uuid,
    pub conversation_id: Uuid,
    /// queued, running, succeeded or failed.
    pub status: String,
    /// Deliveries started so far.
    pub attempts: i32,
    #[oai(skip_serializing_if_is_none)]
    pub error: Option<JobError>,
    /// The assistant message, once written.
    #[oai(skip_serializing_if_is_none)]
    pub message_id: Option<Uuid>,
}

#[OpenApi(prefix_path = "/api", tag = "ApiTags::Chat")]
impl JobsApi {
    /// Job status
    #[oai(
        path = "/:user_id/jobs/:job_id",
        method = "get",
        operation_id = "get_job"
    )]
    async fn get(
        &self,
        auth: BearerAuth,
        user_id: Path<String>,
        job_id: Path<Uuid>,
    ) -> Result<Json<JobOut>, ApiError> {
        let user = auth.require(&user_id)?;
        let job = db::jobs::get_for_user(&self.pool, user, job_id.0).await?;
        let reply = if job.status.is_final() {
            db::messages::reply_to(&self.pool, job.id).await?
        } else {
            None
        };
        Ok(Json(JobOut {
            job_id: job.id,
            conversation_id: job.conversation_id,
            status: job.status.as_str().to_owned(),
            attempts: job.attempts,
            error: job.error_code.map(|code| JobError {
                code,
                message: job.error.unwrap_or_default(),
            }),
            message_id: reply.map(|r| r.id),
        }))
    }

    /// Undo a turn
    ///
    /// Reverts every change the job's tool calls made, newest first: added tasks are removed,
    /// deleted ones come back with their ids and fields, edits and completions are reversed.
    /// A task that changed after the job is left alone (`changed_since`). Undoing a job again
    /// does nothing more (its items are empty). 409 while the job runs.
    #[oai(
        path = "/:user_id/jobs/:job_id/undo",
        method = "post",
        operation_id = "undo_job"
    )]
    async fn undo(
        &self,
        auth: BearerAuth,
        user_id: Path<String>,
        job_id: Path<Uuid>,
    ) -> Result<Json<UndoOut>, ApiError> {
        let user = auth.require(&user_id)?;
        let job = db::jobs::get_for_user(&self.pool, user, job_id.0).await?;
        if !job.status.is_final() {
            return Err(ApiError::conflict(
                "the turn is still running: undo it once it has answered",
            ));
        }
        let report = db::task_changes::undo_job(&self.pool, user, job.id).await?;
        Ok(Json(report.into()))
    }

    /// Job events (SSE)
    ///
    /// Replays the job's events from the start, or after `Last-Event-ID`, and follows them
    /// live until `done` or `error`. Any gateway can serve it. `Last-Event-ID` is the `id` of
    /// the last event received; at most 2^53 − 1 (JavaScript's largest exact integer).
    #[oai(
        path = "/:user_id/jobs/:job_id/events",
        method = "get",
        operation_id = "job_events"
    )]
    async fn events(
        &self,
        auth: BearerAuth,
        user_id: Path<String>,
        job_id: Path<Uuid>,
        #[oai(name = "Last-Event-ID", validator(maximum(value = "9007199254740991")))]
        last_event_id: Header<Option<u64>>,
    ) -> Result<SseResponse, ApiError> {
        let user = auth.require(&user_id)?;
        let job = db::jobs::get_for_user(&self.pool, user, job_id.0).await?;
        crate::middleware::record_turn(job.conversation_id, job.id);
        let slot = self.streams.take(user.as_str())?;
        let accepted = match last_event_id.0 {
            Some(_) => None,
            None => Some(common::jobs::ChatEvent::Accepted {
                conversation_id: job.conversation_id,
                job_id: job.id,
                message_id: job.user_message_id,
            }),
        };
        let follow = sse::Follow::Stream {
            after: last_event_id.0,
        };
        let services = (&self.pool, &self.nats);
        Ok(sse::job_stream(services, &job, accepted, follow, slot).await)
    }
}
