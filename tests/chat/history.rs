//! History is bounded: a turn in a 10,000-message conversation reads the same few rows,
//! through the index, as a turn in a short one.

use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

/// Seeds a conversation of `turns` user/assistant pairs directly in Postgres.
async fn seed(pool: &PgPool, turns: i64) -> (Uuid, i64) {
    let conversation = Uuid::now_v7();
    sqlx::query("insert into conversations (id, user_id, title) values ($1, 'alice', 'long')")
        .bind(conversation)
        .execute(pool)
        .await
        .expect("conversation");
    sqlx::query(
        "with turns as (
             select n, gen_random_uuid() as job, gen_random_uuid() as prompt from generate_series(1, $2) n
         ),
         jobs as (
             insert into chat_jobs (id, user_id, conversation_id, user_message_id, status)
             select job, 'alice', $1, prompt, 'succeeded' from turns order by n
             returning id, seq
         )
         insert into messages (id, conversation_id, user_id, role, content, job_id, turn_seq, created_at)
         select coalesce(case r.role when 'user' then t.prompt end, gen_random_uuid()), $1, 'alice', r.role,
                r.role || ' message ' || t.n, t.job, j.seq,
                now() + (t.n || ' ms')::interval + (r.late || ' us')::interval
         from turns t join jobs j on j.id = t.job
         cross join (values ('user', 0), ('assistant', 1)) r(role, late)",
    )
    .bind(conversation)
    .bind(turns)
    .execute(pool)
    .await
    .expect("seeded");
    let last: i64 = sqlx::query_scalar("select max(seq) from chat_jobs where conversation_id = $1")
        .bind(conversation)
        .fetch_one(pool)
        .await
        .expect("seq");
    (conversation, last)
}

#[sqlx::test(migrations = "../migrations")]
async fn a_turn_in_a_huge_conversation_reads_only_its_window(pool: PgPool) {
    let (conversation, last) = seed(&pool, 5_000).await;
    sqlx::query("analyze messages")
        .execute(&pool)
        .await
        .expect("analyze");
    let history = common::db::messages::history(&pool, conversation, last, 40)
        .await
        .expect("history");
    assert_eq!(history.len(), 40, "the window, not the conversation");
    assert_eq!(
        history.last().map(|m| m.content.as_str()),
        Some("user message 5000"),
        "ends with this turn's message"
    );
    assert_eq!(
        history[0].content, "assistant message 4980",
        "oldest first, replies after their prompts"
    );

    // The plan reads the window through the index and stops: no sort, no scan of all rows.
    let explain = format!(
        "explain (analyze, format json) {}",
        common::db::messages::HISTORY_QUERY
    );
    let plan: Value = sqlx::query_scalar(sqlx::AssertSqlSafe(explain))
        .bind(conversation)
        .bind(last)
        .bind(40i64)
        .fetch_one(&pool)
        .await
        .expect("plan");
    let text = plan.to_string();
    let scan = &plan[0]["Plan"]["Plans"][0];
    assert_eq!(
        scan["Index Name"], "messages_conversation_turn_idx",
        "{text}"
    );
    assert_eq!(scan["Scan Direction"], "Backward", "{text}");
    assert!(
        !text.contains("\"Sort\""),
        "no sort of the whole conversation: {text}"
    );
    let read = scan["Actual Rows"].as_f64().unwrap_or(f64::MAX)
        + scan["Rows Removed by Filter"].as_f64().unwrap_or(0.0);
    assert!(read <= 41.0, "read {read} rows for a 40-message window");
}
