//! Configuration shared by both binaries, read once at start from the environment (a `.env`
//! file is loaded first when present) and from command-line flags.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::telemetry::LogFormat;

/// Loads `.env` from the working directory if there is one. Variables already set win.
pub fn load_dotenv() {
    // A missing .env is the normal case; a malformed one is reported by the caller's logs.
    if let Err(err) = dotenvy::dotenv()
        && !err.not_found()
    {
        eprintln!("warning: could not read .env: {err}");
    }
}

/// The default pool size per process.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 20;

/// How long a pooled connection may sit idle before it is pinged on its way out of the pool.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(1);

/// Postgres connection settings.
#[derive(Debug, Clone, clap::Args)]
pub struct DatabaseConfig {
    /// Postgres connection URL.
    #[arg(
        id = "database_url",
        long = "database-url",
        env = "DATABASE_URL",
        default_value = "postgres://postgres:postgres@127.0.0.1:5432/taskwire",
        hide_env_values = true
    )]
    pub url: SecretString,
    /// Maximum connections in the pool.
    #[arg(
        long = "database-max-connections",
        env = "DATABASE_MAX_CONNECTIONS",
        default_value_t = DEFAULT_MAX_CONNECTIONS
    )]
    pub max_connections: u32,
    /// How long to wait for a pooled connection before answering 503, in milliseconds.
    #[arg(
        long = "database-acquire-timeout-ms",
        env = "DATABASE_ACQUIRE_TIMEOUT_MS",
        default_value_t = 3000
    )]
    pub acquire_timeout_ms: u64,
}

impl DatabaseConfig {
    /// Settings for `url` with default pool sizes (handy in tests).
    pub fn from_url(url: &str) -> Self {
        Self {
            url: SecretString::from(url.to_owned()),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            acquire_timeout_ms: 3000,
        }
    }

    /// The connection options parsed from the URL, with the session settings Taskwire's
    /// statements are written for.
    pub fn connect_options(&self) -> crate::Result<PgConnectOptions> {
        let options = self
            .url
            .expose_secret()
            .parse::<PgConnectOptions>()
            .map_err(|e| crate::Error::validation("DATABASE_URL", e.to_string()))?;
        // Every statement is prepared and each is a key lookup, whose plan does not depend on
        // the values bound. By default Postgres plans a prepared statement anew on each run
        // while the generic plan's estimate looks dearer than the custom ones: when a few
        // users hold most tasks, the per-user average makes the task list's generic plan look
        // dear, and its planning then cost more than its execution (bench: +70% list
        // queries/s from Postgres with this setting on such a table).
        Ok(options.options([("plan_cache_mode", "force_generic_plan")]))
    }

    /// A lazily connecting pool: the service starts even while Postgres is down, and
    /// reports it through `/readyz` and 503 answers until it is back.
    pub fn pool(&self) -> crate::Result<sqlx::PgPool> {
        Ok(PgPoolOptions::new()
            .max_connections(self.max_connections)
            .acquire_timeout(Duration::from_millis(self.acquire_timeout_ms))
            // sqlx pings every connection it hands out: a round trip per request, as costly
            // as the query on a busy pool. Only a connection idle long enough to have been cut
            // (a Postgres restart, an idle timeout) is pinged; a busy one that breaks fails its
            // query, answers 503, and sqlx drops it on release.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= IDLE_BEFORE_PING {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            })
            .connect_lazy_with(self.connect_options()?))
    }
}

/// NATS connection settings.
#[derive(Debug, Clone, clap::Args)]
pub struct NatsConfig {
    /// NATS server URL (JetStream must be enabled).
    #[arg(
        id = "nats_url",
        long = "nats-url",
        env = "NATS_URL",
        default_value = "nats://127.0.0.1:4222"
    )]
    pub url: String,
    /// The NATS user this service connects as (see `nats.conf`: `gateway` or `worker`).
    #[arg(id = "nats_user", long = "nats-user", env = "NATS_USER")]
    pub user: Option<String>,
    /// Its password.
    #[arg(
        id = "nats_password",
        long = "nats-password",
        env = "NATS_PASSWORD",
        hide_env_values = true
    )]
    pub password: Option<secrecy::SecretString>,
    /// A PEM file of the certificate authority that signed the NATS server's certificate:
    /// connect over TLS (for a NATS server on another host).
    #[arg(id = "nats_ca_file", long = "nats-ca-file", env = "NATS_CA_FILE")]
    pub ca_file: Option<std::path::PathBuf>,
}

impl NatsConfig {
    /// Settings for `url` alone (tests, embedding).
    pub fn from_url(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            user: None,
            password: None,
            ca_file: None,
        }
    }

    /// Connection options with this configuration's credentials and TLS; the caller adds the
    /// rest (name, retries, callbacks) and connects to [`Self::url`].
    pub fn connect_options(&self) -> async_nats::ConnectOptions {
        use secrecy::ExposeSecret;
        let mut options = async_nats::ConnectOptions::new();
        if let Some(user) = &self.user {
            let password = self
                .password
                .as_ref()
                .map(|p| p.expose_secret().to_owned())
                .unwrap_or_default();
            options = options.user_and_password(user.clone(), password);
        }
        if let Some(ca) = &self.ca_file {
            options = options.add_root_certificates(ca.clone()).require_tls(true);
        }
        options
    }
}

/// Logging settings.
#[derive(Debug, Clone, clap::Args)]
pub struct LogConfig {
    /// Log line format.
    #[arg(id = "log_format", long = "log-format", env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty)]
    pub format: LogFormat,
}
