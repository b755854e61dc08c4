//! The gateway's own middleware: a request body size limit that also covers bodies sent
//! without `Content-Length` (poem's `SizeLimit` refuses those outright), a deadline on reading
//! bodies, and the request span that carries the ids of the user and the turn.

use poem::{
    Body, Endpoint, IntoResponse, Middleware, Request, Result,
    http::StatusCode,
    web::headers::{self, HeaderMapExt},
};
use tracing::Instrument as _;

/// Answers 413 to bodies larger than `max_bytes`.
pub struct BodyLimit {
    pub max_bytes: usize,
}

impl<E: Endpoint> Middleware<E> for BodyLimit {
    type Output = BodyLimitEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        BodyLimitEndpoint {
            inner,
            max_bytes: self.max_bytes,
        }
    }
}

pub struct BodyLimitEndpoint<E> {
    inner: E,
    max_bytes: usize,
}

fn too_large(max: usize) -> poem::Error {
    poem::Error::from_string(
        format!("request body larger than {max} bytes"),
        StatusCode::PAYLOAD_TOO_LARGE,
    )
}

impl<E: Endpoint> Endpoint for BodyLimitEndpoint<E> {
    type Output = E::Output;

    async fn call(&self, mut req: Request) -> Result<Self::Output> {
        match req.headers().typed_get::<headers::ContentLength>() {
            Some(len) if len.0 > self.max_bytes as u64 => return Err(too_large(self.max_bytes)),
            Some(_) => {}
            None => {
                // Chunked or unsized body: read at most the limit, then hand it on.
                let bytes = req
                    .take_body()
                    .into_bytes_limit(self.max_bytes)
                    .await
                    .map_err(|e| match e {
                        poem::error::ReadBodyError::PayloadTooLarge => too_large(self.max_bytes),
                        other => {
                            poem::Error::from_string(other.to_string(), StatusCode::BAD_REQUEST)
                        }
                    })?;
                req.set_body(Body::from_bytes(bytes));
            }
        }
        self.inner.call(req).await
    }
}

/// Reads a request's body within `timeout` (`BODY_READ_TIMEOUT`), answering 408 to a client
/// that sends it slower: a body of declared length up to `max_bytes` is read here, whole; a
/// chunked one is left to its handler (which reads at most `max_bytes`) with the same deadline
/// on every read; a longer declared one is refused downstream without being read.
pub struct BodyDeadline {
    pub timeout: std::time::Duration,
    pub max_bytes: usize,
}

impl<E: Endpoint> Middleware<E> for BodyDeadline {
    type Output = BodyDeadlineEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        BodyDeadlineEndpoint {
            inner,
            timeout: self.timeout,
            max_bytes: self.max_bytes,
        }
    }
}

pub struct BodyDeadlineEndpoint<E> {
    inner: E,
    timeout: std::time::Duration,
    max_bytes: usize,
}

impl<E: Endpoint> Endpoint for BodyDeadlineEndpoint<E> {
    type Output = E::Output;

    async fn call(&self, mut req: Request) -> Result<Self::Output> {
        let declared = req.headers().typed_get::<headers::ContentLength>();
        match declared {
            Some(len) if len.0 == 0 || len.0 > self.max_bytes as u64 => {}
            Some(_) => {
                let reading = req.take_body().into_bytes_limit(self.max_bytes);
                let bytes = tokio::time::timeout(self.timeout, reading)
                    .await
                    .map_err(|_| too_slow(self.timeout))?
                    .map_err(|e| {
                        poem::Error::from_string(e.to_string(), StatusCode::BAD_REQUEST)
                    })?;
                req.set_body(Body::from_bytes(bytes));
            }
            None => {
                let deadline = tokio::time::Instant::now() + self.timeout;
                let body = req.take_body().into_bytes_stream();
                let bounded =
                    futures::StreamExt::take_until(body, tokio::time::sleep_until(deadline));
                req.set_body(Body::from_bytes_stream(bounded));
            }
        }
        self.inner.call(req).await
    }
}

fn too_slow(timeout: std::time::Duration) -> poem::Error {
    poem::Error::from_string(
        format!(
            "the request body did not arrive within {} s",
            timeout.as_secs()
        ),
        StatusCode::REQUEST_TIMEOUT,
    )
}

/// The span of every request: method, URI and client address when it starts, and the user,
/// conversation and job ids once a handler knows them ([`record_user`], [`record_turn`]), so
/// that every log line of a request, and one `RUST_LOG` setting, show a turn's path. Logs
/// the response (status, duration) at the end, as poem's `Tracing` does.
pub struct RequestSpan;

impl<E: Endpoint> Middleware<E> for RequestSpan {
    type Output = RequestSpanEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        RequestSpanEndpoint { inner }
    }
}

pub struct RequestSpanEndpoint<E> {
    inner: E,
}

impl<E: Endpoint> Endpoint for RequestSpanEndpoint<E> {
    type Output = poem::Response;

    async fn call(&self, req: Request) -> Result<Self::Output> {
        let span = tracing::info_span!(
            "request",
            remote_addr = %req.remote_addr(),
            method = %req.method(),
            uri = %req.original_uri(),
            user_id = tracing::field::Empty,
            conversation_id = tracing::field::Empty,
            job_id = tracing::field::Empty,
        );
        async move {
            let started = std::time::Instant::now();
            let result = self.inner.call(req).await;
            let duration = started.elapsed();
            match result {
                Ok(response) => {
                    let response = response.into_response();
                    tracing::info!(status = %response.status(), ?duration, "response");
                    Ok(response)
                }
                Err(err) => {
                    tracing::info!(status = %err.status(), error = %err, ?duration, "error");
                    Err(err)
                }
            }
        }
        .instrument(span)
        .await
    }
}

/// Records the authenticated user on the current request's span.
pub fn record_user(user: &common::domain::UserId) {
    tracing::Span::current().record("user_id", user.as_str());
}

/// Records the chat turn a request started or follows on the current request's span.
pub fn record_turn(conversation_id: uuid::Uuid, job_id: uuid::Uuid) {
    let span = tracing::Span::current();
    span.record("conversation_id", tracing::field::display(conversation_id));
    span.record("job_id", tracing::field::display(job_id));
}
