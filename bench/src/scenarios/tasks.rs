//! Scenario 4, the task API: `GET /tasks` (a page of 50 from a seeded list) and `POST /tasks`
//! at 64 connections in a closed loop; and, for comparison, the list's database work alone
//! (the gateway's query, through a pool as large as the gateway's, with no HTTP).

use std::time::{Duration, Instant};

use common::{
    config::DEFAULT_MAX_CONNECTIONS,
    domain::{TaskFilter, UserId},
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{PgPool, postgres::PgPoolOptions};

use super::{Ended, Timing, Window, closed_loop, run_id};
use crate::{
    client::Client,
    stats::{Latency, summarize},
};

/// One operation at one concurrency.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TasksPoint {
    /// "list" or "create".
    pub operation: String,
    pub connections: usize,
    pub requests: usize,
    pub errors: u64,
    pub first_error: Option<String>,
    pub requests_per_s: f64,
    pub latency: Latency,
    /// Cores each component used during the window.
    #[serde(default)]
    pub cpu: crate::cpu::CoresUsed,
}

/// Scenario 4's result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TasksResult {
    pub scenario: String,
    pub timing: Timing,
    pub users: usize,
    pub tasks_per_user: usize,
    pub points: Vec<TasksPoint>,
}

/// The label of the database-only point.
pub const DATABASE_ONLY: &str = "list (database only)";

/// The first page of each user's list straight from Postgres, as the gateway asks for it.
async fn list_in_database(
    pool: &PgPool,
    connections: usize,
    names: &[String],
    timing: Timing,
) -> anyhow::Result<TasksPoint> {
    tracing::info!(connections, "scenario 4: list, database only");
    let db = PgPoolOptions::new()
        .max_connections(DEFAULT_MAX_CONNECTIONS)
        .connect_with((*pool.connect_options()).clone())
        .await?;
    let users = names
        .iter()
        .map(|n| UserId::parse(n.as_str()))
        .collect::<Result<Vec<_>, _>>()?;
    let window = closed_loop(connections, timing, move |i, _| {
        let (db, user) = (db.clone(), users[i % users.len()].clone());
        async move {
            let start = Instant::now();
            let mut conn = db.acquire().await?;
            let page = common::db::tasks::list(&mut conn, &user, &TaskFilter::default()).await?;
            anyhow::ensure!(!page.tasks.is_empty(), "an empty page");
            Ok(Request {
                took: start.elapsed(),
                ended: Instant::now(),
            })
        }
    })
    .await;
    Ok(TasksPoint::new(DATABASE_ONLY, connections, &window))
}

impl TasksPoint {
    fn new(operation: &str, connections: usize, window: &Window<Request>) -> Self {
        Self {
            operation: operation.to_owned(),
            connections,
            requests: window.samples.len(),
            errors: window.errors,
            first_error: window.first_error.clone(),
            requests_per_s: window.rate(),
            latency: summarize(window.samples.iter().map(|r| r.took)),
            cpu: window.cpu.clone(),
        }
    }
}

struct Request {
    took: Duration,
    ended: Instant,
}

impl Ended for Request {
    fn ended(&self) -> Instant {
        self.ended
    }
}

/// Users who hold long lists beside the measured ones, and how many times more tasks each
/// holds: real task tables are skewed, which changes how Postgres plans the list.
pub const HEAVY_USERS: usize = 4;
pub const HEAVY_FACTOR: usize = 100;

/// Seeds `users` users with `tasks_per_user` tasks each (and [`HEAVY_USERS`] with
/// [`HEAVY_FACTOR`] times as many, not measured), then measures list and create.
pub async fn run(
    client: &Client,
    pool: &PgPool,
    connections: usize,
    users: usize,
    tasks_per_user: usize,
    timing: Timing,
) -> anyhow::Result<TasksResult> {
    let run = run_id();
    let users = users.max(1);
    let names: Vec<String> = (0..users).map(|u| format!("{run}-t{u}")).collect();
    sqlx::query(
        "insert into tasks (user_id, title, priority)
         select u, 'Seeded task ' || g, (array['low','medium','high'])[1 + g % 3]
         from unnest($1::text[]) u cross join generate_series(1, $2) g",
    )
    .bind(&names)
    .bind(i32::try_from(tasks_per_user)?)
    .execute(pool)
    .await?;
    let heavy: Vec<String> = (0..HEAVY_USERS).map(|u| format!("{run}-h{u}")).collect();
    sqlx::query(
        "insert into tasks (user_id, title, priority)
         select u, 'Old task ' || g, 'low' from unnest($1::text[]) u cross join generate_series(1, $2) g",
    )
    .bind(&heavy)
    .bind(i32::try_from(tasks_per_user * HEAVY_FACTOR)?)
    .execute(pool)
    .await?;
    // The table as a running deployment's autovacuum leaves it: statistics, and a visibility
    // map, without which every count of the list visits the heap once per task. A fresh load
    // has none, and a server with autovacuum off (this project's CI machine) never makes one.
    sqlx::query("vacuum analyze tasks").execute(pool).await?;
    let mut points = Vec::new();
    for operation in ["list", DATABASE_ONLY, "create"] {
        if operation == DATABASE_ONLY {
            points.push(list_in_database(pool, connections, &names, timing).await?);
            continue;
        }
        tracing::info!(operation, connections, "scenario 4: task API");
        let (client, names) = (client.clone(), names.clone());
        let window = closed_loop(connections, timing, move |i, n| {
            let client = client.clone();
            let user = names[i % names.len()].clone();
            async move {
                let path = format!("/api/{user}/tasks");
                let start = Instant::now();
                let req = if operation == "list" {
                    client.request(reqwest::Method::GET, &user, &path)?
                } else {
                    client
                        .request(reqwest::Method::POST, &user, &path)?
                        .json(&json!({"title": format!("Load task {i}-{n}"), "priority": "high"}))
                };
                let resp = req.send().await?;
                let status = resp.status();
                // Read the whole body: a request is done when its answer has arrived.
                let body = resp.bytes().await?;
                anyhow::ensure!(status.is_success(), "{operation} answered {status}");
                anyhow::ensure!(!body.is_empty(), "{operation} answered an empty body");
                Ok(Request {
                    took: start.elapsed(),
                    ended: Instant::now(),
                })
            }
        })
        .await;
        points.push(TasksPoint::new(operation, connections, &window));
    }
    Ok(TasksResult {
        scenario: "tasks".to_owned(),
        timing,
        users,
        tasks_per_user,
        points,
    })
}
