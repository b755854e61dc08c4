//! Who may call `/mcp`: a bearer token from the `Authorization` header (never the query
//! string), refused with 401 and a `WWW-Authenticate` challenge that leads to the protected
//! resource metadata; only the configured hosts; and each user within their rate limit.

use serde_json::json;
use sqlx::PgPool;
use taskwire_tests::{spawn_app, spawn_app_with};

use crate::clients::{LIST, json_answer, mcp_url, post, rpc};

#[sqlx::test(migrations = "../migrations")]
async fn refused_tokens_get_401_with_a_challenge_naming_the_metadata(pool: PgPool) {
    let app = spawn_app(pool).await;
    let other_secret = gateway::auth::mint_token(
        &secrecy::SecretString::from("another-secret-entirely-0123456789abcd".to_owned()),
        "alice",
        std::time::Duration::from_secs(600),
    )
    .expect("signs");
    let metadata = app.url("/.well-known/oauth-protected-resource/mcp");
    let cases = [
        (None, None, "no token"),
        (Some("Basic YWxpY2U6cHc=".to_owned()), None, "basic auth"),
        (
            Some("Bearer garbage".to_owned()),
            Some("invalid token"),
            "garbage",
        ),
        (
            Some(format!("Bearer {other_secret}")),
            Some("invalid token"),
            "wrong secret",
        ),
    ];
    for (header, refused, what) in cases {
        let mut req = app.http.post(mcp_url(&app)).body(LIST);
        req = req.header("content-type", "application/json");
        if let Some(header) = header {
            req = req.header("authorization", header);
        }
        let (status, headers, body) = json_answer(req.send().await.expect("sent")).await;
        assert_eq!(status, 401, "{what}");
        let challenge = headers["www-authenticate"].to_str().expect("ASCII");
        let expected = format!("Bearer resource_metadata=\"{metadata}\"");
        match refused {
            None => assert_eq!(challenge, expected, "{what}"),
            Some(reason) => {
                assert!(challenge.starts_with(&expected), "{what}: {challenge}");
                assert!(
                    challenge.contains("error=\"invalid_token\""),
                    "{what}: {challenge}"
                );
                assert!(challenge.contains(reason), "{what}: {challenge}");
            }
        }
        assert_eq!(body["jsonrpc"], "2.0", "{what}");
        assert_eq!(body["error"]["code"], -32001, "{what}: {body}");
    }
    // A valid token in the query string is not a token.
    let url = format!("{}?access_token={}", mcp_url(&app), app.token("alice"));
    let resp = app
        .http
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(LIST)
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 401, "the query string carries no token");
}

#[sqlx::test(migrations = "../migrations")]
async fn the_metadata_is_served_at_both_well_known_paths(pool: PgPool) {
    let app = spawn_app_with(pool, |config| {
        config.public_url = Some("https://tasks.example.com".into());
        config.auth.issuer = Some("https://auth.example.com".into());
    })
    .await;
    for path in [
        "/.well-known/oauth-protected-resource/mcp",
        "/.well-known/oauth-protected-resource",
    ] {
        let resp = app.http.get(app.url(path)).send().await.expect("sent");
        let (status, _, document) = json_answer(resp).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(
            document["resource"], "https://tasks.example.com/mcp",
            "{path}"
        );
        assert_eq!(
            document["authorization_servers"],
            json!(["https://auth.example.com"]),
            "{path}: the issuer, as no other server is named"
        );
        assert_eq!(document["bearer_methods_supported"], json!(["header"]));
        assert!(
            document.get("scopes_supported").is_none(),
            "none configured"
        );
    }
    // The challenge names the public URL too.
    let resp = post(&app, None, LIST).await;
    let challenge = resp.headers()["www-authenticate"].to_str().expect("ASCII");
    assert_eq!(
        challenge,
        "Bearer resource_metadata=\"https://tasks.example.com/.well-known/oauth-protected-resource/mcp\""
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn only_allowed_hosts_are_answered(pool: PgPool) {
    let app = spawn_app_with(pool, |config| {
        config.mcp.allowed_hosts = vec!["127.0.0.1".into(), "gateway.internal".into()];
        config.public_url = Some("https://tasks.example.com".into());
    })
    .await;
    let token = app.token("alice");
    for (host, allowed) in [
        ("evil.example", false),
        ("localhost", false),
        ("gateway.internal:8080", true),
        ("tasks.example.com", true),
    ] {
        let resp = app
            .http
            .post(mcp_url(&app))
            .bearer_auth(&token)
            .header("host", host)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(LIST)
            .send()
            .await
            .expect("sent");
        let (status, _, message) = json_answer(resp).await;
        if allowed {
            assert_eq!(status, 200, "{host}: {message}");
            assert!(message["result"]["tools"].is_array(), "{host}");
        } else {
            assert_eq!(status, 403, "{host}");
            assert_eq!(message["error"]["code"], -32600, "{host}: {message}");
        }
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_user_over_the_rate_limit_gets_429_and_others_are_unaffected(pool: PgPool) {
    let app = spawn_app_with(pool, |config| {
        config.mcp.rate_per_minute = 1;
        config.mcp.burst = 2;
    })
    .await;
    for _ in 0..2 {
        assert_eq!(
            rpc(&app, "alice", serde_json::from_str(LIST).expect("JSON"))
                .await
                .0,
            200
        );
    }
    let (status, headers, message) =
        json_answer(post(&app, Some(&app.token("alice")), LIST).await).await;
    assert_eq!(status, 429);
    let wait: u64 = headers["retry-after"]
        .to_str()
        .expect("ASCII")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(message["error"]["code"], -32002, "{message}");
    assert_eq!(
        rpc(&app, "bob", serde_json::from_str(LIST).expect("JSON"))
            .await
            .0,
        200,
        "bob has his own budget"
    );
}
