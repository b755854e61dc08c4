//! The reminder scheduler's and the webhook deliverer's settings (part of the worker's
//! configuration, documented in docs/configuration.md).

use std::time::Duration;

/// Sending reminders and delivering them to webhooks.
#[derive(Debug, Clone, clap::Args)]
pub struct ReminderConfig {
    /// Whether this worker sends due reminders (any number of workers may).
    #[arg(long = "reminders-enabled", env = "REMINDERS_ENABLED", default_value_t = true, action = clap::ArgAction::Set)]
    pub enabled: bool,
    /// Longest the scheduler sleeps without looking at the schedule. It wakes earlier at the
    /// soonest armed reminder's time, and when a reminder is armed (Postgres NOTIFY).
    #[arg(long = "reminder-poll", env = "REMINDER_POLL", default_value = "30s", value_parser = humantime::parse_duration)]
    pub poll: Duration,
    /// Reminders claimed per transaction.
    #[arg(long = "reminder-batch", env = "REMINDER_BATCH", default_value_t = 100)]
    pub batch: i64,
    /// A reminder sent more than this after its time says it is late.
    #[arg(long = "reminder-late-after", env = "REMINDER_LATE_AFTER", default_value = "30s", value_parser = humantime::parse_duration)]
    pub late_after: Duration,
    /// How often notifications written but not published (a worker died in between) are
    /// published again.
    #[arg(long = "reminder-sweep", env = "REMINDER_SWEEP", default_value = "5s", value_parser = humantime::parse_duration)]
    pub sweep: Duration,
    /// Whether this worker delivers notifications to webhooks.
    #[arg(long = "webhooks-enabled", env = "WEBHOOKS_ENABLED", default_value_t = true, action = clap::ArgAction::Set)]
    pub webhooks: bool,
    /// Longest one webhook POST may take (connect, send, answer).
    #[arg(long = "webhook-timeout", env = "WEBHOOK_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub webhook_timeout: Duration,
    /// Attempts per notification before its delivery is recorded as failed.
    #[arg(
        long = "webhook-max-attempts",
        env = "WEBHOOK_MAX_ATTEMPTS",
        default_value_t = 6
    )]
    pub webhook_max_attempts: i64,
    /// Wait before the second attempt; it doubles with each attempt (capped at an hour).
    #[arg(long = "webhook-retry-base", env = "WEBHOOK_RETRY_BASE", default_value = "5s", value_parser = humantime::parse_duration)]
    pub webhook_retry_base: Duration,
    /// Deliveries in flight at once in this worker.
    #[arg(
        long = "webhook-concurrency",
        env = "WEBHOOK_CONCURRENCY",
        default_value_t = 16
    )]
    pub webhook_concurrency: usize,
    /// Allow webhooks to loopback and private addresses (tests, a home network). Off: such
    /// a URL is refused when saved and when resolved.
    #[arg(long = "webhook-allow-private", env = "WEBHOOK_ALLOW_PRIVATE", default_value_t = false, action = clap::ArgAction::Set)]
    pub webhook_allow_private: bool,
}

impl ReminderConfig {
    /// Settings for tests: quick polls and retries, private webhook addresses allowed.
    pub fn for_test() -> Self {
        Self {
            enabled: true,
            poll: Duration::from_secs(1),
            batch: 100,
            late_after: Duration::from_secs(30),
            sweep: Duration::from_millis(500),
            webhooks: true,
            webhook_timeout: Duration::from_secs(5),
            webhook_max_attempts: 4,
            webhook_retry_base: Duration::from_millis(100),
            webhook_concurrency: 16,
            webhook_allow_private: true,
        }
    }
}
