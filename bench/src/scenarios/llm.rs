//! Scenario 2, LLM-bound scaling: clients in a closed loop against workers whose model is the
//! paced fake ([`crate::fake_llm`]); turns per second against the ideal (turns in flight ÷
//! model time per turn), and the workers' resident memory.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use serde::{Deserialize, Serialize};

use super::{Timing, closed_loop, run_id};
use crate::{
    client::Client,
    fake_llm::FakeLlmConfig,
    stats::{Latency, summarize},
    total_rss_mib,
};

/// The stack a point was measured on.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LlmSetup {
    /// e.g. "1 worker × 128".
    pub label: String,
    /// "concurrency" (one worker, growing concurrency) or "workers" (growing worker count).
    pub series: String,
    pub workers: usize,
    pub worker_concurrency: usize,
    pub clients: usize,
}

/// One measured point.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LlmPoint {
    pub setup: LlmSetup,
    pub model_turn_s: f64,
    pub in_flight: usize,
    pub turns: usize,
    pub errors: u64,
    pub first_error: Option<String>,
    pub turns_per_s: f64,
    pub ideal_turns_per_s: f64,
    /// turns_per_s ÷ ideal.
    pub efficiency: f64,
    pub done: Latency,
    /// Peak summed RSS of the workers during the window (MiB).
    pub worker_rss_mib: f64,
    /// Cores each component used during the window.
    #[serde(default)]
    pub cpu: crate::cpu::CoresUsed,
    pub timing: Timing,
}

/// Measures one setup; `worker_pids` are sampled for memory.
pub async fn run(
    client: &Client,
    setup: LlmSetup,
    model: FakeLlmConfig,
    worker_pids: &[u32],
    timing: Timing,
) -> anyhow::Result<LlmPoint> {
    tracing::info!(label = %setup.label, "scenario 2: LLM-bound scaling");
    let run = run_id();
    let peak = Arc::new(std::sync::Mutex::new(0.0f64));
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, stop, pids) = (peak.clone(), stop.clone(), worker_pids.to_vec());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                if let Ok(rss) = total_rss_mib(&pids) {
                    let mut p = peak
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    *p = p.max(rss);
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        })
    };
    let conversations: Arc<Vec<tokio::sync::Mutex<Option<uuid::Uuid>>>> =
        Arc::new((0..setup.clients).map(|_| Default::default()).collect());
    let loop_client = client.clone();
    let window = closed_loop(setup.clients, timing, move |i, _| {
        let client = loop_client.clone();
        let conversations = conversations.clone();
        let user = format!("{run}-l{i}");
        async move {
            let mut conversation = conversations[i].lock().await;
            let turn = client.turn(&user, *conversation, "what's left?").await?;
            *conversation = Some(turn.conversation_id);
            anyhow::ensure!(turn.ok, "the turn ended with an error event");
            Ok(turn)
        }
    })
    .await;
    stop.store(true, Ordering::Relaxed);
    let _ = sampler.await;
    let model_turn_s = model.turn_time().as_secs_f64();
    let in_flight = setup.clients.min(setup.workers * setup.worker_concurrency);
    let ideal = in_flight as f64 / model_turn_s;
    let rate = window.rate();
    let worker_rss_mib = *peak
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    Ok(LlmPoint {
        setup,
        model_turn_s,
        in_flight,
        turns: window.samples.len(),
        errors: window.errors,
        first_error: window.first_error.clone(),
        turns_per_s: rate,
        ideal_turns_per_s: ideal,
        efficiency: if ideal > 0.0 { rate / ideal } else { 0.0 },
        done: summarize(window.samples.iter().map(|t| t.done)),
        worker_rss_mib,
        cpu: window.cpu.clone(),
        timing,
    })
}
