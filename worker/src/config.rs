//! The worker's configuration: one typed struct, read once at start.

use std::time::Duration;

use common::config::{DatabaseConfig, LogConfig, NatsConfig};
use secrecy::SecretString;

/// Which model answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModelProvider {
    /// The deterministic offline model (default without an API key).
    Builtin,
    /// Any OpenAI-compatible Chat Completions server.
    Openai,
}

/// How closely the agent loop checks a model against the builtin's reading of the same
/// message (see `agent::rails`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Rails {
    /// Also steer by the builtin's reading: an empty answer met with what it reads, a guessed
    /// id corrected where both agree, the details the words state, the rest of a message.
    Steer,
    /// Only what needs no second reader: calls written as text recovered, ids never shown
    /// refused, arguments read leniently, the reply written from the tools' results.
    Basic,
}

/// Model settings.
#[derive(Debug, Clone, clap::Args)]
pub struct ModelConfig {
    /// `builtin` or `openai`; default `openai` when `OPENAI_API_KEY` is set, else `builtin`.
    #[arg(long = "model-provider", env = "MODEL_PROVIDER", value_enum)]
    pub provider: Option<ModelProvider>,
    /// API key for the OpenAI-compatible server (none for Ollama / vLLM without auth).
    #[arg(
        long = "openai-api-key",
        env = "OPENAI_API_KEY",
        hide_env_values = true
    )]
    pub openai_api_key: Option<SecretString>,
    /// Base URL including `/v1`, e.g. `http://127.0.0.1:11434/v1` for Ollama.
    #[arg(
        long = "openai-base-url",
        env = "OPENAI_BASE_URL",
        default_value = "https://api.openai.com/v1"
    )]
    pub openai_base_url: String,
    /// Model name.
    #[arg(
        long = "openai-model",
        env = "OPENAI_MODEL",
        default_value = "gpt-4o-mini"
    )]
    pub openai_model: String,
    /// Longest wait for the model's first byte, or between two stream chunks.
    #[arg(long = "openai-timeout", env = "OPENAI_TIMEOUT", default_value = "60s", value_parser = humantime::parse_duration)]
    pub openai_timeout: Duration,
    /// Retries of a failed model request (429, 5xx, timeouts) within one step.
    #[arg(
        long = "openai-max-retries",
        env = "OPENAI_MAX_RETRIES",
        default_value_t = 3
    )]
    pub openai_max_retries: u32,
    /// Extra latency per step of the builtin model, to make it behave like a remote model
    /// (soak tests, demos, benchmarks); 0 by default.
    #[arg(long = "builtin-step-delay", env = "BUILTIN_STEP_DELAY", default_value = "0s", value_parser = humantime::parse_duration)]
    pub builtin_step_delay: Duration,
    /// Sampling temperature, if the server should not use its default.
    #[arg(long = "openai-temperature", env = "OPENAI_TEMPERATURE")]
    pub openai_temperature: Option<f32>,
}

impl ModelConfig {
    /// The provider in effect.
    pub fn provider(&self) -> ModelProvider {
        self.provider.unwrap_or(if self.openai_api_key.is_some() {
            ModelProvider::Openai
        } else {
            ModelProvider::Builtin
        })
    }
}

/// How a turn runs.
#[derive(Debug, Clone, clap::Args)]
pub struct TurnConfig {
    /// Longest a turn may run (model calls and tools) before it fails with `timeout`.
    #[arg(long = "turn-timeout", env = "TURN_TIMEOUT", default_value = "120s", value_parser = humantime::parse_duration)]
    pub timeout: Duration,
    /// Most model steps (rounds of tool calls) in one turn.
    #[arg(long = "max-steps", env = "MAX_STEPS", default_value_t = 8)]
    pub max_steps: usize,
    /// Most earlier messages a turn sees.
    #[arg(
        long = "history-messages",
        env = "HISTORY_MESSAGES",
        default_value_t = 40
    )]
    pub history_messages: i64,
    /// Most characters of earlier messages a turn sees (oldest dropped first).
    #[arg(
        long = "history-chars",
        env = "HISTORY_CHARS",
        default_value_t = 24_000
    )]
    pub history_chars: usize,
    /// How long a conversation's turn lease lasts without renewal (a dead worker's turn is
    /// taken over after this).
    #[arg(long = "turn-lease", env = "TURN_LEASE", default_value = "30s", value_parser = humantime::parse_duration)]
    pub lease: Duration,
    /// First delay before a failed turn is retried; it doubles with each delivery (capped at
    /// a minute) unless the model said how long to wait.
    #[arg(long = "retry-backoff", env = "RETRY_BACKOFF", default_value = "1s", value_parser = humantime::parse_duration)]
    pub retry_backoff: Duration,
    /// Streamed text is sent at most once per this window: words arriving within it after
    /// the last `delta` event are held and go out with the first word after it, or before
    /// the next other event (the first word is never held). `0s` sends every fragment the
    /// model streams as its own event.
    #[arg(long = "delta-window", env = "DELTA_WINDOW", default_value = "50ms", value_parser = humantime::parse_duration)]
    pub delta_window: Duration,
    /// A bulk delete or update of more tasks than this asks the user to confirm first.
    #[arg(
        long = "bulk-confirm-over",
        env = "BULK_CONFIRM_OVER",
        default_value_t = 5
    )]
    pub bulk_confirm_over: usize,
    /// `steer` (default) or `basic`: whether the loop also steers the model by the builtin's
    /// reading of English messages. `basic` suits a strong model, and measures a model's own
    /// share of the eval.
    #[arg(
        long = "model-rails",
        env = "MODEL_RAILS",
        value_enum,
        default_value = "steer"
    )]
    pub rails: Rails,
}

