//! What the gateway shows and to whom: metrics labels and access (findings 1 and 16), the API
//! reference (16), the token secret it starts with (5), and built-in accounts (6).

use gateway::{App, GatewayConfig, config::AccountsMode};
use reqwest::Method;
use secrecy::SecretString;
use serde_json::json;
use sqlx::PgPool;
use taskwire_tests::{NatsServer, TEST_SECRET, assert_error, spawn_app, spawn_app_with};

// Finding 1: any token is a legal HTTP method; each made-up one must not become a label.
#[sqlx::test(migrations = "../migrations")]
async fn made_up_methods_share_one_metrics_label(pool: PgPool) {
    let app = spawn_app(pool).await;
    for n in 0..40 {
        let method = format!("M{n:03}{}", "X".repeat(1000));
        let method = Method::from_bytes(method.as_bytes()).expect("a token is a method");
        let resp = app
            .http
            .request(method, app.url("/healthz"))
            .send()
            .await
            .expect("sent");
        assert!(resp.status().is_client_error(), "{}", resp.status());
    }
    let page = app.metrics().await;
    assert!(!page.contains("M007XX"), "a made-up method became a label");
    assert!(
        page.contains("method=\"other\""),
        "made-up methods are counted as other"
    );
    assert!(
        page.len() < 200_000,
        "the page stays small: {} bytes",
        page.len()
    );
}

// Finding 16: `/metrics` on the main address only with the token.
#[sqlx::test(migrations = "../migrations")]
async fn metrics_on_the_main_address_need_the_token(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let anonymous = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("sent");
    assert_error(anonymous, 401, "unauthorized", "metrics without the token").await;
    let wrong = app
        .http
        .get(app.url("/metrics"))
        .bearer_auth("taskwire-test-metrics-tokeN")
        .send()
        .await
        .expect("sent");
    assert_error(wrong, 401, "unauthorized", "metrics with a wrong token").await;
    assert!(app.metrics().await.contains("taskwire_http_requests_total"));

    let untokened = spawn_app_with(pool, |c| c.metrics_token = None).await;
    let resp = untokened
        .http
        .get(untokened.url("/metrics"))
        .send()
        .await
        .expect("sent");
    assert_error(resp, 404, "not_found", "metrics without a token configured").await;
}

// Finding 16: `METRICS_ADDR` serves them on an address of their own, without a token.
#[sqlx::test(migrations = "../migrations")]
async fn metrics_have_an_address_of_their_own(pool: PgPool) {
    let nats = NatsServer::start().await;
    let mut config = GatewayConfig::for_test("postgres://unused", &nats.url, TEST_SECRET);
    config.metrics_token = None;
    config.metrics_addr = Some(std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
    let app = App::build_with_pool(config, pool).await.expect("builds");
    let metrics = app.metrics_addr().expect("bound");
    let main = format!("http://{}", app.addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    let page = reqwest::get(format!("http://{metrics}/metrics"))
        .await
        .expect("sent");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("text").contains("# TYPE"));
    let other = reqwest::get(format!("http://{metrics}/api/alice/tasks"))
        .await
        .expect("sent");
    assert_eq!(other.status(), 404, "only metrics on the metrics address");
    let public = reqwest::get(format!("{main}/metrics")).await.expect("sent");
    assert_eq!(public.status(), 404, "and no metrics on the main one");
    let _ = stop.send(());
    server.await.expect("joined").expect("served");
}

// Finding 16: the reference can be switched off, and is sandboxed away from the page's token.
#[sqlx::test(migrations = "../migrations")]
async fn the_api_reference_is_sandboxed_and_can_be_switched_off(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let docs = app.http.get(app.url("/docs/")).send().await.expect("sent");
    assert_eq!(docs.status(), 200);
    let policy = docs
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(policy.starts_with("sandbox"), "{policy}");
    assert!(!policy.contains("allow-same-origin"), "{policy}");
    assert_eq!(
        docs.headers().get("x-frame-options").map(|v| v.as_bytes()),
        Some(&b"DENY"[..])
    );

    let off = spawn_app_with(pool, |c| c.docs = false).await;
    let resp = off.http.get(off.url("/docs/")).send().await.expect("sent");
    assert_eq!(resp.status(), 404);
    let spec = off
        .http
        .get(off.url("/openapi.json"))
        .send()
        .await
        .expect("sent");
    assert_eq!(spec.status(), 200, "the document itself stays");
}

// Finding 5: no secret, a short one, or one this repository published: no gateway.
#[sqlx::test(migrations = "../migrations")]
async fn a_gateway_without_a_private_secret_refuses_to_start(pool: PgPool) {
    let nats = NatsServer::start().await;
    let config = |secret: Option<&str>| {
        let mut config = GatewayConfig::for_test("postgres://unused", &nats.url, TEST_SECRET);
        config.auth.jwt_secret = secret.map(|s| SecretString::from(s.to_owned()));
        config
    };
    for secret in [
        None,
        Some("too-short"),
        Some(gateway::config::DEV_JWT_SECRET),
        Some("change-me-in-production-please-32b"),
    ] {
        let refused = App::build_with_pool(config(secret), pool.clone()).await;
        let error = refused.err().expect("refused to start").to_string();
        assert!(error.contains("JWT_SECRET"), "{error}");
    }
    let mut dev = config(None);
    dev.auth.dev = true;
    let app = App::build_with_pool(dev, pool)
        .await
        .expect("development mode starts");
    drop(app);
}

async fn sign_up(app: &taskwire_tests::TestApp, email: &str) -> reqwest::Response {
    app.http
        .post(app.url("/api/auth/sign-up"))
        .json(&json!({"email": email, "password": "Correct-Horse-42"}))
        .send()
        .await
        .expect("sent")
}

async fn sign_in(app: &taskwire_tests::TestApp, email: &str) -> reqwest::Response {
    app.http
        .post(app.url("/api/auth/sign-in"))
        .json(&json!({"email": email, "password": "Correct-Horse-42"}))
        .send()
        .await
        .expect("sent")
}

// Finding 6: built-in sign-up can be turned off, or accounts altogether.
#[sqlx::test(migrations = "../migrations")]
async fn built_in_accounts_can_be_limited_to_sign_in_or_turned_off(pool: PgPool) {
    let open = spawn_app(pool.clone()).await;
    assert_eq!(sign_up(&open, "ann@example.com").await.status(), 201);

    let closed = spawn_app_with(pool.clone(), |c| {
        c.auth.accounts = Some(AccountsMode::SignInOnly)
    })
    .await;
    let refused = sign_up(&closed, "bob@example.com").await;
    assert_error(refused, 403, "forbidden", "sign-up when sign-in only").await;
    assert_eq!(sign_in(&closed, "ann@example.com").await.status(), 200);

    let off = spawn_app_with(pool, |c| c.auth.accounts = Some(AccountsMode::Off)).await;
    assert_error(
        sign_up(&off, "cy@example.com").await,
        403,
        "forbidden",
        "sign-up off",
    )
    .await;
    assert_error(
        sign_in(&off, "ann@example.com").await,
        403,
        "forbidden",
        "sign-in off",
    )
    .await;
}
