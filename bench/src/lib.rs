//! Taskwire's load harness: scenario functions that drive a running stack (gateway, workers,
//! Postgres, NATS) over real sockets and return serialisable results, a fake OpenAI-compatible
//! model with a configurable pace, and the report (markdown summary and PNG charts).
//!
//! The `loadgen` binary exposes each scenario as a subcommand; `bench/run.sh` starts a private
//! stack and runs them all; `bench/tests/smoke.rs` runs each for about a second in CI.

pub mod charts;
pub mod client;
pub mod cpu;
pub mod fake_llm;
pub mod report;
pub mod scenarios;
pub mod scrape;
pub mod stages;
pub mod stats;

use std::path::Path;

use anyhow::Context;
use serde::Serialize;

/// Resident memory of process `pid` in MiB (`VmRSS` of `/proc/<pid>/status`).
pub fn rss_mib(pid: u32) -> anyhow::Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    let kib: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .with_context(|| format!("no VmRSS in /proc/{pid}/status"))?;
    Ok(kib / 1024.0)
}

/// Sum of the resident memory of `pids`, in MiB.
pub fn total_rss_mib(pids: &[u32]) -> anyhow::Result<f64> {
    pids.iter().map(|&pid| rss_mib(pid)).sum()
}

/// Writes `value` as pretty JSON to `path`, creating its directory.
pub fn write_json(path: &Path, value: &impl Serialize) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let text = serde_json::to_string_pretty(value)?;
    std::fs::write(path, text + "\n").with_context(|| format!("writing {}", path.display()))
}
