//! The reminder and webhook endpoints: bad input answered clearly, and one user never
//! reaching another's tasks, reminders or webhook.

use reqwest::Method;
use serde_json::{Value, json};
use sqlx::PgPool;
use taskwire_tests::{assert_error, spawn_app, spawn_app_with};

use crate::{call, in_secs, set_webhook, task_due};

#[sqlx::test(migrations = "../migrations")]
async fn bad_reminders_are_refused_with_a_clear_error(pool: PgPool) {
    let app = spawn_app(pool).await;
    let due = task_due(&app, "alice", "Due", 3600).await;
    let undated = app.create_task("alice", json!({"title": "Undated"})).await["id"]
        .as_i64()
        .expect("id");
    // (task, body, status, code, what)
    let cases: Vec<(i64, Value, u16, &str, &str)> = vec![
        (due, json!({}), 422, "validation_failed", "neither field"),
        (
            due,
            json!({"before_minutes": 5, "at": in_secs(600)}),
            422,
            "validation_failed",
            "both fields",
        ),
        (
            due,
            json!({"before_minutes": -1}),
            400,
            "bad_request",
            "negative minutes",
        ),
        (
            due,
            json!({"before_minutes": 40321}),
            400,
            "bad_request",
            "more than four weeks",
        ),
        (
            due,
            json!({"before_minutes": "ten"}),
            400,
            "bad_request",
            "minutes as text",
        ),
        (
            due,
            json!({"at": 1764262800}),
            400,
            "bad_request",
            "a time as a number",
        ),
        (
            due,
            json!({"at": "when pigs fly"}),
            422,
            "validation_failed",
            "unreadable time",
        ),
        (
            due,
            json!({"at": in_secs(-60)}),
            422,
            "validation_failed",
            "a time that has passed",
        ),
        (
            due,
            json!({"before_minutes": 120}),
            422,
            "validation_failed",
            "relative, before now",
        ),
        (
            due,
            json!({"before_minutes": 0}),
            409,
            "conflict",
            "the default one again",
        ),
        (
            due,
            json!({"before_minutes": 5, "extra": 1}),
            400,
            "bad_request",
            "unknown field",
        ),
        (
            undated,
            json!({"before_minutes": 5}),
            422,
            "validation_failed",
            "relative without a due date",
        ),
        (
            9_999_999,
            json!({"before_minutes": 5}),
            404,
            "not_found",
            "no such task",
        ),
    ];
    for (task, body, status, code, what) in cases {
        let resp = app
            .request(
                Method::POST,
                "alice",
                &format!("/api/alice/tasks/{task}/reminders"),
            )
            .json(&body)
            .send()
            .await
            .expect("sent");
        assert_error(resp, status, code, what).await;
    }
    let resp = app
        .request(
            Method::POST,
            "alice",
            &format!("/api/alice/tasks/{due}/reminders"),
        )
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("sent");
    assert_error(resp, 400, "bad_request", "malformed JSON").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_task_takes_at_most_ten_reminders(pool: PgPool) {
    let app = spawn_app(pool).await;
    let task = task_due(&app, "alice", "Busy", 3600).await;
    for minutes in 1..10 {
        let (status, body) = call(
            &app,
            Method::POST,
            "alice",
            &format!("/api/alice/tasks/{task}/reminders"),
            Some(json!({"before_minutes": minutes})),
        )
        .await;
        assert_eq!(status, 201, "reminder {minutes}: {body}");
        assert_eq!(body["status"], "armed");
    }
    let resp = app
        .request(
            Method::POST,
            "alice",
            &format!("/api/alice/tasks/{task}/reminders"),
        )
        .json(&json!({"at": "tomorrow 8am"}))
        .send()
        .await
        .expect("sent");
    assert_error(resp, 422, "validation_failed", "the eleventh").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn one_user_never_reaches_another_users_reminders_or_webhook(pool: PgPool) {
    let app = spawn_app(pool).await;
    let task = task_due(&app, "alice", "Alice's", 3600).await;
    set_webhook(&app, "alice", "http://127.0.0.1:9/hook").await;
    let reminder = crate::reminders_of(&app, "alice", task).await[0]["id"]
        .as_i64()
        .expect("id");

    let bob = [
        (
            Method::GET,
            format!("/api/bob/tasks/{task}/reminders"),
            None,
            404,
        ),
        (
            Method::POST,
            format!("/api/bob/tasks/{task}/reminders"),
            Some(json!({"before_minutes": 5})),
            404,
        ),
        (
            Method::DELETE,
            format!("/api/bob/tasks/{task}/reminders/{reminder}"),
            None,
            404,
        ),
        (Method::GET, "/api/bob/webhook".to_owned(), None, 404),
        (Method::DELETE, "/api/bob/webhook".to_owned(), None, 404),
        (Method::GET, "/api/alice/webhook".to_owned(), None, 403),
        (
            Method::GET,
            format!("/api/alice/tasks/{task}/reminders"),
            None,
            403,
        ),
        (
            Method::GET,
            "/api/alice/notifications".to_owned(),
            None,
            403,
        ),
        (
            Method::GET,
            "/api/alice/notifications/recent".to_owned(),
            None,
            403,
        ),
    ];
    for (method, path, body, status) in bob {
        let (got, answer) = call(&app, method.clone(), "bob", &path, body).await;
        assert_eq!(got, status, "bob {method} {path}: {answer}");
    }
    assert_eq!(
        crate::reminders_of(&app, "alice", task).await.len(),
        1,
        "alice's reminder stays"
    );
    let hook = app.get_json("alice", "/api/alice/webhook").await;
    assert_eq!(hook["url"], "http://127.0.0.1:9/hook");
    assert!(
        hook.get("secret").is_none(),
        "the secret is shown only once: {hook}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn webhooks_are_http_urls_outside_the_private_network_unless_allowed(pool: PgPool) {
    let app = spawn_app_with(pool, |c| c.webhook_allow_private = false).await;
    for url in [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.0.0.5/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "ftp://example.com/hook",
        "javascript:alert(1)",
        "hooks.example.com/no-scheme",
    ] {
        let resp = app
            .request(Method::PUT, "alice", "/api/alice/webhook")
            .json(&json!({"url": url}))
            .send()
            .await
            .expect("sent");
        assert_error(resp, 422, "validation_failed", url).await;
    }
    let secret = set_webhook(&app, "alice", "https://hooks.example.com/taskwire").await;
    assert!(
        secret.starts_with("whsec_") && secret.len() == 70,
        "{secret}"
    );
    let again = set_webhook(&app, "alice", "https://hooks.example.com/taskwire").await;
    assert_ne!(secret, again, "setting it again makes a new secret");
    let (status, _) = call(&app, Method::DELETE, "alice", "/api/alice/webhook", None).await;
    assert_eq!(status, 204);
    let (status, _) = call(&app, Method::GET, "alice", "/api/alice/webhook", None).await;
    assert_eq!(status, 404);
}
