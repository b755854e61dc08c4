//! The gateway that accepted a streamed message follows its events live: a core
//! subscription to the events JetStream republishes once stored, made before the job was
//! published, with no consumer. The SSE ids are the events' stream sequences all the same.

use common::jobs::ChatEvent;
use sqlx::PgPool;
use taskwire_tests::spawn_app;
use uuid::Uuid;

/// A turn's events as a worker publishes them.
fn a_turn(job_id: Uuid) -> Vec<ChatEvent> {
    vec![
        ChatEvent::Started { attempt: 1 },
        ChatEvent::Delta {
            text: "Hello".into(),
        },
        ChatEvent::Delta {
            text: " there".into(),
        },
        ChatEvent::Done {
            job_id,
            message_id: Uuid::now_v7(),
            response: "Hello there".into(),
            tool_calls: vec![],
        },
    ]
}

#[sqlx::test(migrations = "../migrations")]
async fn a_streamed_message_is_followed_live_without_a_consumer(pool: PgPool) {
    let app = spawn_app(pool).await;
    app.wait_ready().await;
    // No worker: the test publishes the turn's events itself.
    let mut stream = app.open_chat_stream("alice", "hello").await;
    let job = stream.accepted().await;

    let turn = a_turn(job);
    let seqs = app.publish_events(job, &turn).await;
    let mut got = Vec::new();
    for _ in &turn {
        let event = stream.next().await.expect("an event of the turn");
        got.push((event.id, event.event));
        // Checked while the stream is open: an ordered consumer would be there now.
        if got.len() == 2 {
            assert!(
                app.event_consumers_of(job).await.is_empty(),
                "followed live"
            );
        }
    }
    let expected: Vec<_> = seqs
        .iter()
        .zip(&turn)
        .map(|(seq, event)| (seq.to_string(), event.name().to_owned()))
        .collect();
    assert_eq!(got, expected, "ids are the stream sequences");
    assert!(stream.next().await.is_none(), "the stream ends after done");

    // Replayed from the stream (after the gateway's `accepted`), the same events carry the
    // same ids.
    let replay = app.job_events("alice", &job.to_string(), None).await;
    let replayed: Vec<_> = replay.into_iter().map(|e| (e.id, e.event)).collect();
    assert_eq!(replayed.first().map(|(_, e)| e.as_str()), Some("accepted"));
    assert_eq!(replayed[1..], expected);
}

#[sqlx::test(migrations = "../migrations")]
async fn an_event_stream_without_republishing_is_brought_up_to_date_once(pool: PgPool) {
    use async_nats::jetstream::stream::Config;
    use common::jobs::{
        EVENTS_STREAM,
        streams::{ensure_streams, events_stream_config},
    };

    let app = spawn_app(pool).await;
    let js = app.jetstream().await;
    // An event stream as an older Taskwire made it, holding an event.
    js.delete_stream(EVENTS_STREAM).await.expect("deleted");
    let old = Config {
        republish: None,
        ..events_stream_config()
    };
    js.create_stream(old).await.expect("old stream");
    let job = Uuid::now_v7();
    app.publish_events(job, &a_turn(job)[..1]).await;
    let stored = async || {
        let mut stream = js.get_stream(EVENTS_STREAM).await.expect("stream");
        let info = stream.info().await.expect("info");
        (info.config.republish.is_some(), info.state.messages)
    };
    assert_eq!(stored().await, (false, 1));

    ensure_streams(&js).await.expect("streams ensured");
    // NATS 2.9 cannot add republishing to a stream, so it is made again (empty); a later
    // server may update it in place.
    let (republishes, kept) = stored().await;
    assert!(republishes, "the stream republishes its events");
    assert!(kept <= 1);
    app.publish_events(job, &a_turn(job)[1..2]).await;
    ensure_streams(&js).await.expect("streams ensured again");
    assert_eq!(
        stored().await,
        (true, kept + 1),
        "left as it is the second time"
    );
}
