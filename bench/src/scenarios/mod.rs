//! The five scenarios, and the closed loop they share: `concurrency` clients each run one
//! request after another until the end; only requests that end inside the measuring window
//! (after the warm-up) count. Clients start spread over the warm-up.

pub mod chat;
pub mod history;
pub mod llm;
pub mod streams;
pub mod tasks;

use std::{
    future::Future,
    time::{Duration, Instant},
};

use serde::{Deserialize, Serialize};
use tokio::task::JoinSet;

use crate::cpu::{self, CoresUsed};

/// How long a closed loop runs.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Timing {
    /// Seconds before the window opens (requests ending earlier are not counted).
    pub warmup_s: f64,
    /// Seconds of the measuring window.
    pub duration_s: f64,
}

impl Timing {
    pub fn new(warmup: Duration, duration: Duration) -> Self {
        Self {
            warmup_s: warmup.as_secs_f64(),
            duration_s: duration.as_secs_f64(),
        }
    }

    /// When the window of a loop started at `start` opens and closes.
    pub fn window(&self, start: Instant) -> (Instant, Instant) {
        let open = start + Duration::from_secs_f64(self.warmup_s);
        (open, open + Duration::from_secs_f64(self.duration_s))
    }
}

/// A sample that knows when it ended.
pub trait Ended {
    fn ended(&self) -> Instant;
}

/// What a closed loop measured inside its window.
pub struct Window<T> {
    pub samples: Vec<T>,
    pub errors: u64,
    pub first_error: Option<String>,
    pub seconds: f64,
    /// Cores each component used during the window.
    pub cpu: CoresUsed,
}

impl<T> Window<T> {
    /// Samples per second of the window.
    pub fn rate(&self) -> f64 {
        if self.seconds > 0.0 {
            self.samples.len() as f64 / self.seconds
        } else {
            0.0
        }
    }
}

/// Runs `concurrency` clients, each calling `step(client, n)` for n = 0, 1, … until the
/// window closes, and keeps the samples that ended inside the window.
pub async fn closed_loop<T, F, Fut>(concurrency: usize, timing: Timing, step: F) -> Window<T>
where
    T: Ended + Send + 'static,
    F: Fn(usize, u64) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<T>> + Send,
{
    closed_loop_from(Instant::now(), concurrency, timing, step).await
}

/// What `sample` reads when the window `(open, close)` opens and when it closes (a task).
pub fn at_window_edges<S, F, Fut>(
    (open, close): (Instant, Instant),
    sample: F,
) -> tokio::task::JoinHandle<(S, S)>
where
    S: Send + 'static,
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = S> + Send,
{
    tokio::spawn(async move {
        tokio::time::sleep_until(open.into()).await;
        let first = sample().await;
        tokio::time::sleep_until(close.into()).await;
        (first, sample().await)
    })
}

/// [`closed_loop`], its warm-up counted from `start`.
pub async fn closed_loop_from<T, F, Fut>(
    start: Instant,
    concurrency: usize,
    timing: Timing,
    step: F,
) -> Window<T>
where
    T: Ended + Send + 'static,
    F: Fn(usize, u64) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<T>> + Send,
{
    let (open, close) = timing.window(start);
    let cpu_sampler = at_window_edges((open, close), || async {
        tokio::task::spawn_blocking(cpu::sample).await.ok()
    });
    let mut clients = JoinSet::new();
    for client in 0..concurrency {
        let step = step.clone();
        // Starts are spread over the warm-up: clients started together finish together, and
        // a window would then count whole rounds only (a quantisation error of up to a turn).
        let offset = Duration::from_secs_f64(timing.warmup_s * client as f64 / concurrency as f64);
        clients.spawn(async move {
            tokio::time::sleep(offset).await;
            let mut kept = Vec::new();
            let mut errors = 0u64;
            let mut first_error = None;
            let mut n = 0u64;
            while Instant::now() < close {
                match step(client, n).await {
                    Ok(sample) => {
                        let at = sample.ended();
                        if at >= open && at <= close {
                            kept.push(sample);
                        }
                    }
                    Err(e) => {
                        errors += 1;
                        first_error.get_or_insert_with(|| format!("{e:#}"));
                        // Back off a little so a failing stack is not hammered.
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                }
                n += 1;
            }
            (kept, errors, first_error)
        });
    }
    let mut window = Window {
        samples: Vec::new(),
        errors: 0,
        first_error: None,
        seconds: timing.duration_s,
        cpu: CoresUsed::new(),
    };
    while let Some(joined) = clients.join_next().await {
        match joined {
            Ok((kept, errors, first_error)) => {
                window.samples.extend(kept);
                window.errors += errors;
                if window.first_error.is_none() {
                    window.first_error = first_error;
                }
            }
            Err(e) => {
                window.errors += 1;
                window.first_error.get_or_insert_with(|| e.to_string());
            }
        }
    }
    window.cpu = match cpu_sampler.await {
        Ok((Some(start), Some(end))) => cpu::cores_used(&start, &end),
        _ => CoresUsed::new(),
    };
    window
}

impl Ended for crate::client::Turn {
    fn ended(&self) -> Instant {
        self.ended
    }
}

/// Parses "1,10,50" into numbers.
pub fn parse_list(s: &str) -> Result<Vec<usize>, String> {
    s.split(',')
        .map(|part| {
            part.trim()
                .parse::<usize>()
                .map_err(|e| format!("{part:?}: {e}"))
        })
        .collect()
}

/// A run id, so repeated runs against one database use fresh users.
pub fn run_id() -> String {
    format!("b{}", chrono::Utc::now().format("%H%M%S%3f"))
}
