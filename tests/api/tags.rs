//! Tags and search over REST: tags kept lowercased and per user, filters by tag, edits,
//! the tag list, and a ranked search over title, tags and description.

use reqwest::Method;
use serde_json::{Value, json};
use sqlx::PgPool;
use taskwire_tests::{TestApp, assert_error, spawn_app};

fn titles(tasks: &[Value]) -> Vec<&str> {
    tasks
        .iter()
        .map(|t| t["title"].as_str().expect("title"))
        .collect()
}

async fn update(app: &TestApp, user: &str, id: &Value, body: Value) -> reqwest::Response {
    app.request(Method::PUT, user, &format!("/api/{user}/tasks/{id}"))
        .json(&body)
        .send()
        .await
        .expect("sent")
}

#[sqlx::test(migrations = "../migrations")]
async fn tags_are_one_per_name_whatever_the_case_or_hash(pool: PgPool) {
    let app = spawn_app(pool).await;
    let task = app
        .create_task(
            "alice",
            json!({"title": "Check-up", "tags": ["#Health", "health", " DOCTORS ", "Gesundheit", "日本"]}),
        )
        .await;
    assert_eq!(
        task["tags"],
        json!(["doctors", "gesundheit", "health", "日本"])
    );
    for (query, expected) in [
        ("tag=HEALTH", vec!["Check-up"]),
        ("tag=%23health", vec!["Check-up"]),
        ("tag=health&tag=doctors", vec!["Check-up"]),
        ("tag=health&tag=work", vec![]),
        ("tag=%E6%97%A5%E6%9C%AC", vec!["Check-up"]),
    ] {
        let (tasks, total) = app.list_tasks("alice", query).await;
        assert_eq!(titles(&tasks), expected, "{query}");
        assert_eq!(total, expected.len() as i64, "{query}");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn bad_tags_are_refused_with_the_field_named(pool: PgPool) {
    let app = spawn_app(pool).await;
    for (tags, what) in [
        (json!(["two words"]), "a space"),
        (json!([""]), "empty"),
        (json!(["a".repeat(33)]), "too long"),
        (json!(["a,b"]), "a comma"),
    ] {
        let resp = app
            .request(Method::POST, "alice", "/api/alice/tasks")
            .json(&json!({"title": "T", "tags": tags}))
            .send()
            .await
            .expect("sent");
        let message = assert_error(resp, 422, "validation_failed", what).await;
        assert!(message.contains("tag"), "{what}: {message}");
    }
    let eleven: Vec<String> = (0..11).map(|n| format!("t{n}")).collect();
    let resp = app
        .request(Method::POST, "alice", "/api/alice/tasks")
        .json(&json!({"title": "T", "tags": eleven}))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 400, "more than the schema's 10 items");
    let (tasks, _) = app.list_tasks("alice", "").await;
    assert!(tasks.is_empty(), "nothing was created");
}

#[sqlx::test(migrations = "../migrations")]
async fn an_update_replaces_adds_or_removes_tags(pool: PgPool) {
    let app = spawn_app(pool).await;
    let task = app
        .create_task("alice", json!({"title": "Report", "tags": ["work"]}))
        .await;
    let id = &task["id"];
    let steps = [
        (
            json!({"add_tags": ["Urgent", "#q4"]}),
            json!(["q4", "urgent", "work"]),
        ),
        (
            json!({"remove_tags": ["URGENT", "absent"]}),
            json!(["q4", "work"]),
        ),
        (
            json!({"add_tags": ["x"], "remove_tags": ["q4"]}),
            json!(["work", "x"]),
        ),
        (json!({"tags": ["home"]}), json!(["home"])),
        (json!({"tags": []}), json!([])),
    ];
    for (body, expected) in steps {
        let resp = update(&app, "alice", id, body.clone()).await;
        assert_eq!(resp.status(), 200, "{body}");
        let task: Value = resp.json().await.expect("json");
        assert_eq!(task["tags"], expected, "{body}");
    }
    let resp = update(&app, "alice", id, json!({"tags": ["a"], "add_tags": ["b"]})).await;
    assert_error(resp, 422, "validation_failed", "tags with add_tags").await;
    // Ten tags, then an eleventh added: refused, nothing changed.
    let ten: Vec<String> = (0..10).map(|n| format!("t{n}")).collect();
    assert_eq!(
        update(&app, "alice", id, json!({"tags": ten}))
            .await
            .status(),
        200
    );
    let resp = update(&app, "alice", id, json!({"add_tags": ["eleventh"]})).await;
    let message = assert_error(resp, 422, "validation_failed", "an eleventh tag").await;
    assert!(message.contains("10 tags"), "{message}");
    let stored = app
        .get_json("alice", &format!("/api/alice/tasks/{id}"))
        .await;
    assert_eq!(stored["tags"].as_array().map(Vec::len), Some(10));
}

#[sqlx::test(migrations = "../migrations")]
async fn tags_and_their_counts_are_each_users_own(pool: PgPool) {
    let app = spawn_app(pool).await;
    for tags in [json!(["work"]), json!(["work", "home"]), json!([])] {
        app.create_task("alice", json!({"title": "Alice's", "tags": tags}))
            .await;
    }
    app.create_task("bob", json!({"title": "Bob's", "tags": ["work", "secret"]}))
        .await;
    let tags = app.get_json("alice", "/api/alice/tags").await;
    assert_eq!(
        tags,
        json!([{"name": "work", "tasks": 2}, {"name": "home", "tasks": 1}])
    );
    let (tasks, _) = app.list_tasks("alice", "tag=work").await;
    assert_eq!(titles(&tasks), ["Alice's", "Alice's"]);
    let (tasks, _) = app.list_tasks("alice", "tag=secret").await;
    assert!(tasks.is_empty(), "bob's tag finds none of alice's tasks");
    let (tasks, _) = app.list_tasks("alice", "q=secret").await;
    assert!(tasks.is_empty(), "nor does a search for it");
    let resp = app
        .request(Method::GET, "alice", "/api/bob/tags")
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 403, "another user's tags");
}

