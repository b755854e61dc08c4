//! The gateway's routes: the API (with its OpenAPI document and, when switched on, its
//! reference at `/docs`), the page, `/metrics` behind its token, and `/mcp`; then the layers
//! every request passes (errors as JSON, request metrics, the request span, CORS).

use std::sync::Arc;

use anyhow::Context as _;

use poem::{
    EndpointExt, Route,
    endpoint::{BoxEndpoint, make_sync},
    middleware::{Cors, SetHeader},
    web::Html,
};
use poem_openapi::OpenApiService;
use sqlx::PgPool;

use crate::{
    GatewayConfig,
    api::{
        accounts::{AccountsApi, Hasher},
        chat::{ChatApi, ChatSettings},
        conversations::ConversationsApi,
        health::HealthApi,
        jobs::JobsApi,
        notifications::{NotificationsApi, WebhookApi},
        profile::ProfileApi,
        reminders::RemindersApi,
        tasks::TasksApi,
    },
    auth::Authenticator,
    error::json_errors,
    mcp::Mcp,
    metrics::MetricsAccess,
    middleware::{BodyDeadline, BodyLimit, RequestSpan},
    nats::Nats,
    openapi::{AllowedMethods, Document},
    outbox::Outbox,
    startup::Limiters,
};

/// The policy of `/docs`: Swagger UI runs inline code, so the reference is sandboxed in an
/// origin of its own, where it cannot read what the page keeps (the token).
const DOCS_POLICY: &str = "sandbox allow-scripts allow-popups; default-src 'none'; \
     script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; \
     frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

fn docs_headers() -> SetHeader {
    SetHeader::new()
        .overriding("Content-Security-Policy", DOCS_POLICY)
        .overriding("X-Content-Type-Options", "nosniff")
        .overriding("Referrer-Policy", "no-referrer")
        .overriding("X-Frame-Options", "DENY")
}

pub(crate) fn routes(
    config: &GatewayConfig,
    pool: PgPool,
    nats: Nats,
    outbox: Outbox,
    limiters: Limiters,
    authenticator: Arc<Authenticator>,
) -> anyhow::Result<BoxEndpoint<'static>> {
    crate::api::accounts::prepare();
    let (metrics_pool, metrics_nats) = (pool.clone(), nats.clone());
    let mcp = Mcp::new(config, pool.clone(), authenticator.clone(), limiters.mcp);
    let streams = limiters.streams;
    let api = OpenApiService::new(
        (
            AccountsApi {
                pool: pool.clone(),
                auth: config.auth.clone(),
                session_ttl: config.session_ttl,
                per_email: limiters.sign_in,
                per_address: limiters.sign_in_address,
                hasher: Hasher::new(config.password_hashing_concurrency),
                proxies: limiters.proxies.clone(),
            },
            ProfileApi { pool: pool.clone() },
            TasksApi {
                pool: pool.clone(),
                writes: limiters.task_writes.clone(),
            },
            ChatApi {
                pool: pool.clone(),
                nats: nats.clone(),
                outbox,
                settings: ChatSettings {
                    wait: config.chat_wait,
                    max_open_jobs_per_user: config.max_open_jobs_per_user,
                },
                limiter: limiters.chat,
                streams: streams.clone(),
            },
            ConversationsApi { pool: pool.clone() },
            JobsApi {
                pool: pool.clone(),
                nats: nats.clone(),
                streams: streams.clone(),
            },
            RemindersApi {
                pool: pool.clone(),
                writes: limiters.task_writes,
            },
            NotificationsApi {
                pool: pool.clone(),
                nats: nats.clone(),
                streams,
            },
            WebhookApi {
                pool: pool.clone(),
                allow_private: config.webhook_allow_private,
            },
            HealthApi { pool, nats },
        ),
        "Taskwire",
        env!("CARGO_PKG_VERSION"),
    )
    .description("Talk to your todo list: the task REST API. Every `/api` call needs a bearer JWT whose `sub` is the user id in the path.");
    let spec = api.spec();
    let document = Document::new(&spec).context("completing the OpenAPI document")?;
    let mut site = Route::new()
        .nest("/static", crate::web::assets())
        .at("/openapi.json", poem::get(document.endpoint()))
        .at("/metrics", poem::get(crate::metrics::guarded));
    if config.docs {
        // Swagger UI with the completed document in place of the one it embeds.
        let page = Html(api.swagger_ui_html().replacen(&spec, document.json(), 1));
        let docs = Route::new().at("/", poem::get(make_sync(move |_| page.clone())));
        site = site.nest("/docs", docs.with(docs_headers()));
    }
    let site = site
        .nest("/", api)
        .with(crate::web::PageAtRoot)
        .with(BodyLimit {
            max_bytes: config.max_body_bytes,
        });
    // `/mcp` limits its own bodies, answering in JSON-RPC as MCP clients expect.
    let app = mcp
        .mount(Route::new())
        .nest("/", site)
        .with(BodyDeadline {
            timeout: config.connections.body_read_timeout,
            max_bytes: config.max_body_bytes,
        })
        .data(authenticator)
        .data(metrics_pool)
        .data(metrics_nats)
        .data(MetricsAccess(config.metrics_token.clone()))
        .catch_all_error(json_errors)
        .with(AllowedMethods(document))
        .around(crate::metrics::count_requests)
        .with(RequestSpan);
    Ok(match cors(&config.cors_origins) {
        Some(cors) => app.with(cors).boxed(),
        None => app.boxed(),
    })
}

fn cors(origins: &[String]) -> Option<Cors> {
    let origins: Vec<&str> = origins
        .iter()
        .map(|o| o.trim())
        .filter(|o| !o.is_empty())
        .collect();
    if origins.is_empty() {
        return None;
    }
    let cors = Cors::new()
        .allow_methods(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
        .allow_headers([
            "authorization",
            "content-type",
            "last-event-id",
            "mcp-protocol-version",
            "mcp-session-id",
            "mcp-method",
        ])
        .expose_headers([
            "x-total-count",
            "location",
            "www-authenticate",
            "mcp-session-id",
            "retry-after",
        ]);
    Some(if origins.contains(&"*") {
        cors
    } else {
        cors.allow_origins(origins)
    })
}
