//! Scenario 1, orchestration overhead: a closed loop of users, each holding one conversation
//! ("add …" then "what's left?"), against workers running the builtin model (no model time),
//! so every millisecond measured is Taskwire's own.

use std::time::Instant;

use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use uuid::Uuid;

use super::{Timing, at_window_edges, closed_loop_from, run_id};
use crate::{
    client::Client,
    scrape,
    stages::{Stages, breakdown},
    stats::{Latency, summarize},
};

/// One load level.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChatPoint {
    pub users: usize,
    pub turns: usize,
    pub errors: u64,
    pub first_error: Option<String>,
    pub turns_per_s: f64,
    pub accepted: Latency,
    pub first_delta: Latency,
    pub done: Latency,
    pub stages: Stages,
    /// Mean ms of each stage during the window, from the services' own histograms (see
    /// [`crate::scrape`]); empty when their metrics were not read.
    #[serde(default)]
    pub stage_means_ms: std::collections::BTreeMap<String, f64>,
    /// Cores each component used during the window.
    #[serde(default)]
    pub cpu: crate::cpu::CoresUsed,
}

/// Scenario 1's result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChatResult {
    pub scenario: String,
    pub timing: Timing,
    pub points: Vec<ChatPoint>,
}

/// Runs each load level in `users` one after the other; `metrics` are the services'
/// `/metrics` pages (the gateway's and each worker's), read for their stage timings.
pub async fn run(
    client: &Client,
    pool: &PgPool,
    users: &[usize],
    timing: Timing,
    metrics: &[scrape::MetricsPage],
) -> anyhow::Result<ChatResult> {
    let mut points = Vec::new();
    for &n in users {
        tracing::info!(users = n, "scenario 1: chat overhead");
        points.push(level(client, pool, n, timing, metrics).await?);
    }
    Ok(ChatResult {
        scenario: "chat".to_owned(),
        timing,
        points,
    })
}

async fn level(
    client: &Client,
    pool: &PgPool,
    users: usize,
    timing: Timing,
    metrics: &[scrape::MetricsPage],
) -> anyhow::Result<ChatPoint> {
    let run = run_id();
    let start = Instant::now();
    let stage_reader = {
        let (http, metrics) = (client.http.clone(), metrics.to_vec());
        at_window_edges(timing.window(start), move || {
            let (http, metrics) = (http.clone(), metrics.clone());
            async move { scrape::stage_totals(&http, &metrics).await }
        })
    };
    let conversations: std::sync::Arc<Vec<tokio::sync::Mutex<Option<Uuid>>>> =
        std::sync::Arc::new((0..users).map(|_| Default::default()).collect());
    let client = client.clone();
    let window = closed_loop_from(start, users, timing, move |i, n| {
        let client = client.clone();
        let conversations = conversations.clone();
        let user = format!("{run}-u{users}-{i}");
        async move {
            let mut conversation = conversations[i].lock().await;
            let message = if n % 2 == 0 {
                format!("add water the plants {n}")
            } else {
                "what's left?".to_owned()
            };
            let turn = client.turn(&user, *conversation, &message).await?;
            *conversation = Some(turn.conversation_id);
            anyhow::ensure!(turn.ok, "the turn ended with an error event");
            Ok(turn)
        }
    })
    .await;
    let done_at: Vec<_> = window
        .samples
        .iter()
        .map(|t| (t.job_id, t.done_at))
        .collect();
    Ok(ChatPoint {
        users,
        turns: window.samples.len(),
        errors: window.errors,
        first_error: window.first_error.clone(),
        turns_per_s: window.rate(),
        accepted: summarize(window.samples.iter().map(|t| t.accepted)),
        first_delta: summarize(window.samples.iter().filter_map(|t| t.first_delta)),
        done: summarize(window.samples.iter().map(|t| t.done)),
        stages: breakdown(pool, &done_at).await?,
        stage_means_ms: stage_reader
            .await
            .map(|(before, after)| scrape::means_ms(&before, &after))
            .unwrap_or_default(),
        cpu: window.cpu.clone(),
    })
}
