//! Token details (finding 19): a critical header extension is refused, a token may not live
//! longer than the gateway allows, `aud` may be a list, and every refusal reads the same.

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode, get_current_timestamp};
use reqwest::Method;
use serde_json::{Value, json};
use sqlx::PgPool;
use taskwire_tests::{TEST_SECRET, TestApp, assert_error, spawn_app, spawn_app_with};

fn sign(header: &Header, claims: &Value) -> String {
    encode(
        header,
        claims,
        &EncodingKey::from_secret(TEST_SECRET.as_bytes()),
    )
    .expect("signs")
}

async fn status_with(app: &TestApp, token: &str) -> reqwest::Response {
    app.http
        .request(Method::GET, app.url("/api/alice/tasks"))
        .bearer_auth(token)
        .send()
        .await
        .expect("sent")
}

fn claims(lifetime_secs: u64) -> Value {
    let now = get_current_timestamp();
    json!({"sub": "alice", "iat": now, "exp": now + lifetime_secs})
}

#[sqlx::test(migrations = "../migrations")]
async fn a_token_with_a_critical_extension_is_refused(pool: PgPool) {
    let app = spawn_app(pool).await;
    let mut header = Header::new(Algorithm::HS256);
    header.crit = Some(vec!["exp-must-be-checked-by-bank".into()]);
    let resp = status_with(&app, &sign(&header, &claims(600))).await;
    let message = assert_error(resp, 401, "unauthorized", "crit").await;
    assert_eq!(message, "invalid token");
    let plain = status_with(&app, &sign(&Header::new(Algorithm::HS256), &claims(600))).await;
    assert_eq!(plain.status(), 200, "the same token without crit works");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_token_living_longer_than_allowed_is_refused(pool: PgPool) {
    let app = spawn_app_with(pool, |c| {
        c.auth.max_lifetime = std::time::Duration::from_secs(3600)
    })
    .await;
    let header = Header::new(Algorithm::HS256);
    let ten_years = sign(&header, &claims(10 * 365 * 24 * 3600));
    assert_error(
        status_with(&app, &ten_years).await,
        401,
        "unauthorized",
        "10 y",
    )
    .await;
    // Without `iat`, the lifetime counts from now.
    let no_iat = json!({"sub": "alice", "exp": get_current_timestamp() + 7200});
    assert_error(
        status_with(&app, &sign(&header, &no_iat)).await,
        401,
        "unauthorized",
        "no iat",
    )
    .await;
    assert_eq!(
        status_with(&app, &sign(&header, &claims(3000)))
            .await
            .status(),
        200
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn an_audience_list_holding_ours_is_accepted(pool: PgPool) {
    let app = spawn_app_with(pool, |c| c.auth.audience = Some("taskwire".into())).await;
    let header = Header::new(Algorithm::HS256);
    let mut listed = claims(600);
    listed["aud"] = json!(["https://id.example.com/userinfo", "taskwire"]);
    assert_eq!(
        status_with(&app, &sign(&header, &listed)).await.status(),
        200
    );
    let mut others = claims(600);
    others["aud"] = json!(["https://id.example.com/userinfo", "billing"]);
    let message = assert_error(
        status_with(&app, &sign(&header, &others)).await,
        401,
        "unauthorized",
        "aud",
    )
    .await;
    assert_eq!(message, "invalid token", "no library wording");
}