/// Everything the worker needs to run.
#[derive(Debug, Clone, clap::Args)]
pub struct WorkerConfig {
    #[command(flatten)]
    pub database: DatabaseConfig,
    #[command(flatten)]
    pub nats: NatsConfig,
    #[command(flatten)]
    pub log: LogConfig,
    #[command(flatten)]
    pub model: ModelConfig,
    #[command(flatten)]
    pub turn: TurnConfig,
    #[command(flatten)]
    pub reminders: crate::reminders::ReminderConfig,
    /// Jobs run at once by this process. Turns wait on the model most of the time, so this
    /// is far above the core count.
    #[arg(long = "concurrency", env = "WORKER_CONCURRENCY", default_value_t = 32)]
    pub concurrency: usize,
    /// How long a job may go unacknowledged before JetStream redelivers it; running turns
    /// send progress every third of it. All workers should agree (the last one started wins).
    #[arg(long = "job-ack-wait", env = "JOB_ACK_WAIT", default_value = "30s", value_parser = humantime::parse_duration)]
    pub ack_wait: Duration,
    /// Where to serve `/metrics` (Prometheus), e.g. `127.0.0.1:9102`; off when unset.
    #[arg(long = "metrics-addr", env = "WORKER_METRICS_ADDR")]
    pub metrics_addr: Option<std::net::SocketAddr>,
    /// This worker's name in `chat_jobs.worker_id` and logs; default `<hostname>-<pid>`.
    #[arg(long = "worker-id", env = "WORKER_ID")]
    pub worker_id: Option<String>,
    /// After SIGTERM, how long to let running turns finish before exiting (unfinished ones
    /// are redelivered to another worker).
    #[arg(long = "shutdown-grace", env = "SHUTDOWN_GRACE", default_value = "30s", value_parser = humantime::parse_duration)]
    pub shutdown_grace: Duration,
}

impl WorkerConfig {
    /// The configured worker id, or `<hostname>-<pid>`.
    pub fn worker_id(&self) -> String {
        self.worker_id.clone().unwrap_or_else(|| {
            let host = std::fs::read_to_string("/etc/hostname")
                .map(|h| h.trim().to_owned())
                .ok()
                .filter(|h| !h.is_empty())
                .unwrap_or_else(|| "worker".to_owned());
            format!("{host}-{}", std::process::id())
        })
    }

    /// A configuration for tests: the builtin model and short timeouts.
    pub fn for_test(database_url: &str, nats_url: &str) -> Self {
        Self {
            database: DatabaseConfig::from_url(database_url),
            nats: NatsConfig::from_url(nats_url),
            log: LogConfig {
                format: common::telemetry::LogFormat::Pretty,
            },
            model: ModelConfig {
                provider: Some(ModelProvider::Builtin),
                openai_api_key: None,
                openai_base_url: "http://127.0.0.1:9/v1".to_owned(),
                openai_model: "test-model".to_owned(),
                openai_timeout: Duration::from_secs(5),
                openai_max_retries: 2,
                openai_temperature: None,
                builtin_step_delay: Duration::ZERO,
            },
            turn: TurnConfig {
                timeout: Duration::from_secs(20),
                max_steps: 8,
                history_messages: 40,
                history_chars: 24_000,
                lease: Duration::from_secs(5),
                retry_backoff: Duration::from_millis(100),
                delta_window: Duration::from_millis(50),
                bulk_confirm_over: 5,
                rails: Rails::Steer,
            },
            reminders: crate::reminders::ReminderConfig::for_test(),
            concurrency: 16,
            ack_wait: Duration::from_secs(30),
            worker_id: None,
            metrics_addr: None,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}
