//! Accounts: sign-up and sign-in issue tokens the API accepts; duplicate emails, wrong and
//! weak passwords, bad emails and too many attempts get the JSON error shape. Also the web
//! page's security headers (over a real listener: poem's TestClient cannot serve embedded
//! files).

use reqwest::Method;
use serde_json::{Value, json};
use sqlx::PgPool;
use taskwire_tests::{TestApp, assert_error, spawn_app, spawn_app_with};

const PASSWORD: &str = "Correct-Horse-42";

async fn post(app: &TestApp, path: &str, body: Value) -> reqwest::Response {
    app.http
        .post(app.url(path))
        .json(&body)
        .send()
        .await
        .expect("request sent")
}

async fn sign_up(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    post(
        app,
        "/api/auth/sign-up",
        json!({"email": email, "password": password}),
    )
    .await
}

async fn sign_in(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    post(
        app,
        "/api/auth/sign-in",
        json!({"email": email, "password": password}),
    )
    .await
}

/// Lists the tasks of the session's user with the session's token; returns the status.
async fn list_tasks_with(app: &TestApp, session: &Value) -> u16 {
    let user = session["user_id"].as_str().expect("user_id");
    let token = session["token"].as_str().expect("token");
    app.http
        .get(app.url(&format!("/api/{user}/tasks")))
        .bearer_auth(token)
        .send()
        .await
        .expect("sent")
        .status()
        .as_u16()
}

#[sqlx::test(migrations = "../migrations")]
async fn sign_up_returns_a_token_that_works_on_the_users_own_tasks(pool: PgPool) {
    let app = spawn_app(pool).await;
    let resp = sign_up(&app, "  Ann.Lee@Example.com ", PASSWORD).await;
    assert_eq!(resp.status(), 201);
    let session: Value = resp.json().await.expect("json");
    assert_eq!(session["email"], "Ann.Lee@Example.com", "stored trimmed");
    let user = session["user_id"].as_str().expect("user_id");
    assert!(
        uuid::Uuid::parse_str(user).is_ok(),
        "user id is a uuid: {user}"
    );
    assert_eq!(list_tasks_with(&app, &session).await, 200);

    // The token is the user's only: another user's path is 403.
    let resp = app
        .http
        .get(app.url("/api/alice/tasks"))
        .bearer_auth(session["token"].as_str().expect("token"))
        .send()
        .await
        .expect("sent");
    assert_error(resp, 403, "forbidden", "another user's tasks").await;

    let hash: String = sqlx::query_scalar("select password_hash from users where id = $1::uuid")
        .bind(user)
        .fetch_one(&app.pool)
        .await
        .expect("user row");
    assert!(hash.starts_with("$argon2id$"), "argon2id hash: {hash}");
    assert!(!hash.contains(PASSWORD), "never the password itself");
}

