//! Task queries. Every function is scoped by the owner's user id: a task of another user is
//! indistinguishable from a missing one.

use sqlx::{PgExecutor, Postgres, QueryBuilder};

use super::task_changes::{Origin, push_origin};
use crate::{
    Error, Result,
    domain::{NewTask, Task, TaskPatch, UserId, task::MAX_TASKS_PER_USER},
};

/// The columns of a [`Task`], as its queries return them: those of `tasks`, in its order (a
/// row of them is a `tasks` row to the SQL functions that take one).
macro_rules! task_columns {
    () => {
        "id, user_id, title, description, completed, priority, due_date, created_at, updated_at, tags, \
         repeat, previous_id"
    };
}

mod listing;
mod search;

pub use listing::{TaskPage, list, tags};
pub(crate) use listing::{push_order, push_page};

/// `insert into tasks …` of `task` for `user`, to which the caller adds its `returning`. It
/// inserts nothing when the user already has [`MAX_TASKS_PER_USER`] tasks (a quota against
/// filling the database; concurrent inserts may pass it by a few).
pub(crate) fn push_insert(
    query: &mut QueryBuilder<Postgres>,
    user: &UserId,
    task: &NewTask,
    origin: &Origin<'_>,
) {
    query
        .push(
            "insert into tasks (user_id, title, description, priority, due_date, tags, repeat) \
             select ",
        )
        .push_bind(user.as_str())
        .push(", ")
        .push_bind(task.title.as_str())
        .push(", ")
        .push_bind(task.description.as_ref().map(|d| d.as_str()))
        .push(", ")
        .push_bind(task.priority.as_str())
        .push(", ")
        .push_bind(task.due_date)
        .push(", ")
        .push_bind(task.tags.names())
        .push(", ")
        .push_bind(task.repeat.as_ref().map(|r| r.as_str().to_owned()))
        .push(" where (select count(*) from (select from tasks where user_id = ")
        .push_bind(user.as_str())
        .push(" limit ")
        .push_bind(MAX_TASKS_PER_USER)
        .push(") mine) < ")
        .push_bind(MAX_TASKS_PER_USER);
    push_origin(query, origin);
}

/// What a user over their quota is told.
pub fn over_quota() -> Error {
    Error::validation(
        "tasks",
        format!("a list holds at most {MAX_TASKS_PER_USER} tasks: delete some first"),
    )
}

/// Inserts a task for `user`; a validation error naming `tasks` when they are at the quota.
pub async fn insert(
    db: impl PgExecutor<'_>,
    user: &UserId,
    task: &NewTask,
    origin: Origin<'_>,
) -> Result<Task> {
    let mut query = QueryBuilder::new("");
    push_insert(&mut query, user, task, &origin);
    query.push(" returning ").push(task_columns!());
    query
        .build_query_as()
        .fetch_optional(db)
        .await?
        .ok_or_else(over_quota)
}

/// The task `id` of `user`; [`Error::NotFound`] if it is not theirs.
pub async fn get(db: impl PgExecutor<'_>, user: &UserId, id: i64) -> Result<Task> {
    sqlx::query_as::<_, Task>(concat!(
        "select ",
        task_columns!(),
        " from tasks where id = $1 and user_id = $2"
    ))
    .bind(id)
    .bind(user.as_str())
    .fetch_optional(db)
    .await?
    .ok_or(Error::NotFound("task"))
}

