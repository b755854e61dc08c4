//! NATS with the repository's `nats.conf` (finding 17): no connection without a user, the
//! gateway and the worker each with their own, neither able to purge a stream, and a chat
//! turn works end to end with them.

use secrecy::SecretString;
use serde_json::json;
use sqlx::PgPool;
use taskwire_tests::{NatsServer, names, spawn_app_on};

const GATEWAY_PASSWORD: &str = "gateway-test-password";
const WORKER_PASSWORD: &str = "worker-test-password";

async fn server() -> NatsServer {
    NatsServer::start_with_config(
        include_str!("../../nats.conf"),
        &[
            ("NATS_GATEWAY_PASSWORD", GATEWAY_PASSWORD),
            ("NATS_WORKER_PASSWORD", WORKER_PASSWORD),
        ],
    )
    .await
}

async fn connect_as(
    url: &str,
    user: &str,
    password: &str,
) -> Result<async_nats::Client, async_nats::ConnectError> {
    async_nats::ConnectOptions::new()
        .user_and_password(user.into(), password.into())
        .connect(url)
        .await
}

#[sqlx::test(migrations = "../migrations")]
async fn only_the_services_connect_and_neither_can_purge_a_stream(pool: PgPool) {
    let nats = server().await;
    let url = nats.url.clone();
    let app = spawn_app_on(pool, nats, |c| {
        c.nats.user = Some("gateway".into());
        c.nats.password = Some(SecretString::from(GATEWAY_PASSWORD.to_owned()));
    })
    .await;
    let _worker = app.spawn_worker_with(
        std::sync::Arc::new(worker::agent::builtin::BuiltinModel::new()),
        |c| {
            c.nats.user = Some("worker".into());
            c.nats.password = Some(SecretString::from(WORKER_PASSWORD.to_owned()));
        },
    );

    // The services do their work: a turn streamed end to end.
    let events = app
        .chat_stream("alice", json!({"message": "add buy milk"}))
        .await;
    assert_eq!(names(&events).last(), Some(&"done"), "{:?}", names(&events));

    // Nobody else connects.
    assert!(
        async_nats::connect(&url).await.is_err(),
        "an anonymous client"
    );
    assert!(
        connect_as(&url, "worker", "guess").await.is_err(),
        "a wrong password"
    );

    // Neither service may purge what the other relies on.
    for (user, password) in [("gateway", GATEWAY_PASSWORD), ("worker", WORKER_PASSWORD)] {
        let client = connect_as(&url, user, password).await.expect("connects");
        let js = async_nats::jetstream::new(client);
        let stream = js
            .get_stream(common::jobs::EVENTS_STREAM)
            .await
            .expect("may read the stream's info");
        let purge = tokio::time::timeout(std::time::Duration::from_secs(10), stream.purge()).await;
        assert!(!matches!(purge, Ok(Ok(_))), "{user} purged the events");
    }
    let (_, tasks) = app.list_tasks("alice", "").await;
    assert_eq!(tasks, 1, "and the turn's work stands");
}
