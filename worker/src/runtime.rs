//! The worker loop: pull only as many jobs as there are free slots, run each with progress
//! heartbeats, ack after the final commit, and on shutdown stop pulling and drain.

use std::{future::Future, sync::Arc, time::Duration};

use anyhow::Context as _;
use async_nats::jetstream::{self, AckKind, consumer::PullConsumer};
use common::jobs::{ChatJob, TURN_RELEASED_SUBJECTS, released_conversation};
use futures::StreamExt;
use tokio::{
    sync::{Semaphore, broadcast},
    task::JoinSet,
};
use uuid::Uuid;

use crate::{
    agent::{self, model::ChatModel, runner::Agent},
    config::WorkerConfig,
    process::{self, Context, HeldLeases, Outcome},
};

/// How long one pull request waits for jobs before the loop pulls again.
const PULL_EXPIRES: Duration = Duration::from_secs(2);

/// Runs the worker with the configured database and model until `shutdown` resolves.
pub async fn run(
    config: WorkerConfig,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let model = agent::build_model(&config.model);
    let pool = config.database.pool()?;
    run_with(config, pool, model, shutdown).await
}

/// Runs the worker with `pool` and `model` (tests pass their own) until `shutdown`
/// resolves, then lets running turns finish within the grace period.
pub async fn run_with(
    config: WorkerConfig,
    pool: sqlx::PgPool,
    model: Arc<dyn ChatModel>,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let nats = config
        .nats
        .connect_options()
        .retry_on_initial_connect()
        .name("taskwire-worker")
        .connect(&config.nats.url)
        .await
        .with_context(|| format!("invalid NATS_URL {}", config.nats.url))?;
    let js = jetstream::new(nats.clone());
    common::metrics::handle();
    let metrics_server = config
        .metrics_addr
        .map(|addr| AbortOnDrop(tokio::spawn(serve_metrics(addr))));
    tokio::pin!(shutdown);
    let consumer = tokio::select! {
        consumer = set_up_consumer(&js, config.ack_wait) => consumer,
        () = &mut shutdown => return Ok(()),
    };
    let _reminders = crate::reminders::start(&config.reminders, &pool, &js)?;
    let (turn_released, _) = broadcast::channel(1024);
    let leases = HeldLeases::default();
    let _keeper = AbortOnDrop(tokio::spawn(
        leases.clone().keep(pool.clone(), config.turn.lease),
    ));
    let ctx = Arc::new(Context {
        pool: pool.clone(),
        nats: nats.clone(),
        js,
        agent: Agent {
            model,
            pool,
            max_steps: config.turn.max_steps,
            bulk_confirm_over: config.turn.bulk_confirm_over,
            steer: config.turn.rails == crate::config::Rails::Steer,
        },
        turn: config.turn.clone(),
        worker_id: config.worker_id(),
        ack_wait: config.ack_wait,
        turn_released: turn_released.clone(),
        leases,
    });
    let waker = tokio::spawn(forward_releases(nats, turn_released));
    tracing::info!(concurrency = config.concurrency, "worker pulling jobs");

    let slots = Arc::new(Semaphore::new(config.concurrency.max(1)));
    let mut running = JoinSet::new();
    pull_until(&consumer, &ctx, &slots, &mut running, &mut shutdown).await;

    tracing::info!(in_flight = running.len(), grace = ?config.shutdown_grace, "stopping: draining running turns");
    let drained = tokio::time::timeout(config.shutdown_grace, async {
        while running.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            left = running.len(),
            "grace period over; unfinished turns will be redelivered"
        );
        running.abort_all();
    }
    waker.abort();
    drop(metrics_server);
    Ok(())
}

/// Serves `GET /metrics` on `addr` until aborted.
async fn serve_metrics(addr: std::net::SocketAddr) {
    use poem::{EndpointExt, Route, Server, get, handler, listener::TcpListener};

    #[handler]
    fn metrics() -> String {
        common::metrics::render()
    }
    let app = Route::new().at("/metrics", get(metrics)).boxed();
    if let Err(e) = Server::new(TcpListener::bind(addr)).run(app).await {
        tracing::error!(%addr, error = %e, "metrics endpoint stopped");
    }
}

