//! The one error type of every handler, and the one place HTTP statuses are chosen.
//!
//! Every error leaves the gateway as `{"error":{"code":"…","message":"…"}}`: errors of the
//! handlers through [`ApiError`], and poem's own (bad JSON, wrong content type, unknown
//! route, bad path parameter, failed auth) through [`json_errors`].

use poem::{
    Response,
    http::{StatusCode, header},
};
use poem_openapi::{ApiResponse, Object, payload::Json};

/// The body of every error response.
#[derive(Debug, Clone, Object, serde::Serialize, serde::Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong: a stable machine-readable `code` and a sentence for people.
#[derive(Debug, Clone, Object, serde::Serialize, serde::Deserialize)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
}

impl ErrorBody {
    fn new(code: &str, message: impl Into<String>) -> Json<Self> {
        Json(Self {
            error: ErrorDetail {
                code: code.to_owned(),
                message: message.into(),
            },
        })
    }
}

/// An error answer of the API.
#[derive(Debug, ApiResponse)]
pub enum ApiError {
    /// The request is malformed: unparsable JSON, wrong types, bad parameters.
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    /// No valid bearer token.
    #[oai(status = 401)]
    Unauthorized(Json<ErrorBody>, #[oai(header = "WWW-Authenticate")] String),
    /// The token is valid but not for this user.
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// No such resource for this user.
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
    /// The request conflicts with the current state.
    #[oai(status = 409)]
    Conflict(Json<ErrorBody>),
    /// The body is larger than the gateway accepts.
    #[oai(status = 413)]
    PayloadTooLarge(Json<ErrorBody>),
    /// The request is well-formed but a value breaks a rule.
    #[oai(status = 422)]
    Unprocessable(Json<ErrorBody>),
    /// Too many requests or too many queued messages; retry after `Retry-After` seconds.
    #[oai(status = 429)]
    TooManyRequests(Json<ErrorBody>, #[oai(header = "Retry-After")] u64),
    /// An unexpected failure; details are in the gateway's log.
    #[oai(status = 500)]
    Internal(Json<ErrorBody>),
    /// The chat turn failed (the model was unavailable, or it ran out of time); the
    /// conversation holds an assistant message saying so.
    #[oai(status = 502)]
    BadGateway(Json<ErrorBody>),
    /// A dependency (Postgres, NATS) is unreachable; try again shortly.
    #[oai(status = 503)]
    Unavailable(Json<ErrorBody>),
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::BadRequest(ErrorBody::new("bad_request", message))
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::Unauthorized(ErrorBody::new("unauthorized", message), "Bearer".to_owned())
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden(ErrorBody::new("forbidden", message))
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::NotFound(ErrorBody::new("not_found", message))
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict(ErrorBody::new("conflict", message))
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::Unprocessable(ErrorBody::new("validation_failed", message))
    }

    pub fn too_many(message: impl Into<String>, retry_after_secs: u64) -> Self {
        Self::TooManyRequests(
            ErrorBody::new("too_many_requests", message),
            retry_after_secs.max(1),
        )
    }

    pub fn turn_failed(code: &str, message: impl Into<String>) -> Self {
        Self::BadGateway(ErrorBody::new(code, message))
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::Unavailable(ErrorBody::new("service_unavailable", message))
    }

    /// An internal error: the cause is logged here, the client sees an opaque message.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::Internal(ErrorBody::new("internal", "internal error"))
    }
}

impl From<common::Error> for ApiError {
    fn from(err: common::Error) -> Self {
        match err {
            common::Error::NotFound(what) => Self::not_found(format!("{what} not found")),
            common::Error::Validation { .. } => Self::validation(err.to_string()),
            common::Error::Conflict(message) => Self::Conflict(ErrorBody::new("conflict", message)),
            common::Error::Unavailable(cause) => {
                tracing::warn!(%cause, "dependency unavailable");
                Self::unavailable("the service is temporarily unavailable, try again shortly")
            }
            common::Error::Unstorable(_) => Self::validation(err.to_string()),
            common::Error::Superseded => Self::internal("a job delivery superseded in a request"),
            common::Error::Internal(cause) => Self::internal(format!("{cause:#}")),
        }
    }
}

/// Turns any error poem produced into the JSON error shape. Errors that already carry a
/// response (every [`ApiError`]) pass unchanged.
pub async fn json_errors(err: poem::Error) -> Response {
    if err.is_from_response() {
        return err.into_response();
    }
    let status = err.status();
    if let Some(path) = err.downcast_ref::<poem_openapi::error::ParsePathError>() {
        // poem-openapi names path parameters by position; the reason is what helps.
        return json_error(
            status,
            "bad_request",
            format!("invalid path parameter: {}", path.reason),
        );
    }
    let (code, message) = match status {
        StatusCode::BAD_REQUEST => ("bad_request", err.to_string()),
        StatusCode::UNAUTHORIZED => (
            "unauthorized",
            "missing or malformed bearer token".to_owned(),
        ),
        StatusCode::NOT_FOUND => ("not_found", "no such route".to_owned()),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "method not allowed on this route".to_owned(),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", err.to_string()),
        StatusCode::REQUEST_TIMEOUT => ("request_timeout", err.to_string()),
        StatusCode::LENGTH_REQUIRED => ("length_required", err.to_string()),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", err.to_string()),
        StatusCode::UNPROCESSABLE_ENTITY => ("validation_failed", err.to_string()),
        s if s.is_server_error() => {
            tracing::error!(error = %err, status = %s, "request failed");
            ("internal", "internal error".to_owned())
        }
        _ => ("error", err.to_string()),
    };
    json_error(status, code, message)
}

fn json_error(status: StatusCode, code: &str, message: String) -> Response {
    let mut response = Response::builder()
        .status(status)
        .content_type("application/json; charset=utf-8")
        .body(
            serde_json::to_vec(&ErrorBody::new(code, message).0).unwrap_or_else(|_| {
                b"{\"error\":{\"code\":\"internal\",\"message\":\"internal error\"}}".to_vec()
            }),
        );
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
    }
    response
}
