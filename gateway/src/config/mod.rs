//! The gateway's configuration: one typed struct, read once at start, and checked before the
//! gateway serves anything ([`GatewayConfig::check`]).

mod auth;
mod connections;
mod mcp;

use std::{net::SocketAddr, time::Duration};

use common::config::{DatabaseConfig, LogConfig, NatsConfig};
use secrecy::{ExposeSecret, SecretString};

pub use auth::{AccountsMode, AuthConfig, DEV_JWT_SECRET, MIN_SECRET_BYTES};
pub use connections::ConnectionConfig;
pub use mcp::McpConfig;

/// Everything the gateway needs to run.
#[derive(Debug, Clone, clap::Args)]
pub struct GatewayConfig {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long = "addr", env = "GATEWAY_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    #[command(flatten)]
    pub database: DatabaseConfig,
    #[command(flatten)]
    pub nats: NatsConfig,
    #[command(flatten)]
    pub auth: AuthConfig,
    #[command(flatten)]
    pub log: LogConfig,
    #[command(flatten)]
    pub mcp: McpConfig,
    #[command(flatten)]
    pub connections: ConnectionConfig,
    /// The gateway's public URL as clients reach it (`https://tasks.example.com`), used where
    /// the gateway names itself (the MCP resource metadata). Unset: taken from each request's
    /// `Host` header, over plain HTTP, which suits a laptop but not a proxy that ends TLS.
    #[arg(long = "public-url", env = "PUBLIC_URL", value_parser = parse_public_url)]
    pub public_url: Option<String>,
    /// Origins allowed to call the API from a browser, comma-separated; `*` allows any.
    /// Empty (the default) sends no CORS headers: only same-origin pages can call the API.
    #[arg(
        long = "cors-origins",
        env = "CORS_ORIGINS",
        value_delimiter = ',',
        default_value = ""
    )]
    pub cors_origins: Vec<String>,
    /// Accept webhooks to loopback and private addresses (tests, a home network).
    #[arg(long = "webhook-allow-private", env = "WEBHOOK_ALLOW_PRIVATE", default_value_t = false, action = clap::ArgAction::Set)]
    pub webhook_allow_private: bool,
    /// Largest request body accepted, in bytes; larger ones get 413.
    #[arg(long = "max-body-bytes", env = "MAX_BODY_BYTES", default_value_t = 64 * 1024)]
    pub max_body_bytes: usize,
    /// How long to let in-flight requests finish after SIGTERM/SIGINT.
    #[arg(long = "shutdown-timeout", env = "SHUTDOWN_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub shutdown_timeout: Duration,
    /// How long `POST /chat` waits for the reply before answering 202 with the job id.
    #[arg(long = "chat-wait", env = "CHAT_WAIT", default_value = "30s", value_parser = humantime::parse_duration)]
    pub chat_wait: Duration,
    /// Most unfinished chat messages one user may have queued; more get 429.
    #[arg(
        long = "max-open-jobs-per-user",
        env = "MAX_OPEN_JOBS_PER_USER",
        default_value_t = 20
    )]
    pub max_open_jobs_per_user: i64,
    /// Chat messages one user may send per minute (sustained); more get 429.
    #[arg(
        long = "chat-rate-per-minute",
        env = "CHAT_RATE_PER_MINUTE",
        default_value_t = 30
    )]
    pub chat_rate_per_minute: u32,
    /// Chat messages one user may send in a burst above the sustained rate.
    #[arg(long = "chat-burst", env = "CHAT_BURST", default_value_t = 10)]
    pub chat_burst: u32,
    /// Task changes (create, update, delete, toggle) one user may make over REST per minute
    /// (sustained and burst); more get 429. Chat and MCP have limits of their own.
    #[arg(
        long = "task-writes-per-minute",
        env = "TASK_WRITES_PER_MINUTE",
        default_value_t = 120
    )]
    pub task_writes_per_minute: u32,
    /// Event streams (SSE: `/chat/stream`, `/jobs/{id}/events`) one user may hold open at
    /// once on one gateway; more get 429.
    #[arg(
        long = "max-event-streams-per-user",
        env = "MAX_EVENT_STREAMS_PER_USER",
        default_value_t = 10
    )]
    pub max_event_streams_per_user: usize,
    /// Event streams one user may open per minute (sustained and burst); more get 429.
    #[arg(
        long = "event-stream-opens-per-minute",
        env = "EVENT_STREAM_OPENS_PER_MINUTE",
        default_value_t = 60
    )]
    pub event_stream_opens_per_minute: u32,
    /// Sign-in attempts allowed per email per minute (sustained), whatever the client
    /// addresses; more get 429.
    #[arg(
        long = "sign-in-per-minute",
        env = "SIGN_IN_PER_MINUTE",
        default_value_t = 5
    )]
    pub sign_in_per_minute: u32,
    /// Sign-in attempts allowed in a burst above the sustained rate.
    #[arg(long = "sign-in-burst", env = "SIGN_IN_BURST", default_value_t = 10)]
    pub sign_in_burst: u32,
    /// Sign-in attempts allowed per client address per minute, whatever the emails (against
    /// password spraying); sign-ups count here too.
    #[arg(
        long = "sign-in-per-address-per-minute",
        env = "SIGN_IN_PER_ADDRESS_PER_MINUTE",
        default_value_t = 20
    )]
    pub sign_in_per_address_per_minute: u32,
    /// Passwords hashed or checked at once (argon2id takes ~19 MiB and a core for a moment
    /// each); a sign-in that waits over 2 s for its turn gets 503. Default: the cores.
    #[arg(
        long = "password-hashing-concurrency",
        env = "PASSWORD_HASHING_CONCURRENCY"
    )]
    pub password_hashing_concurrency: Option<usize>,
    /// Reverse proxies whose `X-Forwarded-For` names the client, comma-separated addresses
    /// or networks (`10.0.0.0/8`). Empty: the peer is the client.
    #[arg(
        long = "trusted-proxies",
        env = "TRUSTED_PROXIES",
        value_delimiter = ',',
        default_value = ""
    )]
    pub trusted_proxies: Vec<String>,
    /// How long a token issued at sign-up or sign-in stays valid.
    #[arg(long = "session-ttl", env = "SESSION_TTL", default_value = "7d", value_parser = humantime::parse_duration)]
    pub session_ttl: Duration,
    /// A chat job not finished this long after it was accepted, and not running, is ended as
    /// failed (`abandoned`) with a reply telling the user: every job ends.
    #[arg(long = "job-deadline", env = "JOB_DEADLINE", default_value = "15m", value_parser = humantime::parse_duration)]
    pub job_deadline: Duration,
    /// How often the outbox relay republishes jobs whose publish failed.
    #[arg(long = "outbox-sweep", env = "OUTBOX_SWEEP", default_value = "2s", value_parser = humantime::parse_duration)]
    pub outbox_sweep: Duration,
    /// How long after its publish a job is marked published in Postgres, unless a worker has
    /// started (and so marked) it by then; keep it well under the relay's one second.
    #[arg(long = "publish-mark-delay", env = "PUBLISH_MARK_DELAY", default_value = "250ms", value_parser = humantime::parse_duration)]
    pub publish_mark_delay: Duration,
    /// Where to serve `/metrics` to Prometheus without a token, e.g. `127.0.0.1:9464`: an
    /// address only the scraper reaches. Unset: `/metrics` is on the main address, and only
    /// with `METRICS_TOKEN`.
    #[arg(long = "metrics-addr", env = "METRICS_ADDR")]
    pub metrics_addr: Option<SocketAddr>,
    /// A bearer token that reads `/metrics` on the main address (at least 16 bytes). Unset,
    /// and without `METRICS_ADDR`: there are no metrics to read.
    #[arg(long = "metrics-token", env = "METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<SecretString>,
    /// Serve the API reference (`/docs`, Swagger UI) beside the page. `/openapi.json` is
    /// served either way.
    #[arg(long = "docs", env = "DOCS", default_value_t = true, action = clap::ArgAction::Set)]
    pub docs: bool,
    /// Apply pending database migrations at start.
    #[arg(long = "migrate", env = "RUN_MIGRATIONS", default_value_t = true, action = clap::ArgAction::Set)]
    pub migrate: bool,
}

