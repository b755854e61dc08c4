//! A client that stops reading its stream costs the gateway a bounded amount: the SSE body
//! is not polled once the socket and hyper's write buffer are full, so the gateway stops
//! pulling that job's events from JetStream, which keeps the rest. The bound per stalled
//! connection is the kernel's send buffer (at most `net.ipv4.tcp_wmem` max, 4 MB here),
//! hyper's write buffer and one batch of events — not the length of the answer.

use common::jobs::ChatEvent;
use sqlx::PgPool;
use taskwire_tests::{spawn_app_with, token_for};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpSocket,
};
use uuid::Uuid;

#[sqlx::test(migrations = "../migrations")]
async fn a_client_that_stops_reading_holds_only_a_bounded_part_of_its_stream(pool: PgPool) {
    let app = spawn_app_with(pool, |c| c.chat_wait = std::time::Duration::from_millis(10)).await;
    // No worker: the test plays one, publishing a very long answer itself.
    let (_, accepted) = app.chat("alice", None, "tell me a long story").await;
    let job = accepted["job_id"].as_str().expect("job").to_owned();

    // A raw client with a tiny receive buffer that asks for the job's events and then reads
    // nothing beyond the first bytes of the answer.
    let socket = TcpSocket::new_v4().expect("socket");
    socket
        .set_recv_buffer_size(2048)
        .expect("small receive buffer");
    let addr = app
        .base
        .trim_start_matches("http://")
        .parse()
        .expect("address");
    let mut stream = socket.connect(addr).await.expect("connected");
    let request = format!(
        "GET /api/alice/jobs/{job}/events HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\r\n",
        token_for("alice")
    );
    stream
        .write_all(request.as_bytes())
        .await
        .expect("request sent");
    let mut head = [0u8; 256];
    let n = stream.read(&mut head).await.expect("answer starts");
    assert!(String::from_utf8_lossy(&head[..n]).starts_with("HTTP/1.1 200"));

    // About 14 MB of events: far more than the socket's send buffer (Linux autotunes it up to
    // 4 MB) and hyper's write buffer (~400 KB) hold together.
    let job: Uuid = job.parse().expect("uuid");
    let text = "lorem ipsum dolor sit amet ".repeat(7);
    let total = 60_000u64;
    let deltas = vec![ChatEvent::Delta { text }; total as usize];
    app.publish_events(job, &deltas).await;

    let feed = app
        .event_consumers_of(job)
        .await
        .pop()
        .expect("the stalled client's feed is open");
    let taken = feed.delivered.consumer_sequence;
    println!(
        "stalled client: the gateway pulled {taken} of {total} events ({:?})",
        feed.delivered
    );
    assert!(
        taken < total / 2,
        "the gateway pulled {taken} of {total} events for a client that reads nothing"
    );
    assert!(
        feed.num_pending > total / 2,
        "the rest waits in JetStream: {}",
        feed.num_pending
    );
    drop(stream);
}

/// A live stream (`POST /chat/stream`) whose client stops reading overflows its core
/// subscription's buffer: NATS drops what comes next, and the feed catches up from the
/// event stream instead. When the client reads again it gets every event, in order, once.
#[sqlx::test(migrations = "../migrations")]
async fn a_live_stream_that_overflowed_catches_up_from_the_stream(pool: PgPool) {
    let app = spawn_app_with(pool, |_| {}).await;
    app.wait_ready().await;
    // No worker: the test publishes the events itself, while the client reads nothing
    // after the first event.
    let mut stream = app.open_chat_stream("alice", "tell me a long story").await;
    let job = stream.accepted().await;

    // 24 MB in 4 KB deltas: more than the sockets' buffers (a few MB) and the subscription's
    // 1,024 messages hold together.
    let total = 6_000usize;
    let pad = "x".repeat(4096);
    let mut events: Vec<ChatEvent> = (0..total)
        .map(|i| ChatEvent::Delta {
            text: format!("{i:05} {pad}"),
        })
        .collect();
    events.push(ChatEvent::Done {
        job_id: job,
        message_id: Uuid::now_v7(),
        response: "the end".into(),
        tool_calls: vec![],
    });
    let seqs = app.publish_events(job, &events).await;

    let mut got = Vec::with_capacity(events.len());
    let mut caught_up = false;
    while let Some(event) = stream.next().await {
        got.push(event);
        if got.len() == total / 2 {
            caught_up = !app.event_consumers_of(job).await.is_empty();
        }
    }
    assert!(
        caught_up,
        "the feed follows the event stream after the overflow"
    );
    let texts: Vec<_> = got
        .iter()
        .filter(|e| e.event == "delta")
        .map(|e| e.data["text"].as_str().expect("text")[..5].to_owned())
        .collect();
    let expected: Vec<_> = (0..total).map(|i| format!("{i:05}")).collect();
    assert!(
        texts == expected,
        "{} deltas arrived, of {total}, in order and once each",
        texts.len()
    );
    let ids: Vec<String> = got.iter().map(|e| e.id.clone()).collect();
    let stored: Vec<String> = seqs.iter().map(u64::to_string).collect();
    assert!(ids == stored, "the ids are the stored events' sequences");
    assert_eq!(got.last().map(|e| e.event.as_str()), Some("done"));
}