/// Creates the streams and the consumer, retrying until NATS answers.
async fn set_up_consumer(js: &jetstream::Context, ack_wait: Duration) -> PullConsumer {
    let mut delay = Duration::from_millis(200);
    loop {
        let attempt = async {
            common::jobs::streams::ensure_streams(js).await?;
            common::notifications::streams::ensure_stream(js).await?;
            common::jobs::streams::ensure_workers_consumer(js, ack_wait).await
        };
        match attempt.await {
            Ok(consumer) => return consumer,
            Err(e) => {
                tracing::warn!(error = %e, "cannot set up JetStream yet; retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
}

/// Forwards other workers' "turn released" announcements to the jobs waiting here.
async fn forward_releases(nats: async_nats::Client, released: broadcast::Sender<Uuid>) {
    let mut subscription = match nats.subscribe(TURN_RELEASED_SUBJECTS).await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "cannot subscribe to turn releases; waiting jobs poll");
            return;
        }
    };
    while let Some(message) = subscription.next().await {
        if let Some(id) = released_conversation(message.subject.as_str()) {
            let _ = released.send(id);
        }
    }
}

/// Pulls jobs for the free slots until `shutdown`; a pull that is cut short by shutdown gives
/// its remaining messages back at once (nak), so nothing waits for a redelivery timeout.
async fn pull_until(
    consumer: &PullConsumer,
    ctx: &Arc<Context>,
    slots: &Arc<Semaphore>,
    running: &mut JoinSet<()>,
    shutdown: &mut (impl Future<Output = ()> + Unpin),
) {
    let mut stopping = false;
    while !stopping {
        // Wait for at least one free slot.
        let free = tokio::select! {
            permit = slots.clone().acquire_owned() => match permit {
                Ok(permit) => { drop(permit); slots.available_permits() }
                Err(_) => return,
            },
            () = &mut *shutdown => return,
        };
        let mut batch = match consumer
            .fetch()
            .max_messages(free)
            .expires(PULL_EXPIRES)
            .messages()
            .await
        {
            Ok(batch) => batch,
            Err(e) => {
                tracing::warn!(error = %e, "pull failed; retrying");
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_millis(500)) => continue,
                    () = &mut *shutdown => return,
                }
            }
        };
        loop {
            let next = tokio::select! {
                next = batch.next() => next,
                () = &mut *shutdown, if !stopping => { stopping = true; continue; }
            };
            let Some(message) = next else { break };
            let message = match message {
                Ok(m) => m,
                Err(e) => {
                    tracing::warn!(error = %e, "bad message in pull");
                    continue;
                }
            };
            if stopping {
                if let Err(e) = message.ack_with(AckKind::Nak(None)).await {
                    tracing::warn!(error = %e, "cannot hand back a job on shutdown");
                }
                continue;
            }
            let Ok(permit) = slots.clone().acquire_owned().await else {
                return;
            };
            let ctx = ctx.clone();
            running.spawn(async move {
                handle(&ctx, message).await;
                drop(permit);
            });
        }
        // Reap finished tasks so the set does not grow.
        while running.try_join_next().is_some() {}
    }
}

