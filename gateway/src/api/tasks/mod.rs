//! `/api/{user_id}/tasks`: the task REST API. The bodies and parameters are in [`body`].

mod body;

pub use body::{Priority, Sort, Status, TaskCreate, TaskOut, TaskUpdate};

use common::{
    db,
    domain::{self, NewTask, TaskFilter, TaskPatch},
};
use poem_openapi::{
    ApiResponse, OpenApi,
    param::{Path, Query},
    payload::Json,
};
use sqlx::PgPool;

use super::{ApiTags, payload::JsonBody};
use crate::{auth::BearerAuth, error::ApiError};

/// The task endpoints.
pub struct TasksApi {
    pub pool: PgPool,
}

#[derive(ApiResponse)]
pub enum ListResponse {
    /// A page of tasks; `X-Total-Count` is the number of tasks matching the filter.
    #[oai(status = 200)]
    Ok(JsonBody<Vec<TaskOut>>, #[oai(header = "X-Total-Count")] i64),
}

#[derive(ApiResponse)]
pub enum CreatedResponse {
    /// The task was created.
    #[oai(status = 201)]
    Created(JsonBody<TaskOut>, #[oai(header = "Location")] String),
}

#[derive(ApiResponse)]
pub enum DeletedResponse {
    /// The task was deleted.
    #[oai(status = 204)]
    Deleted,
}

#[OpenApi(prefix_path = "/api", tag = "ApiTags::Tasks")]
impl TasksApi {
    /// List tasks
    ///
    /// Filters combine; `q` searches title and description, case-insensitively.
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/:user_id/tasks", method = "get", operation_id = "list_tasks")]
    async fn list(
        &self,
        auth: BearerAuth,
        user_id: Path<String>,
        /// `all` (default), `pending` or `completed`.
        status: Query<Option<Status>>,
        priority: Query<Option<Priority>>,
        /// Text to search for.
        q: Query<Option<String>>,
        /// Default `-created_at` (newest first).
        sort: Query<Option<Sort>>,
        /// Page size, 1–100, default 50.
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<i64>>,
        /// Tasks to skip.
        #[oai(validator(minimum(value = "0")))]
        offset: Query<Option<i64>>,
    ) -> Result<ListResponse, ApiError> {
        let user = auth.require(&user_id)?;
        let filter = TaskFilter {
            status: status.0.map(Into::into).unwrap_or_default(),
            priority: priority.0.map(Into::into),
            query: q.0,
            sort: sort.0.map(Into::into).unwrap_or_default(),
            limit: limit.0.unwrap_or(domain::task::LIST_LIMIT_DEFAULT),
            offset: offset.0.unwrap_or(0),
        }
        .validated()?;
        let mut conn = self.pool.acquire().await.map_err(common::Error::from)?;
        let page = db::tasks::list(&mut conn, user, &filter).await?;
        Ok(ListResponse::Ok(
            JsonBody(page.tasks.into_iter().map(Into::into).collect()),
            page.total,
        ))
    }

    /// Create a task
    #[oai(
        path = "/:user_id/tasks",
        method = "post",
        operation_id = "create_task"
    )]
    async fn create(
        &self,
        auth: BearerAuth,
        user_id: Path<String>,
        body: Json<TaskCreate>,
    ) -> Result<CreatedResponse, ApiError> {
        let user = auth.require(&user_id)?;
        let new = NewTask::try_from(body.0)?;
        let task = db::tasks::insert(&self.pool, user, &new).await?;
        let location = format!("/api/{}/tasks/{}", user_id.0, task.id);
        Ok(CreatedResponse::Created(JsonBody(task.into()), location))
    }

    /// Read a task
    #[oai(
        path = "/:user_id/tasks/:task_id",
        method = "get",
        operation_id = "get_task"
    )]
    async fn get(
        &self,
        auth: BearerAuth,
        user_id: Path<String>,
        task_id: Path<i64>,
    ) -> Result<JsonBody<TaskOut>, ApiError> {
        let user = auth.require(&user_id)?;
        let task = db::tasks::get(&self.pool, user, task_id.0).await?;
        Ok(JsonBody(task.into()))
    }

    /// Update a task
    ///
    /// Partial: only the fields given change.
    #[oai(
        path = "/:user_id/tasks/:task_id",
        method = "put",
        operation_id = "update_task"
    )]
    async fn update(
        &self,
        auth: BearerAuth,
        user_id: Path<String>,
        task_id: Path<i64>,
        body: Json<TaskUpdate>,
    ) -> Result<JsonBody<TaskOut>, ApiError> {
        let user = auth.require(&user_id)?;
        let patch = TaskPatch::try_from(body.0)?;
        let task = db::tasks::update(&self.pool, user, task_id.0, &patch).await?;
        Ok(JsonBody(task.into()))
    }

    /// Delete a task
    #[oai(
        path = "/:user_id/tasks/:task_id",
        method = "delete",
        operation_id = "delete_task"
    )]
    async fn delete(
        &self,
        auth: BearerAuth,
        user_id: Path<String>,
        task_id: Path<i64>,
    ) -> Result<DeletedResponse, ApiError> {
        let user = auth.require(&user_id)?;
        db::tasks::delete(&self.pool, user, task_id.0).await?;
        Ok(DeletedResponse::Deleted)
    }

    /// Toggle completion
    ///
    /// Flips `completed` and returns the task.
    #[oai(
        path = "/:user_id/tasks/:task_id/complete",
        method = "patch",
        operation_id = "toggle_task"
    )]
    async fn toggle(
        &self,
        auth: BearerAuth,
        user_id: Path<String>,
        task_id: Path<i64>,
    ) -> Result<JsonBody<TaskOut>, ApiError> {
        let user = auth.require(&user_id)?;
        let task = db::tasks::toggle_completed(&self.pool, user, task_id.0).await?;
        Ok(JsonBody(task.into()))
    }
}
