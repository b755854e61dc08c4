//! A message that asks for several things: after the model made some of them and stopped with
//! an empty answer, the first one the builtin's reading asks for and this turn did not make
//! is insisted on — an add required, a change required and held to the task the words name.

use serde_json::json;
use sqlx::PgPool;

use super::{Script, calls, completed, forced, refusals::seed, run, text, titles, used};

#[sqlx::test(migrations = "../migrations")]
async fn the_add_left_out_is_required_and_made(pool: PgPool) {
    let rails = used("rest_of_message");
    let model = Script::new(vec![
        calls(&[("add_task", json!({"title": "Milk"}))]),
        text(""),
        calls(&[("add_task", json!({"title": "Bread"}))]),
        text(""),
    ]);
    let (output, _) = run(&pool, model.clone(), "add milk and bread").await;

    assert_eq!(forced(&model), [None, None, Some("add_task"), None]);
    assert_eq!(titles(&pool).await, ["Milk", "Bread"]);
    assert!(output.text.contains("Bread"), "{}", output.text);
    assert!(used("rest_of_message") > rails);
}

#[sqlx::test(migrations = "../migrations")]
async fn each_change_the_words_ask_for_is_required_in_turn(pool: PgPool) {
    seed(&pool, &["Pay rent", "Buy milk", "Go to the gym"]).await;
    // The model declines, then, made to complete, guesses; then stops after each one.
    let model = Script::new(vec![
        text(""),
        calls(&[("complete_task", json!({"task_id": 1_000_001}))]),
        text(""),
        calls(&[("complete_task", json!({"task_id": 1_000_002}))]),
        text(""),
    ]);
    let (output, _) = run(&pool, model.clone(), "I bought the milk and paid the rent").await;

    assert_eq!(
        forced(&model),
        [
            None,
            Some("complete_task"),
            None,
            Some("complete_task"),
            None
        ]
    );
    assert_eq!(completed(&pool).await, ["Pay rent", "Buy milk"]);
    assert_eq!(output.tool_calls.len(), 2, "{:?}", output.tool_calls);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_model_that_repeats_what_it_made_is_asked_about_the_rest(pool: PgPool) {
    let ids = seed(&pool, &["Pay rent", "Buy milk"]).await;
    let milk = json!({"task_id": ids[1]});
    let model = Script::new(vec![
        calls(&[("complete_task", milk.clone())]),
        text(""),
        // Required to complete the rent, it completes the milk again.
        calls(&[("complete_task", milk)]),
        text(""),
    ]);
    let said = format!("mark {} and {} as done", ids[1], ids[0]);
    let (output, _) = run(&pool, model.clone(), &said).await;

    assert_eq!(forced(&model)[..3], [None, None, Some("complete_task")]);
    assert_eq!(completed(&pool).await, ["Buy milk"]);
    // The reply says what was done, then asks about the task the words name, the way the
    // builtin asks (so "yes" makes it).
    assert!(output.text.starts_with("Done!"), "{}", output.text);
    assert!(output.text.contains("“Buy milk”"), "{}", output.text);
    assert!(
        output
            .text
            .contains(&format!("Did you mean “Pay rent” (#{})?", ids[0])),
        "{}",
        output.text
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn one_add_joining_two_things_the_words_list_makes_two_tasks(pool: PgPool) {
    let model = Script::new(vec![
        calls(&[("add_task", json!({"title": "Buy milk and bread"}))]),
        text(""),
    ]);
    let (output, _) = run(&pool, model.clone(), "add milk and bread").await;

    let titles = titles(&pool).await;
    assert_eq!(titles.len(), 2, "{titles:?}");
    assert!(titles[0].to_lowercase().contains("milk"), "{titles:?}");
    assert!(titles[1].to_lowercase().contains("bread"), "{titles:?}");
    assert_eq!(output.tool_calls.len(), 2, "{:?}", output.tool_calls);
    // Nothing more is insisted on: both were made.
    assert_eq!(forced(&model), [None, None]);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_bulk_change_made_on_other_tasks_is_not_asked_about_as_one(pool: PgPool) {
    let ids = seed(&pool, &["Pay rent", "Buy milk", "Go to the gym"]).await;
    sqlx::query("update tasks set completed = true where id = any($1)")
        .bind(&ids[..2])
        .execute(&pool)
        .await
        .expect("completed");
    // The model lists, stops, and, made to delete what the words mean (the two finished
    // tasks), deletes the open one it was shown.
    let model = Script::new(vec![
        calls(&[("list_tasks", json!({}))]),
        text(""),
        calls(&[("delete_tasks", json!({"task_ids": [ids[2]]}))]),
        text(""),
    ]);
    let (output, _) = run(&pool, model.clone(), "delete everything I finished").await;

    assert_eq!(forced(&model)[..3], [None, None, Some("delete_tasks")]);
    assert_eq!(titles(&pool).await.len(), 3, "nothing deleted");
    // "Which one?" would make "yes" finish the request on one task of the two.
    assert!(!output.text.contains("Which one?"), "{}", output.text);
    assert!(!output.text.contains("Did you mean"), "{}", output.text);
}
