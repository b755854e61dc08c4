use chrono::TimeZone as _;
use common::dates::Zone;
use serde_json::{Value, json};

use super::*;
use crate::agent::tools::tool_specs;

fn dates() -> DateContext {
    let now = chrono::Utc.with_ymd_and_hms(2026, 12, 4, 10, 0, 0).unwrap();
    DateContext::new(now, Zone::UTC)
}

fn act(name: &str, arguments: Value) -> ToolCall {
    ToolCall {
        id: "builtin_1".into(),
        name: name.into(),
        arguments: arguments.to_string(),
    }
}

fn made(tool: &str, arguments: Value) -> ToolCallRecord {
    ToolCallRecord {
        tool: tool.into(),
        arguments,
        result: json!({"status": "ok"}),
    }
}

fn change(tool: &'static str, ids: &[i64]) -> Option<Insist> {
    Some(Insist::Change(
        tool,
        Change {
            tool: tool.into(),
            ids: ids.to_vec(),
        },
    ))
}

fn next_of(acts: &[ToolCall], records: &[ToolCallRecord]) -> Option<Insist> {
    next(acts, records, &tool_specs(), &dates())
}

#[test]
fn the_add_a_model_left_out_is_required() {
    // "add milk and bread": the model added the milk and stopped.
    let acts = [
        act("add_task", json!({"title": "Milk"})),
        act("add_task", json!({"title": "Bread"})),
    ];
    let records = [made("add_task", json!({"title": "Buy milk"}))];
    assert_eq!(next_of(&acts, &records), Some(Insist::Require("add_task")));
    // Both made (in one title or two): nothing is left.
    let both = [made("add_task", json!({"title": "Buy milk and bread"}))];
    assert_eq!(next_of(&acts, &both), None);
}

#[test]
fn the_change_left_out_is_required_on_its_own_task() {
    // "I bought the milk and paid the rent", read as two completions.
    let acts = [
        act("complete_task", json!({"task_id": 7})),
        act("complete_task", json!({"task_id": 9})),
    ];
    assert_eq!(next_of(&acts, &[]), change("complete_task", &[7]));
    let records = [
        made("list_tasks", json!({})),
        made("complete_task", json!({"task_id": 7})),
    ];
    assert_eq!(next_of(&acts, &records), change("complete_task", &[9]));
    // A bulk call made them both.
    let bulk = [made("complete_tasks", json!({"task_ids": [9, 7]}))];
    assert_eq!(next_of(&acts, &bulk), None);
}

#[test]
fn what_is_left_of_a_bulk_change_is_required_on_the_tasks_left() {
    // "mark 364 and 366 as done": the model completed 364 alone.
    let acts = [act("complete_tasks", json!({"task_ids": [364, 366]}))];
    let records = [made("complete_task", json!({"task_id": 364}))];
    assert_eq!(next_of(&acts, &records), change("complete_task", &[366]));
    let acts = [act("delete_tasks", json!({"task_ids": [1, 2, 3]}))];
    let records = [made("delete_task", json!({"task_id": 2}))];
    assert_eq!(next_of(&acts, &records), change("delete_tasks", &[1, 3]));
}

#[test]
fn a_listing_asked_for_beside_an_add_is_made_for_the_model() {
    // "add pick up the parcel and show my list"
    let list = act("list_tasks", json!({}));
    let acts = [
        act("add_task", json!({"title": "Pick up the parcel"})),
        list.clone(),
    ];
    let records = [made("add_task", json!({"title": "Pick up the parcel"}))];
    assert_eq!(next_of(&acts, &records), Some(Insist::Read(list)));
}

#[test]
fn nothing_is_insisted_on_for_one_thing_or_when_the_readers_disagree() {
    // One thing asked for: the empty-answer rail's, not this one's.
    let one = [act("complete_task", json!({"task_id": 7}))];
    assert_eq!(next_of(&one, &[]), None);
    // The model changed a task the reading does not: no more is made on its word.
    let acts = [
        act("complete_task", json!({"task_id": 7})),
        act("complete_task", json!({"task_id": 9})),
    ];
    let records = [made("delete_task", json!({"task_id": 7}))];
    assert_eq!(next_of(&acts, &records), None);
    // A delete is never required without a task the words name.
    let acts = [
        act("add_task", json!({"title": "Milk"})),
        act("delete_tasks", json!({"status": "completed"})),
    ];
    let records = [made("add_task", json!({"title": "Milk"}))];
    assert_eq!(next_of(&acts, &records), None);
}
