//! NATS stopped when a message arrives, and restarted while a turn runs.

use std::{sync::Arc, time::Duration};

use common::jobs::ChatEvent;
use sqlx::PgPool;
use taskwire_tests::{names, proxy::TcpProxy, spawn_app_with};
use uuid::Uuid;
use worker::agent::{builtin::BuiltinModel, delayed::Delayed};

use crate::{assert_one_task_one_reply, count, eventually, job_state, start_slow_turn};

#[sqlx::test(migrations = "../migrations")]
async fn a_message_sent_while_nats_is_down_is_kept_and_answered_when_it_is_back(pool: PgPool) {
    let mut app = spawn_app_with(pool, |c| {
        c.chat_wait = Duration::from_millis(10);
        c.outbox_sweep = Duration::from_millis(200);
    })
    .await;
    let _worker = app.spawn_worker();
    app.nats.kill();

    let ready = app.http.get(app.url("/readyz")).send().await.expect("sent");
    assert_eq!(ready.status(), 503, "not ready without NATS");
    let started = tokio::time::Instant::now();
    let (status, accepted) = app.chat("alice", None, "add buy milk").await;
    assert_eq!(status, 202, "accepted and stored: {accepted}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "no waiting on a dead NATS"
    );
    let job = accepted["job_id"].as_str().expect("job").to_owned();
    let unpublished: i64 = count(
        &app.pool,
        "select count(*) from chat_jobs where published_at is null",
    )
    .await;
    assert_eq!(unpublished, 1, "the job waits in the outbox");

    app.nats.restart().await;
    app.wait_ready().await; // the gateway reconnects by itself
    let end = tokio::time::timeout(Duration::from_secs(30), app.wait_for_job("alice", &job))
        .await
        .expect("answered once NATS is back");
    assert_eq!(end.event, "done");
    assert_one_task_one_reply(&app.pool).await;
    assert_eq!(
        count(
            &app.pool,
            "select count(*) from chat_jobs where published_at is null"
        )
        .await,
        0
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn nats_restarted_during_a_turn_loses_nothing_and_doubles_nothing(pool: PgPool) {
    let mut app = spawn_app_with(pool, |c| c.chat_wait = Duration::from_millis(10)).await;
    let (_worker, job) = start_slow_turn(&app, Duration::from_millis(700)).await;

    app.nats.kill();
    app.nats.restart().await;

    eventually("the job has ended", || async {
        job_state(&app.pool, &job).await.0 == "succeeded"
    })
    .await;
    assert_one_task_one_reply(&app.pool).await;
    // The stack works normally afterwards.
    app.wait_ready().await;
    let (_, accepted) = app.chat("alice", None, "what's on my list?").await;
    let next = accepted["job_id"].as_str().expect("job").to_owned();
    let end = app.wait_for_job("alice", &next).await;
    assert!(
        end.data["response"]
            .as_str()
            .expect("text")
            .to_lowercase()
            .contains("milk"),
        "{:?}",
        end.data
    );
}

/// A client streaming a turn live while NATS restarts gets the rest of the turn: what the
/// gateway's subscription missed is read from the event stream, and nothing comes twice.
#[sqlx::test(migrations = "../migrations")]
async fn a_live_stream_goes_on_across_a_nats_restart(pool: PgPool) {
    let mut app = spawn_app_with(pool, |_| {}).await;
    app.wait_ready().await;
    let slow = Arc::new(Delayed {
        inner: Arc::new(BuiltinModel::new()),
        delay: Duration::from_millis(700),
    });
    let _worker = app.spawn_worker_with(slow, |_| {});
    let mut stream = app.open_chat_stream("alice", "add buy milk").await;
    let mut events = Vec::new();
    while let Some(event) = stream.next().await {
        let started = event.event == "started";
        events.push(event);
        if started {
            break;
        }
    }

    app.nats.kill();
    app.nats.restart().await;
    while let Some(event) = stream.next().await {
        events.push(event);
    }

    let names = names(&events);
    assert_eq!(names.last(), Some(&"done"), "{names:?}");
    let ids: Vec<u64> = events[1..]
        .iter()
        .map(|e| e.id.parse().expect("numeric id"))
        .collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "ids increase, none twice: {ids:?} ({names:?})"
    );
    assert_one_task_one_reply(&app.pool).await;
}

/// The gateway's connection to NATS drops and comes back while NATS stays up: the events
/// stored meanwhile never reach its subscription, so the live stream reads them from the
/// event stream.
#[sqlx::test(migrations = "../migrations")]
async fn a_live_stream_reads_what_it_missed_while_the_gateway_was_disconnected(pool: PgPool) {
    let mut proxy = None;
    let app = spawn_app_with(pool, |c| {
        let through = TcpProxy::start(c.nats.url.trim_start_matches("nats://"));
        c.nats.url = format!("nats://127.0.0.1:{}", through.port);
        proxy = Some(through);
    })
    .await;
    let proxy = proxy.expect("proxy");
    // No worker: the test publishes the turn's events itself, straight to NATS.
    let mut stream = app.open_chat_stream("alice", "hello").await;
    let job = stream.accepted().await;
    let started = app
        .publish_events(job, &[ChatEvent::Started { attempt: 1 }])
        .await;
    assert_eq!(
        stream.next().await.expect("started").id,
        started[0].to_string()
    );

    proxy.cut();
    eventually("the gateway has lost NATS", || async {
        let ready = app.http.get(app.url("/readyz")).send().await;
        ready.is_ok_and(|r| r.status() == 503)
    })
    .await;
    let missed = app
        .publish_events(
            job,
            &[
                ChatEvent::Delta {
                    text: "said while you were away".into(),
                },
                ChatEvent::Done {
                    job_id: job,
                    message_id: Uuid::now_v7(),
                    response: "said while you were away".into(),
                    tool_calls: vec![],
                },
            ],
        )
        .await;
    proxy.restore();

    let delta = stream.next().await.expect("the delta");
    let done = stream.next().await.expect("done");
    assert_eq!(
        [(delta.id, delta.event), (done.id, done.event)],
        [
            (missed[0].to_string(), "delta".to_owned()),
            (missed[1].to_string(), "done".to_owned())
        ]
    );
    assert!(stream.next().await.is_none(), "the stream ends after done");
}
