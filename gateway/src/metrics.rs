//! `/metrics` in Prometheus' text format, and the per-request counters behind it.

use std::time::Instant;

use poem::{Endpoint, IntoResponse, Request, Response, handler, http::StatusCode};

/// `GET /metrics`.
#[handler]
pub fn endpoint() -> Response {
    Response::builder()
        .status(StatusCode::OK)
        .content_type("text/plain; version=0.0.4")
        .body(common::metrics::render())
}

/// Counts every request by method and status, and times it.
pub async fn count_requests<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    let method = req.method().to_string();
    let started = Instant::now();
    let response = match next.call(req).await {
        Ok(output) => output.into_response(),
        Err(err) => err.into_response(),
    };
    let status = response.status().as_u16().to_string();
    metrics::counter!("taskwire_http_requests_total", "method" => method.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("taskwire_http_request_duration_seconds", "method" => method)
        .record(started.elapsed().as_secs_f64());
    Ok(response)
}
