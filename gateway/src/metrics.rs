//! `/metrics` in Prometheus' text format, and the per-request counters behind it.

use std::{
    fmt::Write,
    time::{Duration, Instant},
};

use poem::{
    Endpoint, IntoResponse, Request, Response, handler,
    http::{Method, StatusCode, header},
    web::Data,
};
use secrecy::{ExposeSecret, SecretString};
use sqlx::PgPool;
use subtle::ConstantTimeEq;

use crate::{error::ApiError, nats::Nats};

/// How long a scrape waits for each queue reading before leaving it out.
const READING_TIMEOUT: Duration = Duration::from_secs(1);

/// Who may read `/metrics` on the main address: the holder of `METRICS_TOKEN`, or nobody.
/// (`METRICS_ADDR` serves [`endpoint`] on its own address, where no token is asked.)
#[derive(Clone)]
pub struct MetricsAccess(pub Option<SecretString>);

/// `GET /metrics` on the main address: [`endpoint`] for the bearer of the metrics token; 401
/// to anyone else, 404 when no token is configured (metrics are then not served here).
#[handler]
pub async fn guarded(
    req: &Request,
    Data(access): Data<&MetricsAccess>,
    Data(pool): Data<&PgPool>,
    Data(nats): Data<&Nats>,
) -> Response {
    let Some(token) = &access.0 else {
        return ApiError::not_found("not found").into_response();
    };
    let offered = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !bool::from(offered.as_bytes().ct_eq(token.expose_secret().as_bytes())) {
        return ApiError::unauthorized("the metrics token is required").into_response();
    }
    page(pool, nats).await
}

/// `GET /metrics` on `METRICS_ADDR`: the page, no token asked.
#[handler]
pub async fn endpoint(Data(pool): Data<&PgPool>, Data(nats): Data<&Nats>) -> Response {
    page(pool, nats).await
}

/// The metrics page: the process's counters and histograms, then the queue's depth read at
/// this scrape.
async fn page(pool: &PgPool, nats: &Nats) -> Response {
    let mut text = common::metrics::render();
    text.push_str(&queue_gauges(pool, nats).await);
    Response::builder()
        .status(StatusCode::OK)
        .content_type("text/plain; version=0.0.4")
        .body(text)
}

/// The queue's depth, read from Postgres and JetStream at each scrape. They describe the
/// whole deployment, so every gateway reports the same values: aggregate them with `max`,
/// not `sum`. A reading that fails or times out is left out (the scrape still answers).
async fn queue_gauges(pool: &PgPool, nats: &Nats) -> String {
    let (open, state) = tokio::join!(
        tokio::time::timeout(READING_TIMEOUT, common::db::jobs::open_counts(pool)),
        tokio::time::timeout(READING_TIMEOUT, nats.job_queue_state()),
    );
    let mut out = String::new();
    let mut gauge = |name: &str, help: &str, samples: &[(&str, u64)]| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
        for (labels, value) in samples {
            let _ = writeln!(out, "{name}{labels} {value}");
        }
    };
    match open {
        Ok(Ok(open)) => gauge(
            "taskwire_jobs_open",
            "Jobs not yet ended, by status (Postgres).",
            &[
                ("{status=\"queued\"}", open.queued.max(0) as u64),
                ("{status=\"running\"}", open.running.max(0) as u64),
            ],
        ),
        Ok(Err(e)) => tracing::debug!(error = %e, "open jobs not read for /metrics"),
        Err(_) => tracing::debug!("open jobs not read for /metrics in time"),
    }
    match state {
        Ok(Ok(state)) => {
            gauge(
                "taskwire_queue_messages",
                "Jobs in the JetStream work queue, waiting or being worked on.",
                &[("", state.messages)],
            );
            if let Some(consumer) = state.consumer {
                gauge(
                    "taskwire_queue_pending",
                    "Queued jobs no worker has pulled yet.",
                    &[("", consumer.pending)],
                );
                gauge(
                    "taskwire_queue_ack_pending",
                    "Jobs pulled by a worker and not yet acknowledged (turns in flight).",
                    &[("", consumer.ack_pending)],
                );
            }
        }
        Ok(Err(e)) => tracing::debug!(error = %e, "job queue not read for /metrics"),
        Err(_) => tracing::debug!("job queue not read for /metrics in time"),
    }
    out
}

/// Counts every request by method and status, and times it. The method label is one of a
/// fixed set: any token is a legal HTTP method, and a label per made-up method would let
/// anyone grow the gateway's memory and every scrape without bound.
pub async fn count_requests<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    let method = method_label(req.method());
    let started = Instant::now();
    let response = match next.call(req).await {
        Ok(output) => output.into_response(),
        Err(err) => err.into_response(),
    };
    let status = response.status().as_u16().to_string();
    metrics::counter!("taskwire_http_requests_total", "method" => method, "status" => status)
        .increment(1);
    metrics::histogram!("taskwire_http_request_duration_seconds", "method" => method)
        .record(started.elapsed().as_secs_f64());
    Ok(response)
}

/// The method as a metrics label: the standard methods by name, anything else `other`.
fn method_label(method: &Method) -> &'static str {
    const KNOWN: [&str; 9] = [
        "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE",
    ];
    KNOWN
        .into_iter()
        .find(|known| *known == method.as_str())
        .unwrap_or("other")
}
