//! A call by an id the conversation never showed: refused without touching a task, with the
//! tasks the user's words fit, so that the model can call again with a real id; a model that
//! answers nothing after one such fit is asked once more with that call required, and one
//! that answers nothing after several is answered with a question. (Where the builtin's own
//! reading makes the same change on one task, the guess is corrected instead: agreement.rs.) A
//! first answer that is empty where the message asks for an add is asked once more with the
//! add required (the other empty answers: insist.rs).

use common::domain::{NewTask, Priority, Tags, TaskTitle, UserId};
use serde_json::json;
use sqlx::PgPool;

use super::{Script, calls, run, text, titles};

/// Alice's tasks with these titles, in order; their ids.
pub(super) async fn seed(pool: &PgPool, names: &[&str]) -> Vec<i64> {
    let alice = UserId::parse("alice").expect("user");
    let mut ids = Vec::new();
    for title in names {
        let task = NewTask {
            title: TaskTitle::parse(title).expect("title"),
            description: None,
            priority: Priority::Medium,
            due_date: None,
            tags: Tags::default(),
            repeat: None,
        };
        let task =
            common::db::tasks::insert(pool, &alice, &task, common::db::task_changes::Origin::Rest)
                .await
                .expect("seeded");
        ids.push(task.id);
    }
    ids
}

#[sqlx::test(migrations = "../migrations")]
async fn a_guessed_id_never_touches_a_task(pool: PgPool) {
    let ids = seed(&pool, &["Team meeting notes", "Buy milk"]).await;
    // The model guesses the milk task's id, is refused, lists, and deletes the meant one. (In
    // French: the builtin does not read it, so it cannot confirm the deletion; see agreement.)
    let model = Script::new(vec![
        calls(&[("delete_task", json!({"task_id": ids[1]}))]),
        calls(&[("list_tasks", json!({"query": "meeting"}))]),
        calls(&[("delete_task", json!({"task_id": ids[0]}))]),
        text("J'ai supprimé la tâche."),
    ]);
    let (output, _) = run(&pool, model, "supprime la tâche meeting").await;
    let refused = &output.tool_calls[0].result;
    assert_eq!(refused["error"], "unknown_task_id", "{refused}");
    assert_eq!(
        refused["matches"],
        json!([{"task_id": ids[0], "title": "Team meeting notes", "completed": false}]),
        "only the task the words fit is offered: {refused}"
    );
    assert_eq!(
        titles(&pool).await,
        ["Buy milk"],
        "only the meant task went"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn an_empty_answer_after_one_fit_is_asked_again_with_the_call_required(pool: PgPool) {
    let ids = seed(&pool, &["Pay rent", "Buy milk"]).await;
    // A note rather than the completion the builtin reads: the model's choice, on a guess the
    // builtin cannot confirm, so the guess is refused with the one task the words fit.
    let note = |id: i64| calls(&[("update_task", json!({"task_id": id, "description": "paid"}))]);
    let model = Script::new(vec![note(1_000_001), text(""), note(ids[0]), text("")]);
    let (output, _) = run(&pool, model.clone(), "I paid the rent").await;

    let forced: Vec<Option<&str>> = model.requests().iter().map(|r| r.force_tool).collect();
    assert_eq!(forced, [None, None, Some("update_task"), None]);
    let noted: Vec<(String, Option<String>)> =
        sqlx::query_as("select title, description from tasks order by id")
            .fetch_all(&pool)
            .await
            .expect("tasks");
    assert_eq!(
        noted,
        [
            ("Pay rent".to_owned(), Some("paid".to_owned())),
            ("Buy milk".to_owned(), None)
        ]
    );
    assert!(output.text.contains("Pay rent"), "{}", output.text);
}

#[sqlx::test(migrations = "../migrations")]
async fn an_empty_answer_after_several_fits_asks_which_one(pool: PgPool) {
    seed(&pool, &["Call mom", "Call the bank", "Buy milk"]).await;
    let model = Script::new(vec![
        calls(&[("delete_task", json!({"task_id": 1_000_001}))]),
        text(""),
    ]);
    let (output, _) = run(&pool, model.clone(), "delete the call").await;

    let forced: Vec<Option<&str>> = model.requests().iter().map(|r| r.force_tool).collect();
    assert_eq!(
        forced,
        [None, None],
        "no call is required when it is not clear which"
    );
    assert_eq!(
        titles(&pool).await,
        ["Call mom", "Call the bank", "Buy milk"]
    );
    assert!(
        output.text.starts_with("These tasks fit your words: #")
            && output.text.contains("Call mom")
            && output.text.contains("Call the bank")
            && output.text.contains("Which one?")
            && !output.text.contains("Buy milk"),
        "{}",
        output.text
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_refused_call_repeated_word_for_word_ends_the_turn_with_a_question(pool: PgPool) {
    let ids = seed(&pool, &["Pay rent", "Buy milk"]).await;
    // A change the builtin does not read in these words (it reads a completion).
    let guess = calls(&[(
        "update_task",
        json!({"task_id": 1_000_001, "priority": "low"}),
    )]);
    // A script longer than the turn: the loop must stop at the repeat, not at the step limit.
    let model = Script::new(vec![guess.clone(), guess.clone(), guess.clone(), guess]);
    let (output, _) = run(&pool, model.clone(), "I paid the rent").await;

    assert_eq!(model.requests().len(), 2, "stopped at the first repeat");
    assert_eq!(output.tool_calls.len(), 1, "the repeat was not run");
    assert_eq!(
        output.text,
        format!(
            "Did you mean “Pay rent” (#{})? Say yes, or tell me which task.",
            ids[0]
        )
    );
    let open: i64 = sqlx::query_scalar("select count(*) from tasks where not completed")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(open, 2, "nothing was completed");
    let low: i64 = sqlx::query_scalar("select count(*) from tasks where priority = 'low'")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(low, 0, "nothing was changed");
}

#[sqlx::test(migrations = "../migrations")]
async fn an_empty_first_answer_to_a_task_request_is_asked_again_with_a_harmless_call_required(
    pool: PgPool,
) {
    let model = Script::new(vec![
        text(""),
        calls(&[("add_task", json!({"title": "Buy milk"}))]),
        text(""),
    ]);
    let (output, _) = run(&pool, model.clone(), "add buy milk").await;

    let forced: Vec<Option<&str>> = model.requests().iter().map(|r| r.force_tool).collect();
    assert_eq!(forced, [None, Some("add_task"), None]);
    assert_eq!(titles(&pool).await, ["Buy milk"]);
    assert!(output.text.contains("Buy milk"), "{}", output.text);
}
