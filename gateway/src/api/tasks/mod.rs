//! `/api/{user_id}/tasks`: the task REST API. The bodies and parameters are in [`body`].

mod body;
mod bulk;
mod history;

pub use body::{Due, Priority, Sort, Status, TagOut, TaskCreate, TaskOut, TaskUpdate};
pub use bulk::{BulkAction, BulkIn, BulkOut};
pub use history::{ChangeOut, FieldChangeOut, HistoryResponse};

use chrono::Utc;
use common::{
    dates::{self, DateContext, Zone},
    db::{self, task_changes::Origin},
    domain::{self, TaskFilter, TaskSort, UserId},
    tools,
};
use poem_openapi::{
    ApiResponse, OpenApi,
    param::{Path, Query},
    payload::Json,
};
use sqlx::PgPool;

use super::{ApiTags, payload::JsonBody};
use crate::{
    auth::BearerAuth,
    error::ApiError,
    limits::{self, KeyedLimiter},
};

/// The task endpoints.
pub struct TasksApi {
    pub pool: PgPool,
    /// Task changes per user (`TASK_WRITES_PER_MINUTE`).
    pub writes: std::sync::Arc<KeyedLimiter>,
}

impl TasksApi {
    /// Takes one change from `user`'s budget, or answers 429.
    fn write(&self, user: &UserId) -> Result<(), ApiError> {
        limits::check(
            &self.writes,
            user.as_str(),
            "too many changes to tasks; wait a moment",
        )
    }

