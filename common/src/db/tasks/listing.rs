//! Listing a user's tasks: the filter's conditions, its order, a page and its total.

use sqlx::{Postgres, QueryBuilder};

use super::search::Search;
use crate::{
    Result,
    domain::{Task, TaskFilter, TaskSort, UserId},
};

/// A page of tasks and the number of tasks matching the filter.
#[derive(Debug, Clone)]
pub struct TaskPage {
    pub tasks: Vec<Task>,
    pub total: i64,
}

/// The order of a sort without a search rank.
fn order_sql(sort: TaskSort) -> &'static str {
    match sort {
        TaskSort::CreatedDesc | TaskSort::Relevance => "created_at desc, id desc",
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

/// The filter's order, for rows with the columns of `tasks`: by relevance, the search rank
/// first, then newest.
pub(crate) fn push_order(query: &mut QueryBuilder<Postgres>, filter: &TaskFilter) {
    if filter.sort == TaskSort::Relevance
        && let Some(text) = &filter.query
    {
        Search::new(text).push_rank_order(query);
    }
    query.push(order_sql(filter.sort));
}

/// `where …` for `user` and the filter's conditions. Only the conditions in use are written,
/// so each combination is its own prepared statement whose cached (generic) plan Postgres
/// can estimate: `($2 is null or completed = $2)` made it guess one matching row, sort every
/// task of the user instead of reading the ordered index, and stop at the page.
fn push_filter(query: &mut QueryBuilder<Postgres>, user: &UserId, filter: &TaskFilter) {
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
    if !filter.tags.is_empty() {
        query.push(" and tags @> ").push_bind(filter.tags.names());
    }
    if let Some(text) = &filter.query {
        Search::new(text).push_condition(query);
    }
}

/// The page of `user`'s tasks the filter asks for, in its order.
pub(crate) fn push_page(query: &mut QueryBuilder<Postgres>, user: &UserId, filter: &TaskFilter) {
    query.push(concat!("select ", task_columns!(), " from tasks"));
    push_filter(query, user, filter);
    query.push(" order by ");
    push_order(query, filter);
    query
        .push(" limit ")
        .push_bind(filter.limit)
        .push(" offset ")
        .push_bind(filter.offset);
}

/// The page and its total in one statement (one round trip). A page that is not full ends the
/// list, so it tells the total; only a full page counts the matching rows, in the `else`
/// branch, a subquery Postgres runs only when it is reached.
fn list_query(user: &UserId, filter: &TaskFilter) -> QueryBuilder<Postgres> {
    let mut query = QueryBuilder::new("with page as (");
    push_page(&mut query, user, filter);
    query
        .push(") select page.*, case when page.shown < ")
        .push_bind(filter.limit)
        .push(" and (page.shown > 0 or ")
        .push_bind(filter.offset)
        .push(" = 0) then ")
        .push_bind(filter.offset)
        .push(" + page.shown else (select count(*) from tasks");
    push_filter(&mut query, user, filter);
    query.push(
        ") end as total from (select page.*, count(*) over () as shown from page) page order by ",
    );
    push_order(&mut query, filter);
    query
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
    let rows: Vec<ListedTask> = list_query(user, filter)
        .build_query_as()
        .fetch_all(&mut *conn)
        .await?;
    let total = match rows.first() {
        Some(row) => row.total,
        None if filter.offset == 0 => 0,
        // Past the end: the list is shorter than the offset, and only a count tells by how much.
        None => {
            let mut count = QueryBuilder::new("select count(*) from tasks");
            push_filter(&mut count, user, filter);
            count.build_query_scalar().fetch_one(&mut *conn).await?
        }
    };
    let tasks = rows.into_iter().map(|row| row.task).collect();
    Ok(TaskPage { tasks, total })
}

/// Each of `user`'s tags and how many of their tasks carry it, most used first.
pub async fn tags(db: impl sqlx::PgExecutor<'_>, user: &UserId) -> Result<Vec<(String, i64)>> {
    Ok(sqlx::query_as(
        "select tag, count(*) from tasks, unnest(tags) tag where user_id = $1 \
         group by tag order by count(*) desc, tag",
    )
    .bind(user.as_str())
    .fetch_all(db)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{StatusFilter, Tags};

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
        let plain = list_query(&user, &filter).into_string();
        assert!(!plain.contains("completed ="), "{plain}");
        assert!(!plain.contains("to_tsquery"), "{plain}");
        assert!(!plain.contains("tags @>"), "{plain}");
        filter.status = StatusFilter::Pending;
        filter.query = Some("milk".into());
        filter.tags = Tags::parse(&["home"], "tag").expect("valid");
        let pending = list_query(&user, &filter).into_string();
        // Twice each: once for the page, once for the count.
        assert_eq!(pending.matches("completed =").count(), 2, "{pending}");
        assert_eq!(pending.matches("@@ to_tsquery").count(), 2, "{pending}");
        assert_eq!(pending.matches("tags @>").count(), 2, "{pending}");
        assert!(!pending.contains("ts_rank"), "newest first: {pending}");
        filter.sort = TaskSort::Relevance;
        let ranked = list_query(&user, &filter).into_string();
        // The page's order and the outer order.
        assert_eq!(ranked.matches("ts_rank").count(), 2, "{ranked}");
    }
}
