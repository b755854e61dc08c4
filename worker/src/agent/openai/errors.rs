//! Which failures are worth retrying, and how long the server asked us to wait.
//!
//! Error responses arrive from our HTTP layer ([`super::http`]) as an [`ErrorResponse`] with
//! their status, the wait from `Retry-After` and their body, whatever its shape. The status
//! decides, except for a 429 that says the account is out of credit. The wait in the header
//! wins; without one it is read from the message, where OpenAI (and Azure) also state it:
//! "Please try again in 1.5s", "Please retry after 20 seconds".

use std::time::Duration;

use async_openai::error::OpenAIError;
use serde_json::Value;

use super::http::ErrorResponse;
use crate::agent::model::ModelError;

/// Error text passed on is cut to this many characters (5xx bodies can be whole HTML pages).
const MAX_MESSAGE_CHARS: usize = 300;

/// The `type` (or `code`) of a 429 that no wait will fix: the account is out of credit.
const INSUFFICIENT_QUOTA: &str = "insufficient_quota";

/// Classifies an error from opening or reading the stream.
pub(super) fn from_openai(error: OpenAIError) -> ModelError {
    match error {
        OpenAIError::Boxed(error) => match error.downcast::<ErrorResponse>() {
            Ok(response) => from_response(&response),
            Err(other) => transient(format!("HTTP failure: {}", chain(&*other))),
        },
        OpenAIError::Reqwest(error) if error.is_builder() => {
            ModelError::Permanent(format!("cannot build the request: {}", chain(&error)))
        }
        OpenAIError::Reqwest(error) => transient(format!("HTTP failure: {}", chain(&error))),
        OpenAIError::StreamError(error) => transient(format!("the stream broke: {error}")),
        // Only if async-openai read an error response itself, which our HTTP layer prevents.
        OpenAIError::ApiError(response) => from_status(
            response.status_code.as_u16(),
            &response.api_error.message,
            None,
        ),
        other => ModelError::Permanent(truncate(&other.to_string())),
    }
}

/// Classifies a non-2xx response by its status, its message and the wait it asks for.
pub(super) fn from_response(response: &ErrorResponse) -> ModelError {
    let json: Option<Value> = serde_json::from_str(&response.body).ok();
    let message = json.as_ref().and_then(message_in).unwrap_or(&response.body);
    if json.as_ref().is_some_and(out_of_quota) {
        return ModelError::Permanent(format!("HTTP {}: {}", response.status, truncate(message)));
    }
    from_status(response.status, message, response.retry_after)
}

/// 408, 409, 425, 429 and 5xx are worth another try; other statuses are not. `retry_after`
/// is the wait from the headers; without one, the wait stated in `message` counts.
pub(super) fn from_status(status: u16, message: &str, retry_after: Option<Duration>) -> ModelError {
    let short = truncate(message);
    let described = if short.is_empty() {
        format!("HTTP {status}")
    } else {
        format!("HTTP {status}: {short}")
    };
    if matches!(status, 408 | 409 | 425 | 429 | 500..=599) {
        ModelError::Transient {
            message: described,
            retry_after: retry_after.or_else(|| retry_after_in(message)),
        }
    } else {
        ModelError::Permanent(described)
    }
}

/// The message of an error body in OpenAI's shape (`{"error": {"message"}}`), vLLM's flat
/// shape (`{"message"}`), as a bare string (`{"error": "…"}`) or FastAPI's (`{"detail"}`).
fn message_in(json: &Value) -> Option<&str> {
    json.get("error")
        .and_then(|e| e.get("message"))
        .or_else(|| json.get("message"))
        .or_else(|| json.get("error"))
        .or_else(|| json.get("detail"))
        .and_then(Value::as_str)
}

/// Whether the body says the account is out of credit (OpenAI: `type` and `code`).
fn out_of_quota(json: &Value) -> bool {
    let error = json.get("error").unwrap_or(json);
    ["type", "code"]
        .iter()
        .any(|field| error.get(field).and_then(Value::as_str) == Some(INSUFFICIENT_QUOTA))
}

fn transient(message: String) -> ModelError {
    ModelError::Transient {
        message: truncate(&message),
        retry_after: None,
    }
}

