//! How long and how many: the limits on client connections (see [`crate::server`]).

use std::time::Duration;

/// Connection limits, for a gateway that faces the internet.
#[derive(Debug, Clone, clap::Args)]
pub struct ConnectionConfig {
    /// A client must send a request's head within this (also between requests on a kept-alive
    /// connection, which is then closed): against slow and idle clients.
    #[arg(long = "header-read-timeout", env = "HEADER_READ_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub header_read_timeout: Duration,
    /// A request's body must arrive within this; a slower one gets 408.
    #[arg(long = "body-read-timeout", env = "BODY_READ_TIMEOUT", default_value = "30s", value_parser = humantime::parse_duration)]
    pub body_read_timeout: Duration,
    /// Requests one HTTP/2 connection may carry at once.
    #[arg(
        long = "http2-max-streams",
        env = "HTTP2_MAX_STREAMS",
        default_value_t = 100
    )]
    pub http2_max_streams: u32,
    /// Connections the gateway holds at once; more are closed at once.
    #[arg(
        id = "http_max_connections",
        long = "max-connections",
        env = "MAX_CONNECTIONS",
        default_value_t = 10_000
    )]
    pub max_connections: usize,
    /// Connections one client address holds at once (not counting `TRUSTED_PROXIES`); more
    /// are closed at once.
    #[arg(
        long = "max-connections-per-address",
        env = "MAX_CONNECTIONS_PER_ADDRESS",
        default_value_t = 128
    )]
    pub max_connections_per_address: usize,
}

impl Default for ConnectionConfig {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            http2_max_streams: 100,
            max_connections: 10_000,
            max_connections_per_address: 128,
        }
    }
}
