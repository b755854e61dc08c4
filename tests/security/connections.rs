//! Connections (finding 3): slow or idle clients are cut off, a slow body gets 408, one
//! address holds a bounded number of connections, and HTTP/2 carries a bounded number of
//! requests at once.

use std::time::{Duration, Instant};

use sqlx::PgPool;
use taskwire_tests::{TestApp, eventually, spawn_app_with, token_for};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

async fn connect(app: &TestApp) -> TcpStream {
    let addr = app.base.trim_start_matches("http://");
    TcpStream::connect(addr).await.expect("connects")
}

/// Reads until the server closes the connection (or `limit`); returns what it sent and
/// when it closed, `None` if it did not.
async fn until_closed(stream: &mut TcpStream, limit: Duration) -> Option<(String, Duration)> {
    let started = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        let left = limit.checked_sub(started.elapsed())?;
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => {
                return Some((
                    String::from_utf8_lossy(&got).into_owned(),
                    started.elapsed(),
                ));
            }
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => return None,
        }
    }
}

fn short_timeouts(c: &mut gateway::GatewayConfig) {
    c.connections.header_read_timeout = Duration::from_secs(1);
    c.connections.body_read_timeout = Duration::from_secs(1);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_client_sending_its_head_byte_by_byte_is_cut_off(pool: PgPool) {
    let app = spawn_app_with(pool, short_timeouts).await;
    let mut slow = connect(&app).await;
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("sent");
    let dripping = async {
        for _ in 0..30 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if slow.write_all(b"X-Drip: 1\r\n").await.is_err() {
                break;
            }
        }
    };
    dripping.await;
    let closed = until_closed(&mut slow, Duration::from_secs(5)).await;
    let (_, after) = closed.expect("the server closed the slow connection");
    assert!(after < Duration::from_secs(5));

    // An idle connection goes too.
    let mut idle = connect(&app).await;
    let (_, after) = until_closed(&mut idle, Duration::from_secs(5))
        .await
        .expect("the server closed the idle connection");
    assert!(after < Duration::from_secs(3), "closed after {after:?}");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_body_that_trickles_in_gets_408(pool: PgPool) {
    let app = spawn_app_with(pool, short_timeouts).await;
    let mut slow = connect(&app).await;
    let head = format!(
        "POST /api/alice/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 60\r\n\r\n{{\"title\":",
        token_for("alice")
    );
    slow.write_all(head.as_bytes()).await.expect("sent");
    let (answer, _) = until_closed(&mut slow, Duration::from_secs(5))
        .await
        .expect("answered and closed");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request_timeout"), "{answer}");
}

#[sqlx::test(migrations = "../migrations")]
async fn one_address_holds_a_bounded_number_of_connections(pool: PgPool) {
    let app = spawn_app_with(pool, |c| c.connections.max_connections_per_address = 4).await;
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(connect(&app).await);
    }
    let mut fifth = connect(&app).await;
    let (_, after) = until_closed(&mut fifth, Duration::from_secs(2))
        .await
        .expect("the fifth connection was closed at once");
    assert!(after < Duration::from_secs(1));
    drop(held.pop());
    eventually("a freed place takes a new connection", || async {
        reqwest::get(app.url("/healthz"))
            .await
            .is_ok_and(|r| r.status() == 200)
    })
    .await;
}

#[sqlx::test(migrations = "../migrations")]
async fn http2_carries_a_bounded_number_of_requests_at_once(pool: PgPool) {
    let app = spawn_app_with(pool, |c| c.connections.http2_max_streams = 7).await;
    let tcp = connect(&app).await;
    let (client, connection) = h2::client::handshake(tcp).await.expect("h2c handshake");
    tokio::pin!(connection);
    let request = http::Request::get(app.url("/healthz"))
        .body(())
        .expect("request");
    let mut client = client.ready().await.expect("ready");
    let (response, _) = client.send_request(request, true).expect("sent");
    let response = tokio::select! {
        response = response => response.expect("answered"),
        _ = &mut connection => panic!("the connection ended first"),
    };
    assert_eq!(response.status(), 200);
    assert_eq!(connection.max_concurrent_send_streams(), 7);
}
