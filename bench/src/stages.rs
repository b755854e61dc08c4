//! The per-stage breakdown of chat turns, from the job's own timestamps in Postgres and the
//! client's clock (same machine):
//!
//! - `accept` — gateway transaction and publish, from the job row's `created_at` (transaction
//!   start) to `published_at`: written after JetStream acknowledged the publish, in the
//!   gateway's next batch of marks or by the worker's start, whichever comes first (so a
//!   busy mark batch moves a little of `queue` into `accept`);
//! - `queue` — `published_at` to `started_at` (the worker took the conversation's turn);
//! - `to_first_tool` — `started_at` to the first `tool_executions.created_at`: history rebuild,
//!   the model's first step and the tool (0 when the turn called no tool);
//! - `to_reply` — the first tool (or start) to the assistant message's `created_at`: the rest of
//!   the model and the final commit's transaction start;
//! - `commit` — reply `created_at` to `finished_at`;
//! - `delivery` — `finished_at` to the client seeing `done` (publish `done`, NATS, gateway, SSE).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use uuid::Uuid;

use crate::stats::{Latency, Recorder};

/// Percentiles of each stage, in ms.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Stages {
    pub accept: Latency,
    pub queue: Latency,
    pub to_first_tool: Latency,
    pub to_reply: Latency,
    pub commit: Latency,
    pub delivery: Latency,
}

type Row = (
    Uuid,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

fn ms(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_microseconds().unwrap_or(0) as f64 / 1000.0
}

/// The breakdown of the jobs in `turns` (job id, when the client saw `done`).
pub async fn breakdown(pool: &PgPool, turns: &[(Uuid, DateTime<Utc>)]) -> anyhow::Result<Stages> {
    let ids: Vec<Uuid> = turns.iter().map(|(id, _)| *id).collect();
    let rows: Vec<Row> = sqlx::query_as(
        "select j.id, j.created_at, j.published_at, j.started_at, j.finished_at,
                (select min(t.created_at) from tool_executions t where t.job_id = j.id),
                (select m.created_at from messages m where m.job_id = j.id and m.role = 'assistant')
         from chat_jobs j where j.id = any($1)",
    )
    .bind(&ids)
    .fetch_all(pool)
    .await?;
    let done_at: std::collections::HashMap<Uuid, DateTime<Utc>> = turns.iter().copied().collect();
    let mut r: [Recorder; 6] = Default::default();
    for (id, created, published, started, finished, tool, reply) in rows {
        let (Some(published), Some(started), Some(finished), Some(reply)) =
            (published, started, finished, reply)
        else {
            continue;
        };
        r[0].record_ms(ms(created, published));
        r[1].record_ms(ms(published, started));
        let after_tool = tool.unwrap_or(started);
        r[2].record_ms(ms(started, after_tool));
        r[3].record_ms(ms(after_tool, reply));
        r[4].record_ms(ms(reply, finished));
        if let Some(done) = done_at.get(&id) {
            r[5].record_ms(ms(finished, *done));
        }
    }
    Ok(Stages {
        accept: r[0].summary(),
        queue: r[1].summary(),
        to_first_tool: r[2].summary(),
        to_reply: r[3].summary(),
        commit: r[4].summary(),
        delivery: r[5].summary(),
    })
}
