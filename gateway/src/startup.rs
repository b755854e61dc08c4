//! Builds the gateway from its configuration and runs it.
//!
//! `App::build` connects, migrates and binds the listener (port 0 picks a free port, which
//! tests read back through [`App::port`]); `run_until_stopped` serves until the shutdown
//! future resolves, then lets in-flight requests finish within the configured timeout.

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context;
use common::Error;
use poem::{
    EndpointExt, Route, Server,
    endpoint::BoxEndpoint,
    listener::{Acceptor, Listener, TcpListener},
};
use sqlx::PgPool;

use crate::{
    GatewayConfig,
    auth::Authenticator,
    client::TrustedProxies,
    limits::{KeyedLimiter, StreamSlots, keyed_limiter},
    nats::Nats,
    outbox::Outbox,
    server::ConnectionLimits,
};

/// A built gateway, bound and ready to serve.
pub struct App {
    listener: tokio::net::TcpListener,
    endpoint: BoxEndpoint<'static>,
    /// The connection limits, and who is a proxy (not limited per address).
    limits: (ConnectionLimits, Arc<TrustedProxies>),
    addr: SocketAddr,
    /// Where `/metrics` is served without a token (`METRICS_ADDR`), once bound.
    metrics_addr: Option<SocketAddr>,
    shutdown_timeout: Duration,
    pool: PgPool,
    background: Vec<tokio::task::JoinHandle<()>>,
}

impl App {
    /// Connects to Postgres and NATS, applies migrations (when configured), and binds.
    pub async fn build(config: GatewayConfig) -> anyhow::Result<Self> {
        let pool = config.database.pool()?;
        Self::build_with_pool(config, pool).await
    }

    /// Like [`App::build`], with a pool the caller made (tests hand in a fresh database's).
    pub async fn build_with_pool(config: GatewayConfig, pool: PgPool) -> anyhow::Result<Self> {
        config.check().map_err(anyhow::Error::msg)?;
        if config.auth.dev {
            tracing::warn!(
                "development mode (TASKWIRE_DEV): the token secret may be public; never expose this gateway"
            );
        }
        common::metrics::handle();
        if config.migrate {
            migrate_with_retry(&pool).await?;
        }
        let nats = Nats::connect(&config.nats, "taskwire-gateway").await?;
        let http = reqwest::Client::builder()
            .user_agent(concat!("taskwire-gateway/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("building the HTTP client")?;
        let authenticator = Arc::new(Authenticator::new(&config.auth, http, pool.clone()));

        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .with_context(|| format!("cannot listen on {}", config.addr))?;
        let addr = listener.local_addr()?;

        let (outbox, write_marks) =
            Outbox::new(pool.clone(), nats.clone(), config.publish_mark_delay);
        let limiter = Arc::new(keyed_limiter(
            config.chat_rate_per_minute,
            config.chat_burst,
        ));
        let sign_in_limiter = Arc::new(keyed_limiter(
            config.sign_in_per_minute,
            config.sign_in_burst,
        ));
        let mut background = vec![
            tokio::spawn(forget_idle_users(limiter.clone())),
            tokio::spawn(forget_idle_users(sign_in_limiter.clone())),
            tokio::spawn(keep_streams(nats.clone())),
            tokio::spawn(write_marks),
            tokio::spawn(
                outbox
                    .clone()
                    .run_relay(config.outbox_sweep, config.job_deadline),
            ),
        ];
        let mcp_limiter = Arc::new(keyed_limiter(config.mcp.rate_per_minute, config.mcp.burst));
        background.push(tokio::spawn(forget_idle_users(mcp_limiter.clone())));
        let sign_in_address = Arc::new(keyed_limiter(
            config.sign_in_per_address_per_minute,
            config.sign_in_per_address_per_minute,
        ));
        background.push(tokio::spawn(forget_idle_users(sign_in_address.clone())));
        let proxies = TrustedProxies::parse(&config.trusted_proxies).map_err(anyhow::Error::msg)?;
        let streams = Arc::new(StreamSlots::new(
            config.max_event_streams_per_user,
            config.event_stream_opens_per_minute,
        ));
        let trimmed = streams.clone();
        background.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                trimmed.trim();
            }
        }));
        let task_writes = Arc::new(keyed_limiter(
            config.task_writes_per_minute,
            config.task_writes_per_minute,
        ));
        background.push(tokio::spawn(forget_idle_users(task_writes.clone())));
        let limiters = Limiters {
            streams,
            task_writes,
            chat: limiter,
            sign_in: sign_in_limiter,
            sign_in_address,
            mcp: mcp_limiter,
            proxies: Arc::new(proxies),
        };
        let metrics_addr = match config.metrics_addr {
            Some(addr) => Some(serve_metrics(addr, &pool, &nats, &mut background).await?),
            None => None,
        };
        let limits = (config.connection_limits(), limiters.proxies.clone());
        let endpoint =
            crate::routes::routes(&config, pool.clone(), nats, outbox, limiters, authenticator)?;
        Ok(Self {
            listener,
            endpoint,
            limits,
            addr,
            metrics_addr,
            shutdown_timeout: config.shutdown_timeout,
            pool,
            background,
        })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Where `METRICS_ADDR` was bound, if it is set.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_addr
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The database pool the gateway uses.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Serves until `shutdown` resolves.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        tracing::info!(addr = %self.addr, "gateway listening");
        let served = crate::server::serve(
            self.listener,
            self.endpoint,
            self.limits,
            shutdown,
            self.shutdown_timeout,
        )
        .await;
        for task in self.background {
            task.abort();
        }
        served
    }
}

