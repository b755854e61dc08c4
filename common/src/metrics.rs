//! Prometheus metrics: one process-wide recorder, rendered by the gateway at `/metrics` and
//! by a worker at `WORKER_METRICS_ADDR`.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// Bucket bounds (seconds) of every duration histogram: from one statement to a slow turn.
const SECONDS_BUCKETS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0, 30.0, 60.0, 120.0,
];

/// The histogram of a chat turn's stages, by `stage`: in the gateway `accept` (the statement
/// that stores the message and its job) and `publish` (the job to JetStream, until
/// acknowledged); in a worker `start` (taking the delivery and the conversation's turn),
/// `history` (reading the conversation back), `model` (each model step, its streamed text
/// published), `tool` (each tool call with its ledger entry) and `finish` (the statement that
/// stores the reply).
pub const TURN_STAGE_SECONDS: &str = "taskwire_turn_stage_seconds";

/// Records how long `stage` of a turn took, from `since` to now.
pub fn record_stage(stage: &'static str, since: std::time::Instant) {
    metrics::histogram!(TURN_STAGE_SECONDS, "stage" => stage).record(since.elapsed().as_secs_f64());
}

/// The process's metrics, installing the recorder on first use. If another recorder was
/// installed first (an embedding application), this one still renders, just without the
/// `metrics!` macros' data.
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        // Histograms as buckets (summed across processes by Prometheus), not per-process
        // quantiles.
        let builder = PrometheusBuilder::new();
        let builder = match builder.set_buckets(SECONDS_BUCKETS) {
            Ok(with_buckets) => with_buckets,
            Err(e) => {
                tracing::warn!(error = %e, "histogram buckets refused; summaries instead");
                PrometheusBuilder::new()
            }
        };
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed; /metrics will be sparse");
        }
        handle
    })
}

/// The current metrics in Prometheus' text format.
pub fn render() -> String {
    handle().render()
}
