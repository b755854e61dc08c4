//! OAuth 2.0 Protected Resource Metadata (RFC 9728) for `/mcp`, and the `WWW-Authenticate`
//! challenge that points MCP clients at it.
//!
//! An MCP client that gets 401 reads `resource_metadata` from the challenge, fetches this
//! document, and learns which authorization server issues tokens for Taskwire and which
//! scopes to ask for. The document is served at the path-suffixed well-known URL
//! (`/.well-known/oauth-protected-resource/mcp`, the one the challenge names) and at the
//! root form older clients try; both describe the one resource, `<base>/mcp`.

use std::sync::Arc;

use poem::{
    Endpoint, IntoResponse, Request, Response, Result,
    http::{HeaderMap, HeaderValue, StatusCode, Uri, header},
};
use serde_json::{Value, json};

use super::MCP_PATH;
use crate::GatewayConfig;

/// The well-known path of the metadata (RFC 9728 §3).
pub const METADATA_PATH: &str = "/.well-known/oauth-protected-resource";

/// What the metadata says, from the configuration.
#[derive(Debug, Clone)]
pub struct ResourceMetadata {
    /// `PUBLIC_URL` without a trailing slash; `None`: each request's `Host`.
    public_url: Option<String>,
    /// Issuers of tokens for `/mcp`; empty: the gateway itself.
    authorization_servers: Vec<String>,
    scopes: Vec<String>,
}

fn listed(values: &[String]) -> Vec<String> {
    values
        .iter()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .collect()
}

impl ResourceMetadata {
    /// `MCP_AUTHORIZATION_SERVERS` (else `JWT_ISSUER`), `MCP_SCOPES` and `PUBLIC_URL`.
    pub fn from_config(config: &GatewayConfig) -> Self {
        let mut authorization_servers = listed(&config.mcp.authorization_servers);
        if authorization_servers.is_empty() {
            authorization_servers.extend(config.auth.issuer.clone());
        }
        Self {
            public_url: config
                .public_url
                .as_deref()
                .map(|url| url.trim().trim_end_matches('/').to_owned())
                .filter(|url| !url.is_empty()),
            authorization_servers,
            // A scope is a token without spaces or quotes (RFC 6749 §3.3).
            scopes: listed(&config.mcp.scopes)
                .into_iter()
                .filter(|s| {
                    s.chars()
                        .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\')
                })
                .collect(),
        }
    }

    /// The host (and port, when given) of `PUBLIC_URL`, which `/mcp` must answer for.
    pub fn public_host(&self) -> Option<String> {
        let uri: Uri = self.public_url.as_deref()?.parse().ok()?;
        uri.authority().map(|a| a.as_str().to_owned())
    }

    /// The gateway's base URL: `PUBLIC_URL`, else `http://` and the request's `Host`.
    pub fn base_url(&self, headers: &HeaderMap) -> String {
        if let Some(url) = &self.public_url {
            return url.clone();
        }
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| {
                !h.is_empty()
                    && h.chars()
                        .all(|c| c.is_ascii_alphanumeric() || ".-:[]_".contains(c))
            })
            .unwrap_or("localhost");
        format!("http://{host}")
    }

    /// The URL of the metadata document, as the challenge names it.
    pub fn document_url(base: &str) -> String {
        format!("{base}{METADATA_PATH}{MCP_PATH}")
    }

    /// The metadata document for a gateway at `base`.
    pub fn document(&self, base: &str) -> Value {
        let servers = if self.authorization_servers.is_empty() {
            vec![base.to_owned()]
        } else {
            self.authorization_servers.clone()
        };
        let mut doc = json!({
            "resource": format!("{base}{MCP_PATH}"),
            "authorization_servers": servers,
            "bearer_methods_supported": ["header"],
            "resource_name": "Taskwire",
            "resource_documentation": format!("{base}/docs"),
        });
        if !self.scopes.is_empty() {
            doc["scopes_supported"] = json!(self.scopes);
        }
        doc
    }

    /// The `WWW-Authenticate` value of a 401 from `/mcp` (RFC 6750 §3, RFC 9728 §5.1): where
    /// the metadata is, the scopes, and, when a token was sent, why it was refused.
    pub fn challenge(&self, base: &str, refused: Option<&str>) -> HeaderValue {
        let mut value = format!("Bearer resource_metadata=\"{}\"", Self::document_url(base));
        if !self.scopes.is_empty() {
            value.push_str(&format!(", scope=\"{}\"", self.scopes.join(" ")));
        }
        if let Some(reason) = refused {
            let reason: String = reason
                .chars()
                .map(|c| match c {
                    '"' | '\\' => '\'',
                    c if c == ' ' || c.is_ascii_graphic() => c,
                    _ => ' ',
                })
                .collect();
            value.push_str(&format!(
                ", error=\"invalid_token\", error_description=\"{reason}\""
            ));
        }
        HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("Bearer"))
    }
}

