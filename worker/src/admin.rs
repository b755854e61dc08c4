//! Operator commands: `worker requeue <job_id>...` hands failed jobs back to the workers.

use uuid::Uuid;

use crate::WorkerConfig;

/// Requeues each failed job: resets it (keeping its recorded tool calls), deletes its failure
/// reply, and publishes it again under a fresh `Nats-Msg-Id` (the original one may still be
/// inside JetStream's duplicate window). Prints one line per job; fails if any job could not
/// be requeued.
pub async fn requeue(config: &WorkerConfig, job_ids: &[Uuid]) -> anyhow::Result<()> {
    let pool = config.database.pool()?;
    let nats = config
        .nats
        .connect_options()
        .connect(&config.nats.url)
        .await?;
    let js = async_nats::jetstream::new(nats);
    let mut failures = 0;
    for id in job_ids {
        let mut tx = pool.begin().await?;
        let Some(job) = common::db::jobs::requeue(&mut tx, *id).await? else {
            println!("{id}: not found or not failed; left as it is");
            failures += 1;
            continue;
        };
        tx.commit().await?;
        let msg_id = format!("{id}:requeue:{}", Uuid::now_v7());
        match common::jobs::streams::publish_job(&js, &job, &msg_id).await {
            Ok(()) => {
                common::db::jobs::mark_published(&pool, &[job.id]).await?;
                println!("{id}: requeued");
            }
            Err(e) => println!(
                "{id}: requeued; publish failed ({e}), a gateway's outbox relay will publish it"
            ),
        }
    }
    if failures > 0 {
        anyhow::bail!("{failures} job(s) not requeued");
    }
    Ok(())
}
