//! A model that answers nothing before any change this turn is met with what the builtin's
//! reading of the message wants: a change on one task is required of the model and runs only
//! on the task the words name; a look-up is run for it; words are answered with the builtin's.

use serde_json::json;
use sqlx::PgPool;

use super::{
    Script, calls, completed, deliver, deliver_with, forced, queue, refusals::seed, run, text,
    titles, used,
};

#[sqlx::test(migrations = "../migrations")]
async fn a_declined_change_by_words_is_required_and_runs_on_the_task_the_words_name(pool: PgPool) {
    let ids = seed(&pool, &["Pay rent", "Buy milk"]).await;
    let (required, corrected) = (used("required_change"), used("guess_corrected"));
    // The model declines, then, made to complete, guesses an id it was never shown.
    let model = Script::new(vec![
        text(""),
        calls(&[("complete_task", json!({"task_id": 1_000_001}))]),
        text(""),
    ]);
    let (output, _) = run(&pool, model.clone(), "I paid the rent").await;

    assert_eq!(forced(&model), [None, Some("complete_task"), None]);
    assert_eq!(completed(&pool).await, ["Pay rent"]);
    assert_eq!(output.tool_calls.len(), 1, "{:?}", output.tool_calls);
    assert_eq!(output.tool_calls[0].arguments, json!({"task_id": ids[0]}));
    assert!(output.text.contains("Pay rent"), "{}", output.text);
    // Counted on /metrics (other tests may count too: at least these two).
    assert!(used("required_change") > required);
    assert!(used("guess_corrected") > corrected);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_required_change_on_another_shown_task_is_not_made(pool: PgPool) {
    seed(&pool, &["Pay rent", "Buy milk"]).await;
    let milk: i64 = sqlx::query_scalar("select id from tasks where title = 'Buy milk'")
        .fetch_one(&pool)
        .await
        .expect("milk");
    // The model lists everything, stops, and, made to complete, picks the milk it was shown.
    let model = Script::new(vec![
        calls(&[("list_tasks", json!({}))]),
        text(""),
        calls(&[("complete_task", json!({"task_id": milk}))]),
    ]);
    let (output, _) = run(&pool, model.clone(), "I paid the rent").await;

    assert_eq!(forced(&model), [None, None, Some("complete_task")]);
    assert!(completed(&pool).await.is_empty(), "nothing was completed");
    assert_eq!(output.tool_calls.len(), 1, "only the listing ran");
    // The user is asked about the task their words name, as the builtin asks ("yes" answers).
    assert!(
        output.text.starts_with("Did you mean “Pay rent”"),
        "{}",
        output.text
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_required_change_on_another_task_with_nothing_else_done_asks_which_one_was_meant(
    pool: PgPool,
) {
    let ids = seed(&pool, &["Pay rent", "Buy milk"]).await;
    // The user names the milk by its number; made to delete, the model picks the rent, whose
    // id the user's words also showed.
    let said = format!("delete task {} (not {})", ids[1], ids[0]);
    let model = Script::new(vec![
        text(""),
        calls(&[("delete_task", json!({"task_id": ids[0]}))]),
    ]);
    let (output, _) = run(&pool, model.clone(), &said).await;

    assert_eq!(forced(&model), [None, Some("delete_task")]);
    assert_eq!(
        titles(&pool).await,
        ["Pay rent", "Buy milk"],
        "nothing deleted"
    );
    assert!(output.tool_calls.is_empty(), "{:?}", output.tool_calls);
    assert!(
        output
            .text
            .contains(&format!("Did you mean “Buy milk” (#{})", ids[1])),
        "{}",
        output.text
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_declined_delete_by_id_runs_on_that_task_only(pool: PgPool) {
    let ids = seed(&pool, &["Pay rent", "Buy milk"]).await;
    let model = Script::new(vec![
        text(""),
        calls(&[("delete_task", json!({"task_id": ids[0]}))]),
        text(""),
    ]);
    let said = format!("delete task {}", ids[0]);
    run(&pool, model.clone(), &said).await;

    assert_eq!(forced(&model), [None, Some("delete_task"), None]);
    assert_eq!(titles(&pool).await, ["Buy milk"]);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_declined_listing_is_looked_up_for_the_model_then_answered(pool: PgPool) {
    seed(&pool, &["Pay rent", "Buy milk", "Renew passport"]).await;
    sqlx::query("update tasks set priority = 'high' where title = 'Renew passport'")
        .execute(&pool)
        .await
        .expect("priority");
    let model = Script::new(vec![text(""), text("")]);
    let (output, _) = run(&pool, model.clone(), "show me the high priority ones").await;

    assert_eq!(
        forced(&model),
        [None, None],
        "a look-up needs no model call"
    );
    let looked = &output.tool_calls;
    assert_eq!(looked.len(), 1, "{looked:?}");
    assert_eq!(looked[0].tool, "list_tasks");
    assert_eq!(looked[0].arguments["priority"], "high", "{looked:?}");
    // The model saw the look-up before it answered.
    let second = &model.requests()[1];
    let shown = second.messages.iter().any(|m| {
        matches!(m, worker::agent::model::ChatMessage::Tool { content, .. }
            if content.contains("Renew passport"))
    });
    assert!(shown, "the listing was shown to the model");
    assert!(output.text.contains("Renew passport"), "{}", output.text);
    assert!(!output.text.contains("Buy milk"), "{}", output.text);
}

#[sqlx::test(migrations = "../migrations")]
async fn words_that_are_no_task_request_get_the_builtins_answer(pool: PgPool) {
    let model = Script::new(vec![text("")]);
    let (output, _) = run(&pool, model.clone(), "hi!").await;
    assert_eq!(forced(&model), [None]);
    assert!(output.tool_calls.is_empty());
    assert!(
        !output.text.contains("don't have an answer"),
        "{}",
        output.text
    );
    assert!(!output.text.trim().is_empty());
}

#[sqlx::test(migrations = "../migrations")]
async fn a_required_change_is_made_once_when_the_job_is_delivered_again(pool: PgPool) {
    seed(&pool, &["Pay rent", "Buy milk"]).await;
    let said = "I paid the rent";
    let job_id = queue(&pool, said).await;
    // The first delivery completes the rent, then dies before its answer (the script ends).
    let first = Script::new(vec![
        text(""),
        calls(&[("complete_task", json!({"task_id": 1_000_001}))]),
    ]);
    let died = tokio::spawn({
        let pool = pool.clone();
        async move { deliver(&pool, first, said, job_id).await }
    })
    .await;
    assert!(died.is_err(), "the first delivery did not finish");
    assert_eq!(completed(&pool).await, ["Pay rent"]);

    sqlx::query("update chat_jobs set attempts = attempts + 1 where id = $1")
        .bind(job_id)
        .execute(&pool)
        .await
        .expect("a new attempt");
    let again = Script::new(vec![text("")]);
    let (output, _) = deliver(&pool, again.clone(), said, job_id).await;

    assert_eq!(
        forced(&again),
        [None],
        "nothing more is required after the change"
    );
    assert_eq!(output.tool_calls.len(), 1, "replayed, not run again");
    let changes: i64 = sqlx::query_scalar(
        "select count(*) from task_changes where job_id = $1 and operation = 'update'",
    )
    .bind(job_id)
    .fetch_one(&pool)
    .await
    .expect("changes");
    assert_eq!(changes, 1, "completed once");
    assert!(output.text.contains("Pay rent"), "{}", output.text);
}

#[sqlx::test(migrations = "../migrations")]
async fn with_basic_rails_an_empty_answer_is_not_steered(pool: PgPool) {
    seed(&pool, &["Pay rent", "Buy milk"]).await;
    let model = Script::new(vec![
        text(""),
        calls(&[("complete_task", json!({"task_id": 1_000_001}))]),
    ]);
    let say = "I paid the rent";
    let job = queue(&pool, say).await;
    let (output, _) = deliver_with(&pool, model.clone(), say, job, false).await;

    assert_eq!(forced(&model), [None], "asked once, nothing required");
    assert!(completed(&pool).await.is_empty());
    assert!(output.tool_calls.is_empty());
    assert!(
        output.text.contains("don't have an answer"),
        "{}",
        output.text
    );
}
