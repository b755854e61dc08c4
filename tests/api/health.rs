//! Liveness, readiness (streams set up; NATS really stopped), the OpenAPI document and the docs page.

use serde_json::Value;
use sqlx::PgPool;
use taskwire_tests::spawn_app;

#[sqlx::test(migrations = "../migrations")]
async fn healthz_answers_ok_without_a_token(pool: PgPool) {
    let app = spawn_app(pool).await;
    let resp = app
        .http
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<Value>().await.expect("json")["status"], "ok");
}

#[sqlx::test(migrations = "../migrations")]
async fn readyz_reports_nats_going_down_and_coming_back(pool: PgPool) {
    let mut app = spawn_app(pool).await;
    let ready = |app: &taskwire_tests::TestApp| {
        let req = app.http.get(app.url("/readyz"));
        async move {
            let resp = req.send().await.expect("sent");
            let status = resp.status().as_u16();
            (status, resp.json::<Value>().await.expect("json"))
        }
    };
    let (status, body) = ready(&app).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["postgres"], "ok");
    assert_eq!(body["nats"], "ok");
    // Ready means a job published now is stored: the streams exist.
    let js = app.jetstream().await;
    for stream in [common::jobs::JOBS_STREAM, common::jobs::EVENTS_STREAM] {
        js.get_stream(stream)
            .await
            .expect("stream exists once ready");
    }

    app.nats.kill();
    let (status, body) = ready(&app).await;
    assert_eq!(status, 503, "NATS down: {body}");
    assert_eq!(body["nats"], "down");
    assert_eq!(body["postgres"], "ok");

    app.nats.restart().await;
    // The client reconnects on its own, with back-off.
    app.wait_ready().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn readyz_reports_postgres_down(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    // Closing the pool is what an unreachable database looks like to the gateway.
    pool.close().await;
    let resp = app.http.get(app.url("/readyz")).send().await.expect("sent");
    assert_eq!(resp.status(), 503);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["postgres"], "down");
    // And API calls answer 503, not 500.
    let resp = app
        .request(reqwest::Method::GET, "alice", "/api/alice/tasks")
        .send()
        .await
        .expect("sent");
    taskwire_tests::assert_error(resp, 503, "service_unavailable", "database down").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn the_openapi_document_describes_every_task_endpoint(pool: PgPool) {
    let app = spawn_app(pool).await;
    let resp = app
        .http
        .get(app.url("/openapi.json"))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 200);
    let spec: Value = resp.json().await.expect("json");
    let paths = spec["paths"].as_object().expect("paths");
    for (path, methods) in [
        ("/api/{user_id}/tasks", &["get", "post"][..]),
        (
            "/api/{user_id}/tasks/{task_id}",
            &["get", "put", "delete"][..],
        ),
        ("/api/{user_id}/tasks/{task_id}/complete", &["patch"][..]),
        ("/healthz", &["get"][..]),
        ("/readyz", &["get"][..]),
    ] {
        for method in methods {
            assert!(
                paths[path][method].is_object(),
                "{method} {path} documented"
            );
        }
    }
    let create = &paths["/api/{user_id}/tasks"]["post"];
    assert!(create["responses"]["201"].is_object());
    assert!(
        create["responses"]["422"].is_object(),
        "validation error documented"
    );
    assert!(create["security"].is_array(), "bearer auth documented");
    assert!(spec["components"]["securitySchemes"].is_object());
}

#[sqlx::test(migrations = "../migrations")]
async fn the_interactive_docs_are_served(pool: PgPool) {
    let app = spawn_app(pool).await;
    let resp = app.http.get(app.url("/docs")).send().await.expect("sent");
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.expect("text");
    assert!(html.contains("swagger"), "Swagger UI page");
}

#[sqlx::test(migrations = "../migrations")]
async fn cors_allows_only_the_configured_origins(pool: PgPool) {
    let app = taskwire_tests::spawn_app_with(pool, |c| {
        c.cors_origins = vec!["http://localhost:3000".to_owned()];
    })
    .await;
    let preflight = |origin: &'static str| {
        app.http
            .request(reqwest::Method::OPTIONS, app.url("/api/alice/tasks"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "authorization, content-type",
            )
            .send()
    };
    let allowed = preflight("http://localhost:3000").await.expect("sent");
    assert!(allowed.status().is_success(), "{}", allowed.status());
    assert_eq!(
        allowed
            .headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("http://localhost:3000")
    );
    let refused = preflight("https://evil.example").await.expect("sent");
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none(),
        "no CORS grant for other origins"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn without_cors_origins_no_cors_headers_are_sent(pool: PgPool) {
    let app = spawn_app(pool).await;
    let resp = app
        .http
        .get(app.url("/healthz"))
        .header("Origin", "http://localhost:3000")
        .send()
        .await
        .expect("sent");
    assert!(resp.headers().get("access-control-allow-origin").is_none());
}
