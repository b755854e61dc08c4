//! First moves for the phrasings added with word-form matching: listings asked in other words,
//! adds with quoted titles and notes, updates that move or clear a date, notes for a task that
//! exists, and typing slips in the command words.

use super::{Case, check_table};

/// The first call of a request that needs the tasks as they are: every task, looked up once.
const LOOKUP: &str = r#"{"status": "all", "limit": 100}"#;

const LIST_CASES: &[Case] = &[
    (
        "can you pull up my to-do list please",
        "list_tasks",
        r#"{"status": "all"}"#,
        "'pull up' lists",
    ),
    (
        "give me a quick overview of what I need to get done",
        "list_tasks",
        r#"{"status": "pending"}"#,
        "'need to get done' is open, not done",
    ),
    (
        "show everything including done ones",
        "list_tasks",
        r#"{"status": "all"}"#,
        "'including done' is every task",
    ),
    (
        "which tasks don't have a due date?",
        "list_tasks",
        r#"{"due": "none"}"#,
        "a negated due date",
    ),
    (
        "what's on for the day after tomorrow?",
        "list_tasks",
        r#"{"due_after": "2026-11-24", "due_before": "2026-11-25"}"#,
        "the day after tomorrow is not tomorrow; a question of dates alone lists",
    ),
    (
        "what do I need to get done in the next 3 days?",
        "list_tasks",
        r#"{"status": "pending", "due_after": "2026-11-22", "due_before": "2026-11-25"}"#,
        "the next 3 days are today and the two after it, as next_7_days counts",
    ),
    (
        "whats lfet",
        "list_tasks",
        r#"{"status": "pending"}"#,
        "two letters swapped in a status word",
    ),
    (
        "shwo my taks",
        "list_tasks",
        r#"{"status": "all"}"#,
        "two letters swapped in the command and the noun",
    ),
    (
        "did I already add the dentist appointment?",
        "list_tasks",
        LOOKUP,
        "a question about one task looks at every task",
    ),
    (
        "show me task 12",
        "list_tasks",
        LOOKUP,
        "one task by number is looked up, never guessed",
    ),
];

const CHANGE_CASES: &[Case] = &[
    (
        "add 'Call the bank' with high priority and a note saying ask about the mortgage rate",
        "add_task",
        r#"{"title": "Call the bank", "priority": "high", "description": "ask about the mortgage rate"}"#,
        "a quoted title in single quotes, then a note",
    ),
    (
        "new task: pay the bill, due Friday. Note that the account number is on the statement",
        "add_task",
        r#"{"title": "Pay the bill", "due_date": "2026-11-27T17:00:00Z", "description": "the account number is on the statement"}"#,
        "'Note that' starting a sentence starts the description",
    ),
    (
        "ad buy milk tomorow",
        "add_task",
        r#"{"title": "Buy milk", "due_date": "2026-11-23T17:00:00Z"}"#,
        "'ad' before a verb is 'add'",
    ),
    (
        "add a note to task 5: bring the receipts",
        "list_tasks",
        LOOKUP,
        "a note is added to the description there, so the task is looked up first",
    ),
    (
        r#"rename 4 to "Pay rent tonight""#,
        "update_task",
        r#"{"task_id": 4, "title": "Pay rent tonight"}"#,
        "a bare number and a quoted new title",
    ),
    (
        "remove the due date from task 3",
        "update_task",
        r#"{"task_id": 3, "due_date": null}"#,
        "removing a field is an update, not a deletion",
    ),
    (
        "postpone task 3 by a week",
        "list_tasks",
        LOOKUP,
        "a move by a week starts from the current due date, so it is looked up",
    ),
    (
        "chnage task 2 to high priorty",
        "update_task",
        r#"{"task_id": 2, "priority": "high"}"#,
        "slips in the command and the priority",
    ),
    (
        "udpate task 2 to firday",
        "update_task",
        r#"{"task_id": 2, "due_date": "2026-11-27T17:00:00Z"}"#,
        "slips in the command and the weekday",
    ),
    (
        "mark everything as done, what a day",
        "list_tasks",
        r#"{"status": "pending", "limit": 100}"#,
        "every open task, listed first; the remark after the comma is not a request",
    ),
    (
        "push everything due tomorrow back by 2 days",
        "list_tasks",
        r#"{"status": "pending", "due": "tomorrow", "limit": 100}"#,
        "the tasks to move are listed first",
    ),
];

#[test]
fn listings_in_other_words_make_the_expected_call() {
    check_table(LIST_CASES);
}

#[test]
fn changes_in_other_words_make_the_expected_first_call() {
    check_table(CHANGE_CASES);
}