/// `GET` the metadata document.
pub fn endpoint(metadata: Arc<ResourceMetadata>) -> impl Endpoint<Output = Response> + Clone {
    MetadataEndpoint(metadata)
}

#[derive(Clone)]
struct MetadataEndpoint(Arc<ResourceMetadata>);

impl Endpoint for MetadataEndpoint {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Response> {
        if req.method() != poem::http::Method::GET && req.method() != poem::http::Method::HEAD {
            return Err(poem::Error::from_status(StatusCode::METHOD_NOT_ALLOWED));
        }
        let base = self.0.base_url(req.headers());
        let body = self.0.document(&base);
        Ok(poem::web::Json(body)
            .with_header(header::CACHE_CONTROL, "max-age=300")
            .into_response())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(configure: impl FnOnce(&mut GatewayConfig)) -> ResourceMetadata {
        let mut config = GatewayConfig::for_test("postgres://unused", "nats://unused", "s");
        configure(&mut config);
        ResourceMetadata::from_config(&config)
    }

    #[test]
    fn the_issuer_is_the_authorization_server_unless_others_are_named() {
        let doc = metadata(|c| c.auth.issuer = Some("https://auth.example.com".into()))
            .document("https://tasks.example.com");
        assert_eq!(doc["resource"], "https://tasks.example.com/mcp");
        assert_eq!(
            doc["authorization_servers"],
            json!(["https://auth.example.com"])
        );
        assert!(
            doc.get("scopes_supported").is_none(),
            "no scopes configured"
        );
        let doc = metadata(|c| {
            c.auth.issuer = Some("https://auth.example.com".into());
            c.mcp.authorization_servers = vec!["https://a.example".into(), " ".into()];
            c.mcp.scopes = vec!["tasks".into(), "bad scope".into()];
        })
        .document("https://tasks.example.com");
        assert_eq!(doc["authorization_servers"], json!(["https://a.example"]));
        assert_eq!(doc["scopes_supported"], json!(["tasks"]));
    }

    #[test]
    fn the_base_url_is_the_public_url_or_the_requests_host() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert_eq!(metadata(|_| {}).base_url(&headers), "http://127.0.0.1:8080");
        let public = metadata(|c| c.public_url = Some("https://tasks.example.com/".into()));
        assert_eq!(public.base_url(&headers), "https://tasks.example.com");
        assert_eq!(public.public_host().as_deref(), Some("tasks.example.com"));
        headers.insert(header::HOST, HeaderValue::from_static("evil\"host"));
        assert_eq!(metadata(|_| {}).base_url(&headers), "http://localhost");
    }

    #[test]
    fn the_challenge_names_the_metadata_and_why_a_token_was_refused() {
        let meta = metadata(|c| c.mcp.scopes = vec!["tasks:read".into(), "tasks:write".into()]);
        let plain = meta.challenge("http://h", None);
        assert_eq!(
            plain,
            "Bearer resource_metadata=\"http://h/.well-known/oauth-protected-resource/mcp\", scope=\"tasks:read tasks:write\""
        );
        let refused = meta.challenge("http://h", Some("invalid \"token\"\n"));
        let text = refused.to_str().expect("ASCII");
        assert!(
            text.ends_with("error=\"invalid_token\", error_description=\"invalid 'token' \""),
            "{text}"
        );
    }
}
