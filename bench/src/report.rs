//! The report: reads the result files of a run and writes `SUMMARY.md` (targets met or not,
//! a table per scenario) and the PNG charts.

use std::{fmt::Write as _, path::Path};

use anyhow::Context;
use serde::de::DeserializeOwned;

use crate::scenarios::{
    chat::ChatResult, history::HistoryResult, llm::LlmPoint, streams::StreamsResult,
    tasks::TasksResult,
};

/// Everything one run produced (each part absent when its scenario did not run).
#[derive(Default)]
pub struct Results {
    pub chat: Option<ChatResult>,
    pub llm: Vec<LlmPoint>,
    pub history: Option<HistoryResult>,
    pub tasks: Option<TasksResult>,
    pub streams: Option<StreamsResult>,
}

fn read<T: DeserializeOwned>(path: &Path) -> anyhow::Result<Option<T>> {
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(path)?;
    Ok(Some(
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?,
    ))
}

impl Results {
    /// Reads `chat.json`, `llm.json`, `history.json`, `tasks.json`, `streams.json` in `dir`.
    pub fn load(dir: &Path) -> anyhow::Result<Self> {
        Ok(Self {
            chat: read(&dir.join("chat.json"))?,
            llm: read(&dir.join("llm.json"))?.unwrap_or_default(),
            history: read(&dir.join("history.json"))?,
            tasks: read(&dir.join("tasks.json"))?,
            streams: read(&dir.join("streams.json"))?,
        })
    }
}

/// One target: what it asks, what was measured, whether it is met.
pub struct Verdict {
    pub target: String,
    pub measured: String,
    pub met: bool,
}

fn verdict(target: &str, measured: String, met: bool) -> Verdict {
    Verdict {
        target: target.to_owned(),
        measured,
        met,
    }
}

/// The targets against the results.
pub fn verdicts(r: &Results) -> Vec<Verdict> {
    let mut out = Vec::new();
    if let Some(p) = r
        .chat
        .as_ref()
        .and_then(|c| c.points.iter().find(|p| p.users == 50))
    {
        out.push(verdict(
            "1 · 50 users: ≥ 500 turns/s",
            format!("{:.0} turns/s", p.turns_per_s),
            p.turns_per_s >= 500.0,
        ));
        out.push(verdict(
            "1 · 50 users: `done` p50 ≤ 5 ms, p99 ≤ 25 ms",
            format!("p50 {:.1} ms, p99 {:.1} ms", p.done.p50_ms, p.done.p99_ms),
            p.done.p50_ms <= 5.0 && p.done.p99_ms <= 25.0,
        ));
    }
    let conc: Vec<&LlmPoint> = r
        .llm
        .iter()
        .filter(|p| p.setup.series == "concurrency")
        .collect();
    if !conc.is_empty() {
        let worst = conc
            .iter()
            .map(|p| p.efficiency)
            .fold(f64::INFINITY, f64::min);
        out.push(verdict(
            "2 · 1 worker up to 512 in flight: ≥ 90% of ideal",
            format!("worst {:.1}% of ideal", worst * 100.0),
            worst >= 0.9,
        ));
        if let Some(top) = conc.iter().max_by_key(|p| p.in_flight) {
            out.push(verdict(
                "2 · worker RSS ≤ 150 MB at 512 in flight",
                format!(
                    "{:.0} MiB at {} in flight",
                    top.worker_rss_mib, top.in_flight
                ),
                top.worker_rss_mib <= 150.0 && top.in_flight >= 512,
            ));
        }
    }
    if let Some(h) = &r.history {
        out.push(verdict(
            "3 · per-turn cost at 10,000 msgs ≤ 1.3 × at 10",
            format!("{:.2} ×", h.cost_ratio),
            h.cost_ratio > 0.0 && h.cost_ratio <= 1.3,
        ));
    }
    if let Some(list) = r
        .tasks
        .as_ref()
        .and_then(|t| t.points.iter().find(|p| p.operation == "list"))
    {
        out.push(verdict(
            "4 · list at 64 connections: ≥ 10,000 req/s, p99 ≤ 10 ms",
            format!(
                "{:.0} req/s, p99 {:.1} ms",
                list.requests_per_s, list.latency.p99_ms
            ),
            list.requests_per_s >= 10_000.0 && list.latency.p99_ms <= 10.0,
        ));
    }
    if let Some(s) = &r.streams {
        out.push(verdict(
            "5 · gateway RSS ≤ 200 MB with 1,000 open streams",
            format!(
                "{:.0} MiB with {} open",
                s.gateway_rss_peak_mib, s.peak_open
            ),
            s.gateway_rss_peak_mib <= 200.0 && s.peak_open >= 1000,
        ));
    }
    out
}

