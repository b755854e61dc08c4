//! The MCP server: the five task tools over the Model Context Protocol at `/mcp`, so Claude,
//! Cursor or any agent can manage a user's list (docs/mcp.md).
//!
//! The protocol is rmcp's streamable HTTP service, mounted in poem through its tower
//! compatibility layer, stateless (no sessions, one JSON answer per POST), so any gateway
//! behind a load balancer answers any request. In front of it, [`guard`] makes `/mcp` a
//! protected resource as the MCP spec asks: a bearer token from the `Authorization` header
//! (401 with `WWW-Authenticate` pointing at [`metadata`] otherwise), a per-user rate limit,
//! and a JSON-RPC error for every malformed request. The tools themselves ([`tools`]) are
//! `common::tools`, the same the chat agent runs, scoped to the token's user.

mod guard;
mod jsonrpc;
pub mod metadata;
mod server;
pub mod tools;

use std::sync::Arc;

use poem::{Route, endpoint::TowerCompatExt};
use rmcp::transport::streamable_http_server::{
    StreamableHttpServerConfig, StreamableHttpService, session::never::NeverSessionManager,
};
use sqlx::PgPool;

use crate::{GatewayConfig, auth::Authenticator, config::McpConfig, limits::KeyedLimiter};
use guard::McpGuard;
use metadata::{METADATA_PATH, ResourceMetadata};
use server::TaskServer;

/// The path of the MCP endpoint.
pub const MCP_PATH: &str = "/mcp";

/// The MCP server, ready to mount.
pub struct Mcp {
    service: StreamableHttpService<TaskServer, NeverSessionManager>,
    guard: Arc<guard::GuardState>,
    metadata: Arc<ResourceMetadata>,
}

impl Mcp {
    /// Builds the server from the configuration: tools on `pool`, tokens checked by `auth`,
    /// each user's requests metered by `limiter`.
    pub fn new(
        config: &GatewayConfig,
        pool: PgPool,
        auth: Arc<Authenticator>,
        limiter: Arc<KeyedLimiter>,
    ) -> Self {
        let metadata = Arc::new(ResourceMetadata::from_config(config));
        let server = TaskServer::new(pool);
        let service = StreamableHttpService::new(
            move || Ok(server.clone()),
            Arc::new(NeverSessionManager::default()),
            service_config(config, &metadata),
        );
        let guard = Arc::new(guard::GuardState {
            auth,
            limiter,
            metadata: metadata.clone(),
            max_body_bytes: config.max_body_bytes,
        });
        Self {
            service,
            guard,
            metadata,
        }
    }

    /// Adds `/mcp` and the protected resource metadata (both well-known forms) to `route`.
    pub fn mount(self, route: Route) -> Route {
        let document = metadata::endpoint(self.metadata);
        route
            .at(
                MCP_PATH,
                McpGuard {
                    inner: self.service.compat(),
                    state: self.guard,
                },
            )
            .at(METADATA_PATH, document.clone())
            .at(format!("{METADATA_PATH}{MCP_PATH}"), document)
    }
}

/// Stateless, JSON answers, and the hosts allowed (rmcp allows only loopback by default,
/// which would refuse every real deployment).
fn service_config(
    config: &GatewayConfig,
    metadata: &ResourceMetadata,
) -> StreamableHttpServerConfig {
    let base = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_max_request_body_bytes(config.max_body_bytes);
    match allowed_hosts(&config.mcp.allowed_hosts, metadata) {
        Some(hosts) => base.with_allowed_hosts(hosts),
        None => base.disable_allowed_hosts(),
    }
}

/// The `Host` headers `/mcp` answers: the configured ones (loopback when none, since rmcp
/// reads an empty list as "any") and `PUBLIC_URL`'s; `None` for any (`*`).
fn allowed_hosts(configured: &[String], metadata: &ResourceMetadata) -> Option<Vec<String>> {
    let mut hosts: Vec<String> = configured
        .iter()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .collect();
    if hosts.iter().any(|h| h == "*") {
        return None;
    }
    if hosts.is_empty() {
        hosts = McpConfig::default().allowed_hosts;
    }
    hosts.extend(metadata.public_host());
    Some(hosts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(configured: &[&str], public_url: Option<&str>) -> Option<Vec<String>> {
        let mut config = GatewayConfig::for_test("postgres://unused", "nats://unused", "s");
        config.public_url = public_url.map(str::to_owned);
        let configured: Vec<String> = configured.iter().map(|h| (*h).to_owned()).collect();
        allowed_hosts(&configured, &ResourceMetadata::from_config(&config))
    }

    #[test]
    fn the_public_host_is_allowed_and_an_empty_list_is_not_any_host() {
        assert_eq!(
            hosts(
                &["gateway.internal", " "],
                Some("https://tasks.example.com:8443")
            ),
            Some(vec![
                "gateway.internal".into(),
                "tasks.example.com:8443".into()
            ])
        );
        assert_eq!(
            hosts(&[""], None),
            Some(vec!["localhost".into(), "127.0.0.1".into(), "::1".into()])
        );
        assert_eq!(hosts(&["localhost", "*"], None), None);
    }
}