#[sqlx::test(migrations = "../migrations")]
async fn search_finds_words_anywhere_and_ranks_title_and_tags_first(pool: PgPool) {
    let app = spawn_app(pool).await;
    for body in [
        json!({"title": "Call the clinic", "description": "ask about the dentist bill"}),
        json!({"title": "Book dentist appointment"}),
        json!({"title": "Floss", "tags": ["dentist"]}),
        json!({"title": "Zahnarzttermin für Zoë", "description": "Überweisung mitnehmen"}),
        json!({"title": "Buy milk"}),
    ] {
        app.create_task("alice", body).await;
    }
    app.create_task("bob", json!({"title": "Bob's dentist"}))
        .await;
    let cases = [
        // The newest of equal matches first: title and tag matches rank alike.
        (
            "q=dentist",
            vec!["Floss", "Book dentist appointment", "Call the clinic"],
        ),
        (
            "q=the%20dentist%20one",
            vec!["Floss", "Book dentist appointment", "Call the clinic"],
        ),
        (
            "q=dentists",
            vec!["Floss", "Book dentist appointment", "Call the clinic"],
        ),
        (
            "q=DENT",
            vec!["Floss", "Book dentist appointment", "Call the clinic"],
        ),
        ("q=dentist%20appointment", vec!["Book dentist appointment"]),
        (
            "q=dentist&sort=title",
            vec!["Book dentist appointment", "Call the clinic", "Floss"],
        ),
        ("q=zahnarzttermin", vec!["Zahnarzttermin für Zoë"]),
        ("q=%C3%BCberweisung", vec!["Zahnarzttermin für Zoë"]),
        ("q=zo%C3%AB", vec!["Zahnarzttermin für Zoë"]),
        ("q=dentist&tag=dentist", vec!["Floss"]),
        ("q=plumber", vec![]),
    ];
    for (query, expected) in cases {
        let (tasks, total) = app.list_tasks("alice", query).await;
        assert_eq!(titles(&tasks), expected, "{query}");
        assert_eq!(total, expected.len() as i64, "{query}");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_search_uses_the_index(pool: PgPool) {
    // An empty table: force the planner's hand to see that the index can serve the search.
    let mut conn = pool.acquire().await.expect("connection");
    sqlx::query("set enable_seqscan = off")
        .execute(&mut *conn)
        .await
        .expect("set");
    let forced: Vec<String> = sqlx::query_scalar(
        "explain (costs off) select id from tasks \
         where task_search_vector(title, description, tags) @@ to_tsquery('english', 'dentist:*')",
    )
    .fetch_all(&mut *conn)
    .await
    .expect("plan");
    assert!(
        forced.iter().any(|line| line.contains("tasks_search_idx")),
        "{forced:#?}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_bulk_update_tags_and_repeats_only_the_users_own_tasks(pool: PgPool) {
    let app = spawn_app(pool).await;
    let mut ids = Vec::new();
    for title in ["Milk", "Bread"] {
        let task = app
            .create_task("alice", json!({"title": title, "tags": ["home"]}))
            .await;
        ids.push(task["id"].clone());
    }
    let bobs = app
        .create_task("bob", json!({"title": "Bob's", "tags": ["home"]}))
        .await;
    ids.push(bobs["id"].clone());
    let resp = app
        .request(Method::POST, "alice", "/api/alice/tasks/bulk")
        .json(&json!({"action": "update", "task_ids": ids, "changes": {"add_tags": ["Errands"], "remove_tags": ["home"], "repeat": "every weekday"}}))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 200);
    let out: Value = resp.json().await.expect("json");
    assert_eq!(out["not_found"], json!([bobs["id"]]), "{out}");
    let (tasks, _) = app.list_tasks("alice", "tag=errands").await;
    assert_eq!(titles(&tasks), ["Bread", "Milk"]);
    for task in &tasks {
        assert_eq!(task["tags"], json!(["errands"]));
        assert_eq!(task["repeat_text"], "every weekday");
    }
    let bob = app
        .get_json("bob", &format!("/api/bob/tasks/{}", bobs["id"]))
        .await;
    assert_eq!(bob["tags"], json!(["home"]), "bob's task untouched");
    assert_eq!(bob["repeat"], Value::Null);
}
