//! The MCP server's settings.

/// The MCP server at `/mcp` (see docs/mcp.md).
#[derive(Debug, Clone, clap::Args)]
pub struct McpConfig {
    /// Host names (optionally with a port) `/mcp` answers for, comma-separated; other `Host`
    /// headers get 403, against DNS rebinding. `PUBLIC_URL`'s host is always allowed; `*`
    /// allows any.
    #[arg(
        long = "mcp-allowed-hosts",
        env = "MCP_ALLOWED_HOSTS",
        value_delimiter = ',',
        default_value = "localhost,127.0.0.1,::1"
    )]
    pub allowed_hosts: Vec<String>,
    /// OAuth authorization servers that issue tokens for `/mcp`, comma-separated, named in
    /// the protected resource metadata. Empty: `JWT_ISSUER`, else the gateway itself.
    #[arg(
        long = "mcp-authorization-servers",
        env = "MCP_AUTHORIZATION_SERVERS",
        value_delimiter = ',',
        default_value = ""
    )]
    pub authorization_servers: Vec<String>,
    /// OAuth scopes a client should ask for, comma-separated, advertised in the metadata and
    /// in `WWW-Authenticate`. Empty (the default): none advertised.
    #[arg(
        long = "mcp-scopes",
        env = "MCP_SCOPES",
        value_delimiter = ',',
        default_value = ""
    )]
    pub scopes: Vec<String>,
    /// MCP requests one user may send per minute (sustained); more get 429.
    #[arg(
        long = "mcp-rate-per-minute",
        env = "MCP_RATE_PER_MINUTE",
        default_value_t = 120
    )]
    pub rate_per_minute: u32,
    /// MCP requests one user may send in a burst above the sustained rate.
    #[arg(long = "mcp-burst", env = "MCP_BURST", default_value_t = 40)]
    pub burst: u32,
}

impl Default for McpConfig {
    fn default() -> Self {
        Self {
            allowed_hosts: vec!["localhost".into(), "127.0.0.1".into(), "::1".into()],
            authorization_servers: Vec::new(),
            scopes: Vec::new(),
            rate_per_minute: 120,
            burst: 40,
        }
    }
}
