//! Asymmetric bearer tokens (EdDSA, ES256, RS256) verified against `JWKS_URL`: a local key
//! server the test controls (its key set can change, it counts its requests, it can fail),
//! the real gateway, and tokens signed with the fixture keys in `tests/fixtures/jwks/`.
//!
//! Over 400 lines on purpose: the key server and the keys (the first 200 lines) exist only
//! for these tests, and reading them beside the cases they serve is what makes a case clear.

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicBool, AtomicUsize, Ordering},
};

use futures::future::join_all;
use gateway::GatewayConfig;
use jsonwebtoken::{
    Algorithm, EncodingKey, Header,
    jwk::{Jwk, JwkSet},
};
use poem::{
    EndpointExt, IntoResponse, Response, Route, Server, get, handler,
    http::StatusCode,
    listener::{Acceptor, Listener, TcpListener},
    web::{Data, Json},
};
use serde_json::{Value, json};
use sqlx::PgPool;
use taskwire_tests::{TestApp, assert_error, spawn_app, spawn_app_with};
use tokio::task::JoinHandle;

/// A signing key pair of the fixtures, published under `kid`.
struct TestKey {
    kid: &'static str,
    alg: Algorithm,
    private_pem: &'static str,
}

const ED25519: TestKey = TestKey {
    kid: "ed25519-2026-01",
    alg: Algorithm::EdDSA,
    private_pem: include_str!("../fixtures/jwks/ed25519.pem"),
};
const ED25519_ROTATED: TestKey = TestKey {
    kid: "ed25519-2026-02",
    alg: Algorithm::EdDSA,
    private_pem: include_str!("../fixtures/jwks/ed25519-rotated.pem"),
};
const P256: TestKey = TestKey {
    kid: "p256-2026-01",
    alg: Algorithm::ES256,
    private_pem: include_str!("../fixtures/jwks/p256.pem"),
};
const RSA2048: TestKey = TestKey {
    kid: "rsa2048-2026-01",
    alg: Algorithm::RS256,
    private_pem: include_str!("../fixtures/jwks/rsa2048.pem"),
};

/// JWK members only private or symmetric keys have (RFC 7518 §6, RFC 8037 §2).
const PRIVATE_JWK_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

impl TestKey {
    fn encoding_key(&self) -> EncodingKey {
        let pem = self.private_pem.as_bytes();
        match self.alg {
            Algorithm::EdDSA => EncodingKey::from_ed_pem(pem),
            Algorithm::ES256 => EncodingKey::from_ec_pem(pem),
            Algorithm::RS256 => EncodingKey::from_rsa_pem(pem),
            other => panic!("no fixture key for {other:?}"),
        }
        .expect("fixture key parses")
    }

    /// The public half as the key server publishes it.
    fn public_jwk(&self) -> Jwk {
        let mut jwk =
            Jwk::from_encoding_key(&self.encoding_key(), self.alg).expect("JWK from fixture key");
        jwk.common.key_id = Some(self.kid.to_owned());
        jwk
    }

    /// A token with this key's `alg` and `kid`.
    fn sign(&self, claims: &Value) -> String {
        self.sign_as(self.alg, Some(self.kid), claims)
    }

    /// A token signed with this key under any `alg` and `kid` the test chooses.
    fn sign_as(&self, alg: Algorithm, kid: Option<&str>, claims: &Value) -> String {
        let header = Header {
            kid: kid.map(str::to_owned),
            ..Header::new(alg)
        };
        jsonwebtoken::encode(&header, claims, &self.encoding_key()).expect("token signs")
    }
}

/// `{sub, iat, exp}` for `user`, expiring `expires_in` seconds from now (negative: in the past).
fn claims(user: &str, expires_in: i64) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({"sub": user, "iat": now, "exp": now + expires_in})
}

/// A one-hour token's claims for `user`.
fn valid_claims(user: &str) -> Value {
    claims(user, 3600)
}

struct KeyServerState {
    keys: Mutex<JwkSet>,
    failing: AtomicBool,
    requests: AtomicUsize,
}