/// `update tasks …` applying `patch` to `user`'s task `id`, to which the caller adds its
/// `returning`.
pub(crate) fn push_update(
    query: &mut QueryBuilder<Postgres>,
    user: &UserId,
    id: i64,
    patch: &TaskPatch,
    origin: &Origin<'_>,
) {
    let description = patch.description.as_ref();
    let due_date = patch.due_date.as_ref();
    let (tags_replaced, tags_added, tags_removed) = patch
        .tags
        .as_ref()
        .map(|edit| edit.sql_arrays())
        .unwrap_or_default();
    query
        .push("update tasks set title = coalesce(")
        .push_bind(patch.title.as_ref().map(|t| t.as_str()))
        .push(", title), description = case when ")
        .push_bind(description.is_some())
        .push(" then ")
        .push_bind(description.and_then(|d| d.as_ref().map(|d| d.as_str())))
        .push(" else description end, priority = coalesce(")
        .push_bind(patch.priority.map(|p| p.as_str()))
        .push(", priority), due_date = case when ")
        .push_bind(patch.skip)
        .push(" then taskwire_skip(repeat, due_date, user_id) when ")
        .push_bind(due_date.is_some())
        .push(" then ")
        .push_bind(due_date.copied().flatten())
        .push(" else due_date end, completed = coalesce(")
        .push_bind(patch.completed)
        .push(", completed), tags = taskwire_edit_tags(tags, ")
        .push_bind(tags_replaced)
        .push(", ")
        .push_bind(tags_added)
        .push(", ")
        .push_bind(tags_removed)
        .push("), repeat = case when ")
        .push_bind(patch.repeat.is_some())
        .push(" then ")
        .push_bind(
            patch
                .repeat
                .clone()
                .flatten()
                .map(|r| r.as_str().to_owned()),
        )
        .push(" else repeat end, updated_at = now() where id = ");
    push_this_task(query, user, id, origin);
}

/// Applies a partial update to `user`'s task `id`; [`Error::NotFound`] if it is not theirs.
pub async fn update(
    db: impl PgExecutor<'_>,
    user: &UserId,
    id: i64,
    patch: &TaskPatch,
    origin: Origin<'_>,
) -> Result<Task> {
    let mut query = QueryBuilder::new("");
    push_update(&mut query, user, id, patch, &origin);
    returning_the_task(query, db).await
}

/// Runs `query`, a statement on one task to which this adds `returning` the task's columns;
/// [`Error::NotFound`] when it found no task.
async fn returning_the_task(
    mut query: QueryBuilder<Postgres>,
    db: impl PgExecutor<'_>,
) -> Result<Task> {
    query.push(" returning ").push(task_columns!());
    query
        .build_query_as()
        .fetch_optional(db)
        .await?
        .ok_or(Error::NotFound("task"))
}

/// Flips `completed` of `user`'s task `id`; [`Error::NotFound`] if it is not theirs.
pub async fn toggle_completed(
    db: impl PgExecutor<'_>,
    user: &UserId,
    id: i64,
    origin: Origin<'_>,
) -> Result<Task> {
    let mut query = QueryBuilder::new(
        "update tasks set completed = not completed, updated_at = now() where id = ",
    );
    push_this_task(&mut query, user, id, &origin);
    returning_the_task(query, db).await
}

/// `<id> and user_id = <user> and taskwire_origin(…)`: the end of a statement's `where id =`
/// that changes `user`'s task `id` as `origin`.
fn push_this_task(query: &mut QueryBuilder<Postgres>, user: &UserId, id: i64, origin: &Origin<'_>) {
    query
        .push_bind(id)
        .push(" and user_id = ")
        .push_bind(user.as_str().to_owned());
    push_origin(query, origin);
}

/// `delete from tasks …` of `user`'s task `id`, to which the caller adds its `returning`.
pub(crate) fn push_delete(
    query: &mut QueryBuilder<Postgres>,
    user: &UserId,
    id: i64,
    origin: &Origin<'_>,
) {
    query.push("delete from tasks where id = ");
    push_this_task(query, user, id, origin);
}

/// Deletes `user`'s task `id` and returns what it was; [`Error::NotFound`] if it is not
/// theirs.
pub async fn delete(
    db: impl PgExecutor<'_>,
    user: &UserId,
    id: i64,
    origin: Origin<'_>,
) -> Result<Task> {
    let mut query = QueryBuilder::new("");
    push_delete(&mut query, user, id, &origin);
    returning_the_task(query, db).await
}
