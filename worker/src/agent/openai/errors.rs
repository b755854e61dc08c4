//! Which failures are worth retrying, and how long the server asked us to wait.
//!
//! async-openai 0.43 retries 429 (OpenAI-shaped), 5xx and connection failures by itself, three
//! times, honouring `Retry-After`; [`retried_by_client`] tells those failures apart so they are
//! not retried again on top. It then reads the status and body of the error response and drops
//! its headers, so `Retry-After` never reaches us: the wait is read from the message instead,
//! where OpenAI (and Azure) also state it: "Please try again in 1.5s", "Please retry after 20
//! seconds".

use std::time::Duration;

use async_openai::error::OpenAIError;
use serde_json::Value;

use crate::agent::model::ModelError;

/// Error text passed on is cut to this many characters (5xx bodies can be whole HTML pages).
const MAX_MESSAGE_CHARS: usize = 300;

/// The `type` of a 429 that no wait will fix: the account is out of credit.
const INSUFFICIENT_QUOTA: &str = "insufficient_quota";

/// Retries async-openai's client has already made for this failure (it does so for 429s in
/// OpenAI's shape except `insufficient_quota`, for 5xx, and for connection failures).
pub(super) fn retried_by_client(error: &OpenAIError) -> bool {
    match error {
        OpenAIError::ApiError(response) => {
            let status = response.status_code.as_u16();
            (status == 429 && response.api_error.r#type.as_deref() != Some(INSUFFICIENT_QUOTA))
                || (500..=599).contains(&status)
        }
        OpenAIError::Reqwest(error) => error.is_connect(),
        _ => false,
    }
}

/// Classifies an error from opening or reading the stream.
pub(super) fn from_openai(error: OpenAIError) -> ModelError {
    match error {
        OpenAIError::ApiError(response)
            if response.api_error.r#type.as_deref() == Some(INSUFFICIENT_QUOTA) =>
        {
            ModelError::Permanent(format!(
                "HTTP {}: {}",
                response.status_code.as_u16(),
                truncate(&response.api_error.message)
            ))
        }
        OpenAIError::ApiError(response) => {
            let message = response.api_error.message;
            from_status(response.status_code.as_u16(), &message)
        }
        // A 4xx whose body is not OpenAI's `{"error": {..}}` shape: the status is lost.
        OpenAIError::JSONDeserialize(_, body) => from_unknown_status(&body),
        OpenAIError::Reqwest(error) if error.is_builder() => {
            ModelError::Permanent(format!("cannot build the request: {}", chain(&error)))
        }
        OpenAIError::Reqwest(error) => transient(format!("HTTP failure: {}", chain(&error))),
        OpenAIError::StreamError(error) => transient(format!("the stream broke: {error}")),
        other => ModelError::Permanent(truncate(&other.to_string())),
    }
}

/// 408, 409, 425, 429 and 5xx are worth another try; other statuses are not.
pub(super) fn from_status(status: u16, message: &str) -> ModelError {
    let described = format!("HTTP {status}: {}", truncate(message));
    if matches!(status, 408 | 409 | 425 | 429 | 500..=599) {
        ModelError::Transient {
            message: described,
            retry_after: retry_after_in(message),
        }
    } else {
        ModelError::Permanent(described)
    }
}

/// An error response whose status async-openai did not keep: a numeric `code` in the body
/// (vLLM's flat error shape) decides, else words that say "try later".
fn from_unknown_status(body: &str) -> ModelError {
    let json: Option<Value> = serde_json::from_str(body).ok();
    let code = json.as_ref().and_then(|v| {
        v.get("code")
            .or_else(|| v.get("error").and_then(|e| e.get("code")))
            .and_then(Value::as_u64)
            .and_then(|c| u16::try_from(c).ok())
    });
    let message = json
        .as_ref()
        .and_then(|v| {
            v.get("message")
                .or_else(|| v.get("error").and_then(|e| e.get("message")))
                .or_else(|| v.get("error"))
                .or_else(|| v.get("detail"))
                .and_then(Value::as_str)
        })
        .unwrap_or(body);
    if let Some(status) = code.filter(|c| (400..=599).contains(c)) {
        return from_status(status, message);
    }
    let lower = body.to_lowercase();
    let retryable = [
        "rate limit",
        "too many requests",
        "overloaded",
        "try again",
        "retry after",
    ]
    .iter()
    .any(|hint| lower.contains(hint));
    let described = format!("error response: {}", truncate(message));
    if retryable {
        ModelError::Transient {
            message: described,
            retry_after: retry_after_in(message),
        }
    } else {
        ModelError::Permanent(described)
    }
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
    use super::*;

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
            let error = from_status(status, "boom");
            assert_eq!(
                matches!(error, ModelError::Transient { .. }),
                retryable,
                "{what}: {error:?}"
            );
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
    fn a_429_carries_the_wait_it_states() {
        let error = from_status(
            429,
            "Rate limit reached for gpt-4o. Please try again in 2s.",
        );

        assert!(
            matches!(error, ModelError::Transient { retry_after: Some(d), .. } if d == Duration::from_secs(2)),
            "{error:?}"
        );
    }

    #[test]
    fn error_bodies_in_other_shapes_are_classified_by_code_or_words() {
        let cases = [
            (
                r#"{"object":"error","message":"no such model","code":404}"#,
                false,
                "vLLM flat shape",
            ),
            (
                r#"{"object":"error","message":"busy","code":503}"#,
                true,
                "vLLM flat 503",
            ),
            ("Too Many Requests", true, "plain text 429"),
            (
                r#"{"detail":"Rate limit exceeded"}"#,
                true,
                "FastAPI detail",
            ),
            (r#"{"detail":"Not authenticated"}"#, false, "FastAPI 401"),
            ("<html>Forbidden</html>", false, "HTML 403"),
        ];
        for (body, retryable, what) in cases {
            let error = from_unknown_status(body);
            assert_eq!(
                matches!(error, ModelError::Transient { .. }),
                retryable,
                "{what}: {error:?}"
            );
        }
    }

    #[test]
    fn long_messages_are_cut() {
        let long = "x".repeat(5_000);

        assert_eq!(truncate(&long).chars().count(), MAX_MESSAGE_CHARS + 1);
        assert_eq!(truncate(" short "), "short");
    }
}
