//! `/healthz` (the process is alive) and `/readyz` (it can reach Postgres and NATS, and its
//! JetStream streams exist).

use std::time::Duration;

use poem_openapi::{ApiResponse, Object, OpenApi, payload::Json};
use sqlx::PgPool;

use super::ApiTags;
use crate::nats::Nats;

/// How long a readiness probe waits for each dependency.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// The health endpoints.
pub struct HealthApi {
    pub pool: PgPool,
    pub nats: Nats,
}

/// State of the process and its dependencies.
#[derive(Debug, Object)]
pub struct Health {
    /// `ok`, `ready` or `unavailable`.
    pub status: String,
    /// Postgres: `ok` or `down` (readiness only).
    #[oai(skip_serializing_if_is_none)]
    pub postgres: Option<String>,
    /// NATS: `ok`, or `down` while it is unreachable or its JetStream streams are not set up
    /// yet (readiness only).
    #[oai(skip_serializing_if_is_none)]
    pub nats: Option<String>,
}

#[derive(ApiResponse)]
pub enum ReadyResponse {
    /// Every dependency is reachable.
    #[oai(status = 200)]
    Ready(Json<Health>),
    /// At least one dependency is unreachable.
    #[oai(status = 503)]
    NotReady(Json<Health>),
}

fn up(ok: bool) -> String {
    if ok { "ok" } else { "down" }.to_owned()
}

#[OpenApi(tag = "ApiTags::Health")]
impl HealthApi {
    /// Liveness
    #[oai(path = "/healthz", method = "get", operation_id = "healthz")]
    async fn healthz(&self) -> Json<Health> {
        Json(Health {
            status: "ok".to_owned(),
            postgres: None,
            nats: None,
        })
    }

    /// Readiness
    ///
    /// 200 when Postgres answers a query, NATS answers a round trip and the JetStream streams
    /// exist; 503 otherwise.
    #[oai(path = "/readyz", method = "get", operation_id = "readyz")]
    async fn readyz(&self) -> ReadyResponse {
        let postgres = tokio::time::timeout(
            PROBE_TIMEOUT,
            sqlx::query_scalar::<_, i32>("select 1").fetch_one(&self.pool),
        )
        .await
        .is_ok_and(|r| r.is_ok());
        let nats = self.nats.streams_ready() && self.nats.responds(PROBE_TIMEOUT).await;
        let health = Health {
            status: if postgres && nats {
                "ready"
            } else {
                "unavailable"
            }
            .to_owned(),
            postgres: Some(up(postgres)),
            nats: Some(up(nats)),
        };
        if postgres && nats {
            ReadyResponse::Ready(Json(health))
        } else {
            ReadyResponse::NotReady(Json(health))
        }
    }
}
