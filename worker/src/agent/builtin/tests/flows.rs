//! Whole turns against the fake task store: by-title actions (one match, several, none),
//! clearing completed tasks, follow-up answers, "it", and the bound on steps.

use serde_json::{Value, json};

use super::fake::{Chat, FakeTools, chat};
use super::{now, table_add, table_manage};
use crate::agent::builtin::respond;
use crate::agent::model::{ChatMessage, ModelTurn, ToolCall};

fn store() -> FakeTools {
    FakeTools::with(&[
        ("Buy groceries", false),
        ("Buy milk", false),
        ("Write report", false),
        ("Report expenses", true),
        ("Call mom", true),
        ("Buy milk chocolate", false),
    ])
}

fn args(call: &ToolCall) -> Value {
    serde_json::from_str(&call.arguments).expect("arguments are JSON")
}

#[test]
fn completing_by_title_with_one_match_completes_it() {
    let mut tools = store();
    let (answer, chat) = chat(&mut tools, "done with the groceries one");

    assert_eq!(chat.tools_called(), ["list_tasks", "complete_task"]);
    assert_eq!(args(&chat.calls[1]), json!({"task_id": 1}));
    assert_eq!(answer, "Done! I marked “Buy groceries” (#1) as complete.");
    assert_eq!(tools.task(1).expect("kept")["completed"], json!(true));
}

#[test]
fn completing_by_title_prefers_the_open_match() {
    let mut tools = FakeTools::with(&[("Pay rent", true), ("Pay rent for December", false)]);
    let (answer, chat) = chat(&mut tools, "tick off pay rent");

    assert_eq!(chat.tools_called(), ["list_tasks", "complete_task"]);
    assert_eq!(
        args(&chat.calls[1]),
        json!({"task_id": 2}),
        "the done one is skipped"
    );
    assert!(answer.starts_with("Done!"), "{answer}");
}

#[test]
fn an_exact_title_wins_over_longer_ones() {
    let mut tools = store();
    let (answer, chat) = chat(&mut tools, "tick off buy milk");

    assert_eq!(
        args(&chat.calls[1]),
        json!({"task_id": 2}),
        "not “Buy milk chocolate”"
    );
    assert_eq!(answer, "Done! I marked “Buy milk” (#2) as complete.");
}

#[test]
fn several_matches_make_the_model_ask_which_one() {
    let mut tools = store();
    let (answer, chat) = chat(&mut tools, "push the report to Friday and make it urgent");

    assert_eq!(
        chat.tools_called(),
        ["list_tasks"],
        "nothing is changed yet"
    );
    assert_eq!(
        answer,
        "I found 2 tasks matching “report”: #3 Write report, #4 Report expenses. Which one? \
         Tell me its number."
    );
}

#[test]
fn the_answer_to_which_one_finishes_the_earlier_request() {
    for reply in [
        "3",
        "#3",
        "task 3",
        "the first one",
        "write report",
        "the write one",
    ] {
        let mut tools = store();
        let mut chat = Chat::default();
        chat.say(&mut tools, "push the report to Friday and make it urgent");

        let answer = chat.say(&mut tools, reply);

        assert_eq!(chat.tools_called(), ["update_task"], "after {reply:?}");
        assert_eq!(
            args(&chat.calls[0]),
            json!({"task_id": 3, "priority": "high", "due_date": "2026-11-27T17:00:00Z"})
        );
        assert_eq!(
            answer,
            "Updated “Write report” (#3): due Friday, November 27 and high priority."
        );
    }
}

#[test]
fn no_match_is_told_kindly_after_one_look_up() {
    let mut tools = store();
    let (answer, chat) = chat(&mut tools, "complete the dragon task");

    assert_eq!(chat.tools_called(), ["list_tasks"]);
    assert_eq!(
        answer,
        "I couldn't find a task matching “dragon”. Say “show my tasks” to see your list."
    );
}

#[test]
fn other_word_forms_find_the_task_in_one_look_up() {
    let mut tools = store();
    let (answer, chat) = chat(&mut tools, "complete the grocery shopping");

    assert_eq!(chat.tools_called(), ["list_tasks", "complete_task"]);
    assert_eq!(answer, "Done! I marked “Buy groceries” (#1) as complete.");
}

#[test]
fn a_loose_match_is_not_deleted_without_confirmation() {
    let mut tools = store();
    let (answer, chat) = chat(&mut tools, "delete the grocery shopping");

    assert_eq!(chat.tools_called(), ["list_tasks"]);
    assert!(
        answer.contains("Did you mean “Buy groceries” (#1)?"),
        "{answer}"
    );
    assert_eq!(tools.titles().len(), 6, "nothing deleted");
}