/// `PUBLIC_URL`: an absolute `http(s)://host[:port][/path]` URL, without query or fragment.
fn parse_public_url(raw: &str) -> Result<String, String> {
    let url = raw.trim().trim_end_matches('/');
    let uri: poem::http::Uri = url
        .parse()
        .map_err(|e| format!("not a URL ({e}): give it as https://tasks.example.com"))?;
    match (uri.scheme_str(), uri.authority(), uri.query()) {
        (Some("http" | "https"), Some(_), None) if !url.contains('#') => Ok(url.to_owned()),
        _ => Err(
            "must be an absolute http(s) URL without query, like https://tasks.example.com".into(),
        ),
    }
}

/// The `/metrics` token of [`GatewayConfig::for_test`].
pub const TEST_METRICS_TOKEN: &str = "taskwire-test-metrics-token";

impl GatewayConfig {
    /// The connection limits of [`crate::server`].
    pub fn connection_limits(&self) -> crate::server::ConnectionLimits {
        crate::server::ConnectionLimits {
            header_read_timeout: self.connections.header_read_timeout,
            http2_max_streams: self.connections.http2_max_streams,
            max_connections: self.connections.max_connections,
            max_connections_per_address: self.connections.max_connections_per_address,
        }
    }

    /// Refuses a configuration that is unsafe to serve with (see [`AuthConfig::check`]).
    pub fn check(&self) -> Result<(), String> {
        self.auth.check()?;
        crate::client::TrustedProxies::parse(&self.trusted_proxies)?;
        if self.session_ttl > self.auth.max_lifetime {
            return Err(
                "SESSION_TTL is longer than JWT_MAX_LIFETIME: its tokens would be refused".into(),
            );
        }
        if let Some(token) = &self.metrics_token
            && token.expose_secret().len() < 16
        {
            return Err("METRICS_TOKEN must be at least 16 bytes".into());
        }
        Ok(())
    }

