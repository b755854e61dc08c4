//! Every way a bearer token can be wrong answers 401 in the JSON error shape.

use serde_json::json;
use sqlx::PgPool;
use taskwire_tests::{assert_error, spawn_app, token_for};

#[sqlx::test(migrations = "../migrations")]
async fn every_auth_failure_is_401_json(pool: PgPool) {
    let app = spawn_app(pool).await;
    let other_secret = gateway::auth::mint_token(
        &secrecy::SecretString::from("some-other-secret-entirely-0123456789".to_owned()),
        "alice",
        std::time::Duration::from_secs(600),
    )
    .expect("signs");
    let expired = expired_token("alice");
    let valid = token_for("alice");
    let tampered = {
        let mut parts: Vec<String> = valid.split('.').map(str::to_owned).collect();
        // Claim to be bob with alice's signature.
        parts[1] = base64_url(&json!({"sub": "bob", "exp": 4102444800u64}).to_string());
        parts.join(".")
    };
    let none_alg = format!(
        "{}.{}.",
        base64_url(&json!({"alg": "none", "typ": "JWT"}).to_string()),
        base64_url(&json!({"sub": "alice", "exp": 4102444800u64}).to_string())
    );
    let no_exp = sign_claims(&json!({"sub": "alice"}));
    let no_sub = sign_claims(&json!({"exp": 4102444800u64}));
    let empty_sub = sign_claims(&json!({"sub": "", "exp": 4102444800u64}));
    let cases: Vec<(Option<String>, &str)> = vec![
        (None, "no Authorization header"),
        (Some("Basic YWxpY2U6cHc=".into()), "basic auth"),
        (Some("Bearer".into()), "Bearer without token"),
        (Some("Bearer ".into()), "Bearer with empty token"),
        (Some("Bearer not-a-jwt".into()), "garbage token"),
        (Some("Bearer a.b.c".into()), "three garbage parts"),
        (Some(format!("Bearer {other_secret}")), "wrong secret"),
        (Some(format!("Bearer {expired}")), "expired"),
        (Some(format!("Bearer {tampered}")), "tampered payload"),
        (Some(format!("Bearer {none_alg}")), "alg none"),
        (Some(format!("Bearer {no_exp}")), "no exp"),
        (Some(format!("Bearer {no_sub}")), "no sub"),
        (Some(format!("Bearer {empty_sub}")), "empty sub"),
    ];
    for (header, what) in cases {
        let mut req = app.http.get(app.url("/api/alice/tasks"));
        if let Some(h) = header {
            req = req.header("authorization", h);
        }
        let resp = req.send().await.expect("sent");
        assert_eq!(
            resp.headers()
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok()),
            Some("Bearer"),
            "{what}: WWW-Authenticate"
        );
        let message = assert_error(resp, 401, "unauthorized", what).await;
        if what == "expired" {
            assert!(message.contains("expired"), "expired says so: {message}");
        }
    }
}

fn base64_url(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

fn sign_claims(claims: &serde_json::Value) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(taskwire_tests::TEST_SECRET.as_bytes()),
    )
    .expect("signs")
}

fn expired_token(user: &str) -> String {
    let now = jsonwebtoken::get_current_timestamp();
    // Well past the 30-second leeway.
    sign_claims(&json!({"sub": user, "exp": now - 600, "iat": now - 4200}))
}
