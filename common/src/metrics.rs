//! Prometheus metrics: one process-wide recorder, rendered by the gateway at `/metrics` and
//! by a worker at `WORKER_METRICS_ADDR`.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// The process's metrics, installing the recorder on first use. If another recorder was
/// installed first (an embedding application), this one still renders, just without the
/// `metrics!` macros' data.
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new().build_recorder();
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
