//! A guessed id where two readers agree: when the builtin's own reading of the message makes
//! the same change as the model's call on one task (found by the user's words), the call runs
//! on that task; otherwise the guess is refused and nothing is touched.

use serde_json::json;
use sqlx::PgPool;

use super::{Script, calls, refusals::seed, run, text, titles};
use worker::agent::model::ChatMessage;

#[sqlx::test(migrations = "../migrations")]
async fn a_guessed_id_runs_on_the_task_the_words_name_when_the_builtin_agrees(pool: PgPool) {
    let ids = seed(&pool, &["Wash the car", "Buy milk"]).await;
    let model = Script::new(vec![
        calls(&[("delete_task", json!({"task_id": 1_000_001}))]),
        text(""),
    ]);
    let (output, _) = run(&pool, model.clone(), "get rid of the car wash task").await;

    assert_eq!(titles(&pool).await, ["Buy milk"], "the car wash went");
    let ran = &output.tool_calls[0];
    assert_eq!(ran.arguments, json!({"task_id": ids[0]}), "recorded as run");
    assert_eq!(ran.result["status"], "deleted", "{}", ran.result);
    // What the model is shown of its own call is what ran.
    let second = &model.requests()[1];
    let shown = second.messages.iter().find_map(|m| match m {
        ChatMessage::Assistant { tool_calls, .. } => tool_calls.first().cloned(),
        _ => None,
    });
    let shown = shown.expect("the model's call");
    let shown: serde_json::Value = serde_json::from_str(&shown.arguments).expect("JSON");
    assert_eq!(shown, json!({"task_id": ids[0]}));
    assert!(output.text.contains("Wash the car"), "{}", output.text);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_other_arguments_stay_the_models(pool: PgPool) {
    let ids = seed(&pool, &["File taxes", "Buy milk"]).await;
    let model = Script::new(vec![
        calls(&[("update_task", json!({"task_id": 1, "priority": "high"}))]),
        text("Done."),
    ]);
    run(&pool, model, "make the tax one urgent").await;

    let priorities: Vec<(i64, String)> =
        sqlx::query_as("select id, priority::text from tasks order by id")
            .fetch_all(&pool)
            .await
            .expect("tasks");
    assert_eq!(
        priorities,
        [(ids[0], "high".to_owned()), (ids[1], "medium".to_owned())]
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_guess_the_builtin_reads_otherwise_is_still_refused(pool: PgPool) {
    seed(&pool, &["Pay rent", "Buy milk"]).await;
    // The builtin reads "I paid the rent" as a completion, not a deletion.
    let model = Script::new(vec![
        calls(&[("delete_task", json!({"task_id": 1_000_001}))]),
        text("Sorry."),
    ]);
    let (output, _) = run(&pool, model, "I paid the rent").await;
    assert_eq!(output.tool_calls[0].result["error"], "unknown_task_id");
    assert_eq!(titles(&pool).await, ["Pay rent", "Buy milk"]);

    // Nor is a guess corrected when the words fit more than one task: the builtin asks.
    let model = Script::new(vec![
        calls(&[("delete_task", json!({"task_id": 1_000_001}))]),
        text("Sorry."),
    ]);
    seed(&pool, &["Pay the rent deposit"]).await;
    let (output, _) = run(&pool, model, "delete the rent task").await;
    assert_eq!(output.tool_calls[0].result["error"], "unknown_task_id");
    assert_eq!(
        titles(&pool).await,
        ["Pay rent", "Buy milk", "Pay the rent deposit"]
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_bulk_call_on_guessed_ids_runs_on_the_tasks_the_words_name(pool: PgPool) {
    let ids = seed(
        &pool,
        &["Buy shopping bags", "Buy milk", "Write the shopping list"],
    )
    .await;
    let model = Script::new(vec![
        calls(&[(
            "complete_tasks",
            json!({"task_ids": [1_000_001, 1_000_002, 1_000_003]}),
        )]),
        text(""),
    ]);
    let (output, _) = run(&pool, model, "mark all the shopping ones done").await;

    let done: Vec<i64> = sqlx::query_scalar("select id from tasks where completed order by id")
        .fetch_all(&pool)
        .await
        .expect("done");
    assert_eq!(done, [ids[0], ids[2]], "the shopping ones, not the milk");
    let mut ran: Vec<i64> =
        serde_json::from_value(output.tool_calls[0].arguments["task_ids"].clone()).expect("ids");
    ran.sort_unstable();
    assert_eq!(ran, [ids[0], ids[2]], "recorded as run");
}