    /// Now on `user`'s clock when a date is to be read (their zone is looked up), else in
    /// UTC (no lookup: nothing depends on the zone).
    async fn dates(&self, user: &UserId, reads_dates: bool) -> Result<DateContext, ApiError> {
        let zone = if reads_dates {
            db::profiles::time_zone(&self.pool, user).await?
        } else {
            Zone::UTC
        };
        Ok(DateContext::new(Utc::now(), zone))
    }
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
    /// Filters combine. `q` searches the words of title, tags and description (English word
    /// stems, each word as a prefix, all required; "the … one" left out); with it and no
    /// `sort`, the best matches come first, a title or tag match before a description match.
    /// `tag` (repeatable) keeps tasks with all the tags given. `due` and `due_before` /
    /// `due_after` are read on the user's calendar (their profile's time zone); with either
    /// and no `sort`, the soonest due come first.
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/:user_id/tasks", method = "get", operation_id = "list_tasks")]
    async fn list(
        &self,
        auth: BearerAuth,
        user_id: Path<String>,
        /// `all` (default), `pending` or `completed`.
        status: Query<Option<Status>>,
        priority: Query<Option<Priority>>,
        /// Words to search for.
        q: Query<Option<String>>,
        /// Only tasks with this tag (`work` or `#work`); repeat for tasks with all of them.
        #[oai(validator(max_items = 10))]
        tag: Query<Vec<String>>,
        /// Only tasks due then.
        due: Query<Option<Due>>,
        /// Only tasks due at or after this: a date (its start), a date-time or words.
        #[oai(validator(max_length = 100))]
        due_after: Query<Option<String>>,
        /// Only tasks due before this: a date (its start), a date-time or words.
        #[oai(validator(max_length = 100))]
        due_before: Query<Option<String>>,
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
        let reads_dates = due.is_some() || due_after.is_some() || due_before.is_some();
        let dates = self.dates(user, reads_dates).await?;
        let due = dates::due_bounds(
            due.0.map(Into::into),
            due_after.0.as_deref(),
            due_before.0.as_deref(),
            &dates,
        )?;
        let sort = match sort.0 {
            Some(sort) => sort.into(),
            None => TaskSort::default_for(reads_dates, q.is_some()),
        };
        let filter = TaskFilter {
            status: status.0.map(Into::into).unwrap_or_default(),
            priority: priority.0.map(Into::into),
            due,
            query: q.0,
            tags: domain::Tags::parse(&tag.0, "tag")?,
            sort,
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
        self.write(user)?;
        let dates = self.dates(user, body.due_date.is_some()).await?;
        let new = body.0.into_new_task(&dates)?;
        let task = db::tasks::insert(&self.pool, user, &new, Origin::Rest).await?;
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
        self.write(user)?;
        let dates = self.dates(user, body.due_text().is_some()).await?;
        let patch = body.0.into_patch(&dates)?;
        let task = db::tasks::update(&self.pool, user, task_id.0, &patch, Origin::Rest).await?;
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
        self.write(user)?;
        db::tasks::delete(&self.pool, user, task_id.0, Origin::Rest).await?;
        Ok(DeletedResponse::Deleted)
    }

    /// Act on many tasks
    ///
    /// Completes, deletes or updates (the same `changes` for each) up to 100 tasks, each on
    /// its own: the answer lists the tasks changed and the ids not found (another user's
    /// task is not found). One statement: all of it happens, or nothing.
    #[oai(
        path = "/:user_id/tasks/bulk",
        method = "post",
        operation_id = "bulk_tasks"
    )]
    async fn bulk(
        &self,
        auth: BearerAuth,
        user_id: Path<String>,
        body: Json<BulkIn>,
    ) -> Result<Json<BulkOut>, ApiError> {
        let user = auth.require(&user_id)?;
        self.write(user)?;
        if matches!(body.action, BulkAction::Update) && body.changes.is_none() {
            return Err(ApiError::validation("changes: required for update"));
        }
        let dates = self.dates(user, body.reads_dates()).await?;
        let (name, args) = body.tool_call();
        let caller = tools::Caller::new(user, dates);
        let outcome =
            tools::execute_as(&self.pool, caller, &Origin::Rest, name, &args.to_string()).await?;
        if !outcome.ok {
            let message = outcome.result["message"]
                .as_str()
                .unwrap_or("invalid request");
            return Err(ApiError::validation(message.to_owned()));
        }
        Ok(Json(BulkOut::from_result(&outcome.result)))
    }

    /// A task's history
    ///
    /// List tags
    ///
    /// The user's tags, each with the number of their tasks that carry it, most used first.
    #[oai(path = "/:user_id/tags", method = "get", operation_id = "list_tags")]
    async fn tags(
        &self,
        auth: BearerAuth,
        user_id: Path<String>,
    ) -> Result<JsonBody<Vec<TagOut>>, ApiError> {
        let user = auth.require(&user_id)?;
        let tags = db::tasks::tags(&self.pool, user).await?;
        Ok(JsonBody(
            tags.into_iter()
                .map(|(name, tasks)| TagOut { name, tasks })
                .collect(),
        ))
    }

    /// Every change of the task, oldest first: when, what it did, each field before and
    /// after, and what made it (the REST API, a chat turn with its job and conversation, an
    /// MCP client). A deleted task keeps its history. 404 if the user never had the task.
    #[oai(
        path = "/:user_id/tasks/:task_id/history",
        method = "get",
        operation_id = "task_history"
    )]
    async fn history(
        &self,
        auth: BearerAuth,
        user_id: Path<String>,
        task_id: Path<i64>,
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))] limit: Query<Option<i64>>,
        #[oai(validator(minimum(value = "0")))] offset: Query<Option<i64>>,
    ) -> Result<HistoryResponse, ApiError> {
        let user = auth.require(&user_id)?;
        let (changes, total) = db::task_changes::for_task(
            &self.pool,
            user,
            task_id.0,
            limit.0.unwrap_or(100),
            offset.0.unwrap_or(0),
        )
        .await?;
        Ok(HistoryResponse::Ok(
            Json(changes.into_iter().map(Into::into).collect()),
            total,
        ))
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
        self.write(user)?;
        let task = db::tasks::toggle_completed(&self.pool, user, task_id.0, Origin::Rest).await?;
        Ok(JsonBody(task.into()))
    }
}
