//! Final answers written from tool results: summaries of each action, listings, tool errors,
//! and results of unexpected shapes (which must never panic).

use super::now;
use crate::agent::builtin::respond;
use crate::agent::model::{ChatMessage, ModelTurn};

/// Sends `say`, answers its tool calls with `results` (one per call, in order) and returns the
/// model's next move.
fn after(say: &str, results: &[&str]) -> ModelTurn {
    let mut messages = vec![ChatMessage::User(say.into())];
    let first = respond(&messages, &now());
    assert_eq!(
        first.tool_calls.len(),
        results.len(),
        "{say:?} made {:?}",
        first.tool_calls
    );
    messages.push(ChatMessage::Assistant {
        content: None,
        tool_calls: first.tool_calls.clone(),
    });
    for (call, result) in first.tool_calls.iter().zip(results) {
        messages.push(ChatMessage::Tool {
            call_id: call.id.clone(),
            content: (*result).to_owned(),
        });
    }
    respond(&messages, &now())
}

/// The final text after `results`; fails if the model wanted more tools.
fn answer(say: &str, results: &[&str]) -> String {
    let turn = after(say, results);
    assert!(
        turn.tool_calls.is_empty(),
        "{say:?} went on with {:?}",
        turn.tool_calls
    );
    turn.text
}

/// A request, the result of its one tool call, and the answer it must get.
const SUMMARIES: &[(&str, &str, &str)] = &[
    (
        "add buy groceries by Friday, it's urgent",
        r#"{"task_id":5,"status":"created","title":"Buy groceries","priority":"high","due_date":"2026-11-27T17:00:00Z"}"#,
        "Added “Buy groceries” (#5) with high priority, due Friday, November 27.",
    ),
    (
        "add gym tomorrow at 9am",
        r#"{"task_id":6,"status":"created","title":"Gym","priority":"medium","due_date":"2026-11-23T09:00:00Z"}"#,
        "Added “Gym” (#6), due Monday, November 23 at 9 AM.",
    ),
    (
        "add call mom",
        r#"{"task_id":7,"status":"created","title":"Call mom","priority":"medium","due_date":null}"#,
        "Added “Call mom” (#7).",
    ),
    (
        "complete #3",
        r#"{"task_id":3,"status":"completed","title":"Buy milk"}"#,
        "Done! I marked “Buy milk” (#3) as complete.",
    ),
    (
        "delete task 3",
        r#"{"task_id":3,"status":"deleted","title":"Buy milk"}"#,
        "Deleted “Buy milk” (#3).",
    ),
    (
        "move task 4 to Friday and make it urgent",
        r#"{"task_id":4,"status":"updated","title":"Write report"}"#,
        "Updated “Write report” (#4): due Friday, November 27 and high priority.",
    ),
    (
        "rename task 2 to Call dad",
        r#"{"task_id":2,"status":"updated","title":"Call dad"}"#,
        "Renamed task #2 to “Call dad”.",
    ),
    (
        "update the description of #2 to bring cake",
        r#"{"task_id":2,"status":"updated","title":"Party"}"#,
        "Updated “Party” (#2): description set to “bring cake”.",
    ),
    (
        "reopen 3",
        r#"{"task_id":3,"status":"updated","title":"Buy milk"}"#,
        "Reopened “Buy milk” (#3) — it's back on your open list.",
    ),
];

#[test]
fn actions_are_summarised_in_a_friendly_sentence() {
    for &(say, result, expected) in SUMMARIES {
        assert_eq!(answer(say, &[result]), expected, "after {say:?}");
    }
}

#[test]
fn several_actions_are_summarised_together() {
    let done = answer(
        "complete 3 and 4",
        &[
            r#"{"task_id":3,"status":"completed","title":"Buy milk"}"#,
            r#"{"task_id":4,"status":"completed","title":"Call mom"}"#,
        ],
    );
    assert_eq!(
        done,
        "Done! I marked 2 tasks as complete: “Buy milk” (#3) and “Call mom” (#4)."
    );

    let mixed = answer(
        "delete tasks 3 and 9",
        &[
            r#"{"task_id":3,"status":"deleted","title":"Buy milk"}"#,
            r#"{"error":"task_not_found","message":"no task 9"}"#,
        ],
    );
    assert_eq!(
        mixed,
        "Deleted “Buy milk” (#3). I couldn't find task 9. Say “show my tasks” to see your list.",
        "the success and the failure are both told"
    );
}

