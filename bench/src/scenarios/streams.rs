//! Scenario 5, streams held open: many clients each start a turn with
//! `POST /chat/stream` and keep the stream open while slow turns run (or wait in the queue);
//! the gateway's resident memory is sampled throughout.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use eventsource_stream::Eventsource;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::task::JoinSet;

use super::run_id;
use crate::{client::Client, rss_mib};

/// Scenario 5's result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StreamsResult {
    pub scenario: String,
    pub clients: usize,
    pub hold_s: f64,
    /// Streams that got `accepted` (open at the gateway).
    pub accepted: usize,
    /// Most streams open at one time (accepted and not yet done).
    pub peak_open: usize,
    /// Streams whose turn finished while held.
    pub done: usize,
    pub errors: usize,
    pub gateway_rss_baseline_mib: f64,
    pub gateway_rss_peak_mib: f64,
    /// (peak − baseline) ÷ peak open streams, in KiB.
    pub per_stream_kib: f64,
}

#[derive(Default)]
struct Counters {
    accepted: AtomicUsize,
    done: AtomicUsize,
    errors: AtomicUsize,
}

impl Counters {
    fn open(&self) -> usize {
        self.accepted
            .load(Ordering::Relaxed)
            .saturating_sub(self.done.load(Ordering::Relaxed))
    }
}

/// Opens `clients` streams (in batches of 100), holds them `hold`, samples `gateway_pid`.
pub async fn run(
    client: &Client,
    clients: usize,
    hold: Duration,
    gateway_pid: u32,
) -> anyhow::Result<StreamsResult> {
    tracing::info!(clients, "scenario 5: streams held open");
    let run = run_id();
    let baseline = rss_mib(gateway_pid)?;
    let counters = Arc::new(Counters::default());
    let mut streams = JoinSet::new();
    let started = Instant::now();
    let until = started + hold;
    let mut peak = baseline;
    let mut peak_open = 0;
    for i in 0..clients {
        let (client, counters) = (client.clone(), counters.clone());
        let user = format!("{run}-s{i}");
        streams.spawn(async move {
            if hold_one(&client, &user, &counters, until).await.is_err() {
                counters.errors.fetch_add(1, Ordering::Relaxed);
            }
        });
        if i % 100 == 99 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    while Instant::now() < until {
        peak = peak.max(rss_mib(gateway_pid)?);
        peak_open = peak_open.max(counters.open());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    peak = peak.max(rss_mib(gateway_pid)?);
    streams.shutdown().await;
    let accepted = counters.accepted.load(Ordering::Relaxed);
    Ok(StreamsResult {
        scenario: "streams".to_owned(),
        clients,
        hold_s: hold.as_secs_f64(),
        accepted,
        peak_open,
        done: counters.done.load(Ordering::Relaxed),
        errors: counters.errors.load(Ordering::Relaxed),
        gateway_rss_baseline_mib: baseline,
        gateway_rss_peak_mib: peak,
        per_stream_kib: if peak_open > 0 {
            (peak - baseline).max(0.0) * 1024.0 / peak_open as f64
        } else {
            0.0
        },
    })
}

/// One client: starts a turn and reads its stream until it ends or `until`.
async fn hold_one(
    client: &Client,
    user: &str,
    counters: &Counters,
    until: Instant,
) -> anyhow::Result<()> {
    let resp = client
        .request(
            reqwest::Method::POST,
            user,
            &format!("/api/{user}/chat/stream"),
        )?
        .json(&json!({"message": "what's left?"}))
        .send()
        .await?;
    anyhow::ensure!(
        resp.status().is_success(),
        "stream answered {}",
        resp.status()
    );
    let mut events = resp.bytes_stream().eventsource();
    let read = async {
        while let Some(event) = events.next().await {
            match event?.event.as_str() {
                "accepted" => {
                    counters.accepted.fetch_add(1, Ordering::Relaxed);
                }
                "done" | "error" => {
                    counters.done.fetch_add(1, Ordering::Relaxed);
                    return Ok(());
                }
                _ => {}
            }
        }
        anyhow::Ok(())
    };
    let left = until.saturating_duration_since(Instant::now());
    match tokio::time::timeout(left, read).await {
        Ok(read) => read,
        // Reaching `until` with the stream still open is the point of the scenario.
        Err(_) => Ok(()),
    }
}
