//! Task queries. Every function is scoped by the owner's user id: a task of another user is
//! indistinguishable from a missing one.

use sqlx::PgExecutor;

use crate::{
    Result,
    domain::{NewTask, Task, TaskFilter, TaskPatch, TaskSort, UserId},
};

/// Inserts a task for `user`.
pub async fn insert(db: impl PgExecutor<'_>, user: &UserId, task: &NewTask) -> Result<Task> {
    let row = sqlx::query_as::<_, Task>(
        "insert into tasks (user_id, title, description, priority, due_date)
         values ($1, $2, $3, $4, $5)
         returning id, user_id, title, description, completed, priority, due_date, created_at, updated_at",
    )
    .bind(user.as_str())
    .bind(task.title.as_str())
    .bind(task.description.as_ref().map(|d| d.as_str()))
    .bind(task.priority.as_str())
    .bind(task.due_date)
    .fetch_one(db)
    .await?;
    Ok(row)
}

/// The task `id` of `user`, if it exists.
pub async fn get(db: impl PgExecutor<'_>, user: &UserId, id: i64) -> Result<Option<Task>> {
    let row = sqlx::query_as::<_, Task>(
        "select id, user_id, title, description, completed, priority, due_date, created_at, updated_at
         from tasks where id = $1 and user_id = $2",
    )
    .bind(id)
    .bind(user.as_str())
    .fetch_optional(db)
    .await?;
    Ok(row)
}

/// Applies a partial update; `None` when the task does not exist for `user`.
pub async fn update(
    db: impl PgExecutor<'_>,
    user: &UserId,
    id: i64,
    patch: &TaskPatch,
) -> Result<Option<Task>> {
    let description = patch.description.as_ref();
    let due_date = patch.due_date.as_ref();
    let row = sqlx::query_as::<_, Task>(
        "update tasks set
             title = coalesce($3, title),
             description = case when $4 then $5 else description end,
             priority = coalesce($6, priority),
             due_date = case when $7 then $8 else due_date end,
             completed = coalesce($9, completed),
             updated_at = now()
         where id = $1 and user_id = $2
         returning id, user_id, title, description, completed, priority, due_date, created_at, updated_at",
    )
    .bind(id)
    .bind(user.as_str())
    .bind(patch.title.as_ref().map(|t| t.as_str()))
    .bind(description.is_some())
    .bind(description.and_then(|d| d.as_ref().map(|d| d.as_str())))
    .bind(patch.priority.map(|p| p.as_str()))
    .bind(due_date.is_some())
    .bind(due_date.copied().flatten())
    .bind(patch.completed)
    .fetch_optional(db)
    .await?;
    Ok(row)
}

/// Flips `completed`; `None` when the task does not exist for `user`.
pub async fn toggle_completed(
    db: impl PgExecutor<'_>,
    user: &UserId,
    id: i64,
) -> Result<Option<Task>> {
    let row = sqlx::query_as::<_, Task>(
        "update tasks set completed = not completed, updated_at = now()
         where id = $1 and user_id = $2
         returning id, user_id, title, description, completed, priority, due_date, created_at, updated_at",
    )
    .bind(id)
    .bind(user.as_str())
    .fetch_optional(db)
    .await?;
    Ok(row)
}

/// Deletes a task and returns what it was; `None` when it does not exist for `user`.
pub async fn delete(db: impl PgExecutor<'_>, user: &UserId, id: i64) -> Result<Option<Task>> {
    let row = sqlx::query_as::<_, Task>(
        "delete from tasks where id = $1 and user_id = $2
         returning id, user_id, title, description, completed, priority, due_date, created_at, updated_at",
    )
    .bind(id)
    .bind(user.as_str())
    .fetch_optional(db)
    .await?;
    Ok(row)
}

/// A page of tasks and the number of tasks matching the filter.
#[derive(Debug, Clone)]
pub struct TaskPage {
    pub tasks: Vec<Task>,
    pub total: i64,
}

