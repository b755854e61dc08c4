//! Prometheus metrics: one process-wide recorder, rendered by the gateway at `/metrics` and
//! by a worker at `WORKER_METRICS_ADDR`.

use std::{collections::BTreeMap, sync::OnceLock};

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// Bucket bounds (seconds) of every duration histogram: from one statement to a slow turn.
const SECONDS_BUCKETS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0, 30.0, 60.0, 120.0,
];

/// The histogram of how late reminders were sent (sent − due), in seconds.
pub const REMINDER_LATENESS_SECONDS: &str = "taskwire_reminder_lateness_seconds";

/// Bucket bounds (seconds) of [`REMINDER_LATENESS_SECONDS`]: on time (well under a second) to
/// a day late (every worker was down).
const LATENESS_BUCKETS: &[f64] = &[
    0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0, 21600.0, 86400.0,
];

/// The histogram of a chat turn's stages, by `stage` (a [`TurnStage`]'s name).
pub const TURN_STAGE_SECONDS: &str = "taskwire_turn_stage_seconds";

/// The counter of the rails that kept a chat model on track, by `rail` (see the worker's
/// `agent::rails`): how often the loop, not the model, chose a turn's next step.
pub const RAILS_TOTAL: &str = "taskwire_rails_total";

/// Counts one use of `rail`.
pub fn record_rail(rail: &'static str) {
    metrics::counter!(RAILS_TOTAL, "rail" => rail).increment(1);
}

/// How often each rail was used in this process so far (read back from the rendered
/// metrics; empty when another recorder was installed first).
pub fn rail_counts() -> BTreeMap<String, u64> {
    render()
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix(RAILS_TOTAL)?.strip_prefix("{rail=\"")?;
            let (rail, count) = rest.split_once("\"} ")?;
            Some((rail.to_owned(), count.trim().parse().ok()?))
        })
        .collect()
}

/// A stage of a chat turn, timed where it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TurnStage {
    /// Gateway: the statement that stores the message and its job.
    Accept,
    /// Gateway: the job to JetStream, until acknowledged.
    Publish,
    /// Worker: taking the delivery and the conversation's turn.
    Start,
    /// Worker: reading the conversation back.
    History,
    /// Worker: each model step, its streamed text published.
    Model,
    /// Worker: each tool call with its ledger entry.
    Tool,
    /// Worker: the statement that stores the reply.
    Finish,
}

impl TurnStage {
    /// Every stage, in the order a turn goes through them.
    pub const ALL: [TurnStage; 7] = [
        Self::Accept,
        Self::Publish,
        Self::Start,
        Self::History,
        Self::Model,
        Self::Tool,
        Self::Finish,
    ];

    /// The `stage` label.
    pub fn name(self) -> &'static str {
        match self {
            Self::Accept => "accept",
            Self::Publish => "publish",
            Self::Start => "start",
            Self::History => "history",
            Self::Model => "model",
            Self::Tool => "tool",
            Self::Finish => "finish",
        }
    }
}

/// Records how long `stage` of a turn took, from `since` to now.
pub fn record_stage(stage: TurnStage, since: std::time::Instant) {
    metrics::histogram!(TURN_STAGE_SECONDS, "stage" => stage.name())
        .record(since.elapsed().as_secs_f64());
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
        let builder = match builder.set_buckets_for_metric(
            metrics_exporter_prometheus::Matcher::Full(REMINDER_LATENESS_SECONDS.to_owned()),
            LATENESS_BUCKETS,
        ) {
            Ok(with_buckets) => with_buckets,
            Err(e) => {
                tracing::warn!(error = %e, "lateness buckets refused");
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
