//! The migrations apply to an empty database, concurrently from several gateways, and give
//! the schema the design asks for.

use sqlx::PgPool;

#[sqlx::test(migrations = false)]
async fn migrations_apply_to_an_empty_database_even_from_concurrent_starts(pool: PgPool) {
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move { common::db::migrate(&pool).await })
        })
        .collect();
    for run in runs {
        run.await.expect("task").expect("migration succeeded");
    }
    let tables: Vec<String> = sqlx::query_scalar(
        "select table_name::text from information_schema.tables
         where table_schema = 'public' and table_name <> '_sqlx_migrations' order by 1",
    )
    .fetch_all(&pool)
    .await
    .expect("tables");
    assert_eq!(
        tables,
        [
            "chat_jobs",
            "conversations",
            "messages",
            "tasks",
            "tool_executions"
        ]
    );
    let applied: i64 = sqlx::query_scalar("select count(*) from _sqlx_migrations")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(
        applied as usize,
        common::db::MIGRATOR.iter().count(),
        "each migration once"
    );
    // Applying again is a no-op.
    common::db::migrate(&pool).await.expect("idempotent");
}

#[sqlx::test(migrations = "../migrations")]
async fn the_schema_enforces_its_constraints(pool: PgPool) {
    let bad_inserts = [
        (
            "insert into tasks (user_id, title) values ('u', '')",
            "empty title",
        ),
        (
            "insert into tasks (user_id, title, priority) values ('u', 't', 'urgent')",
            "bad priority",
        ),
        (
            "insert into tasks (user_id, title) values ('u', repeat('x', 201))",
            "long title",
        ),
        (
            "insert into messages (id, conversation_id, user_id, role, content) values (gen_random_uuid(), gen_random_uuid(), 'u', 'user', 'hi')",
            "message without conversation",
        ),
    ];
    for (sql, what) in bad_inserts {
        let err = sqlx::query(sql).execute(&pool).await;
        assert!(err.is_err(), "{what} is refused");
    }
    let conv = uuid::Uuid::new_v4();
    sqlx::query("insert into conversations (id, user_id, title) values ($1, 'u', 'c')")
        .bind(conv)
        .execute(&pool)
        .await
        .expect("conversation");
    let err = sqlx::query(
        "insert into messages (id, conversation_id, user_id, role, content) values (gen_random_uuid(), $1, 'u', 'system', 'x')",
    )
    .bind(conv)
    .execute(&pool)
    .await;
    assert!(err.is_err(), "role must be user or assistant");
    sqlx::query(
        "insert into messages (id, conversation_id, user_id, role, content) values (gen_random_uuid(), $1, 'u', 'user', 'x')",
    )
    .bind(conv)
    .execute(&pool)
    .await
    .expect("message");
    sqlx::query("delete from conversations where id = $1")
        .bind(conv)
        .execute(&pool)
        .await
        .expect("delete");
    let left: i64 = sqlx::query_scalar("select count(*) from messages")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(left, 0, "messages cascade with their conversation");
}
