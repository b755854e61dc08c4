//! Dates on the user's clock: a due date is sent with the user's offset, listings ask for the
//! user's today, and replies show the times the runner localised.

use common::dates::Zone;
use serde_json::{Value, json};

use super::at_in;
use crate::agent::builtin::respond;
use crate::agent::model::ChatMessage;

fn zone(name: &str) -> Zone {
    Zone::parse(name, "time_zone").expect("a zone")
}

/// The arguments of the one tool call `say` makes for a user in `zone`.
fn call(say: &str, zone_name: &str) -> (String, Value) {
    let turn = respond(&[ChatMessage::User(say.into())], &at_in(zone(zone_name)));
    assert_eq!(turn.tool_calls.len(), 1, "{say:?}: {:?}", turn);
    let call = &turn.tool_calls[0];
    let args = serde_json::from_str(&call.arguments).expect("JSON arguments");
    (call.name.clone(), args)
}

#[test]
fn tomorrow_at_5pm_is_sent_with_the_users_offset() {
    // Sunday 2026-11-22 10:00 UTC: 05:00 Sunday in New York, 23:45 Sunday in Chatham,
    // midnight in Honolulu.
    let cases = [
        ("America/New_York", "2026-11-23T17:00:00-05:00"),
        ("Asia/Kolkata", "2026-11-23T17:00:00+05:30"),
        ("Pacific/Chatham", "2026-11-23T17:00:00+13:45"),
        ("Pacific/Honolulu", "2026-11-23T17:00:00-10:00"),
    ];
    for (zone_name, expected) in cases {
        let (tool, args) = call("add call mom tomorrow at 5pm", zone_name);
        assert_eq!(tool, "add_task", "{zone_name}");
        assert_eq!(args["title"], "Call mom", "{zone_name}");
        assert_eq!(args["due_date"], expected, "{zone_name}");
    }
}

#[test]
fn due_date_questions_become_due_filters() {
    let cases = [
        (
            "what's due today?",
            json!({"status": "pending", "due": "today"}),
        ),
        ("anything overdue?", json!({"due": "overdue"})),
        ("what do I have this week?", json!({"due": "this_week"})),
        ("tasks without a date", json!({"due": "none"})),
        ("show my tasks with no due date", json!({"due": "none"})),
        (
            "what's due tomorrow",
            json!({"status": "pending", "due": "tomorrow"}),
        ),
        (
            "what is due on friday",
            json!({"status": "pending", "due_after": "2026-11-27", "due_before": "2026-11-28"}),
        ),
        (
            "what do I have next week",
            json!({"due_after": "2026-11-23", "due_before": "2026-11-30"}),
        ),
    ];
    for (say, expected) in cases {
        let (tool, args) = call(say, "Europe/Berlin");
        assert_eq!((tool.as_str(), &args), ("list_tasks", &expected), "{say:?}");
    }
}

#[test]
fn a_due_listing_says_what_it_listed() {
    let ctx = at_in(zone("America/New_York"));
    let say = |text: &str, result: &str| {
        let mut messages = vec![ChatMessage::User(text.into())];
        let first = respond(&messages, &ctx);
        messages.push(ChatMessage::Assistant {
            content: None,
            tool_calls: first.tool_calls.clone(),
        });
        messages.push(ChatMessage::Tool {
            call_id: first.tool_calls[0].id.clone(),
            content: result.to_owned(),
        });
        respond(&messages, &ctx).text
    };
    assert_eq!(say("anything overdue?", "[]"), "Nothing is overdue — nice!");
    assert_eq!(
        say("what's due today?", "[]"),
        "You have nothing due today."
    );
    let listed = say(
        "what's due today?",
        r#"[{"id":3,"title":"Call mom","completed":false,"priority":"medium","due_date":"2026-11-22T18:30:00-05:00"}]"#,
    );
    assert_eq!(
        listed,
        "You have 1 task due today:\n- #3 Call mom (due Sunday, November 22 at 6:30 PM)"
    );
}