#[test]
fn completing_a_task_already_done_says_so() {
    let mut tools = store();
    let (answer, chat) = chat(&mut tools, "complete call mom");

    assert_eq!(chat.tools_called(), ["list_tasks"]);
    assert_eq!(answer, "“Call mom” (#5) is already done.");
}

#[test]
fn deleting_everything_finished_lists_then_deletes_in_one_step() {
    let mut tools = store();
    let (answer, chat) = chat(&mut tools, "delete everything I finished");

    assert_eq!(
        args(&chat.calls[0]),
        json!({"status": "completed", "limit": 100}),
        "up to 100, not the tool's default of 50"
    );
    assert_eq!(chat.tools_called(), ["list_tasks", "delete_tasks"]);
    assert_eq!(
        args(&chat.calls[1])["task_ids"].as_array().map(Vec::len),
        Some(2),
        "one bulk call for both"
    );
    assert_eq!(chat.steps, 3, "list, delete both at once, answer");
    assert_eq!(
        answer,
        "Deleted 2 completed tasks: “Report expenses” and “Call mom”."
    );
    assert_eq!(
        tools.titles(),
        [
            "Buy groceries",
            "Buy milk",
            "Write report",
            "Buy milk chocolate"
        ]
    );
}

#[test]
fn clearing_completed_tasks_when_there_are_none_says_so() {
    let mut tools = FakeTools::with(&[("Buy milk", false)]);
    let (answer, chat) = chat(&mut tools, "clear completed tasks");

    assert_eq!(chat.tools_called(), ["list_tasks"]);
    assert_eq!(answer, "You have no completed tasks to clear.");
}

#[test]
fn it_refers_to_the_task_the_last_reply_was_about() {
    let mut tools = store();
    let mut chat = Chat::default();
    chat.say(&mut tools, "add renew passport");

    let answer = chat.say(&mut tools, "make it urgent");

    assert_eq!(
        args(&chat.calls[0]),
        json!({"task_id": 7, "priority": "high"})
    );
    assert_eq!(answer, "Updated “Renew passport” (#7): high priority.");
}

#[test]
fn it_also_works_when_history_holds_only_the_replies() {
    let messages = vec![
        ChatMessage::User("add renew passport".into()),
        ChatMessage::Assistant {
            content: Some("Added “Renew passport” (#12).".into()),
            tool_calls: Vec::new(),
        },
        ChatMessage::User("delete it".into()),
    ];
    let turn = respond(&messages, &now());
    assert_eq!(turn.tool_calls.len(), 1);
    assert_eq!(turn.tool_calls[0].name, "delete_task");
    assert_eq!(args(&turn.tool_calls[0]), json!({"task_id": 12}));
}

#[test]
fn a_turn_ends_with_text_after_at_most_four_steps() {
    let mut messages = vec![ChatMessage::User("done with the groceries one".into())];
    for n in 1..=4 {
        let id = format!("call_{n}");
        messages.push(ChatMessage::Assistant {
            content: None,
            tool_calls: vec![ToolCall {
                id: id.clone(),
                name: "list_tasks".into(),
                arguments: r#"{"query":"groceries"}"#.into(),
            }],
        });
        messages.push(ChatMessage::Tool {
            call_id: id,
            content: "[]".into(),
        });
    }
    let turn = respond(&messages, &now());
    assert!(
        turn.tool_calls.is_empty(),
        "no fifth step: {:?}",
        turn.tool_calls
    );
    assert!(!turn.text.is_empty());
}

#[test]
fn call_ids_stay_unique_within_a_turn() {
    let mut tools = store();
    let (_, chat) = chat(
        &mut tools,
        "add milk and bread and delete everything I finished",
    );
    let ids: Vec<&str> = chat.calls.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["call_1", "call_2", "call_3", "call_4"]);
}

#[test]
fn every_table_utterance_ends_with_an_answer_within_four_steps() {
    let utterances = table_add::utterances().chain(table_manage::utterances());
    for say in utterances {
        let mut tools = store();
        let (answer, chat) = chat(&mut tools, say);
        assert!(!answer.is_empty(), "{say:?} got no answer");
        assert!(chat.steps <= 4, "{say:?} took {} steps", chat.steps);
    }
}

