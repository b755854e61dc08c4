//! Listing tasks over REST: filters, sorting, pagination with a total count, and a list
//! statement that Postgres plans once even on a skewed table.

use reqwest::Method;
use serde_json::{Value, json};
use sqlx::PgPool;
use taskwire_tests::spawn_app;

/// Creates alice's fixture tasks; returns their ids in creation order.
async fn seed(app: &taskwire_tests::TestApp) -> Vec<i64> {
    let specs = [
        json!({"title": "Buy groceries", "priority": "high", "due_date": "2026-11-25T17:00:00Z"}),
        json!({"title": "Call mom", "description": "about the groceries list"}),
        json!({"title": "Write report", "priority": "low", "due_date": "2026-11-23T09:00:00Z"}),
        json!({"title": "100% done_thing"}),
        json!({"title": "Renew passport", "priority": "high"}),
    ];
    let mut ids = Vec::new();
    for spec in specs {
        ids.push(
            app.create_task("alice", spec).await["id"]
                .as_i64()
                .expect("id"),
        );
    }
    // Complete "Write report".
    let resp = app
        .request(
            Method::PATCH,
            "alice",
            &format!("/api/alice/tasks/{}/complete", ids[2]),
        )
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 200);
    ids
}

fn ids(tasks: &[Value]) -> Vec<i64> {
    tasks
        .iter()
        .map(|t| t["id"].as_i64().expect("id"))
        .collect()
}

#[sqlx::test(migrations = "../migrations")]
async fn listing_filters_by_status_priority_and_text(pool: PgPool) {
    let app = spawn_app(pool).await;
    let id = seed(&app).await;
    let cases: &[(&str, Vec<i64>, &str)] = &[
        (
            "",
            vec![id[4], id[3], id[2], id[1], id[0]],
            "default: all, newest first",
        ),
        ("status=all", vec![id[4], id[3], id[2], id[1], id[0]], "all"),
        (
            "status=pending",
            vec![id[4], id[3], id[1], id[0]],
            "pending",
        ),
        ("status=completed", vec![id[2]], "completed"),
        ("priority=high", vec![id[4], id[0]], "high priority"),
        ("priority=low&status=pending", vec![], "filters combine"),
        (
            "q=GROCERIES",
            vec![id[0], id[1]],
            "search is case-insensitive, covers description, ranks a title match first",
        ),
        ("q=100%25", vec![id[3]], "% is literal"),
        ("q=_", vec![id[3]], "_ is literal"),
        ("q=nothing-matches", vec![], "no match"),
        (
            "q=%20%20",
            vec![id[4], id[3], id[2], id[1], id[0]],
            "blank search is no search",
        ),
    ];
    for (query, expected, what) in cases {
        let (tasks, total) = app.list_tasks("alice", query).await;
        assert_eq!(ids(&tasks), *expected, "{what} ({query})");
        assert_eq!(total, expected.len() as i64, "{what}: X-Total-Count");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn listing_sorts_by_each_field(pool: PgPool) {
    let app = spawn_app(pool).await;
    let id = seed(&app).await;
    let cases: &[(&str, Vec<i64>)] = &[
        ("sort=created_at", vec![id[0], id[1], id[2], id[3], id[4]]),
        ("sort=-created_at", vec![id[4], id[3], id[2], id[1], id[0]]),
        ("sort=due_date", vec![id[2], id[0], id[1], id[3], id[4]]),
        ("sort=-priority", vec![id[4], id[0], id[3], id[1], id[2]]),
        ("sort=priority", vec![id[2], id[3], id[1], id[4], id[0]]),
        ("sort=title", vec![id[3], id[0], id[1], id[4], id[2]]),
        ("sort=-title", vec![id[2], id[4], id[1], id[0], id[3]]),
    ];
    for (query, expected) in cases {
        let (tasks, _) = app.list_tasks("alice", query).await;
        assert_eq!(ids(&tasks), *expected, "{query}");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn listing_paginates_with_a_total_count(pool: PgPool) {
    let app = spawn_app(pool).await;
    let id = seed(&app).await;
    let (page, total) = app.list_tasks("alice", "sort=created_at&limit=2").await;
    assert_eq!((ids(&page), total), (vec![id[0], id[1]], 5));
    let (page, total) = app
        .list_tasks("alice", "sort=created_at&limit=2&offset=2")
        .await;
    assert_eq!((ids(&page), total), (vec![id[2], id[3]], 5));
    let (page, total) = app
        .list_tasks("alice", "sort=created_at&limit=2&offset=4")
        .await;
    assert_eq!((ids(&page), total), (vec![id[4]], 5));
    let (page, total) = app.list_tasks("alice", "limit=2&offset=50").await;
    assert_eq!(
        (ids(&page), total),
        (vec![], 5),
        "past the end still counts"
    );
    let (page, total) = app.list_tasks("alice", "status=completed&offset=1").await;
    assert_eq!(
        (ids(&page), total),
        (vec![], 1),
        "count respects the filter"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn an_empty_list_is_an_empty_array(pool: PgPool) {
    let app = spawn_app(pool).await;
    let (tasks, total) = app.list_tasks("nobody-yet", "").await;
    assert!(tasks.is_empty());
    assert_eq!(total, 0);
}

/// How often the task list statement was planned on the connection: (generic, custom).
async fn list_plans(conn: &mut sqlx::PgConnection) -> (i64, i64) {
    sqlx::query_as(
        "select generic_plans, custom_plans from pg_prepared_statements
         where statement like 'with page as (select id, user_id, title%'",
    )
    .fetch_one(conn)
    .await
    .expect("the list statement is prepared on this connection")
}

#[sqlx::test(migrations = "../migrations")]
async fn the_service_pool_plans_the_task_list_once_on_a_skewed_table(pool: PgPool) {
    // A few users hold most of the tasks: the per-user average makes the list's generic
    // plan look far dearer than a plan for a light user, so Postgres would plan it anew on
    // every request.
    sqlx::query(
        "insert into tasks (user_id, title)
         select 'heavy-' || u, 'Task ' || g from generate_series(1, 2) u, generate_series(1, 20000) g
         union all
         select 'light-' || u, 'Task ' || g from generate_series(1, 20) u, generate_series(1, 5) g",
    )
    .execute(&pool)
    .await
    .expect("tasks seeded");
    sqlx::query("analyze tasks")
        .execute(&pool)
        .await
        .expect("analyzed");
    let user = common::domain::UserId::parse("light-1").expect("valid user id");
    let filter = common::domain::TaskFilter::default();
    const RUNS: i64 = 12;
    let mut plain = pool.acquire().await.expect("connection");
    let mut service = common::config::DatabaseConfig::from_url(
        &taskwire_tests::process::database_url_of(&pool).await,
    )
    .pool()
    .expect("service pool")
    .acquire()
    .await
    .expect("service connection");
    for _ in 0..RUNS {
        for conn in [&mut plain, &mut service] {
            let page = common::db::tasks::list(conn, &user, &filter)
                .await
                .expect("listed");
            assert_eq!((page.tasks.len(), page.total), (5, 5));
        }
    }
    assert_eq!(
        list_plans(&mut plain).await,
        (0, RUNS),
        "on Postgres's default, the skewed table makes every run plan the list again"
    );
    assert_eq!(
        list_plans(&mut service).await,
        (RUNS, 0),
        "the services' connections plan it once and reuse the plan"
    );
}
