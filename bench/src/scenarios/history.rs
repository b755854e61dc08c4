//! Scenario 3, history length: conversations seeded in Postgres with 10, 1,000 and 10,000
//! messages, then turns run one after another in each; the per-turn cost should not grow with
//! the conversation (the worker reads a bounded window of it). Also records `EXPLAIN ANALYZE`
//! of the worker's history query on each conversation.

use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use uuid::Uuid;

use super::run_id;
use crate::{
    client::Client,
    stats::{Latency, Recorder, summarize},
};

/// One conversation size.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HistoryPoint {
    pub messages: usize,
    pub turns: usize,
    /// Client latency to `done`.
    pub done: Latency,
    /// The job's own run time (`finished_at - started_at`).
    pub run: Latency,
    /// `EXPLAIN ANALYZE` execution time of the history query, in ms.
    pub history_query_ms: f64,
    pub history_query_plan: Vec<String>,
}

/// Scenario 3's result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HistoryResult {
    pub scenario: String,
    pub points: Vec<HistoryPoint>,
    /// p50 `done` at the largest size ÷ at the smallest.
    pub cost_ratio: f64,
}

/// Seeds one conversation per size and runs `turns` turns in each.
pub async fn run(
    client: &Client,
    pool: &PgPool,
    sizes: &[usize],
    turns: usize,
) -> anyhow::Result<HistoryResult> {
    let run = run_id();
    let mut points = Vec::new();
    for &size in sizes {
        tracing::info!(messages = size, "scenario 3: history length");
        let user = format!("{run}-h{size}");
        let conversation = seed(pool, &user, size).await?;
        // One turn unmeasured: connections and caches warm up as in a live conversation.
        client
            .turn(&user, Some(conversation), "what's left?")
            .await?;
        let mut timings = Vec::new();
        let mut jobs = Vec::new();
        for _ in 0..turns {
            let turn = client
                .turn(&user, Some(conversation), "what's left?")
                .await?;
            anyhow::ensure!(turn.ok, "a history turn ended with an error event");
            timings.push(turn.done);
            jobs.push(turn.job_id);
        }
        let (history_query_ms, history_query_plan) = explain(pool, conversation).await?;
        points.push(HistoryPoint {
            messages: size,
            turns,
            done: summarize(timings),
            run: run_times(pool, &jobs).await?,
            history_query_ms,
            history_query_plan,
        });
    }
    let p50 = |p: Option<&HistoryPoint>| p.map_or(0.0, |p| p.done.p50_ms);
    let (first, last) = (p50(points.first()), p50(points.last()));
    Ok(HistoryResult {
        scenario: "history".to_owned(),
        cost_ratio: if first > 0.0 { last / first } else { 0.0 },
        points,
    })
}

/// A conversation of `messages` messages (user and assistant alternating, each pair one
/// succeeded job), consistent with the schema: jobs carry `seq`, messages `job_id` and
/// `turn_seq`.
pub async fn seed(pool: &PgPool, user: &str, messages: usize) -> anyhow::Result<Uuid> {
    let conversation = Uuid::now_v7();
    let pairs = i32::try_from(messages.div_ceil(2))?;
    let mut tx = pool.begin().await?;
    sqlx::query("insert into conversations (id, user_id, title) values ($1, $2, 'seeded')")
        .bind(conversation)
        .bind(user)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "with t as materialized (
             select g, gen_random_uuid() as job, gen_random_uuid() as um, gen_random_uuid() as am,
                    now() - make_interval(secs => ($2 - g + 1)::float8) as ts
             from generate_series(1, $2) g),
         j as (
             insert into chat_jobs (id, user_id, conversation_id, user_message_id, status, attempts,
                                    published_at, created_at, started_at, finished_at)
             select job, $3, $1, um, 'succeeded', 1, ts, ts, ts, ts from t order by g
             returning id, seq)
         insert into messages (id, conversation_id, user_id, role, content, job_id, turn_seq, created_at)
         select case r.role when 'user' then t.um else t.am end, $1, $3, r.role,
                case r.role when 'user' then 'add seeded task ' || t.g
                            else 'Added “Seeded task ' || t.g || '”.' end,
                t.job, j.seq,
                t.ts + case r.role when 'user' then interval '0' else interval '1 ms' end
         from t join j on j.id = t.job cross join (values ('user'), ('assistant')) as r(role)",
    )
    .bind(conversation)
    .bind(pairs)
    .bind(user)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    sqlx::query("analyze messages").execute(pool).await?;
    Ok(conversation)
}

async fn run_times(pool: &PgPool, jobs: &[Uuid]) -> anyhow::Result<Latency> {
    let rows: Vec<(Option<f64>,)> = sqlx::query_as(
        "select extract(epoch from finished_at - started_at)::float8 * 1000
         from chat_jobs where id = any($1)",
    )
    .bind(jobs)
    .fetch_all(pool)
    .await?;
    let mut recorder = Recorder::new();
    for ms in rows.into_iter().filter_map(|(ms,)| ms) {
        recorder.record_ms(ms);
    }
    Ok(recorder.summary())
}

/// `EXPLAIN ANALYZE` of the worker's history query (common::db::messages::history) for the
/// conversation's latest turn.
async fn explain(pool: &PgPool, conversation: Uuid) -> anyhow::Result<(f64, Vec<String>)> {
    let (seq,): (Option<i64>,) =
        sqlx::query_as("select max(seq) from chat_jobs where conversation_id = $1")
            .bind(conversation)
            .fetch_one(pool)
            .await?;
    let explain = format!(
        "explain (analyze, buffers) {}",
        common::db::messages::HISTORY_QUERY
    );
    let plan: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(explain))
        .bind(conversation)
        .bind(seq.unwrap_or(0))
        .bind(40_i64)
        .fetch_all(pool)
        .await?;
    let lines: Vec<String> = plan.into_iter().map(|(l,)| l).collect();
    let ms = lines
        .iter()
        .find_map(|l| l.trim().strip_prefix("Execution Time: "))
        .and_then(|rest| rest.trim_end_matches(" ms").parse().ok())
        .unwrap_or(0.0);
    Ok((ms, lines))
}