#[test]
fn a_listing_shows_each_task_with_its_details() {
    let tasks = r#"[
        {"id":3,"title":"Buy milk","description":null,"completed":false,"priority":"high",
         "due_date":"2026-11-27T17:00:00Z","created_at":"x","updated_at":"x"},
        {"id":4,"title":"Call mom","description":null,"completed":true,"priority":"medium",
         "due_date":null,"created_at":"x","updated_at":"x"}
    ]"#;
    assert_eq!(
        answer("show my tasks", &[tasks]),
        "You have 2 tasks (1 open, 1 done):\n\
         - #3 Buy milk (high priority, due Friday, November 27)\n\
         - ✓ #4 Call mom"
    );
    assert!(answer("what's left?", &[tasks]).starts_with("You have 2 open tasks:\n- #3 Buy milk"));
}

#[test]
fn an_empty_listing_is_told_kindly_for_each_filter() {
    let cases = [
        (
            "show my tasks",
            "Your list is empty. Try “add buy milk tomorrow” to get started.",
        ),
        ("what's left?", "No open tasks — nice!"),
        (
            "what have I finished?",
            "You haven't completed any tasks yet.",
        ),
        ("what's urgent?", "You have no high-priority tasks."),
        (
            "tasks about dragons",
            "I couldn't find any tasks matching “dragons”.",
        ),
    ];
    for (say, expected) in cases {
        assert_eq!(answer(say, &["[]"]), expected, "after {say:?}");
    }
}

#[test]
fn tool_errors_get_a_kind_answer() {
    let cases = [
        (
            "complete task 7",
            r#"{"error":"task_not_found","message":"task 7 not found"}"#,
            "I couldn't find task 7. Say “show my tasks” to see your list.",
        ),
        (
            "rename task 2 to x",
            r#"{"error":"invalid_arguments","message":"title must be shorter"}"#,
            "Sorry, I couldn't do that: title must be shorter.",
        ),
        (
            "delete task 2",
            r#"{"error":"internal"}"#,
            "Sorry, something went wrong. Please try again.",
        ),
        (
            "show my tasks",
            r#"{"error":"invalid_arguments","message":"bad status."}"#,
            "Sorry, I couldn't do that: bad status.",
        ),
        (
            "delete the milk task",
            r#"{"error":"internal","message":"database down"}"#,
            "Sorry, something went wrong: database down.",
        ),
    ];
    for (say, result, expected) in cases {
        assert_eq!(answer(say, &[result]), expected, "after {say:?}");
    }
}

#[test]
fn results_of_unexpected_shapes_do_not_panic() {
    let odd = [
        "not json at all",
        "42",
        "null",
        "\"text\"",
        "{}",
        r#"{"weird":true}"#,
        "[1,\"x\"]",
    ];
    for say in [
        "complete #3",
        "show my tasks",
        "delete the milk task",
        "clear completed tasks",
    ] {
        for result in odd {
            let turn = after(say, &[result]);
            assert!(
                !turn.text.is_empty() || !turn.tool_calls.is_empty(),
                "{say:?} after {result:?} gave nothing"
            );
        }
    }
    assert_eq!(
        answer("show my tasks", &["42"]),
        "Sorry, I couldn't read the result of that. Please try again."
    );
}

#[test]
fn a_tool_call_without_a_result_is_answered_not_repeated() {
    let first = respond(&[ChatMessage::User("complete #3".into())], &now());
    let messages = vec![
        ChatMessage::User("complete #3".into()),
        ChatMessage::Assistant {
            content: None,
            tool_calls: first.tool_calls,
        },
    ];
    let turn = respond(&messages, &now());
    assert!(
        turn.tool_calls.is_empty(),
        "no retry loop: {:?}",
        turn.tool_calls
    );
    assert!(!turn.text.is_empty());
}
