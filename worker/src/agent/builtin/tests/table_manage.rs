//! Utterances that list, complete, delete or update tasks, by number or by title (a title
//! starts with a search).

use super::{Case, check_table};

/// The first call of a request that names its task by words: every task, matched locally.
const LOOKUP: &str = r#"{"status": "all", "limit": 100}"#;

const LIST_CASES: &[Case] = &[
    (
        "show my tasks",
        "list_tasks",
        r#"{"status": "all"}"#,
        "plain listing",
    ),
    (
        "what's on my list?",
        "list_tasks",
        r#"{"status": "all"}"#,
        "a question",
    ),
    (
        "list everything",
        "list_tasks",
        r#"{"status": "all"}"#,
        "everything",
    ),
    (
        "how many tasks do I have?",
        "list_tasks",
        r#"{"status": "all"}"#,
        "a count",
    ),
    (
        "what's still open?",
        "list_tasks",
        r#"{"status": "pending"}"#,
        "still open",
    ),
    (
        "what's left?",
        "list_tasks",
        r#"{"status": "pending"}"#,
        "left",
    ),
    (
        "pending tasks",
        "list_tasks",
        r#"{"status": "pending"}"#,
        "no verb",
    ),
    (
        "what do I have to do?",
        "list_tasks",
        r#"{"status": "pending"}"#,
        "to do",
    ),
    (
        "what have I finished?",
        "list_tasks",
        r#"{"status": "completed"}"#,
        "finished",
    ),
    (
        "completed tasks",
        "list_tasks",
        r#"{"status": "completed"}"#,
        "completed",
    ),
    (
        "done tasks",
        "list_tasks",
        r#"{"status": "completed"}"#,
        "done",
    ),
    (
        "show my completed tasks",
        "list_tasks",
        r#"{"status": "completed"}"#,
        "show",
    ),
    (
        "high priority tasks",
        "list_tasks",
        r#"{"priority": "high"}"#,
        "priority",
    ),
    (
        "what's urgent?",
        "list_tasks",
        r#"{"priority": "high"}"#,
        "urgent",
    ),
    (
        "list my low priority tasks",
        "list_tasks",
        r#"{"priority": "low"}"#,
        "low",
    ),
    (
        "tasks about groceries",
        "list_tasks",
        r#"{"query": "groceries"}"#,
        "about",
    ),
    (
        "find tasks with milk",
        "list_tasks",
        r#"{"query": "milk"}"#,
        "find … with",
    ),
    (
        "search for report",
        "list_tasks",
        r#"{"query": "report"}"#,
        "search for",
    ),
    (
        "show me tasks about the trip",
        "list_tasks",
        r#"{"query": "trip"}"#,
        "'the' is not searched for",
    ),
    (
        "show open tasks about the open house",
        "list_tasks",
        r#"{"status": "pending", "query": "open house"}"#,
        "search words are not read as a status",
    ),
    (
        "are there any tasks about milk?",
        "list_tasks",
        r#"{"query": "milk"}"#,
        "a yes/no question is a search",
    ),
];

