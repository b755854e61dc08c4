//! Utterances answered with text alone: small talk, help, gibberish, and requests missing
//! something the model must ask for. None of them may call a tool.

use super::fake::{FakeTools, chat};
use super::{first_move, now};
use crate::agent::builtin::respond;

/// What the user says, a part of the expected answer, and why.
const TEXT_ONLY: &[(&str, &str, &str)] = &[
    ("hi", "Hi!", "a greeting"),
    ("good morning!", "Hi!", "a longer greeting"),
    ("thanks", "Happy to help", "thanks"),
    ("ok thank you", "Happy to help", "an acknowledgement"),
    (
        "what can you do?",
        "I can add, list",
        "a question about the model",
    ),
    ("help", "I can add, list", "help"),
    ("asdfgh", "didn't quite get that", "gibberish"),
    (
        "what's the weather?",
        "didn't quite get that",
        "a question not about tasks",
    ),
    ("", "I can add, list", "an empty message"),
    (
        "add task",
        "What should the task be?",
        "an add without a title",
    ),
    (
        "delete all my tasks",
        "won't delete all",
        "deleting everything is refused",
    ),
    (
        "update task 3",
        "What should I change?",
        "an update without changes",
    ),
    (
        "delete it",
        "Which task should I delete?",
        "'it' with nothing before",
    ),
    (
        "mark it as done",
        "Which task should I mark as done?",
        "'it' with nothing before",
    ),
    (
        "complete",
        "Which task should I mark as done?",
        "no target at all",
    ),
    (
        "send an email to my boss saying I'm sick today",
        "Want me to add “Send an email to my boss” as a task?",
        "a message to send is not a task to add unasked",
    ),
    (
        "book me a flight to Lisbon for next weekend",
        "I can't do that myself",
        "an errand for someone else",
    ),
    (
        "what's on Alice's list?",
        "I can only see your own tasks",
        "another person's list",
    ),
    ("never mind", "No problem", "nothing to do"),
    (
        "forget it",
        "No problem",
        "'forget it' takes nothing back and deletes nothing",
    ),
    (
        "what did I just add?",
        "You haven't added anything",
        "nothing added yet",
    ),
    (
        "complete the first one",
        "I haven't shown you a list",
        "no listing to count in",
    ),
];

#[test]
fn small_talk_and_incomplete_requests_are_answered_without_tools() {
    for &(say, expected, why) in TEXT_ONLY {
        let turn = first_move(say);
        assert!(
            turn.tool_calls.is_empty(),
            "{why}: {say:?} called {:?}",
            turn.tool_calls
        );
        assert!(
            turn.text.contains(expected),
            "{why}: {say:?} answered {:?}, expected it to contain {expected:?}",
            turn.text
        );
    }
}

#[test]
fn a_conversation_without_a_user_message_gets_help() {
    let turn = respond(&[], &now());
    assert!(turn.tool_calls.is_empty());
    assert!(turn.text.contains("I can add"), "{:?}", turn.text);
}

#[test]
fn the_same_conversation_always_gets_the_same_answer() {
    let a = first_move("remind me to renew my passport by Friday, it's urgent");
    let b = first_move("remind me to renew my passport by Friday, it's urgent");
    assert_eq!(a, b, "respond is deterministic");
}

#[test]
fn undo_and_redo_call_the_undo_tool_and_say_when_there_is_nothing() {
    for (say, args) in [
        ("oops, undo that", "{}"),
        ("undo", "{}"),
        ("put it back", "{}"),
        ("please put them back", "{}"),
        ("revert that", "{}"),
        ("redo", r#"{"redo":true}"#),
        ("undo the undo", r#"{"redo":true}"#),
    ] {
        let turn = first_move(say);
        let calls: Vec<(&str, serde_json::Value)> = turn
            .tool_calls
            .iter()
            .map(|c| {
                (
                    c.name.as_str(),
                    serde_json::from_str(&c.arguments).expect("JSON"),
                )
            })
            .collect();
        let want: serde_json::Value = serde_json::from_str(args).expect("JSON");
        assert_eq!(calls, [("undo_last_turn", want)], "{say:?}");
    }
    let mut tools = FakeTools::with(&[("Buy milk", false)]);
    let (answer, _) = chat(&mut tools, "undo that");
    assert!(answer.contains("nothing to undo"), "{answer}");
    // "put" still adds when it is not "put it back".
    let turn = first_move("put milk on my list");
    assert_eq!(turn.tool_calls[0].name, "add_task");
}
