//! Reminders: the scheduler that sends due reminders exactly once (claim, notification and
//! "sent" in one transaction; publish after commit; a sweep for publishes a dead worker never
//! made), and the webhook deliverer that POSTs each notification, signed, to its user's
//! webhook.

mod config;
mod http;
pub mod scheduler;
pub mod webhooks;

pub use config::ReminderConfig;

use async_nats::jetstream;
use sqlx::PgPool;

use crate::runtime::AbortOnDrop;

/// Starts what `config` switches on; it all stops when the returned handles drop.
pub fn start(
    config: &ReminderConfig,
    pool: &PgPool,
    js: &jetstream::Context,
) -> anyhow::Result<Vec<AbortOnDrop<()>>> {
    let mut tasks = Vec::new();
    if config.enabled {
        let scheduler = scheduler::Scheduler::new(pool.clone(), js.clone(), config);
        tasks.push(AbortOnDrop(tokio::spawn(scheduler.clone().run())));
        tasks.push(AbortOnDrop(tokio::spawn(scheduler.sweep_forever())));
    }
    if config.webhooks {
        let deliverer = webhooks::Deliverer::new(pool.clone(), config)?;
        tasks.push(AbortOnDrop(tokio::spawn(deliverer.run(js.clone()))));
    }
    Ok(tasks)
}
