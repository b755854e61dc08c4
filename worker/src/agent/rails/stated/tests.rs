use chrono::TimeZone as _;
use common::dates::Zone;
use serde_json::json;

use super::*;

/// Friday, December 4, 2026, 13:44 UTC.
fn dates() -> DateContext {
    let now = chrono::Utc
        .with_ymd_and_hms(2026, 12, 4, 13, 44, 0)
        .unwrap();
    DateContext::new(now, Zone::UTC)
}

fn call(name: &str, arguments: Value) -> ToolCall {
    ToolCall {
        id: "call_1".into(),
        name: name.into(),
        arguments: arguments.to_string(),
    }
}

fn arguments(call: &ToolCall) -> Value {
    serde_json::from_str(&call.arguments).expect("JSON")
}

#[test]
fn the_due_date_the_words_give_replaces_the_models() {
    // "gotta call the plumber tmrw": the model copied the clock of the time note.
    let model = call(
        "add_task",
        json!({"title": "Call the plumber", "due_date": "tomorrow 13:44", "priority": "medium"}),
    );
    let read = [call(
        "add_task",
        json!({"title": "Call the plumber", "due_date": "2026-12-05T23:59:00+00:00"}),
    )];
    let settled = apply(vec![model], &read, &dates());
    assert_eq!(
        arguments(&settled[0]),
        json!({"title": "Call the plumber", "due_date": "2026-12-05T23:59:00+00:00", "priority": "medium"})
    );
}

#[test]
fn a_due_date_at_now_the_words_do_not_give_is_dropped() {
    // "stick 'water the plants' on there, whenever": the words set a priority, no date.
    let model = call(
        "add_task",
        json!({"title": "water the plants", "due_date": "2026-12-04T13:44:00Z", "priority": "medium"}),
    );
    let read = [call(
        "add_task",
        json!({"title": "Water the plants", "priority": "low"}),
    )];
    let settled = apply(vec![model], &read, &dates());
    assert_eq!(
        arguments(&settled[0]),
        json!({"title": "water the plants", "priority": "low"})
    );
    // A date of the model's own, not at "now", stays: the words may say it in a way the
    // builtin does not read.
    let model = call(
        "add_task",
        json!({"title": "Water the plants", "due_date": "2026-12-09"}),
    );
    let settled = apply(vec![model.clone()], &read, &dates());
    assert_eq!(
        arguments(&settled[0]),
        json!({"title": "Water the plants", "due_date": "2026-12-09", "priority": "low"})
    );
}

#[test]
fn a_dropped_note_is_kept_and_the_models_own_note_stays() {
    let read = [call(
        "add_task",
        json!({"title": "Call the bank", "priority": "high", "description": "ask about the mortgage rate"}),
    )];
    let dropped = call(
        "add_task",
        json!({"title": "Call the bank", "priority": "high", "tags": ["work"]}),
    );
    let settled = apply(vec![dropped], &read, &dates());
    assert_eq!(
        arguments(&settled[0]),
        json!({"title": "Call the bank", "priority": "high", "tags": ["work"], "description": "ask about the mortgage rate"})
    );
    let own = call(
        "add_task",
        json!({"title": "Call the bank", "priority": "High", "description": "Mortgage rate?"}),
    );
    assert_eq!(apply(vec![own.clone()], &read, &dates()), vec![own]);
}

#[test]
fn an_update_takes_the_words_details_only_for_the_same_task() {
    // "push the dentist to Friday" read as task 82 due Friday; the model moved it to now.
    let read = [call(
        "update_task",
        json!({"task_id": 82, "due_date": "2026-12-11T23:59:00+00:00"}),
    )];
    let same = call(
        "update_task",
        json!({"task_id": "82", "due_date": "2026-12-04T13:48:00Z", "priority": "high"}),
    );
    let settled = apply(vec![same], &read, &dates());
    assert_eq!(
        arguments(&settled[0]),
        json!({"task_id": "82", "due_date": "2026-12-11T23:59:00+00:00", "priority": "high"})
    );
    let other = call(
        "update_task",
        json!({"task_id": 7, "due_date": "2026-12-05"}),
    );
    assert_eq!(apply(vec![other.clone()], &read, &dates()), vec![other]);
    // Another tool is never given an update's details.
    let complete = call("complete_task", json!({"task_id": 82}));
    assert_eq!(
        apply(vec![complete.clone()], &read, &dates()),
        vec![complete]
    );
}

#[test]
fn of_several_adds_each_takes_the_details_of_the_one_with_its_words() {
    // "add call mom tomorrow and dentist on Friday, the dentist one is urgent"
    let read = [
        call(
            "add_task",
            json!({"title": "Call mom", "due_date": "2026-12-05T23:59:00+00:00"}),
        ),
        call(
            "add_task",
            json!({"title": "Dentist", "due_date": "2026-12-11T23:59:00+00:00", "priority": "high"}),
        ),
    ];
    let model = vec![
        call("add_task", json!({"title": "Dentist appointment"})),
        call(
            "add_task",
            json!({"title": "call mom", "due_date": "2026-12-05T23:59:00Z"}),
        ),
    ];
    let settled = apply(model, &read, &dates());
    assert_eq!(
        arguments(&settled[0]),
        json!({"title": "Dentist appointment", "due_date": "2026-12-11T23:59:00+00:00", "priority": "high"})
    );
    // Already what the words say: left as the model wrote it.
    assert_eq!(
        arguments(&settled[1]),
        json!({"title": "call mom", "due_date": "2026-12-05T23:59:00Z"})
    );
    // One add whose title fits both, or neither: which one it is would be a guess.
    for title in ["mom or dentist", "buy stamps"] {
        let model = vec![
            call("add_task", json!({"title": title})),
            call("add_task", json!({"title": "something else"})),
        ];
        assert_eq!(apply(model.clone(), &read, &dates()), model);
    }
}

#[test]
fn one_add_joining_what_the_words_list_is_made_as_one_add_each() {
    let read = [
        call("add_task", json!({"title": "Milk"})),
        call("add_task", json!({"title": "Bread", "priority": "high"})),
    ];
    let joined = call("add_task", json!({"title": "Buy milk and bread"}));
    let split = split(vec![joined], &read);
    let made: Vec<(String, Value)> = split
        .iter()
        .map(|call| (call.id.clone(), arguments(call)))
        .collect();
    assert_eq!(
        made,
        [
            ("call_1_0".to_owned(), json!({"title": "Milk"})),
            (
                "call_1_1".to_owned(),
                json!({"title": "Bread", "priority": "high"})
            ),
        ]
    );
    // An add of one of them, or a reading of one add, is left as the model wrote it.
    let one = vec![call("add_task", json!({"title": "Buy milk"}))];
    assert_eq!(super::split(one.clone(), &read), one);
    let joined = vec![call("add_task", json!({"title": "Buy milk and bread"}))];
    assert_eq!(super::split(joined.clone(), &read[..1]), joined);
}
