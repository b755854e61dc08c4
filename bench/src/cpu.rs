//! Where the machine's CPU went during a measuring window: the CPU time of every process,
//! grouped by component (Postgres, NATS, gateway, workers, the load generator), read from
//! `/proc` at the window's start and end. This is what says which resource a missed target
//! ran into.

use std::{collections::BTreeMap, fs};

/// The components processes are grouped into, by their command name.
const COMPONENTS: [(&str, &str); 5] = [
    ("postgres", "postgres"),
    ("nats-server", "nats"),
    ("gateway", "gateway"),
    ("worker", "worker"),
    ("loadgen", "loadgen"),
];

/// Cumulative CPU ticks: the machine's (busy and all) and each component's.
#[derive(Debug, Clone, Default)]
pub struct CpuSample {
    machine_total: u64,
    machine_busy: u64,
    cpus: usize,
    by_component: BTreeMap<&'static str, u64>,
}

/// Cores used on average between two samples, per component, plus `machine` (all busy time,
/// whoever used it) and `other` (the rest). Empty when `/proc` could not be read.
pub type CoresUsed = BTreeMap<String, f64>;

/// Reads the machine's and every process's CPU ticks now. Processes that vanish while being
/// read are skipped; without `/proc` the sample is empty.
pub fn sample() -> CpuSample {
    let Ok(stat) = fs::read_to_string("/proc/stat") else {
        return CpuSample::default();
    };
    let mut sample = CpuSample::default();
    for line in stat.lines() {
        if let Some(rest) = line.strip_prefix("cpu ") {
            // user nice system idle iowait irq softirq steal …
            let ticks: Vec<u64> = rest
                .split_whitespace()
                .filter_map(|t| t.parse().ok())
                .collect();
            sample.machine_total = ticks.iter().take(8).sum();
            let idle = ticks.get(3).copied().unwrap_or(0) + ticks.get(4).copied().unwrap_or(0);
            sample.machine_busy = sample.machine_total.saturating_sub(idle);
        } else if line.starts_with("cpu") {
            sample.cpus += 1;
        }
    }
    let Ok(procs) = fs::read_dir("/proc") else {
        return sample;
    };
    for entry in procs.flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(stat) = fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        if let Some((comm, ticks)) = parse_stat(&stat)
            && let Some((_, component)) = COMPONENTS.iter().find(|(c, _)| *c == comm)
        {
            *sample.by_component.entry(component).or_default() += ticks;
        }
    }
    sample
}

/// The command name and the user + system ticks of one `/proc/<pid>/stat` line.
fn parse_stat(stat: &str) -> Option<(&str, u64)> {
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split at the last ')'.
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let comm = stat.get(open + 1..close)?;
    let fields: Vec<&str> = stat.get(close + 1..)?.split_whitespace().collect();
    // Fields 14 and 15 of the line (utime, stime) are the 12th and 13th after the comm.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((comm, utime + stime))
}

/// Average cores used per component between `start` and `end`.
pub fn cores_used(start: &CpuSample, end: &CpuSample) -> CoresUsed {
    let total = end.machine_total.saturating_sub(start.machine_total);
    if total == 0 || end.cpus == 0 {
        return CoresUsed::new();
    }
    let cores = |ticks: u64| ticks as f64 / total as f64 * end.cpus as f64;
    let mut used = CoresUsed::new();
    let mut counted = 0;
    for (_, component) in COMPONENTS {
        let ticks = end
            .by_component
            .get(component)
            .copied()
            .unwrap_or(0)
            .saturating_sub(start.by_component.get(component).copied().unwrap_or(0));
        counted += ticks;
        used.insert(component.to_owned(), cores(ticks));
    }
    let busy = end.machine_busy.saturating_sub(start.machine_busy);
    used.insert("other".to_owned(), cores(busy.saturating_sub(counted)));
    used.insert("machine".to_owned(), cores(busy));
    used.insert("cpus".to_owned(), end.cpus as f64);
    used
}

/// "postgres 0.62 · nats 0.43 · … of 2 cores (95% busy)", largest first; "—" when empty.
pub fn describe(used: &CoresUsed) -> String {
    let (Some(cpus), Some(machine)) = (used.get("cpus"), used.get("machine")) else {
        return "—".to_owned();
    };
    let mut parts: Vec<(&String, &f64)> = used
        .iter()
        .filter(|(k, v)| !matches!(k.as_str(), "cpus" | "machine") && **v >= 0.005)
        .collect();
    parts.sort_by(|a, b| b.1.total_cmp(a.1));
    let list: Vec<String> = parts.iter().map(|(k, v)| format!("{k} {v:.2}")).collect();
    format!(
        "{} of {cpus:.0} cores ({:.0}% busy)",
        list.join(" · "),
        machine / cpus * 100.0
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stat_line_gives_its_command_and_cpu_ticks() {
        let line =
            "4242 (nats-server) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 75 0 0 20 0 9 0 100 0 0";
        assert_eq!(parse_stat(line), Some(("nats-server", 325)));
        let odd = "7 (a (b) c) R 1 2 3 4 5 6 7 8 9 10 11 12 0 0 0 0 0 0 0 0 0";
        assert_eq!(parse_stat(odd), Some(("a (b) c", 23)));
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn this_process_shows_up_as_busy_while_it_spins() {
        let start = sample();
        let until = std::time::Instant::now() + std::time::Duration::from_millis(300);
        let mut x = 0u64;
        while std::time::Instant::now() < until {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
        }
        std::hint::black_box(x);
        let used = cores_used(&start, &sample());
        assert!(used["cpus"] >= 1.0, "{used:?}");
        assert!(used["machine"] > 0.2, "{used:?}");
        assert!(describe(&used).contains("cores"), "{}", describe(&used));
    }
}
