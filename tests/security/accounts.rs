//! Accounts (findings 2, 9, 10, 18, 21): sign-in limits that rotating emails or addresses do
//! not escape, behind a trusted proxy too; a NUL in an email is a bad credential, not a 500;
//! one rule for what makes two addresses the same account; sign-out that ends the session on
//! every gateway; password change; titles without invisible formatting.

use reqwest::Method;
use serde_json::{Value, json};
use sqlx::PgPool;
use taskwire_tests::{TestApp, assert_error, spawn_app, spawn_app_with};

const PASSWORD: &str = "Correct-Horse-42";

async fn post(
    app: &TestApp,
    path: &str,
    body: Value,
    forwarded_for: Option<&str>,
) -> reqwest::Response {
    let mut req = app.http.post(app.url(path)).json(&body);
    if let Some(ip) = forwarded_for {
        req = req.header("X-Forwarded-For", ip);
    }
    req.send().await.expect("sent")
}

async fn sign_up(app: &TestApp, email: &str) -> reqwest::Response {
    post(
        app,
        "/api/auth/sign-up",
        json!({"email": email, "password": PASSWORD}),
        None,
    )
    .await
}

async fn sign_in_from(
    app: &TestApp,
    email: &str,
    password: &str,
    ip: Option<&str>,
) -> reqwest::Response {
    post(
        app,
        "/api/auth/sign-in",
        json!({"email": email, "password": password}),
        ip,
    )
    .await
}

async fn session(resp: reqwest::Response) -> Value {
    assert!(resp.status().is_success(), "{}", resp.status());
    resp.json().await.expect("session JSON")
}

async fn tasks_status(base: &str, session: &Value) -> u16 {
    let user = session["user_id"].as_str().expect("user");
    reqwest::Client::new()
        .get(format!("{base}/api/{user}/tasks"))
        .bearer_auth(session["token"].as_str().expect("token"))
        .send()
        .await
        .expect("sent")
        .status()
        .as_u16()
}

// Finding 9: a NUL reached Postgres as a sign-in lookup and answered 500.
#[sqlx::test(migrations = "../migrations")]
async fn a_nul_in_an_email_is_a_bad_credential_not_a_server_error(pool: PgPool) {
    let app = spawn_app(pool).await;
    let resp = sign_in_from(&app, "ann\u{0}@example.com", PASSWORD, None).await;
    let message = assert_error(resp, 401, "unauthorized", "NUL sign-in").await;
    assert_eq!(message, "email or password is incorrect");
    assert_error(
        sign_up(&app, "ann\u{0}@example.com").await,
        422,
        "validation_failed",
        "NUL sign-up",
    )
    .await;
}

// Finding 2: the limit was per (email, address): rotating emails escaped it.
#[sqlx::test(migrations = "../migrations")]
async fn one_address_cannot_spray_passwords_across_emails(pool: PgPool) {
    let app = spawn_app_with(pool, |c| c.sign_in_per_address_per_minute = 6).await;
    let mut statuses = Vec::new();
    for n in 0..8 {
        let resp = sign_in_from(
            &app,
            &format!("victim{n}@example.com"),
            "Guess-123456",
            None,
        )
        .await;
        statuses.push(resp.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 401, 429, 429]);
}

// Findings 2 and 18: behind a trusted proxy each client has its own address budget, and one
// email's budget holds whatever addresses the guesses come from.
#[sqlx::test(migrations = "../migrations")]
async fn one_email_is_limited_across_addresses_behind_a_trusted_proxy(pool: PgPool) {
    let app = spawn_app_with(pool, |c| {
        c.trusted_proxies = vec!["127.0.0.1".into()];
        c.sign_in_per_address_per_minute = 2;
        c.sign_in_per_minute = 1;
        c.sign_in_burst = 4;
    })
    .await;
    session(sign_up(&app, "ann@example.com").await).await;
    // Four clients, two guesses each at most: the email's budget (4) ends it first.
    let mut statuses = Vec::new();
    for n in 0..6 {
        let ip = format!("198.51.100.{}", n % 3 + 1);
        let resp = sign_in_from(&app, "ann@example.com", "Wrong-guess-1", Some(&ip)).await;
        statuses.push(resp.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 401, 429, 429]);
    // The proxy's own address is not the client's: another client still has its budget
    // (and a right password for another email goes through).
    session(sign_up(&app, "bob@example.com").await).await;
    let bob = sign_in_from(&app, "bob@example.com", PASSWORD, Some("203.0.113.50")).await;
    assert_eq!(bob.status(), 200);
}

