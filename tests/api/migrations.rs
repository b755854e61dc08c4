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
    for table in [
        "chat_jobs",
        "conversations",
        "messages",
        "tasks",
        "tool_executions",
    ] {
        assert!(
            tables.iter().any(|t| t == table),
            "{table} exists: {tables:?}"
        );
    }
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
    let job = uuid::Uuid::new_v4();
    let message = uuid::Uuid::new_v4();
    let insert_turn = |role: &'static str| {
        let pool = pool.clone();
        async move {
            let mut tx = pool.begin().await.expect("tx");
            sqlx::query(
                "insert into chat_jobs (id, user_id, conversation_id, user_message_id) values ($1, 'u', $2, $3)",
            )
            .bind(job)
            .bind(conv)
            .bind(message)
            .execute(&mut *tx)
            .await
            .expect("job");
            sqlx::query(
                "insert into messages (id, conversation_id, user_id, role, content, job_id, turn_seq)
                 values ($1, $2, 'u', $3, 'x', $4, 1)",
            )
            .bind(message)
            .bind(conv)
            .bind(role)
            .bind(job)
            .execute(&mut *tx)
            .await?;
            tx.commit().await
        }
    };
    assert!(
        insert_turn("system").await.is_err(),
        "role must be user or assistant"
    );
    insert_turn("user")
        .await
        .expect("a user message with its job");
    sqlx::query(
        "insert into messages (id, conversation_id, user_id, role, content, job_id, turn_seq)
         values (gen_random_uuid(), $1, 'u', 'user', 'again', $2, 1)",
    )
    .bind(conv)
    .bind(job)
    .execute(&pool)
    .await
    .expect_err("one user message per job");
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
    let jobs: i64 = sqlx::query_scalar("select count(*) from chat_jobs")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(jobs, 0, "jobs cascade with their conversation");
}
