//! What stands in front of rmcp at `/mcp`: the bearer token (from the `Authorization` header
//! only, never the query string), the per-user rate limit, and the checks that turn every
//! malformed request into a JSON-RPC error.
//!
//! The verified user goes into the request's extensions, which poem hands on through the
//! tower compatibility layer; rmcp puts the request's parts into each JSON-RPC request's
//! context, where the tools read the user back. Nothing else carries it, so a tool cannot
//! run for anyone but the token's user.

use std::sync::Arc;

use common::domain::UserId;
use poem::{
    Endpoint, IntoResponse, Request, Response, Result,
    http::{HeaderValue, Method, StatusCode, header},
};

use super::{jsonrpc, metadata::ResourceMetadata};
use crate::{
    auth::{AuthError, Authenticator},
    limits::{self, KeyedLimiter},
};

/// What the guard needs, shared by every request.
pub struct GuardState {
    pub auth: Arc<Authenticator>,
    pub limiter: Arc<KeyedLimiter>,
    pub metadata: Arc<ResourceMetadata>,
    /// Largest body accepted (`MAX_BODY_BYTES`, as for the REST API).
    pub max_body_bytes: usize,
}

/// The guarded MCP endpoint.
pub struct McpGuard<E> {
    pub inner: E,
    pub state: Arc<GuardState>,
}

impl<E: Endpoint> Endpoint for McpGuard<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> Result<Response> {
        let user = match self.state.authenticate(&req).await {
            Ok(user) => user,
            Err(refusal) => return Ok(refusal),
        };
        crate::middleware::record_user(&user);
        if let Err(wait_secs) = limits::take(&self.state.limiter, user.as_str()) {
            return Ok(rate_limited(wait_secs));
        }
        req.extensions_mut().insert(user);
        let id = if req.method() == Method::POST {
            match jsonrpc::read_message(&mut req, self.state.max_body_bytes).await {
                Ok(id) => id,
                Err(refusal) => return Ok(refusal.into_response()),
            }
        } else {
            None
        };
        let response = match self.inner.call(req).await {
            Ok(output) => output.into_response(),
            Err(err) => err.into_response(),
        };
        Ok(jsonrpc::ensure_json_error(response, id.as_ref()).await)
    }
}

impl GuardState {
    /// The token's user, or the 401 (503 when the signing keys cannot be fetched) to answer.
    async fn authenticate(&self, req: &Request) -> Result<UserId, Response> {
        let token = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(bearer_token);
        let Some(token) = token else {
            return Err(self.unauthorized(req, None));
        };
        match self.auth.verify(token).await {
            Ok(user) => Ok(user),
            Err(AuthError::KeysUnavailable) => Err(jsonrpc::error(
                StatusCode::SERVICE_UNAVAILABLE,
                None,
                jsonrpc::INTERNAL_ERROR,
                "The token's signing keys cannot be fetched right now; try again shortly.",
            )),
            Err(err) => Err(self.unauthorized(req, Some(&err))),
        }
    }

    /// 401 with the challenge that leads an MCP client to the resource metadata.
    fn unauthorized(&self, req: &Request, refused: Option<&AuthError>) -> Response {
        let base = self.metadata.base_url(req.headers());
        let reason = refused.map(ToString::to_string);
        let message = match &reason {
            Some(reason) => format!("Unauthorized: {reason}."),
            None => "Unauthorized: send a bearer token in the Authorization header.".to_owned(),
        };
        let mut response = jsonrpc::error(
            StatusCode::UNAUTHORIZED,
            None,
            jsonrpc::UNAUTHORIZED,
            &message,
        );
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            self.metadata.challenge(&base, reason.as_deref()),
        );
        response
    }
}

/// The token of an `Authorization: Bearer <token>` header (the scheme in any case).
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

fn rate_limited(wait_secs: u64) -> Response {
    let mut response = jsonrpc::error(
        StatusCode::TOO_MANY_REQUESTS,
        None,
        jsonrpc::RATE_LIMITED,
        &format!("Too many requests: wait {wait_secs} s before calling again."),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(wait_secs));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_bearer_header_carries_a_token() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer  abc "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("abc"), None);
    }
}
