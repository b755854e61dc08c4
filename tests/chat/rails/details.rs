//! What the user's words state wins over what the model wrote for it: where the builtin's
//! reading of the message makes the same add or update, its due date, priority and repeat
//! replace the model's, a note the model dropped is kept, and a due date copied from the time
//! note's "now" is dropped. The model's title and its choice of tool and task stay its own.

use chrono::{DateTime, Utc};
use common::dates::{DateContext, Zone, parse_due};
use serde_json::json;
use sqlx::PgPool;

use super::{Script, calls, refusals::seed, run, text, used};

/// What `words` meant as a due date at any moment from `before` to now (a turn sent at
/// midnight reads "tomorrow" as either day).
fn meant(words: &str, before: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    [before, Utc::now()]
        .iter()
        .map(|now| {
            parse_due(words, &DateContext::new(*now, Zone::UTC), "due_date").expect("a date")
        })
        .collect()
}

async fn task(pool: &PgPool, title: &str) -> (Option<DateTime<Utc>>, String, Option<String>) {
    sqlx::query_as("select due_date, priority::text, description from tasks where title = $1")
        .bind(title)
        .fetch_one(pool)
        .await
        .expect("the task")
}

#[sqlx::test(migrations = "../migrations")]
async fn the_day_and_priority_the_words_give_replace_the_models_copy_of_the_clock(pool: PgPool) {
    let before = Utc::now();
    let rails = used("detail_from_words");
    // The model copies the time note's clock into the due date and leaves the priority at
    // its default.
    let model = Script::new(vec![
        calls(&[(
            "add_task",
            json!({"title": "Call the plumber", "due_date": before.to_rfc3339(), "priority": "medium"}),
        )]),
        text(""),
    ]);
    let (output, _) = run(&pool, model, "gotta call the plumber tmrw, no rush").await;

    let (due, priority, _) = task(&pool, "Call the plumber").await;
    let due = due.expect("a due date");
    assert!(meant("tomorrow", before).contains(&due), "{due}");
    assert_eq!(priority, "low");
    // What is recorded as run is what ran.
    assert_eq!(output.tool_calls[0].arguments["priority"], "low");
    assert!(used("detail_from_words") > rails);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_note_the_model_dropped_is_kept_and_the_clock_copied_with_no_date_said_is_dropped(
    pool: PgPool,
) {
    let model = Script::new(vec![
        calls(&[(
            "add_task",
            json!({"title": "Call the bank", "priority": "high", "tags": ["work"], "due_date": Utc::now().to_rfc3339()}),
        )]),
        text(""),
    ]);
    run(
        &pool,
        model,
        "add 'Call the bank' with high priority and a note saying ask about the mortgage rate",
    )
    .await;

    let (due, priority, description) = task(&pool, "Call the bank").await;
    assert_eq!(due, None, "no date was said");
    assert_eq!(priority, "high");
    let description = description.expect("the note");
    assert!(description.contains("mortgage rate"), "{description}");
}

#[sqlx::test(migrations = "../migrations")]
async fn an_update_of_the_task_the_words_name_moves_it_to_the_day_they_say(pool: PgPool) {
    let before = Utc::now();
    let ids = seed(&pool, &["Dentist appointment", "Buy milk"]).await;
    let model = Script::new(vec![
        calls(&[("list_tasks", json!({}))]),
        calls(&[(
            "update_task",
            json!({"task_id": ids[0], "due_date": before.to_rfc3339(), "priority": "high"}),
        )]),
        text(""),
    ]);
    run(&pool, model, "push the dentist to Friday").await;

    let (due, priority, _) = task(&pool, "Dentist appointment").await;
    let due = due.expect("a due date");
    assert!(meant("friday", before).contains(&due), "{due}");
    // What the words do not say stays the model's.
    assert_eq!(priority, "high");
    let (milk, _, _) = task(&pool, "Buy milk").await;
    assert_eq!(milk, None, "the other task is untouched");
}
