//! Task queries. Every function is scoped by the owner's user id: a task of another user is
//! indistinguishable from a missing one.

use sqlx::{PgExecutor, Postgres, QueryBuilder};

use super::task_changes::{Origin, push_origin};
use crate::{
    Error, Result,
    domain::{NewTask, Task, TaskFilter, TaskPatch, TaskSort, UserId, task::MAX_TASKS_PER_USER},
};

/// The columns of a [`Task`], as its queries return them.
macro_rules! task_columns {
    () => {
        "id, user_id, title, description, completed, priority, due_date, created_at, updated_at"
    };
}

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
        .push("insert into tasks (user_id, title, description, priority, due_date) select ")
        .push_bind(user.as_str())
        .push(", ")
        .push_bind(task.title.as_str())
        .push(", ")
        .push_bind(task.description.as_ref().map(|d| d.as_str()))
        .push(", ")
        .push_bind(task.priority.as_str())
        .push(", ")
        .push_bind(task.due_date)
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
        .push_bind(due_date.is_some())
        .push(" then ")
        .push_bind(due_date.copied().flatten())
        .push(" else due_date end, completed = coalesce(")
        .push_bind(patch.completed)
        .push(", completed), updated_at = now() where id = ");
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

/// A page of tasks and the number of tasks matching the filter.
#[derive(Debug, Clone)]
pub struct TaskPage {
    pub tasks: Vec<Task>,
    pub total: i64,
}

pub(crate) fn order_sql(sort: TaskSort) -> &'static str {
    match sort {
        TaskSort::CreatedDesc => "created_at desc, id desc",
        TaskSort::CreatedAsc => "created_at asc, id asc",
        TaskSort::DueAsc => "due_date asc nulls last, id asc",
        TaskSort::DueDesc => "due_date desc nulls last, id desc",
        TaskSort::PriorityDesc => {
            "case priority when 'high' then 3 when 'medium' then 2 else 1 end desc, created_at desc, id desc"
        }
        TaskSort::PriorityAsc => {
            "case priority when 'high' then 3 when 'medium' then 2 else 1 end asc, created_at desc, id desc"
        }
        TaskSort::TitleAsc => "lower(title) asc, id asc",
        TaskSort::TitleDesc => "lower(title) desc, id desc",
    }
}

/// `where …` for `user` and the filter's conditions. Only the conditions in use are written,
/// so each combination is its own prepared statement whose cached (generic) plan Postgres
/// can estimate: `($2 is null or completed = $2)` made it guess one matching row, sort every
/// task of the user instead of reading the ordered index, and stop at the page.
fn push_filter(
    query: &mut QueryBuilder<Postgres>,
    user: &UserId,
    filter: &TaskFilter,
    pattern: Option<&str>,
) {
    query.push(" where user_id = ").push_bind(user.as_str());
    if let Some(completed) = filter.status.completed() {
        query.push(" and completed = ").push_bind(completed);
    }
    if let Some(priority) = filter.priority {
        query.push(" and priority = ").push_bind(priority.as_str());
    }
    let due = &filter.due;
    if due.no_date {
        query.push(" and due_date is null");
    }
    if let Some(after) = due.after {
        query.push(" and due_date >= ").push_bind(after);
    }
    if let Some(before) = due.before {
        query.push(" and due_date < ").push_bind(before);
    }
    if due.open_only {
        query.push(" and completed = false");
    }
    if let Some(pattern) = pattern {
        query
            .push(" and (title ilike ")
            .push_bind(pattern)
            .push(" escape '\\' or description ilike ")
            .push_bind(pattern)
            .push(" escape '\\')");
    }
}