macro_rules! list_sql {
    ($order:literal) => {
        concat!(
            "select id, user_id, title, description, completed, priority, due_date, created_at, updated_at
             from tasks
             where user_id = $1
               and ($2::boolean is null or completed = $2)
               and ($3::text is null or priority = $3)
               and ($4::text is null or title ilike $4 escape '\\' or description ilike $4 escape '\\')
             order by ",
            $order,
            " limit $5 offset $6"
        )
    };
}

macro_rules! count_sql {
    () => {
        "select count(*) from tasks
         where user_id = $1
           and ($2::boolean is null or completed = $2)
           and ($3::text is null or priority = $3)
           and ($4::text is null or title ilike $4 escape '\\' or description ilike $4 escape '\\')"
    };
}

fn list_query(sort: TaskSort) -> &'static str {
    match sort {
        TaskSort::CreatedDesc => list_sql!("created_at desc, id desc"),
        TaskSort::CreatedAsc => list_sql!("created_at asc, id asc"),
        TaskSort::DueAsc => list_sql!("due_date asc nulls last, id asc"),
        TaskSort::DueDesc => list_sql!("due_date desc nulls last, id desc"),
        TaskSort::PriorityDesc => list_sql!(
            "case priority when 'high' then 3 when 'medium' then 2 else 1 end desc, created_at desc, id desc"
        ),
        TaskSort::PriorityAsc => list_sql!(
            "case priority when 'high' then 3 when 'medium' then 2 else 1 end asc, created_at desc, id desc"
        ),
        TaskSort::TitleAsc => list_sql!("lower(title) asc, id asc"),
        TaskSort::TitleDesc => list_sql!("lower(title) desc, id desc"),
    }
}

/// Escapes `%`, `_` and `\` so user text matches literally inside an ILIKE pattern.
fn like_pattern(text: &str) -> String {
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

/// Lists `user`'s tasks matching a (validated) filter.
pub async fn list(
    conn: &mut sqlx::PgConnection,
    user: &UserId,
    filter: &TaskFilter,
) -> Result<TaskPage> {
    let pattern = filter.query.as_deref().map(like_pattern);
    let tasks = sqlx::query_as::<_, Task>(list_query(filter.sort))
        .bind(user.as_str())
        .bind(filter.status.completed())
        .bind(filter.priority.map(|p| p.as_str()))
        .bind(pattern.as_deref())
        .bind(filter.limit)
        .bind(filter.offset)
        .fetch_all(&mut *conn)
        .await?;
    // A page that is not full ends the list, so it tells the total; only a full page (or
    // one past the end) needs the count, which reads every matching row.
    let shown = tasks.len() as i64;
    let total = if shown < filter.limit && (shown > 0 || filter.offset == 0) {
        filter.offset + shown
    } else {
        sqlx::query_scalar::<_, i64>(count_sql!())
            .bind(user.as_str())
            .bind(filter.status.completed())
            .bind(filter.priority.map(|p| p.as_str()))
            .bind(pattern.as_deref())
            .fetch_one(&mut *conn)
            .await?
    };
    Ok(TaskPage { tasks, total })
}

/// Sets `completed` to a given value; `None` when the task does not exist for `user`.
/// Setting it to the value it already has succeeds without change.
pub async fn set_completed(
    db: impl PgExecutor<'_>,
    user: &UserId,
    id: i64,
    completed: bool,
) -> Result<Option<Task>> {
    let row = sqlx::query_as::<_, Task>(
        "update tasks set completed = $3,
                updated_at = case when completed = $3 then updated_at else now() end
         where id = $1 and user_id = $2
         returning id, user_id, title, description, completed, priority, due_date, created_at, updated_at",
    )
    .bind(id)
    .bind(user.as_str())
    .bind(completed)
    .fetch_optional(db)
    .await?;
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let queries: std::collections::HashSet<_> = sorts.iter().map(|s| list_query(*s)).collect();
        assert_eq!(queries.len(), sorts.len());
    }
}
