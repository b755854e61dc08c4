//! Utterances that add a task: titles, descriptions, priorities and due dates.

use super::{Case, check_table};

const ADD_CASES: &[Case] = &[
    (
        "add a task to buy groceries",
        "add_task",
        r#"{"title": "Buy groceries"}"#,
        "the command words are not part of the title",
    ),
    (
        "remind me to renew my passport by Friday, it's urgent",
        "add_task",
        r#"{"title": "Renew my passport", "priority": "high", "due_date": "2026-11-27T17:00:00Z"}"#,
        "a weekday is the next one, at 17:00; 'it's urgent' is high priority",
    ),
    (
        "add buy milk tomorrow",
        "add_task",
        r#"{"title": "Buy milk", "due_date": "2026-11-23T17:00:00Z"}"#,
        "tomorrow without a time is due at 17:00",
    ),
    (
        "create a task: call mom",
        "add_task",
        r#"{"title": "Call mom"}"#,
        "'create a task:' is a command",
    ),
    (
        "I need to pay rent on the 1st",
        "add_task",
        r#"{"title": "Pay rent", "due_date": "2026-12-01T17:00:00Z"}"#,
        "'the 1st' is the next first of a month",
    ),
    (
        "add call the bank - about the mortgage",
        "add_task",
        r#"{"title": "Call the bank", "description": "about the mortgage"}"#,
        "a dash starts the description",
    ),
    (
        "add call the bank with description ask about the mortgage",
        "add_task",
        r#"{"title": "Call the bank", "description": "ask about the mortgage"}"#,
        "'with description' starts the description",
    ),
    (
        "add water plants note: twice a week",
        "add_task",
        r#"{"title": "Water plants", "description": "twice a week"}"#,
        "'note:' starts the description",
    ),
    (
        "add buy milk, high priority",
        "add_task",
        r#"{"title": "Buy milk", "priority": "high"}"#,
        "'high priority' is high",
    ),
    (
        "add clean the garage, low priority",
        "add_task",
        r#"{"title": "Clean the garage", "priority": "low"}"#,
        "'low priority' is low",
    ),
    (
        "add read a book whenever",
        "add_task",
        r#"{"title": "Read a book", "priority": "low"}"#,
        "'whenever' is low",
    ),
    (
        "add file taxes no rush",
        "add_task",
        r#"{"title": "File taxes", "priority": "low"}"#,
        "'no rush' is low",
    ),
    (
        "add team sync medium priority",
        "add_task",
        r#"{"title": "Team sync", "priority": "medium"}"#,
        "'medium priority' is medium",
    ),
    (
        "add send invoice asap",
        "add_task",
        r#"{"title": "Send invoice", "priority": "high"}"#,
        "'asap' is high",
    ),
    (
        "add submit report, important",
        "add_task",
        r#"{"title": "Submit report", "priority": "high"}"#,
        "'important' ending a clause is high",
    ),
    (
        "add send the urgent email",
        "add_task",
        r#"{"title": "Send the urgent email"}"#,
        "an adjective inside the title stays in the title",
    ),
    (
        "add an urgent task to call the vet",
        "add_task",
        r#"{"title": "Call the vet", "priority": "high"}"#,
        "'an urgent task to' is high",
    ),
    (
        "add a high priority task: fix the sink",
        "add_task",
        r#"{"title": "Fix the sink", "priority": "high"}"#,
        "'a high priority task:'",
    ),
    (
        "add book dentist today",
        "add_task",
        r#"{"title": "Book dentist", "due_date": "2026-11-22T17:00:00Z"}"#,
        "today at 17:00",
    ),
    (
        "add call plumber tonight",
        "add_task",
        r#"{"title": "Call plumber", "due_date": "2026-11-22T20:00:00Z"}"#,
        "tonight is 20:00",
    ),
    (
        "add go running next Friday",
        "add_task",
        r#"{"title": "Go running", "due_date": "2026-11-27T17:00:00Z"}"#,
        "'next Friday' is the coming Friday",
    ),
    (
        "add plan trip next week",
        "add_task",
        r#"{"title": "Plan trip", "due_date": "2026-11-23T17:00:00Z"}"#,
        "'next week' is next Monday",
    ),
    (
        "add review PR in 3 days",
        "add_task",
        r#"{"title": "Review PR", "due_date": "2026-11-25T17:00:00Z"}"#,
        "in 3 days",
    ),
    (
        "add pay bills by 5pm",
        "add_task",
        r#"{"title": "Pay bills", "due_date": "2026-11-22T17:00:00Z"}"#,
        "a time still ahead is today",
    ),
    (
        "add buy eggs at 9am",
        "add_task",
        r#"{"title": "Buy eggs", "due_date": "2026-11-23T09:00:00Z"}"#,
        "a time already past is tomorrow",
    ),
    (
        "add standup at 17:00",
        "add_task",
        r#"{"title": "Standup", "due_date": "2026-11-22T17:00:00Z"}"#,
        "24-hour time",
    ),
    (
        "add gym tomorrow at 9am",
        "add_task",
        r#"{"title": "Gym", "due_date": "2026-11-23T09:00:00Z"}"#,
        "a day and a time",
    ),
    (
        "add buy milk tomorrow morning",
        "add_task",
        r#"{"title": "Buy milk", "due_date": "2026-11-23T09:00:00Z"}"#,
        "morning is 09:00",
    ),
    (
        "add renew license 2026-12-01",
        "add_task",
        r#"{"title": "Renew license", "due_date": "2026-12-01T17:00:00Z"}"#,
        "an ISO date",
    ),
    (
        "add buy gift Dec 1",
        "add_task",
        r#"{"title": "Buy gift", "due_date": "2026-12-01T17:00:00Z"}"#,
        "month and day",
    ),
    (
        "add party on December 1st",
        "add_task",
        r#"{"title": "Party", "due_date": "2026-12-01T17:00:00Z"}"#,
        "month and ordinal",
    ),
    (
        "add pay rent on the 1st of January",
        "add_task",
        r#"{"title": "Pay rent", "due_date": "2027-01-01T17:00:00Z"}"#,
        "a date of next year",
    ),
    (
        "add wash car this weekend",
        "add_task",
        r#"{"title": "Wash car", "due_date": "2026-11-28T17:00:00Z"}"#,
        "the weekend is Saturday",
    ),
    (
        "add tidy desk 3 days from now",
        "add_task",
        r#"{"title": "Tidy desk", "due_date": "2026-11-25T17:00:00Z"}"#,
        "N days from now",
    ),
    (
        "add check the oven in 2 hours",
        "add_task",
        r#"{"title": "Check the oven", "due_date": "2026-11-22T12:00:00Z"}"#,
        "hours count from now",
    ),
    (
        "add lunch with Sam on Wed",
        "add_task",
        r#"{"title": "Lunch with Sam", "due_date": "2026-11-25T17:00:00Z"}"#,
        "a short weekday after 'on'",
    ),
    (
        "add buy milk to my list",
        "add_task",
        r#"{"title": "Buy milk"}"#,
        "'to my list' is not part of the title",
    ),
    (
        "add \"Friday review\" tomorrow",
        "add_task",
        r#"{"title": "Friday review", "due_date": "2026-11-23T17:00:00Z"}"#,
        "a quoted title is kept as it is",
    ),
    (
        "hello, could you please add walk the dog",
        "add_task",
        r#"{"title": "Walk the dog"}"#,
        "greetings and politeness are skipped",
    ),
    (
        "don't forget to email Bob",
        "add_task",
        r#"{"title": "Email Bob"}"#,
        "'don't forget to' adds",
    ),
    (
        "todo: clean kitchen",
        "add_task",
        r#"{"title": "Clean kitchen"}"#,
        "'todo:' adds",
    ),
    (
        "urgent: call the plumber",
        "add_task",
        r#"{"title": "Call the plumber", "priority": "high"}"#,
        "no command word, but a priority",
    ),
    (
        "Dentist appointment tomorrow at 3pm",
        "add_task",
        r#"{"title": "Dentist appointment", "due_date": "2026-11-23T15:00:00Z"}"#,
        "no command word, but a date",
    ),
    (
        "I want to learn Spanish",
        "add_task",
        r#"{"title": "Learn Spanish"}"#,
        "a wish is a task",
    ),
    (
        "remind me in 30 minutes to take out the pizza",
        "add_task",
        r#"{"title": "Take out the pizza", "due_date": "2026-11-22T10:30:00Z"}"#,
        "minutes count from now, wherever they are said",
    ),
    (
        "add go to the gym in the evening",
        "add_task",
        r#"{"title": "Go to the gym", "due_date": "2026-11-22T18:00:00Z"}"#,
        "'in the evening' is 18:00",
    ),
];

#[test]
fn adding_utterances_make_the_expected_add_task_call() {
    assert!(ADD_CASES.len() >= 40, "the add table should stay broad");
    check_table(ADD_CASES);
}

/// Every utterance of this table, for the flow tests.
pub(super) fn utterances() -> impl Iterator<Item = &'static str> {
    ADD_CASES.iter().map(|(say, ..)| *say)
}