/// `SUMMARY.md`'s text.
pub fn summary(r: &Results, machine: &str) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# Taskwire performance — latest run\n");
    let _ = writeln!(
        md,
        "{machine}. Reproduce with `bench/run.sh` (see docs/performance.md).\n"
    );
    let _ = writeln!(
        md,
        "## Targets\n\n| target | measured | met |\n|---|---|---|"
    );
    for v in verdicts(r) {
        let _ = writeln!(
            md,
            "| {} | {} | {} |",
            v.target,
            v.measured,
            if v.met { "yes" } else { "**no**" }
        );
    }
    cpu_section(&mut md, r);
    if let Some(c) = &r.chat {
        let _ = writeln!(
            md,
            "\n## 1 · Orchestration overhead (builtin model)\n\n![chat](chat.png)\n\n\
             | users | turns/s | accepted p50/p99 | first delta p50/p99 | done p50/p95/p99 | errors |\n|---|---|---|---|---|---|"
        );
        for p in &c.points {
            let _ = writeln!(
                md,
                "| {} | {:.0} | {:.1} / {:.1} ms | {:.1} / {:.1} ms | {:.1} / {:.1} / {:.1} ms | {} |",
                p.users,
                p.turns_per_s,
                p.accepted.p50_ms,
                p.accepted.p99_ms,
                p.first_delta.p50_ms,
                p.first_delta.p99_ms,
                p.done.p50_ms,
                p.done.p95_ms,
                p.done.p99_ms,
                p.errors
            );
        }
        let _ = writeln!(
            md,
            "\nPer stage, p50 / p99 in ms, from the jobs' timestamps (see `bench/src/stages.rs`):\n\n\
             | users | accept (tx + publish) | queue | start → tool recorded | tool → reply | reply → finished | delivery of `done` |\n|---|---|---|---|---|---|---|"
        );
        for p in &c.points {
            let s = &p.stages;
            let f = |l: &crate::stats::Latency| format!("{:.1} / {:.1}", l.p50_ms, l.p99_ms);
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} | {} |",
                p.users,
                f(&s.accept),
                f(&s.queue),
                f(&s.to_first_tool),
                f(&s.to_reply),
                f(&s.commit),
                f(&s.delivery)
            );
        }
        let stages = common::metrics::TurnStage::ALL.map(common::metrics::TurnStage::name);
        if c.points.iter().any(|p| !p.stage_means_ms.is_empty()) {
            let _ = writeln!(
                md,
                "\nMean ms per stage where it runs, from the services' `taskwire_turn_stage_seconds` \
                 (gateway: the accepting statement, the job's publish; worker: the start statement, \
                 the history read, each model step, each tool call, the reply's statement):\n\n\
                 | users | {} |\n|---|{}",
                stages.join(" | "),
                "---|".repeat(stages.len())
            );
            for p in &c.points {
                let cells: Vec<String> = stages
                    .iter()
                    .map(|stage| match p.stage_means_ms.get(*stage) {
                        Some(ms) => format!("{ms:.2}"),
                        None => "—".to_owned(),
                    })
                    .collect();
                let _ = writeln!(md, "| {} | {} |", p.users, cells.join(" | "));
            }
        }
    }
    if !r.llm.is_empty() {
        let _ = writeln!(
            md,
            "\n## 2 · LLM-bound scaling (fake model, {:.2} s of model time per turn)\n\n![llm](llm.png)\n\n\
             | setup | in flight | turns/s | ideal | of ideal | done p50/p99 | worker RSS | errors |\n|---|---|---|---|---|---|---|---|",
            r.llm[0].model_turn_s
        );
        for p in &r.llm {
            let _ = writeln!(
                md,
                "| {} | {} | {:.1} | {:.1} | {:.0}% | {:.2} / {:.2} s | {:.0} MiB | {} |",
                p.setup.label,
                p.in_flight,
                p.turns_per_s,
                p.ideal_turns_per_s,
                p.efficiency * 100.0,
                p.done.p50_ms / 1000.0,
                p.done.p99_ms / 1000.0,
                p.worker_rss_mib,
                p.errors
            );
        }
    }
    if let Some(h) = &r.history {
        let _ = writeln!(
            md,
            "\n## 3 · History length\n\n| messages | turns | done p50/p99 | job run p50/p99 | history query (EXPLAIN ANALYZE) |\n|---|---|---|---|---|"
        );
        for p in &h.points {
            let _ = writeln!(
                md,
                "| {} | {} | {:.1} / {:.1} ms | {:.1} / {:.1} ms | {:.2} ms |",
                p.messages,
                p.turns,
                p.done.p50_ms,
                p.done.p99_ms,
                p.run.p50_ms,
                p.run.p99_ms,
                p.history_query_ms
            );
        }
    }
    if let Some(t) = &r.tasks {
        let _ = writeln!(
            md,
            "\n## 4 · Task API ({} users × {} tasks, pages of 50; beside them {} users × {} tasks)\n\n| operation | connections | req/s | p50 | p99 | errors |\n|---|---|---|---|---|---|",
            t.users,
            t.tasks_per_user,
            crate::scenarios::tasks::HEAVY_USERS,
            t.tasks_per_user * crate::scenarios::tasks::HEAVY_FACTOR
        );
        for p in &t.points {
            let _ = writeln!(
                md,
                "| {} | {} | {:.0} | {:.2} ms | {:.2} ms | {} |",
                p.operation,
                p.connections,
                p.requests_per_s,
                p.latency.p50_ms,
                p.latency.p99_ms,
                p.errors
            );
        }
    }
    if let Some(s) = &r.streams {
        let _ = writeln!(
            md,
            "\n## 5 · Streams held open\n\n| clients | accepted | peak open | done while held | gateway RSS before → peak | per stream | errors |\n|---|---|---|---|---|---|---|\n\
             | {} | {} | {} | {} | {:.0} → {:.0} MiB | {:.0} KiB | {} |",
            s.clients,
            s.accepted,
            s.peak_open,
            s.done,
            s.gateway_rss_baseline_mib,
            s.gateway_rss_peak_mib,
            s.per_stream_kib,
            s.errors
        );
    }
    md
}