#[handler]
fn serve_jwks(Data(state): Data<&Arc<KeyServerState>>) -> Response {
    state.requests.fetch_add(1, Ordering::SeqCst);
    if state.failing.load(Ordering::SeqCst) {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    let keys = state.keys.lock().expect("key set lock").clone();
    Json(keys).into_response()
}

/// A JWKS endpoint on a free local port, stopped on drop.
struct KeyServer {
    url: String,
    state: Arc<KeyServerState>,
    server: JoinHandle<std::io::Result<()>>,
}

impl KeyServer {
    async fn start(keys: &[&TestKey]) -> Self {
        let state = Arc::new(KeyServerState {
            keys: Mutex::new(key_set(keys)),
            failing: AtomicBool::new(false),
            requests: AtomicUsize::new(0),
        });
        let acceptor = TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .expect("key server binds");
        let port = acceptor.local_addr()[0]
            .as_socket_addr()
            .expect("key server has a TCP address")
            .port();
        let app = Route::new()
            .at("/jwks", get(serve_jwks))
            .data(state.clone());
        let server = tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
        Self {
            url: format!("http://127.0.0.1:{port}/jwks"),
            state,
            server,
        }
    }

    /// Publishes `keys` from now on (key rotation).
    fn publish(&self, keys: &[&TestKey]) {
        *self.state.keys.lock().expect("key set lock") = key_set(keys);
    }

    /// Makes every request answer 500 (`true`) or the key set again (`false`).
    fn set_failing(&self, failing: bool) {
        self.state.failing.store(failing, Ordering::SeqCst);
    }

    /// How many times the key set was requested.
    fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }
}

