//! Sends due reminders, each exactly once, from any number of workers.
//!
//! One claim is one transaction: the due reminders (`for update skip locked`), their
//! notifications, and their "sent" mark commit together, so a worker killed before the commit
//! sent nothing and its reminders are still armed, and one killed after it sent them all. The
//! notifications are published after the commit with `Nats-Msg-Id` = their id; a worker killed
//! before it published leaves them unpublished, and [`Scheduler::sweep_forever`] (on any
//! worker) publishes them; JetStream drops a publish it already stored.
//!
//! The scheduler sleeps until the soonest armed reminder is due (bounded by `poll`), and a
//! reminder armed sooner wakes it at once (`pg_notify` from the `reminders` table's trigger).

use std::{sync::Arc, time::Duration};

use async_nats::jetstream;
use common::{
    db::{self, notifications::Claimed},
    notifications::{ARMED_CHANNEL, Notification, streams},
};
use sqlx::{PgPool, postgres::PgListener};

use super::ReminderConfig;

/// Notifications the sweep publishes per transaction.
const SWEEP_BATCH: i64 = 200;
/// How old an unpublished notification must be before the sweep publishes it: younger ones
/// are most likely being published by the worker that wrote them.
const SWEEP_MIN_AGE_SECS: f64 = 2.0;
/// Slack after a reminder's time before claiming it, so the claim's `now()` has passed it.
const WAKE_SLACK: Duration = Duration::from_millis(5);

/// The reminder scheduler of one worker.
#[derive(Clone)]
pub struct Scheduler {
    pool: PgPool,
    js: jetstream::Context,
    settings: Arc<Settings>,
}

struct Settings {
    poll: Duration,
    batch: i64,
    late_after: f64,
    sweep: Duration,
}

impl Scheduler {
    pub fn new(pool: PgPool, js: jetstream::Context, config: &ReminderConfig) -> Self {
        Self {
            pool,
            js,
            settings: Arc::new(Settings {
                poll: config.poll,
                batch: config.batch.max(1),
                late_after: config.late_after.as_secs_f64(),
                sweep: config.sweep,
            }),
        }
    }

    /// Sends reminders as they come due, until aborted.
    pub async fn run(self) {
        let mut listener = self.listen().await;
        loop {
            let wait = match self.until_next_due().await {
                Ok(Some(wait)) if wait.is_zero() => {
                    self.send_due().await;
                    continue;
                }
                Ok(Some(wait)) => (wait + WAKE_SLACK).min(self.settings.poll),
                Ok(None) => self.settings.poll,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the reminder schedule; retrying");
                    self.settings.poll.min(Duration::from_secs(1))
                }
            };
            self.wait(wait, &mut listener).await;
        }
    }

    /// A listener for armed reminders, or `None` (then the scheduler polls) if Postgres
    /// refuses one now; it is tried again after the next wait.
    async fn listen(&self) -> Option<PgListener> {
        let made = async {
            let mut listener = PgListener::connect_with(&self.pool).await?;
            listener.listen(ARMED_CHANNEL).await?;
            Ok::<_, sqlx::Error>(listener)
        };
        match made.await {
            Ok(listener) => Some(listener),
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for armed reminders; polling");
                None
            }
        }
    }

    /// Waits `wait`, or less if a reminder is armed meanwhile.
    async fn wait(&self, wait: Duration, listener: &mut Option<PgListener>) {
        let Some(active) = listener else {
            tokio::time::sleep(wait).await;
            *listener = self.listen().await;
            return;
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            woke = active.recv() => {
                if let Err(e) = woke {
                    tracing::warn!(error = %e, "reminder listener failed; listening again");
                    *listener = None;
                }
            }
        }
    }

    /// How long until the soonest armed reminder is due, on Postgres' clock (zero if one is
    /// due now); `None` if none is armed.
    async fn until_next_due(&self) -> anyhow::Result<Option<Duration>> {
        let secs: Option<f64> = sqlx::query_scalar(
            "select extract(epoch from min(remind_at) - now())::float8 from reminders
             where sent_at is null and remind_at is not null",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(secs.map(|s| Duration::from_secs_f64(s.max(0.0))))
    }

    /// Claims and sends due reminders until none is left due.
    async fn send_due(&self) {
        loop {
            match self.claim_and_publish().await {
                Ok(due) if due as i64 >= self.settings.batch => continue,
                Ok(_) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "claiming due reminders failed");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    return;
                }
            }
        }
    }

    /// One claim: commits a batch of notifications, then publishes them. Returns how many
    /// reminders were due.
    pub async fn claim_and_publish(&self) -> anyhow::Result<usize> {
        let mut tx = self.pool.begin().await?;
        let claimed =
            db::notifications::claim_due(&mut tx, self.settings.batch, self.settings.late_after)
                .await?;
        tx.commit().await?;
        record(&claimed);
        if !claimed.notifications.is_empty() {
            self.publish(&claimed.notifications).await;
        }
        Ok(claimed.due)
    }

    /// Publishes committed notifications and marks them; a failure is left to the sweep.
    async fn publish(&self, notifications: &[Notification]) {
        match streams::publish(&self.js, notifications).await {
            Ok(ids) => {
                if let Err(e) = db::notifications::mark_published(&self.pool, &ids).await {
                    tracing::warn!(error = %e, "notifications published but not marked; the sweep republishes them (deduplicated)");
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, count = notifications.len(), "publishing notifications failed; the sweep will");
            }
        }
    }

    /// Publishes, every `sweep`, the notifications a dead worker (or an outage) left
    /// unpublished. Runs until aborted.
    pub async fn sweep_forever(self) {
        let mut tick = tokio::time::interval(self.settings.sweep);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match self.sweep_once().await {
                Ok(0) => {}
                Ok(n) => {
                    metrics::counter!("taskwire_notifications_republished_total")
                        .increment(n as u64);
                    tracing::info!(published = n, "published notifications left unpublished");
                }
                Err(e) => tracing::warn!(error = %e, "notification sweep failed"),
            }
        }
    }

    /// One sweep; returns how many notifications it published.
    pub async fn sweep_once(&self) -> anyhow::Result<usize> {
        let mut tx = self.pool.begin().await?;
        let stale =
            db::notifications::lock_unpublished(&mut tx, SWEEP_MIN_AGE_SECS, SWEEP_BATCH).await?;
        if stale.is_empty() {
            return Ok(0);
        }
        let ids = streams::publish(&self.js, &stale).await?;
        db::notifications::mark_published(&mut *tx, &ids).await?;
        tx.commit().await?;
        Ok(ids.len())
    }
}

/// Counts a claim in the metrics.
fn record(claimed: &Claimed) {
    if claimed.due == 0 {
        return;
    }
    metrics::counter!("taskwire_reminders_due_total").increment(claimed.due as u64);
    metrics::counter!("taskwire_reminders_skipped_total").increment(claimed.skipped as u64);
    metrics::counter!("taskwire_reminders_sent_total")
        .increment(claimed.notifications.len() as u64);
    for notification in &claimed.notifications {
        metrics::histogram!(common::metrics::REMINDER_LATENESS_SECONDS)
            .record(notification.late_by_seconds.max(0.0));
        if notification.late {
            metrics::counter!("taskwire_reminders_late_total").increment(1);
            tracing::info!(
                notification_id = notification.id,
                late_by_seconds = notification.late_by_seconds,
                "sent a late reminder"
            );
        }
    }
}