/// A line describing this machine (cores and CPU model).
/// Where the CPU went during each closed-loop window: what says which resource a missed
/// target ran into.
fn cpu_section(md: &mut String, r: &Results) {
    let mut rows = Vec::new();
    if let Some(c) = &r.chat {
        for p in &c.points {
            rows.push((format!("1 · {} users", p.users), &p.cpu));
        }
    }
    for p in &r.llm {
        rows.push((format!("2 · {}", p.setup.label), &p.cpu));
    }
    if let Some(t) = &r.tasks {
        for p in &t.points {
            rows.push((format!("4 · {} × {}", p.operation, p.connections), &p.cpu));
        }
    }
    if rows.iter().all(|(_, cpu)| cpu.is_empty()) {
        return;
    }
    let _ = writeln!(
        md,
        "\n## Where the CPU went\n\nCores used on average during each measuring window, per \
         component, from `/proc` (`bench/src/cpu.rs`; `loadgen` is the load generator and, in \
         scenario 2, the fake model):\n\n| window | cores |\n|---|---|"
    );
    for (label, cpu) in rows {
        let _ = writeln!(md, "| {label} | {} |", crate::cpu::describe(cpu));
    }
}

pub fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|r| r.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    format!(
        "{} · {cores} cores ({model}); Postgres, NATS, gateway, workers and load generator on the same machine",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC")
    )
}

/// Writes `SUMMARY.md` and the charts into `dir`.
pub fn write(dir: &Path) -> anyhow::Result<()> {
    let results = Results::load(dir)?;
    std::fs::write(dir.join("SUMMARY.md"), summary(&results, &machine()))?;
    crate::charts::draw(&results, dir)
}