impl Drop for KeyServer {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn key_set(keys: &[&TestKey]) -> JwkSet {
    JwkSet {
        keys: keys.iter().map(|key| key.public_jwk()).collect(),
    }
}

/// The gateway with `JWKS_URL` pointing at `keys`, after `configure` adjusted the rest.
async fn spawn_app_trusting(
    pool: PgPool,
    keys: &KeyServer,
    configure: impl FnOnce(&mut GatewayConfig),
) -> TestApp {
    let url = keys.url.clone();
    spawn_app_with(pool, move |config| {
        config.auth.jwks_url = Some(url);
        configure(config);
    })
    .await
}

/// `GET /api/{user}/tasks` with `token`.
async fn list_tasks(app: &TestApp, user: &str, token: &str) -> reqwest::Response {
    app.http
        .get(app.url(&format!("/api/{user}/tasks")))
        .bearer_auth(token)
        .send()
        .await
        .expect("request sent")
}

async fn assert_accepted(resp: reqwest::Response, what: &str) {
    assert_eq!(resp.status(), 200, "{what}: status");
    let body: Value = resp.json().await.expect("task list is JSON");
    assert!(body.is_array(), "{what}: a task list, got {body}");
}

#[test]
fn the_published_jwks_carry_public_parameters_only() {
    for key in [&ED25519, &ED25519_ROTATED, &P256, &RSA2048] {
        let jwk = serde_json::to_value(key.public_jwk()).expect("JWK serialises");
        let members = jwk.as_object().expect("a JWK is an object");
        for private in PRIVATE_JWK_MEMBERS {
            assert!(
                !members.contains_key(private),
                "{}: no `{private}` in {jwk}",
                key.kid
            );
        }
        assert_eq!(jwk["kid"], key.kid, "{}: kid", key.kid);
        let (kty, public) = match key.alg {
            Algorithm::EdDSA => ("OKP", &["crv", "x"][..]),
            Algorithm::ES256 => ("EC", &["crv", "x", "y"][..]),
            _ => ("RSA", &["n", "e"][..]),
        };
        assert_eq!(jwk["kty"], kty, "{}: kty", key.kid);
        for member in public {
            assert!(
                members.contains_key(*member),
                "{}: `{member}` in {jwk}",
                key.kid
            );
        }
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn eddsa_es256_and_rs256_tokens_with_a_known_kid_are_accepted(pool: PgPool) {
    let keys = KeyServer::start(&[&ED25519, &P256, &RSA2048]).await;
    let app = spawn_app_trusting(pool, &keys, |_| {}).await;

    for key in [&ED25519, &P256, &RSA2048] {
        let resp = list_tasks(&app, "alice", &key.sign(&valid_claims("alice"))).await;
        assert_accepted(resp, &format!("{:?} token", key.alg)).await;
    }
    assert_eq!(keys.requests(), 1, "one fetch brought all three keys");
}

#[sqlx::test(migrations = "../migrations")]
async fn an_asymmetric_token_for_another_user_is_forbidden(pool: PgPool) {
    let keys = KeyServer::start(&[&ED25519]).await;
    let app = spawn_app_trusting(pool, &keys, |_| {}).await;

    let resp = list_tasks(&app, "bob", &ED25519.sign(&valid_claims("alice"))).await;

    assert_error(resp, 403, "forbidden", "alice's token on bob's tasks").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn the_first_token_fetches_the_key_set_and_later_ones_use_the_cache(pool: PgPool) {
    let keys = KeyServer::start(&[&ED25519]).await;
    let app = spawn_app_trusting(pool, &keys, |_| {}).await;
    assert_eq!(keys.requests(), 0, "nothing fetched before the first token");

    for n in 1..=5 {
        let resp = list_tasks(&app, "alice", &ED25519.sign(&valid_claims("alice"))).await;
        assert_accepted(resp, &format!("token {n}")).await;
    }

    assert_eq!(
        keys.requests(),
        1,
        "fetched once, then served from the cache"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_token_with_an_unknown_kid_is_refused_after_asking_the_key_server(pool: PgPool) {
    let keys = KeyServer::start(&[&ED25519]).await;
    let app = spawn_app_trusting(pool, &keys, |_| {}).await;

    let token = ED25519.sign_as(
        Algorithm::EdDSA,
        Some("not-published"),
        &valid_claims("alice"),
    );
    let resp = list_tasks(&app, "alice", &token).await;

    assert_error(resp, 401, "unauthorized", "unknown kid").await;
    assert_eq!(
        keys.requests(),
        1,
        "the key server was asked for the unknown kid"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_key_rotated_in_before_its_first_use_is_fetched_and_accepted(pool: PgPool) {
    let keys = KeyServer::start(&[&ED25519]).await;
    let app = spawn_app_trusting(pool, &keys, |_| {}).await;

    keys.publish(&[&ED25519, &ED25519_ROTATED]);
    let rotated = list_tasks(&app, "alice", &ED25519_ROTATED.sign(&valid_claims("alice"))).await;
    let previous = list_tasks(&app, "alice", &ED25519.sign(&valid_claims("alice"))).await;

    assert_accepted(rotated, "token of the rotated-in key").await;
    assert_accepted(previous, "token of the key still published").await;
    assert_eq!(keys.requests(), 1, "one fetch brought both keys");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_key_rotated_in_within_the_refetch_interval_waits_for_the_next_fetch(pool: PgPool) {
    let keys = KeyServer::start(&[&ED25519]).await;
    let app = spawn_app_trusting(pool, &keys, |_| {}).await;
    let first = list_tasks(&app, "alice", &ED25519.sign(&valid_claims("alice"))).await;
    assert_accepted(first, "token of the published key").await;

    keys.publish(&[&ED25519, &ED25519_ROTATED]);
    let resp = list_tasks(&app, "alice", &ED25519_ROTATED.sign(&valid_claims("alice"))).await;

    // The gateway refetches at most once per 30 s; the new key is picked up after that.
    assert_error(
        resp,
        401,
        "unauthorized",
        "kid published after the last fetch",
    )
    .await;
    assert_eq!(keys.requests(), 1, "no refetch within the interval");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_burst_of_tokens_with_made_up_kids_fetches_the_key_set_at_most_twice(pool: PgPool) {
    let keys = KeyServer::start(&[&ED25519]).await;
    let app = spawn_app_trusting(pool, &keys, |_| {}).await;
    let tokens: Vec<String> = (0..20)
        .map(|_| {
            let kid = uuid::Uuid::new_v4().to_string();
            ED25519.sign_as(Algorithm::EdDSA, Some(&kid), &valid_claims("alice"))
        })
        .collect();

    let responses = join_all(tokens.iter().map(|token| list_tasks(&app, "alice", token))).await;

    for (n, resp) in responses.into_iter().enumerate() {
        assert_error(resp, 401, "unauthorized", &format!("made-up kid {n}")).await;
    }
    let fetches = keys.requests();
    assert!(
        (1..=2).contains(&fetches),
        "20 made-up kids caused {fetches} fetches"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn tokens_not_signed_by_a_published_key_are_refused(pool: PgPool) {
    let keys = KeyServer::start(&[&ED25519, &P256, &RSA2048]).await;
    let app = spawn_app_trusting(pool, &keys, |_| {}).await;
    let claims = valid_claims("alice");
    let valid = ED25519.sign(&claims);
    let payload = valid.split('.').nth(1).expect("a JWT has a payload");
    let signature = valid.split('.').nth(2).expect("a JWT has a signature");
    // base64url of `{"alg":"none"}`.
    let alg_none = "eyJhbGciOiJub25lIn0";
    let hs256_wrong_secret = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(b"not-the-gateway-secret"),
    )
    .expect("token signs");
    // (token, what the refusal names, case)
    let cases = [
        (
            ED25519.sign_as(Algorithm::EdDSA, None, &claims),
            "no kid",
            "EdDSA token without a kid",
        ),
        (
            P256.sign_as(Algorithm::ES256, Some(ED25519.kid), &claims),
            "does not fit",
            "ES256 header naming the Ed25519 key",
        ),
        (
            ED25519.sign_as(Algorithm::EdDSA, Some(RSA2048.kid), &claims),
            "does not fit",
            "EdDSA header naming the RSA key",
        ),
        (
            ED25519_ROTATED.sign_as(Algorithm::EdDSA, Some(ED25519.kid), &claims),
            "signature",
            "signed by an unpublished key under a published kid",
        ),
        (
            hs256_wrong_secret,
            "signature",
            "HS256 signed with another secret",
        ),
        (
            format!("{alg_none}.{payload}."),
            "none",
            "alg none without a signature",
        ),
        (
            format!("{alg_none}.{payload}.{signature}"),
            "none",
            "alg none with a valid signature",
        ),
    ];

    for (token, reason, what) in cases {
        let resp = list_tasks(&app, "alice", &token).await;
        let message = assert_error(resp, 401, "unauthorized", what).await;
        // One fixed answer: why a token failed (here `{reason}`) is for the log, not the caller.
        assert_eq!(message, "invalid token", "{what} ({reason})");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn an_asymmetric_token_expired_ten_minutes_ago_is_refused_as_expired(pool: PgPool) {
    let keys = KeyServer::start(&[&ED25519]).await;
    let app = spawn_app_trusting(pool, &keys, |_| {}).await;

    let resp = list_tasks(&app, "alice", &ED25519.sign(&claims("alice", -600))).await;

    let message = assert_error(resp, 401, "unauthorized", "expired 10 minutes ago").await;
    assert!(message.contains("expired"), "message says why: {message}");
}

#[sqlx::test(migrations = "../migrations")]
async fn an_asymmetric_token_expired_within_the_leeway_is_accepted(pool: PgPool) {
    let keys = KeyServer::start(&[&ED25519]).await;
    let app = spawn_app_trusting(pool, &keys, |_| {}).await;

    let resp = list_tasks(&app, "alice", &ED25519.sign(&claims("alice", -10))).await;

    assert_accepted(resp, "expired 10 s ago, leeway 30 s").await;
}

const ISSUER: &str = "https://auth.taskwire.test";
const AUDIENCE: &str = "taskwire";

#[sqlx::test(migrations = "../migrations")]
async fn a_configured_issuer_and_audience_are_required(pool: PgPool) {
    let keys = KeyServer::start(&[&P256]).await;
    let app = spawn_app_trusting(pool, &keys, |config| {
        config.auth.issuer = Some(ISSUER.to_owned());
        config.auth.audience = Some(AUDIENCE.to_owned());
    })
    .await;
    let token = |iss: Option<&str>, aud: Option<&str>| {
        let mut claims = valid_claims("alice");
        if let Some(iss) = iss {
            claims["iss"] = json!(iss);
        }
        if let Some(aud) = aud {
            claims["aud"] = json!(aud);
        }
        P256.sign(&claims)
    };
    let (issuer, audience) = (Some(ISSUER), Some(AUDIENCE));

    let matching = list_tasks(&app, "alice", &token(issuer, audience)).await;
    assert_accepted(matching, "matching iss and aud").await;

    let refused = [
        (token(Some("https://evil.test"), audience), "another issuer"),
        (token(None, audience), "no issuer"),
        (token(issuer, Some("another-service")), "another audience"),
        (token(issuer, None), "no audience"),
    ];
    for (token, what) in refused {
        let resp = list_tasks(&app, "alice", &token).await;
        assert_error(resp, 401, "unauthorized", what).await;
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_key_server_error_before_any_key_is_cached_answers_503(pool: PgPool) {
    let keys = KeyServer::start(&[&ED25519]).await;
    keys.set_failing(true);
    let app = spawn_app_trusting(pool, &keys, |_| {}).await;

    let resp = list_tasks(&app, "alice", &ED25519.sign(&valid_claims("alice"))).await;

    assert_error(
        resp,
        503,
        "service_unavailable",
        "key server down, no cached key",
    )
    .await;
    assert_eq!(keys.requests(), 1, "the key server was asked");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_burst_of_tokens_during_a_key_server_outage_fetches_at_most_twice(pool: PgPool) {
    let keys = KeyServer::start(&[&ED25519]).await;
    keys.set_failing(true);
    let app = spawn_app_trusting(pool, &keys, |_| {}).await;
    let token = ED25519.sign(&valid_claims("alice"));

    let responses = join_all((0..20).map(|_| list_tasks(&app, "alice", &token))).await;

    for (n, resp) in responses.into_iter().enumerate() {
        assert_error(resp, 503, "service_unavailable", &format!("request {n}")).await;
    }
    let fetches = keys.requests();
    assert!(
        (1..=2).contains(&fetches),
        "20 requests during an outage caused {fetches} fetches"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn cached_keys_keep_working_while_the_key_server_is_down(pool: PgPool) {
    let keys = KeyServer::start(&[&ED25519]).await;
    let app = spawn_app_trusting(pool, &keys, |_| {}).await;
    let before = list_tasks(&app, "alice", &ED25519.sign(&valid_claims("alice"))).await;
    assert_accepted(before, "before the outage").await;

    keys.set_failing(true);
    let during = list_tasks(&app, "alice", &ED25519.sign(&valid_claims("alice"))).await;

    assert_accepted(during, "during the outage, from the cache").await;
    assert_eq!(keys.requests(), 1, "the cached key needed no fetch");
}

#[sqlx::test(migrations = "../migrations")]
async fn without_a_jwks_url_an_eddsa_token_is_refused(pool: PgPool) {
    let app = spawn_app(pool).await;

    let resp = list_tasks(&app, "alice", &ED25519.sign(&valid_claims("alice"))).await;

    assert_error(resp, 401, "unauthorized", "EdDSA token, no JWKS_URL").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn hs256_tokens_keep_working_when_a_jwks_url_is_set(pool: PgPool) {
    let keys = KeyServer::start(&[&ED25519]).await;
    let app = spawn_app_trusting(pool, &keys, |_| {}).await;

    let resp = list_tasks(&app, "alice", &app.token("alice")).await;

    assert_accepted(resp, "HS256 token with the shared secret").await;
    assert_eq!(
        keys.requests(),
        0,
        "HS256 tokens never touch the key server"
    );
}
