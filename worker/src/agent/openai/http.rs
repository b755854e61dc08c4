//! The HTTP layer under async-openai: one plain request per call, never a retry.
//!
//! async-openai's default layer retries 429s, 5xx and connection failures three times by
//! itself and then reads error responses without their headers. This layer, installed with
//! its `middleware` feature, retries nothing (so the provider's `max_retries` is the only
//! retry policy), turns every non-2xx response into an [`ErrorResponse`] that keeps the
//! status, the server's requested wait and the body, and sends `Authorization` only when
//! there is a key.

use std::{
    task::{Context, Poll},
    time::Duration,
};

use async_openai::{error::OpenAIError, middleware::HttpRequestFactory};
use chrono::{DateTime, NaiveDateTime, Utc};
use futures::future::BoxFuture;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue, InvalidHeaderValue};

/// Error bodies are read up to this many bytes (5xx bodies can be whole HTML pages).
const MAX_ERROR_BODY: usize = 16 * 1024;

/// A non-2xx answer, as the provider sees it through `OpenAIError::Boxed`.
#[derive(Debug, thiserror::Error)]
#[error("HTTP {status}")]
pub(super) struct ErrorResponse {
    pub(super) status: u16,
    /// From `retry-after-ms` or `Retry-After` (seconds or an HTTP date).
    pub(super) retry_after: Option<Duration>,
    /// The body as text, possibly cut.
    pub(super) body: String,
}

/// The tower service async-openai sends every request through.
#[derive(Clone)]
pub(super) struct PlainHttp {
    client: reqwest::Client,
    authorization: Option<HeaderValue>,
}

impl PlainHttp {
    /// A layer over `client` sending `authorization` (from [`authorization`]) if any.
    pub(super) fn new(client: reqwest::Client, authorization: Option<HeaderValue>) -> Self {
        Self {
            client,
            authorization,
        }
    }
}

/// The `Authorization` header for `api_key` (none without a key or with an empty one), or
/// the reason the key cannot go into a header.
pub(super) fn authorization(
    api_key: Option<&str>,
) -> Result<Option<HeaderValue>, InvalidHeaderValue> {
    let Some(key) = api_key.filter(|key| !key.is_empty()) else {
        return Ok(None);
    };
    let mut value = HeaderValue::from_str(&format!("Bearer {key}"))?;
    value.set_sensitive(true);
    Ok(Some(value))
}

impl tower::Service<HttpRequestFactory> for PlainHttp {
    type Response = reqwest::Response;
    type Error = OpenAIError;
    type Future = BoxFuture<'static, Result<reqwest::Response, OpenAIError>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, factory: HttpRequestFactory) -> Self::Future {
        let client = self.client.clone();
        let authorization = self.authorization.clone();
        Box::pin(async move {
            let mut request = factory.build().await?;
            // async-openai always writes `Bearer <key>`, with an empty key too: ours replaces it.
            let headers = request.headers_mut();
            match authorization {
                Some(value) => headers.insert(AUTHORIZATION, value),
                None => headers.remove(AUTHORIZATION),
            };
            let response = client.execute(request).await?;
            if response.status().is_success() {
                return Ok(response);
            }
            let error = ErrorResponse {
                status: response.status().as_u16(),
                retry_after: retry_after(response.headers(), Utc::now()),
                body: read_capped(response).await,
            };
            Err(OpenAIError::Boxed(Box::new(error)))
        })
    }
}

/// The body, up to [`MAX_ERROR_BODY`] bytes; a body that breaks off is kept as far as read.
async fn read_capped(mut response: reqwest::Response) -> String {
    let mut body = Vec::new();
    while body.len() < MAX_ERROR_BODY {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) => break,
            Err(error) => {
                tracing::debug!(%error, "the error response's body broke off");
                break;
            }
        }
    }
    body.truncate(MAX_ERROR_BODY);
    String::from_utf8_lossy(&body).into_owned()
}

/// The wait the server asked for: `retry-after-ms` (OpenAI, Azure) first, then
/// `Retry-After` as seconds or as an HTTP date (a date in the past means now).
pub(super) fn retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let header = |name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(millis) = header("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        return Duration::try_from_secs_f64(millis / 1000.0).ok();
    }
    let value = header("retry-after")?;
    if let Ok(seconds) = value.parse::<f64>() {
        return Duration::try_from_secs_f64(seconds).ok();
    }
    let at = http_date(value)?;
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

/// An HTTP date in any of the three forms RFC 9110 accepts.
fn http_date(value: &str) -> Option<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc2822(value) {
        return Some(at.with_timezone(&Utc));
    }
    ["%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(value, format).ok())
        .map(|at| at.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| {
                let value = HeaderValue::from_str(value).expect("a header value");
                (reqwest::header::HeaderName::from_static(name), value)
            })
            .collect()
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2015-10-21T07:28:00Z")
            .expect("a date")
            .with_timezone(&Utc)
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_as_a_date() {
        let secs = |n| Some(Duration::from_secs(n));
        let cases = [
            (vec![("retry-after", "7")], secs(7), "seconds"),
            (vec![("retry-after", " 3600 ")], secs(3600), "spaces"),
            (
                vec![("retry-after", "1.5")],
                Some(Duration::from_millis(1500)),
                "fraction",
            ),
            (
                vec![("retry-after", "Wed, 21 Oct 2015 07:28:30 GMT")],
                secs(30),
                "IMF date",
            ),
            (
                vec![("retry-after", "Wednesday, 21-Oct-15 07:29:00 GMT")],
                secs(60),
                "RFC 850",
            ),
            (
                vec![("retry-after", "Wed Oct 21 07:28:05 2015")],
                secs(5),
                "asctime",
            ),
            (
                vec![("retry-after", "Wed, 21 Oct 2015 07:00:00 GMT")],
                secs(0),
                "past date",
            ),
            (
                vec![("retry-after-ms", "250"), ("retry-after", "9")],
                Some(Duration::from_millis(250)),
                "ms first",
            ),
            (vec![("retry-after", "-3")], None, "negative"),
            (vec![("retry-after", "soon")], None, "words"),
            (vec![], None, "no header"),
        ];
        for (pairs, expected, what) in cases {
            assert_eq!(retry_after(&headers(&pairs), now()), expected, "{what}");
        }
    }

    #[test]
    fn the_key_becomes_a_hidden_bearer_header_and_no_key_no_header() {
        let value = authorization(Some("sk-1"))
            .expect("a valid key")
            .expect("a header");

        assert_eq!(value, "Bearer sk-1");
        assert!(value.is_sensitive(), "kept out of Debug output");
        for key in [None, Some("")] {
            assert_eq!(authorization(key).expect("no key"), None, "{key:?}");
        }
        assert!(authorization(Some("sk-line\nbreak")).is_err());
    }
}