/// An error with its sources ("error sending request: connection refused").
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// `text` cut to [`MAX_MESSAGE_CHARS`] characters.
pub(super) fn truncate(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// The wait stated in an error message: "try again in 6m0s" / "in 845ms" / "in 1.02s", or
/// "retry after 20 seconds".
pub(super) fn retry_after_in(message: &str) -> Option<Duration> {
    let lower = message.to_lowercase();
    ["try again in ", "retry after "].iter().find_map(|phrase| {
        let at = lower.find(phrase)? + phrase.len();
        parse_duration(&lower[at..])
    })
}

/// Reads a duration at the start of `text`: Go-style ("1h2m3.5s", "845ms") or a number and a
/// unit word ("20 seconds").
fn parse_duration(text: &str) -> Option<Duration> {
    let mut rest = text;
    let mut seconds = 0.0_f64;
    let mut parsed_any = false;
    loop {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if number_len == 0 {
            break;
        }
        let Ok(number) = rest[..number_len].parse::<f64>() else {
            break;
        };
        rest = &rest[number_len..];
        let spaced = rest.strip_prefix(' ').unwrap_or(rest);
        let unit_len = spaced
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(spaced.len());
        let factor = match &spaced[..unit_len] {
            "ms" | "millisecond" | "milliseconds" => 0.001,
            "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
            "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
            "h" | "hour" | "hours" => 3600.0,
            _ => break,
        };
        seconds += number * factor;
        parsed_any = true;
        rest = &spaced[unit_len..];
    }
    if !parsed_any {
        return None;
    }
    Duration::try_from_secs_f64(seconds).ok()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn response(status: u16, retry_after: Option<u64>, body: &str) -> ErrorResponse {
        ErrorResponse {
            status,
            retry_after: retry_after.map(Duration::from_secs),
            body: body.to_owned(),
        }
    }

    fn openai_error(message: &str, kind: &str) -> String {
        json!({"error": {"message": message, "type": kind, "param": null, "code": null}})
            .to_string()
    }

    fn is_transient(error: &ModelError) -> bool {
        matches!(error, ModelError::Transient { .. })
    }

    fn wait(error: &ModelError) -> Option<Duration> {
        match error {
            ModelError::Transient { retry_after, .. } => *retry_after,
            ModelError::Permanent(_) => None,
        }
    }

    #[test]
    fn statuses_are_sorted_into_transient_and_permanent() {
        let cases = [
            (429, true, "rate limited"),
            (500, true, "server error"),
            (502, true, "bad gateway"),
            (503, true, "unavailable"),
            (408, true, "request timeout"),
            (400, false, "bad request"),
            (401, false, "unauthenticated"),
            (403, false, "forbidden"),
            (404, false, "unknown model"),
        ];
        for (status, retryable, what) in cases {
            let error = from_status(status, "boom", None);
            assert_eq!(is_transient(&error), retryable, "{what}: {error:?}");
        }
    }

    #[test]
    fn the_wait_is_read_from_the_message() {
        let cases = [
            ("Rate limit reached. Please try again in 20s.", Some(20_000)),
            ("Please try again in 1.5s. Visit ...", Some(1_500)),
            ("Please try again in 845ms.", Some(845)),
            ("Please try again in 6m0s.", Some(360_000)),
            ("Please try again in 1h2m3s", Some(3_723_000)),
            ("Please retry after 7 seconds.", Some(7_000)),
            ("Please try again later.", None),
            ("no hint at all", None),
        ];
        for (message, millis) in cases {
            assert_eq!(
                retry_after_in(message),
                millis.map(Duration::from_millis),
                "{message}"
            );
        }
    }

    #[test]
    fn the_wait_in_the_header_wins_over_the_one_in_the_message() {
        let body = openai_error("Please try again in 2s.", "requests");

        let from_header = from_response(&response(429, Some(30), &body));
        let from_message = from_response(&response(429, None, &body));

        assert_eq!(wait(&from_header), Some(Duration::from_secs(30)));
        assert_eq!(wait(&from_message), Some(Duration::from_secs(2)));
    }

    #[test]
    fn error_bodies_of_any_shape_are_classified_by_status() {
        let cases = [
            (429, "", true, "empty 429"),
            (429, "Too Many Requests", true, "plain text 429"),
            (503, "<html>Service Unavailable</html>", true, "HTML 503"),
            (500, "not json {", true, "broken JSON 500"),
            (
                404,
                r#"{"object":"error","message":"no such model","code":404}"#,
                false,
                "vLLM 404",
            ),
            (
                401,
                r#"{"detail":"Not authenticated"}"#,
                false,
                "FastAPI 401",
            ),
            (403, "<html>Forbidden</html>", false, "HTML 403"),
            (400, "", false, "empty 400"),
        ];
        for (status, body, retryable, what) in cases {
            let error = from_response(&response(status, None, body));
            assert_eq!(is_transient(&error), retryable, "{what}: {error:?}");
        }
    }

    #[test]
    fn the_message_is_taken_from_the_bodys_shape() {
        let cases = [
            (openai_error("bad key", "auth"), "HTTP 401: bad key"),
            (
                r#"{"object":"error","message":"flat","code":401}"#.into(),
                "HTTP 401: flat",
            ),
            (r#"{"error":"bare string"}"#.into(), "HTTP 401: bare string"),
            (r#"{"detail":"fastapi"}"#.into(), "HTTP 401: fastapi"),
            ("plain words".into(), "HTTP 401: plain words"),
            (String::new(), "HTTP 401"),
        ];
        for (body, expected) in cases {
            let error = from_response(&response(401, None, &body));
            assert!(
                matches!(&error, ModelError::Permanent(m) if m == expected),
                "{body}: {error:?}"
            );
        }
    }

    #[test]
    fn an_exhausted_quota_is_permanent_even_as_a_429() {
        let error = from_response(&response(
            429,
            Some(1),
            &openai_error("You exceeded your current quota.", INSUFFICIENT_QUOTA),
        ));

        assert!(
            matches!(&error, ModelError::Permanent(m) if m.contains("quota")),
            "{error:?}"
        );
    }

    #[test]
    fn long_messages_are_cut() {
        let long = "x".repeat(5_000);

        assert_eq!(truncate(&long).chars().count(), MAX_MESSAGE_CHARS + 1);
        assert_eq!(truncate(" short "), "short");
    }
}