    /// A configuration for tests and embedding: listen on `addr`, talk to `database_url` and
    /// `nats_url`, sign with `secret`; everything else at its default.
    pub fn for_test(database_url: &str, nats_url: &str, secret: &str) -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            database: DatabaseConfig::from_url(database_url),
            nats: NatsConfig::from_url(nats_url),
            auth: AuthConfig::with_secret(secret),
            log: LogConfig {
                format: common::telemetry::LogFormat::Pretty,
            },
            mcp: McpConfig {
                rate_per_minute: 600,
                burst: 100,
                ..McpConfig::default()
            },
            connections: ConnectionConfig::default(),
            public_url: None,
            cors_origins: Vec::new(),
            webhook_allow_private: true,
            max_body_bytes: 64 * 1024,
            shutdown_timeout: Duration::from_secs(5),
            chat_wait: Duration::from_secs(30),
            max_open_jobs_per_user: 20,
            chat_rate_per_minute: 600,
            job_deadline: Duration::from_secs(900),
            chat_burst: 100,
            sign_in_per_minute: 5,
            sign_in_burst: 10,
            sign_in_per_address_per_minute: 20,
            task_writes_per_minute: 6000,
            max_event_streams_per_user: 10,
            event_stream_opens_per_minute: 600,
            password_hashing_concurrency: None,
            trusted_proxies: Vec::new(),
            session_ttl: Duration::from_secs(3600),
            outbox_sweep: Duration::from_millis(500),
            publish_mark_delay: Duration::from_millis(250),
            metrics_addr: None,
            metrics_token: Some(SecretString::from(TEST_METRICS_TOKEN.to_owned())),
            docs: true,
            migrate: false,
        }
    }
}