#[sqlx::test(migrations = "../migrations")]
async fn sign_in_with_the_right_password_in_any_email_case_returns_the_same_user(pool: PgPool) {
    let app = spawn_app(pool).await;
    let signed_up: Value = sign_up(&app, "ann@example.com", PASSWORD)
        .await
        .json()
        .await
        .expect("json");
    let resp = sign_in(&app, "ANN@example.COM", PASSWORD).await;
    assert_eq!(resp.status(), 200);
    let session: Value = resp.json().await.expect("json");
    assert_eq!(session["user_id"], signed_up["user_id"]);
    assert_eq!(session["email"], "ann@example.com");
    assert_eq!(list_tasks_with(&app, &session).await, 200);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_second_sign_up_with_the_same_email_in_any_case_is_409(pool: PgPool) {
    let app = spawn_app(pool).await;
    assert_eq!(
        sign_up(&app, "ann@example.com", PASSWORD).await.status(),
        201
    );
    let resp = sign_up(&app, "Ann@Example.com", "Another-Pass-99").await;
    let message = assert_error(resp, 409, "conflict", "duplicate email").await;
    assert!(message.contains("already exists"), "{message}");
    // The first password still signs in.
    assert_eq!(
        sign_in(&app, "ann@example.com", PASSWORD).await.status(),
        200
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer(pool: PgPool) {
    let app = spawn_app(pool).await;
    assert_eq!(
        sign_up(&app, "ann@example.com", PASSWORD).await.status(),
        201
    );
    let wrong = sign_in(&app, "ann@example.com", "Wrong-Horse-42").await;
    let wrong = assert_error(wrong, 401, "unauthorized", "wrong password").await;
    let unknown = sign_in(&app, "bob@example.com", PASSWORD).await;
    let unknown = assert_error(unknown, 401, "unauthorized", "unknown email").await;
    assert_eq!(wrong, unknown, "nothing tells which emails have accounts");
    let malformed = sign_in(&app, "not an email", PASSWORD).await;
    let malformed = assert_error(malformed, 401, "unauthorized", "malformed email").await;
    assert_eq!(malformed, unknown);
}

#[sqlx::test(migrations = "../migrations")]
async fn weak_passwords_are_refused_naming_the_rule(pool: PgPool) {
    let app = spawn_app(pool).await;
    let long = "aA1".repeat(50);
    let cases = [
        ("Short-1", "at least 10 characters", "too short"),
        (
            "onlylowercaseletters",
            "at least two",
            "one class of characters",
        ),
        ("123456789012", "at least two", "digits only"),
        ("ann.lee@example.com", "email", "the email itself"),
        (long.as_str(), "at most 128", "too long"),
    ];
    for (password, expected, why) in cases {
        let resp = sign_up(&app, "ann.lee@example.com", password).await;
        let message = assert_error(resp, 422, "validation_failed", why).await;
        assert!(message.starts_with("password:"), "{why}: {message}");
        assert!(message.contains(expected), "{why}: {message}");
    }
    let count: i64 = sqlx::query_scalar("select count(*) from users")
        .fetch_one(&app.pool)
        .await
        .expect("count");
    assert_eq!(count, 0, "no account was created");
}

#[sqlx::test(migrations = "../migrations")]
async fn malformed_emails_are_refused(pool: PgPool) {
    let app = spawn_app(pool).await;
    let long = format!("{}@example.com", "a".repeat(250));
    for email in [
        "",
        "ann",
        "ann@",
        "@example.com",
        "ann@example",
        "a b@example.com",
        &long,
    ] {
        let resp = sign_up(&app, email, PASSWORD).await;
        let message = assert_error(resp, 422, "validation_failed", email).await;
        assert!(message.starts_with("email:"), "{email:?}: {message}");
    }
    let resp = post(
        &app,
        "/api/auth/sign-up",
        json!({"email": "ann@example.com", "password": PASSWORD, "admin": true}),
    )
    .await;
    assert_error(resp, 400, "bad_request", "unknown field").await;
    let resp = post(
        &app,
        "/api/auth/sign-in",
        json!({"email": "ann@example.com"}),
    )
    .await;
    assert_error(resp, 400, "bad_request", "missing password").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn sign_in_is_rate_limited_per_email_and_address(pool: PgPool) {
    let app = spawn_app_with(pool, |c| {
        c.sign_in_per_minute = 1;
        c.sign_in_burst = 3;
    })
    .await;
    assert_eq!(
        sign_up(&app, "ann@example.com", PASSWORD).await.status(),
        201
    );
    for attempt in 1..=3 {
        let resp = sign_in(&app, "ann@example.com", "Wrong-Horse-42").await;
        assert_eq!(resp.status(), 401, "attempt {attempt} is let through");
    }
    // The right password does not get around the limit either; the email's case does not matter.
    let resp = sign_in(&app, "ANN@example.com", PASSWORD).await;
    let retry_after: u64 = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After seconds");
    assert!((1..=60).contains(&retry_after), "Retry-After {retry_after}");
    assert_error(resp, 429, "too_many_requests", "fourth attempt").await;
    // Another email from the same address is counted separately.
    let other = sign_in(&app, "bob@example.com", PASSWORD).await;
    assert_error(other, 401, "unauthorized", "another email").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn the_page_and_its_files_carry_the_security_headers(pool: PgPool) {
    let app = spawn_app(pool).await;
    for (path, content_type) in [
        ("/", "text/html"),
        ("/static/app.js", "javascript"),
        ("/static/app.css", "text/css"),
    ] {
        let resp = app.http.get(app.url(path)).send().await.expect("sent");
        assert_eq!(resp.status(), 200, "{path}");
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        assert!(header("content-type").contains(content_type), "{path}");
        let csp = header("content-security-policy");
        for directive in [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
        ] {
            assert!(csp.contains(directive), "{path}: {directive} in {csp}");
        }
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("referrer-policy"), "no-referrer", "{path}");
        assert_eq!(header("x-frame-options"), "DENY", "{path}");
    }
    let page = app
        .http
        .get(app.url("/"))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("html");
    assert!(
        page.contains(r#"src="/static/app.js""#),
        "the page loads its script"
    );
    assert!(!page.contains("<script>"), "no inline script");
    assert!(!page.contains("style="), "no inline style");
    let missing = app
        .request(Method::GET, "alice", "/static/nope.js")
        .send()
        .await
        .expect("sent");
    assert_eq!(missing.status(), 404);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_browsers_zone_is_kept_at_sign_up_and_offered_at_sign_in(pool: PgPool) {
    let app = spawn_app(pool).await;
    let with_zone =
        |email: &str, zone: &str| json!({"email": email, "password": PASSWORD, "time_zone": zone});

    let resp = post(
        &app,
        "/api/auth/sign-up",
        with_zone("ann@example.com", "Mars/Olympus"),
    )
    .await;
    let message = assert_error(resp, 422, "validation_failed", "unknown zone").await;
    assert!(message.starts_with("time_zone: "), "{message}");
    let resp = sign_in(&app, "ann@example.com", PASSWORD).await;
    assert_eq!(resp.status(), 401, "no account was created");

    let resp = post(
        &app,
        "/api/auth/sign-up",
        with_zone("ann@example.com", "Asia/Kolkata"),
    )
    .await;
    assert_eq!(resp.status(), 201);
    let session: Value = resp.json().await.expect("json");
    assert_eq!(session["time_zone"], "Asia/Kolkata");
    let user = session["user_id"].as_str().expect("user id");
    let profile: Value = app
        .http
        .get(app.url(&format!("/api/{user}/profile")))
        .bearer_auth(session["token"].as_str().expect("token"))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(
        profile,
        json!({"user_id": user, "email": "ann@example.com", "time_zone": "Asia/Kolkata"})
    );

    // Signing in from a browser in another zone does not move the account's zone.
    let resp = post(
        &app,
        "/api/auth/sign-in",
        with_zone("ann@example.com", "Europe/Berlin"),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let session: Value = resp.json().await.expect("json");
    assert_eq!(session["time_zone"], "Asia/Kolkata");
}