// Finding 10: Rust and Postgres lower-cased differently; look-alike addresses made accounts.
#[sqlx::test(migrations = "../migrations")]
async fn an_address_is_one_account_in_every_unicode_form(pool: PgPool) {
    let app = spawn_app(pool).await;
    session(sign_up(&app, "İnfo@example.com").await).await;
    let again = sign_in_from(&app, "İnfo@example.com", PASSWORD, None).await;
    assert_eq!(again.status(), 200, "the address signed up with signs in");

    session(sign_up(&app, "ann@example.com").await).await;
    let fullwidth = sign_up(&app, "ＡＮＮ@example.com").await;
    assert_error(fullwidth, 409, "conflict", "a fullwidth look-alike").await;
    let signed_in = sign_in_from(&app, "Ａnn@EXAMPLE.com", PASSWORD, None).await;
    assert_eq!(
        signed_in.status(),
        200,
        "and it signs in to the same account"
    );
    for hidden in ["an\u{200B}n@example.com", "ann\u{202E}@example.com"] {
        assert_error(
            sign_up(&app, hidden).await,
            422,
            "validation_failed",
            hidden,
        )
        .await;
    }
}

// Finding 21: a token lived its 7 days whatever the user did.
#[sqlx::test(migrations = "../migrations")]
async fn sign_out_ends_the_session_on_every_gateway(pool: PgPool) {
    let app = spawn_app(pool).await;
    let (other, _stop) = app.spawn_gateway().await;
    let ann = session(sign_up(&app, "ann@example.com").await).await;
    let second = session(sign_in_from(&app, "ann@example.com", PASSWORD, None).await).await;
    assert_eq!(tasks_status(&app.base, &ann).await, 200);
    assert_eq!(tasks_status(&other, &ann).await, 200);

    let out = app
        .http
        .post(app.url("/api/auth/sign-out"))
        .bearer_auth(ann["token"].as_str().expect("token"))
        .send()
        .await
        .expect("sent");
    assert_eq!(out.status(), 204);
    assert_eq!(tasks_status(&app.base, &ann).await, 401);
    assert_eq!(
        tasks_status(&other, &ann).await,
        401,
        "on the other gateway too"
    );
    assert_eq!(
        tasks_status(&app.base, &second).await,
        200,
        "other sessions stay"
    );
    // Tokens without a session (minted elsewhere) sign out as a no-op.
    let minted = app
        .request(Method::POST, "alice", "/api/auth/sign-out")
        .send()
        .await
        .expect("sent");
    assert_eq!(minted.status(), 204);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_password_change_ends_the_other_sessions(pool: PgPool) {
    let app = spawn_app(pool).await;
    let here = session(sign_up(&app, "ann@example.com").await).await;
    let elsewhere = session(sign_in_from(&app, "ann@example.com", PASSWORD, None).await).await;
    let change = |current: &str, new: &str| {
        app.http
            .post(app.url("/api/auth/password"))
            .bearer_auth(here["token"].as_str().expect("token"))
            .json(&json!({"current_password": current, "new_password": new}))
            .send()
    };
    let wrong = change("Not-the-password-1", "Brand-New-Secret-7")
        .await
        .expect("sent");
    assert_error(wrong, 401, "unauthorized", "wrong current password").await;
    let weak = change(PASSWORD, "short").await.expect("sent");
    assert_error(weak, 422, "validation_failed", "weak new password").await;
    let done = change(PASSWORD, "Brand-New-Secret-7").await.expect("sent");
    assert_eq!(done.status(), 204);

    assert_eq!(
        tasks_status(&app.base, &here).await,
        200,
        "this session stays"
    );
    assert_eq!(
        tasks_status(&app.base, &elsewhere).await,
        401,
        "the others end"
    );
    let old = sign_in_from(&app, "ann@example.com", PASSWORD, None).await;
    assert_eq!(old.status(), 401);
    let new = sign_in_from(&app, "ann@example.com", "Brand-New-Secret-7", None).await;
    assert_eq!(new.status(), 200);
    let not_an_account = app
        .request(Method::POST, "alice", "/api/auth/password")
        .json(&json!({"current_password": PASSWORD, "new_password": "Brand-New-Secret-7"}))
        .send()
        .await
        .expect("sent");
    assert_error(not_an_account, 403, "forbidden", "a token of no account").await;
}

// Finding 21: U+200B and U+202E hid or reordered what a title shows.
#[sqlx::test(migrations = "../migrations")]
async fn titles_with_invisible_formatting_are_refused(pool: PgPool) {
    let app = spawn_app(pool).await;
    for title in [
        "pay\u{200B}rent",
        "pay \u{202E}tner",
        "\u{2066}isolated\u{2069}",
    ] {
        let resp = app
            .request(Method::POST, "alice", "/api/alice/tasks")
            .json(&json!({"title": title}))
            .send()
            .await
            .expect("sent");
        assert_error(resp, 422, "validation_failed", title).await;
    }
    let emoji = app
        .create_task("alice", json!({"title": "Team 👩‍💻 sync"}))
        .await;
    assert_eq!(
        emoji["title"], "Team 👩‍💻 sync",
        "joiners that emoji need are kept"
    );
}