/// The rate limiters the routes share with the background task that trims them.
pub(crate) struct Limiters {
    pub chat: Arc<KeyedLimiter>,
    /// Sign-in attempts per email.
    pub sign_in: Arc<KeyedLimiter>,
    /// Sign-in and sign-up attempts per client address.
    pub sign_in_address: Arc<KeyedLimiter>,
    pub mcp: Arc<KeyedLimiter>,
    /// Who the client is behind a proxy, for the per-address limits.
    pub proxies: Arc<TrustedProxies>,
    /// Open event streams per user.
    pub streams: Arc<StreamSlots>,
    /// Task changes per user over REST.
    pub task_writes: Arc<KeyedLimiter>,
}

/// Binds `addr` and serves `/metrics` there, without a token, for as long as the gateway runs;
/// returns the bound address.
async fn serve_metrics(
    addr: SocketAddr,
    pool: &PgPool,
    nats: &Nats,
    background: &mut Vec<tokio::task::JoinHandle<()>>,
) -> anyhow::Result<SocketAddr> {
    let acceptor = TcpListener::bind(addr)
        .into_acceptor()
        .await
        .with_context(|| format!("cannot listen on METRICS_ADDR {addr}"))?;
    let bound = acceptor
        .local_addr()
        .first()
        .and_then(|a| a.as_socket_addr().copied())
        .context("the metrics listener has no socket address")?;
    let app = Route::new()
        .at("/metrics", poem::get(crate::metrics::endpoint))
        .data(pool.clone())
        .data(nats.clone());
    background.push(tokio::spawn(async move {
        if let Err(e) = Server::new_with_acceptor(acceptor).run(app).await {
            tracing::error!(error = %e, "the metrics listener stopped");
        }
    }));
    Ok(bound)
}

/// Drops the rate-limit state of users idle long enough to be back at a full burst, so the
/// limiter's memory follows the active users, not every user ever seen.
async fn forget_idle_users(limiter: Arc<KeyedLimiter>) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tick.tick().await;
        limiter.retain_recent();
        limiter.shrink_to_fit();
    }
}

/// Creates or updates the JetStream streams, retrying until NATS is reachable, and again
/// every minute (a NATS server that lost its store gets them back).
async fn keep_streams(nats: Nats) {
    let mut delay = Duration::from_millis(200);
    loop {
        match nats.ensure_streams().await {
            Ok(()) => {
                delay = Duration::from_secs(60);
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot set up JetStream streams yet; retrying");
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
        tokio::time::sleep(delay).await;
    }
}

/// Applies migrations, waiting up to half a minute for Postgres to come up.
async fn migrate_with_retry(pool: &PgPool) -> anyhow::Result<()> {
    let mut delay = Duration::from_millis(250);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        match common::db::migrate(pool).await {
            Ok(()) => return Ok(()),
            Err(Error::Unavailable(cause)) if tokio::time::Instant::now() < deadline => {
                tracing::warn!(%cause, "database not reachable yet; retrying migrations");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(4));
            }
            Err(err) => return Err(anyhow::Error::new(err).context("applying migrations")),
        }
    }
}