/// The page of `user`'s tasks the filter asks for, in its order (`pattern`: the filter's
/// query as [`like_pattern`] writes it).
pub(crate) fn push_page(
    query: &mut QueryBuilder<Postgres>,
    user: &UserId,
    filter: &TaskFilter,
    pattern: Option<&str>,
) {
    query.push(concat!("select ", task_columns!(), " from tasks"));
    push_filter(query, user, filter, pattern);
    query
        .push(" order by ")
        .push(order_sql(filter.sort))
        .push(" limit ")
        .push_bind(filter.limit)
        .push(" offset ")
        .push_bind(filter.offset);
}

/// The page and its total in one statement (one round trip). A page that is not full ends the
/// list, so it tells the total; only a full page counts the matching rows, in the `else`
/// branch, a subquery Postgres runs only when it is reached.
fn list_query(user: &UserId, filter: &TaskFilter, pattern: Option<&str>) -> QueryBuilder<Postgres> {
    let order = order_sql(filter.sort);
    let mut query = QueryBuilder::new("with page as (");
    push_page(&mut query, user, filter, pattern);
    query
        .push(") select page.*, case when page.shown < ")
        .push_bind(filter.limit)
        .push(" and (page.shown > 0 or ")
        .push_bind(filter.offset)
        .push(" = 0) then ")
        .push_bind(filter.offset)
        .push(" + page.shown else (select count(*) from tasks");
    push_filter(&mut query, user, filter, pattern);
    query
        .push(") end as total from (select page.*, count(*) over () as shown from page) page order by ")
        .push(order);
    query
}

/// Escapes `%`, `_` and `\` so user text matches literally inside an ILIKE pattern.
pub(crate) fn like_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// A listed task and the total its query computed alongside.
#[derive(sqlx::FromRow)]
struct ListedTask {
    #[sqlx(flatten)]
    task: Task,
    total: i64,
}

/// Lists `user`'s tasks matching a (validated) filter.
pub async fn list(
    conn: &mut sqlx::PgConnection,
    user: &UserId,
    filter: &TaskFilter,
) -> Result<TaskPage> {
    let pattern = filter.query.as_deref().map(like_pattern);
    let rows: Vec<ListedTask> = list_query(user, filter, pattern.as_deref())
        .build_query_as()
        .fetch_all(&mut *conn)
        .await?;
    let total = match rows.first() {
        Some(row) => row.total,
        None if filter.offset == 0 => 0,
        // Past the end: the list is shorter than the offset, and only a count tells by how much.
        None => {
            let mut count = QueryBuilder::new("select count(*) from tasks");
            push_filter(&mut count, user, filter, pattern.as_deref());
            count.build_query_scalar().fetch_one(&mut *conn).await?
        }
    };
    let tasks = rows.into_iter().map(|row| row.task).collect();
    Ok(TaskPage { tasks, total })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::StatusFilter;

    #[test]
    fn like_pattern_escapes_wildcards() {
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }

    #[test]
    fn every_sort_has_its_own_order() {
        let sorts = [
            TaskSort::CreatedDesc,
            TaskSort::CreatedAsc,
            TaskSort::DueAsc,
            TaskSort::DueDesc,
            TaskSort::PriorityDesc,
            TaskSort::PriorityAsc,
            TaskSort::TitleAsc,
            TaskSort::TitleDesc,
        ];
        let orders: std::collections::HashSet<_> = sorts.iter().map(|s| order_sql(*s)).collect();
        assert_eq!(orders.len(), sorts.len());
    }

    #[test]
    fn only_the_filters_in_use_are_written() {
        let user = UserId::parse("alice").expect("a valid user id");
        let mut filter = TaskFilter::default();
        let plain = list_query(&user, &filter, None).into_string();
        assert!(!plain.contains("completed ="), "{plain}");
        assert!(!plain.contains("ilike"), "{plain}");
        filter.status = StatusFilter::Pending;
        let pending = list_query(&user, &filter, Some("%x%")).into_string();
        // Twice each: once for the page, once for the count.
        assert_eq!(pending.matches("completed =").count(), 2, "{pending}");
        assert_eq!(pending.matches("title ilike").count(), 2, "{pending}");
    }
}