#[test]
fn all_the_tasks_with_some_words_are_acted_on_in_one_bulk_call() {
    let mut tools = store();
    let (answer, made) = chat(&mut tools, "mark all the buy ones as done");
    assert_eq!(made.tools_called(), ["list_tasks", "complete_tasks"]);
    assert_eq!(
        args(&made.calls[0]),
        json!({"query": "buy", "status": "pending", "limit": 100})
    );
    assert_eq!(
        args(&made.calls[1])["task_ids"].as_array().map(Vec::len),
        Some(3)
    );
    assert!(
        answer.starts_with("Done! I marked 3 tasks as complete"),
        "{answer}"
    );

    let mut tools = store();
    let (answer, deleted) = chat(&mut tools, "delete all the report tasks");
    assert_eq!(deleted.tools_called(), ["list_tasks", "delete_tasks"]);
    assert!(answer.starts_with("Deleted 2 tasks"), "{answer}");
    assert_eq!(
        tools.titles(),
        [
            "Buy groceries",
            "Buy milk",
            "Call mom",
            "Buy milk chocolate"
        ]
    );
}

/// The question a call refused for a guessed id ends the turn with (written from the refusal
/// by `summarise`), then the user's answer to it.
fn after_refusal(matches: Value, reply: &str) -> ModelTurn {
    let refusal = common::jobs::ToolCallRecord {
        tool: "delete_task".into(),
        arguments: json!({"task_id": 1}),
        result: json!({"error": "unknown_task_id", "message": "not shown", "matches": matches}),
    };
    let question = crate::agent::builtin::summarise(&[refusal], &now());
    let messages = [
        ChatMessage::User("remove the car task".into()),
        ChatMessage::Assistant {
            content: Some(question),
            tool_calls: Vec::new(),
        },
        ChatMessage::User(reply.into()),
    ];
    respond(&messages, &now())
}

#[test]
fn the_answer_to_a_refusals_question_finishes_the_earlier_request() {
    let two = json!([
        {"task_id": 69, "title": "Wash the car", "completed": false},
        {"task_id": 68, "title": "Book car service", "completed": false}
    ]);
    for reply in ["number 69", "69", "the first one", "the wash one"] {
        let turn = after_refusal(two.clone(), reply);
        let calls: Vec<(String, Value)> = turn
            .tool_calls
            .iter()
            .map(|c| (c.name.clone(), args(c)))
            .collect();
        assert_eq!(
            calls,
            [("delete_task".to_owned(), json!({"task_id": 69}))],
            "after {reply:?}"
        );
    }
    let one = json!([{"task_id": 69, "title": "Wash the car", "completed": false}]);
    let turn = after_refusal(one, "yes");
    assert_eq!(turn.tool_calls.len(), 1, "{turn:?}");
    assert_eq!(args(&turn.tool_calls[0]), json!({"task_id": 69}));
}

#[test]
fn a_refused_guess_that_no_task_fits_says_none_was_found() {
    let refusal = common::jobs::ToolCallRecord {
        tool: "delete_task".into(),
        arguments: json!({"task_id": 1}),
        result: json!({"error": "unknown_task_id", "message": "not shown", "matches": []}),
    };
    let answer = crate::agent::builtin::summarise(&[refusal], &now());
    assert!(
        answer.starts_with("I couldn't find a task that fits your words."),
        "{answer}"
    );
}

/// The calls the builtin makes for "yes" after `said` was answered with `reply`.
fn yes_after(said: &str, reply: &str) -> Vec<(String, Value)> {
    let messages = [
        ChatMessage::User(said.into()),
        ChatMessage::Assistant {
            content: Some(reply.into()),
            tool_calls: Vec::new(),
        },
        ChatMessage::User("yes".into()),
    ];
    respond(&messages, &now())
        .tool_calls
        .iter()
        .map(|c| (c.name.clone(), args(c)))
        .collect()
}

#[test]
fn yes_to_the_question_about_the_rest_of_a_message_makes_it() {
    // A model made the first request; made to make the second, it chose the first task
    // again: the reply says what was done and asks about the task the words name.
    let calls = yes_after(
        "I bought the milk and paid the rent",
        "Done! I marked “Buy milk” (#12) as complete. Did you mean “Pay rent” (#11)? Say yes, \
         or tell me which task.",
    );
    assert_eq!(
        calls,
        [("complete_task".to_owned(), json!({"task_id": 11}))]
    );
    // The request the question is about, when the two differ.
    let calls = yes_after(
        "finished the taxes, and make the car service high priority",
        "Done! I marked “File taxes” (#4) as complete. Did you mean “Book car service” (#9)? \
         Say yes, or tell me which task.",
    );
    assert_eq!(
        calls,
        [(
            "update_task".to_owned(),
            json!({"task_id": 9, "priority": "high"})
        )]
    );
}
