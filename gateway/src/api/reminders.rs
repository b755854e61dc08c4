//! `/api/{user_id}/tasks/{task_id}/reminders`: a task's reminders — listed, added (minutes
//! before the due date, or at a time read in the user's zone) and removed.

use chrono::{DateTime, Utc};
use common::{
    dates::{self, DateContext},
    db::{
        self,
        reminders::{MAX_BEFORE_MINUTES, Reminder, ReminderTime},
    },
};
use poem_openapi::{ApiResponse, Object, OpenApi, param::Path, payload::Json};
use sqlx::PgPool;

use super::{ApiTags, text::Text};
use crate::{
    auth::BearerAuth,
    error::ApiError,
    limits::{self, KeyedLimiter},
};

/// The reminder endpoints.
pub struct RemindersApi {
    pub pool: PgPool,
    /// Changes per user, shared with the task endpoints (`TASK_WRITES_PER_MINUTE`).
    pub writes: std::sync::Arc<KeyedLimiter>,
}

impl RemindersApi {
    /// Takes one change from `user`'s budget, or answers 429.
    fn write(&self, user: &common::domain::UserId) -> Result<(), ApiError> {
        limits::check(
            &self.writes,
            user.as_str(),
            "too many changes to tasks; wait a moment",
        )
    }
}

/// A reminder to add: exactly one of `before_minutes` and `at`.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct ReminderIn {
    /// Minutes before the task's due date (0: at the due time); the reminder follows the due
    /// date when it moves. The task must have a due date.
    #[oai(validator(minimum(value = "0"), maximum(value = "40320")))]
    pub before_minutes: Option<i32>,
    /// When to remind: RFC 3339, a local date-time or words ("tomorrow 8am"), read in the
    /// user's time zone. Must be ahead.
    #[oai(validator(max_length = 100))]
    pub at: Option<Text>,
}

/// A task's reminder.
#[derive(Debug, Object)]
pub struct ReminderOut {
    pub id: i64,
    pub task_id: i64,
    /// Minutes before the due date, for a relative reminder.
    pub before_minutes: Option<i32>,
    /// The instant, for an absolute reminder (RFC 3339, UTC).
    pub at: Option<DateTime<Utc>>,
    /// When it is due; null while a relative reminder's task has no due date.
    pub remind_at: Option<DateTime<Utc>>,
    /// `armed` (waiting for its time), `sent`, `skipped` (the task was completed, or its time
    /// moved into the past) or `unscheduled` (the task has no due date).
    pub status: String,
    /// When it was sent or skipped.
    pub sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<Reminder> for ReminderOut {
    fn from(r: Reminder) -> Self {
        let status = match (r.remind_at, r.sent_at, r.skipped) {
            (None, _, _) => "unscheduled",
            (Some(_), None, _) => "armed",
            (Some(_), Some(_), true) => "skipped",
            (Some(_), Some(_), false) => "sent",
        };
        Self {
            id: r.id,
            task_id: r.task_id,
            before_minutes: r.before_minutes,
            at: r.at,
            remind_at: r.remind_at,
            status: status.to_owned(),
            sent_at: r.sent_at,
            created_at: r.created_at,
        }
    }
}

#[derive(ApiResponse)]
pub enum ReminderCreated {
    /// The reminder was added.
    #[oai(status = 201)]
    Created(Json<ReminderOut>),
}

#[derive(ApiResponse)]
pub enum ReminderDeleted {
    /// The reminder was removed; a task left without reminders does not get the default one
    /// back.
    #[oai(status = 204)]
    Deleted,
}

impl ReminderIn {
    /// The reminder's time: `at` read on the user's clock.
    fn time(&self, dates: &DateContext) -> Result<ReminderTime, ApiError> {
        match (self.before_minutes, self.at.as_deref()) {
            (Some(minutes), None) => Ok(ReminderTime::Before(minutes)),
            (None, Some(at)) => Ok(ReminderTime::At(dates::parse_due(at, dates, "at")?)),
            _ => Err(ApiError::validation(format!(
                "give exactly one of before_minutes (0 to {MAX_BEFORE_MINUTES}) and at"
            ))),
        }
    }
}

#[OpenApi(prefix_path = "/api", tag = "ApiTags::Tasks")]
impl RemindersApi {
    /// A task's reminders
    ///
    /// Soonest first. A task due in the future gets one reminder at its due time unless it
    /// has others, or its reminders were all removed.
    #[oai(
        path = "/:user_id/tasks/:task_id/reminders",
        method = "get",
        operation_id = "list_reminders"
    )]
    async fn list(
        &self,
        auth: BearerAuth,
        user_id: Path<String>,
        task_id: Path<i64>,
    ) -> Result<Json<Vec<ReminderOut>>, ApiError> {
        let user = auth.require(&user_id)?;
        let mut conn = self.pool.acquire().await.map_err(common::Error::from)?;
        let reminders = db::reminders::for_task(&mut conn, user, task_id.0).await?;
        Ok(Json(reminders.into_iter().map(Into::into).collect()))
    }

    /// Add a reminder
    ///
    /// `{"before_minutes": 30}` or `{"at": "tomorrow 8am"}`. At most 10 per task; 409 if the
    /// task has the same one; 422 if the time has passed or a relative reminder's task has no
    /// due date.
    #[oai(
        path = "/:user_id/tasks/:task_id/reminders",
        method = "post",
        operation_id = "add_reminder"
    )]
    async fn add(
        &self,
        auth: BearerAuth,
        user_id: Path<String>,
        task_id: Path<i64>,
        body: Json<ReminderIn>,
    ) -> Result<ReminderCreated, ApiError> {
        let user = auth.require(&user_id)?;
        self.write(user)?;
        let zone = match body.at {
            Some(_) => db::profiles::time_zone(&self.pool, user).await?,
            None => common::dates::Zone::UTC,
        };
        let time = body.time(&DateContext::new(Utc::now(), zone))?;
        let reminder = db::reminders::add(&self.pool, user, task_id.0, time).await?;
        Ok(ReminderCreated::Created(Json(reminder.into())))
    }

    /// Remove a reminder
    #[oai(
        path = "/:user_id/tasks/:task_id/reminders/:reminder_id",
        method = "delete",
        operation_id = "remove_reminder"
    )]
    async fn remove(
        &self,
        auth: BearerAuth,
        user_id: Path<String>,
        task_id: Path<i64>,
        reminder_id: Path<i64>,
    ) -> Result<ReminderDeleted, ApiError> {
        let user = auth.require(&user_id)?;
        self.write(user)?;
        db::reminders::remove(&self.pool, user, task_id.0, reminder_id.0).await?;
        Ok(ReminderDeleted::Deleted)
    }
}