/// Runs one delivery with heartbeats and settles its message.
async fn handle(ctx: &Context, message: jetstream::Message) {
    let delivered = message.info().map(|i| i.delivered).unwrap_or(1);
    let job: ChatJob = match serde_json::from_slice(&message.payload) {
        Ok(job) => job,
        Err(e) => {
            tracing::error!(error = %e, "unreadable job message; terminating it");
            settle(&message, AckKind::Term).await;
            return;
        }
    };
    let span = tracing::info_span!(
        "job",
        job_id = %job.job_id,
        conversation_id = %job.conversation_id,
        user_id = %job.user_id,
        delivered,
        traceparent = message
            .headers
            .as_ref()
            .and_then(|h| h.get("traceparent"))
            .map(|v| v.as_str())
            .unwrap_or_default(),
    );
    let _in_flight = InFlight::enter();
    let heartbeat = AbortOnDrop(tokio::spawn(heartbeat(message.clone(), ctx.ack_wait)));
    let begun = std::time::Instant::now();
    let outcome = tracing::Instrument::instrument(
        process_through_outages(ctx, &job, delivered),
        span.clone(),
    )
    .await;
    drop(heartbeat);
    let label = match &outcome {
        Outcome::Done => "done",
        Outcome::Retry(_) | Outcome::DatabaseDown(_) => "retry",
        Outcome::Poison(_) => "poison",
        Outcome::Superseded => "superseded",
    };
    metrics::counter!("taskwire_worker_deliveries_total", "outcome" => label).increment(1);
    metrics::histogram!("taskwire_worker_delivery_seconds", "outcome" => label)
        .record(begun.elapsed().as_secs_f64());
    match outcome {
        Outcome::Done => {
            if let Err(e) = message.double_ack().await {
                tracing::warn!(job_id = %job.job_id, error = %e, "ack failed; the job will be redelivered and recognised as done");
            }
        }
        Outcome::Retry(delay) | Outcome::DatabaseDown(delay) => {
            settle(&message, AckKind::Nak(Some(delay))).await;
        }
        Outcome::Poison(reason) => {
            tracing::error!(job_id = %job.job_id, %reason, "poison job; terminating it");
            settle(&message, AckKind::Term).await;
        }
        Outcome::Superseded => {
            // A later delivery runs the job now: settling this one could settle theirs.
            tracing::warn!(job_id = %job.job_id, "this delivery was superseded; it stopped without effects");
        }
    }
}

/// Longest a job is held through a database outage before it is handed back to JetStream.
const OUTAGE_PATIENCE: Duration = Duration::from_secs(300);

/// Runs `process`, and while Postgres is unreachable runs it again with back-off (doubling
/// up to 5 s) instead of handing the job back: an outage does not spend the job's limited
/// deliveries, and the heartbeat keeps it from being redelivered meanwhile.
async fn process_through_outages(ctx: &Context, job: &ChatJob, delivered: i64) -> Outcome {
    let mut waited = Duration::ZERO;
    let mut delay = Duration::ZERO;
    loop {
        match process::process(ctx, job, delivered).await {
            Outcome::DatabaseDown(first) if waited < OUTAGE_PATIENCE => {
                delay = if delay.is_zero() {
                    first
                } else {
                    (delay * 2).min(Duration::from_secs(5))
                };
                tracing::warn!(job_id = %job.job_id, ?delay, "database unreachable; holding the job and retrying");
                tokio::time::sleep(delay).await;
                waited += delay;
            }
            other => return other,
        }
    }
}

/// Counts a delivery in `taskwire_worker_deliveries_in_flight` while it lives.
struct InFlight;

impl InFlight {
    fn enter() -> Self {
        metrics::gauge!("taskwire_worker_deliveries_in_flight").increment(1.0);
        Self
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        metrics::gauge!("taskwire_worker_deliveries_in_flight").decrement(1.0);
    }
}

/// Aborts a helper task when its owner is dropped, even if the owner itself is aborted: a
/// killed turn must not leave heartbeats running (they would keep its job from redelivery).
pub struct AbortOnDrop<T>(pub tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn settle(message: &jetstream::Message, kind: AckKind) {
    if let Err(e) = message.ack_with(kind).await {
        tracing::warn!(error = %e, ?kind, "cannot settle job message");
    }
}

/// Tells JetStream the job is still being worked on, so it is not redelivered while a slow
/// model answers.
async fn heartbeat(message: jetstream::Message, ack_wait: Duration) {
    let mut tick = tokio::time::interval(ack_wait / 3);
    tick.tick().await;
    loop {
        tick.tick().await;
        if let Err(e) = message.ack_with(AckKind::Progress).await {
            tracing::warn!(error = %e, "progress heartbeat failed");
        }
    }
}