const COMPLETE_AND_DELETE_CASES: &[Case] = &[
    (
        "mark task 3 as done",
        "complete_task",
        r#"{"task_id": 3}"#,
        "by number",
    ),
    ("complete #3", "complete_task", r#"{"task_id": 3}"#, "#3"),
    (
        "I finished 3",
        "complete_task",
        r#"{"task_id": 3}"#,
        "a bare number",
    ),
    (
        "done 3",
        "complete_task",
        r#"{"task_id": 3}"#,
        "done + number",
    ),
    (
        "task 3 is done",
        "complete_task",
        r#"{"task_id": 3}"#,
        "a statement",
    ),
    (
        "check off task 7",
        "complete_task",
        r#"{"task_id": 7}"#,
        "check off",
    ),
    (
        "done with the groceries one",
        "list_tasks",
        LOOKUP,
        "by title: the tasks are listed first, then matched",
    ),
    (
        "mark the groceries task as complete",
        "list_tasks",
        LOOKUP,
        "by title, with stop words around it",
    ),
    ("tick off buy milk", "list_tasks", LOOKUP, "tick off"),
    (
        "the milk task is finished",
        "list_tasks",
        LOOKUP,
        "a statement by title",
    ),
    (
        "delete task 3",
        "delete_task",
        r#"{"task_id": 3}"#,
        "by number",
    ),
    ("remove #3", "delete_task", r#"{"task_id": 3}"#, "#3"),
    (
        "delete the groceries task",
        "list_tasks",
        LOOKUP,
        "by title: the tasks are listed first, then matched",
    ),
    (
        "get rid of the milk one",
        "list_tasks",
        LOOKUP,
        "get rid of",
    ),
    (
        "delete everything I finished",
        "list_tasks",
        r#"{"status": "completed", "limit": 100}"#,
        "bulk delete lists the completed tasks first",
    ),
    (
        "clear completed tasks",
        "list_tasks",
        r#"{"status": "completed", "limit": 100}"#,
        "clear",
    ),
    (
        "I completed task 4",
        "complete_task",
        r#"{"task_id": 4}"#,
        "'I completed' + task number",
    ),
    (
        "please delete task #8, thanks",
        "delete_task",
        r#"{"task_id": 8}"#,
        "politeness around a number",
    ),
];

const UPDATE_CASES: &[Case] = &[
    (
        "push the report to Friday and make it urgent",
        "list_tasks",
        LOOKUP,
        "an update by title lists the tasks first",
    ),
    (
        "rename task 2 to Call dad",
        "update_task",
        r#"{"task_id": 2, "title": "Call dad"}"#,
        "rename",
    ),
    (
        "change the title of #2 to Call grandma",
        "update_task",
        r#"{"task_id": 2, "title": "Call grandma"}"#,
        "title field",
    ),
    (
        "change the priority of #4 to low",
        "update_task",
        r#"{"task_id": 4, "priority": "low"}"#,
        "priority field",
    ),
    (
        "make #2 urgent",
        "update_task",
        r#"{"task_id": 2, "priority": "high"}"#,
        "make",
    ),
    (
        "set task 4 to high priority",
        "update_task",
        r#"{"task_id": 4, "priority": "high"}"#,
        "set",
    ),
    (
        "move task 5 to tomorrow",
        "update_task",
        r#"{"task_id": 5, "due_date": "2026-11-23T17:00:00Z"}"#,
        "move",
    ),
    (
        "reschedule task 3 for Monday at 10am",
        "update_task",
        r#"{"task_id": 3, "due_date": "2026-11-23T10:00:00Z"}"#,
        "reschedule",
    ),
    (
        "change the due date of #3 to Dec 5",
        "update_task",
        r#"{"task_id": 3, "due_date": "2026-12-05T17:00:00Z"}"#,
        "due date field",
    ),
    (
        "update the milk task description to 2 litres",
        "list_tasks",
        LOOKUP,
        "a description edit by title lists the tasks first",
    ),
    (
        "set the description of task 3 to call before noon",
        "update_task",
        r#"{"task_id": 3, "description": "call before noon"}"#,
        "the new description is not read for dates",
    ),
    (
        "mark task 3 as not done",
        "update_task",
        r#"{"task_id": 3, "completed": false}"#,
        "not done reopens",
    ),
    (
        "reopen 3",
        "update_task",
        r#"{"task_id": 3, "completed": false}"#,
        "reopen",
    ),
    (
        "deprioritize task 6",
        "update_task",
        r#"{"task_id": 6, "priority": "low"}"#,
        "deprioritize",
    ),
    (
        "task 5 is urgent",
        "update_task",
        r#"{"task_id": 5, "priority": "high"}"#,
        "no command word, but a number and a change",
    ),
    (
        "lower the priority of task 3",
        "update_task",
        r#"{"task_id": 3, "priority": "low"}"#,
        "'lower the priority' is low",
    ),
    (
        "set the description of task 3 to do the dishes",
        "update_task",
        r#"{"task_id": 3, "description": "do the dishes"}"#,
        "'to do' inside a new description does not reopen",
    ),
];

#[test]
fn listing_utterances_make_the_expected_list_call() {
    check_table(LIST_CASES);
}

#[test]
fn completing_and_deleting_utterances_make_the_expected_call() {
    check_table(COMPLETE_AND_DELETE_CASES);
}

#[test]
fn updating_utterances_make_the_expected_call() {
    check_table(UPDATE_CASES);
}

#[test]
fn the_tables_hold_at_least_sixty_utterances() {
    let total = utterances().count() + super::table_add::utterances().count();
    assert!(total >= 60, "only {total} utterances");
}

#[test]
fn several_numbers_make_one_call_each() {
    let turn = super::first_move("delete tasks 3 and 4");
    let calls: Vec<(&str, &str, &str)> = turn
        .tool_calls
        .iter()
        .map(|c| (c.id.as_str(), c.name.as_str(), c.arguments.as_str()))
        .collect();
    assert_eq!(
        calls,
        [
            ("call_1", "delete_task", r#"{"task_id":3}"#),
            ("call_2", "delete_task", r#"{"task_id":4}"#)
        ],
        "two numbers, two calls with distinct ids"
    );
}

/// Every utterance of this table, for the flow tests.
pub(super) fn utterances() -> impl Iterator<Item = &'static str> {
    [LIST_CASES, COMPLETE_AND_DELETE_CASES, UPDATE_CASES]
        .into_iter()
        .flatten()
        .map(|(say, ..)| *say)
}
