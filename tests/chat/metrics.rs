//! Prometheus metrics of the gateway and the worker: what a turn counts and times, and the
//! queue's depth read at each scrape.

use sqlx::PgPool;
use taskwire_tests::spawn_app;

#[sqlx::test(migrations = "../migrations")]
async fn gateway_and_worker_expose_prometheus_metrics(pool: PgPool) {
    let app = spawn_app(pool).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let _worker = app.spawn_worker_with(
        std::sync::Arc::new(worker::agent::builtin::BuiltinModel::new()),
        |c| c.metrics_addr = Some(std::net::SocketAddr::from(([127, 0, 0, 1], port))),
    );
    app.say("alice", None, "add buy milk").await;

    let text = app.metrics().await;
    for name in [
        "taskwire_http_requests_total",
        "taskwire_http_request_duration_seconds_bucket",
        "taskwire_chat_messages_accepted_total",
    ] {
        assert!(text.contains(name), "gateway exposes {name}");
    }
    let worker = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .expect("worker metrics answer")
        .text()
        .await
        .expect("text");
    for name in [
        "taskwire_worker_deliveries_total",
        "taskwire_worker_delivery_seconds_bucket",
        "taskwire_job_wait_seconds_bucket",
        "taskwire_turns_total",
        "taskwire_tool_calls_total",
        "taskwire_worker_deliveries_in_flight",
    ] {
        assert!(worker.contains(name), "worker exposes {name}: {worker}");
    }
    // The turn's stages, timed where they run (this test's gateway and worker share one
    // recorder, so each page shows both; other tests' turns may add to the counts).
    for stage in [
        "accept", "publish", "start", "history", "model", "tool", "finish",
    ] {
        let series = format!("taskwire_turn_stage_seconds_count{{stage=\"{stage}\"}}");
        let count = sample(&worker, &series).unwrap_or(0.0);
        assert!(count >= 1.0, "{series}: {count}");
        assert!(
            sample(
                &worker,
                &format!("taskwire_turn_stage_seconds_sum{{stage=\"{stage}\"}}")
            )
            .is_some_and(|seconds| seconds > 0.0),
            "{stage} took time"
        );
    }
}

/// The value of the sample `series` (name and labels) in a Prometheus text page.
fn sample(page: &str, series: &str) -> Option<f64> {
    page.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|value| value.trim().parse().ok())
}

#[sqlx::test(migrations = "../migrations")]
async fn metrics_show_the_queue_depth(pool: PgPool) {
    let app = taskwire_tests::spawn_app_with(pool, |c| {
        c.chat_wait = std::time::Duration::from_millis(50)
    })
    .await;
    let scrape = || async { app.metrics().await };
    // No worker yet: three jobs wait, and no consumer exists to report on.
    let mut jobs = Vec::new();
    for i in 0..3 {
        let (status, pending) = app.chat("alice", None, &format!("add task {i}")).await;
        assert_eq!(status, 202, "{pending}");
        jobs.push(pending["job_id"].as_str().expect("job id").to_owned());
    }
    let page = scrape().await;
    assert_eq!(
        sample(&page, "taskwire_jobs_open{status=\"queued\"}"),
        Some(3.0),
        "{page}"
    );
    assert_eq!(
        sample(&page, "taskwire_jobs_open{status=\"running\"}"),
        Some(0.0)
    );
    assert_eq!(sample(&page, "taskwire_queue_messages"), Some(3.0));
    assert_eq!(
        sample(&page, "taskwire_queue_pending"),
        None,
        "no consumer yet"
    );

    let _worker = app.spawn_worker();
    for job in &jobs {
        app.wait_for_job("alice", job).await;
    }
    // The last acknowledgement may trail the `done` event by a moment.
    taskwire_tests::eventually_within(
        std::time::Duration::from_secs(10),
        "the queue is drained",
        || async {
            let page = scrape().await;
            sample(&page, "taskwire_queue_messages") == Some(0.0)
                && sample(&page, "taskwire_queue_pending") == Some(0.0)
                && sample(&page, "taskwire_queue_ack_pending") == Some(0.0)
        },
    )
    .await;
    let page = scrape().await;
    assert_eq!(
        sample(&page, "taskwire_jobs_open{status=\"queued\"}"),
        Some(0.0),
        "{page}"
    );
    assert_eq!(
        sample(&page, "taskwire_jobs_open{status=\"running\"}"),
        Some(0.0),
        "{page}"
    );
}
