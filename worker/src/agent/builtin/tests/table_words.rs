//! Tasks named by words, run against the fake store: which change each utterance makes after
//! the look-up (past tense, word order and forms, typos, reasons after a comma, new verbs), and
//! the utterances that must change nothing because the words do not surely name one task.

use serde_json::Value;

use super::fake::{FakeTools, chat};

/// The store every row runs against, numbered from 1.
fn store() -> FakeTools {
    FakeTools::with(&[
        ("Pay rent", false),                        // 1
        ("Return the rental car", false),           // 2
        ("Wash the car", false),                    // 3
        ("Book car service", false),                // 4
        ("File taxes", false),                      // 5
        ("Submit taxi receipts", false),            // 6
        ("Water the plants", false),                // 7
        ("Buy plant food", false),                  // 8
        ("Call mom", false),                        // 9
        ("Buy flowers for mom", false),             // 10
        ("Renew passport", true),                   // 11
        ("Buy bread", false),                       // 12
        ("Buy butter", false),                      // 13
        ("Take the dog to the vet", false),         // 14
        ("Email Dana about the Q3 numbers", false), // 15
        ("Email landlord about the sink", false),   // 16
        ("Go to the gym", false),                   // 17
        ("Yoga class", false),                      // 18
    ])
}

/// What the user says, the change it must make (tool and arguments as JSON, or "" for no
/// change at all), and why.
type Row = (&'static str, &'static str, &'static str, &'static str);

const ROWS: &[Row] = &[
    (
        "I paid the rent",
        "complete_task",
        r#"{"task_id":1}"#,
        "past tense: paid is pay",
    ),
    (
        "i payed the rnet",
        "complete_task",
        r#"{"task_id":1}"#,
        "a misspelt past and a slip",
    ),
    (
        "called mom 👍",
        "complete_task",
        r#"{"task_id":9}"#,
        "no subject, an emoji",
    ),
    (
        "the plants are watered",
        "complete_task",
        r#"{"task_id":7}"#,
        "a state, not a deed",
    ),
    (
        "the rent's paid",
        "complete_task",
        r#"{"task_id":1}"#,
        "'s for is",
    ),
    (
        "sorted out the plant food",
        "complete_task",
        r#"{"task_id":8}"#,
        "a verb that names nothing",
    ),
    (
        "finished the taxes",
        "complete_task",
        r#"{"task_id":5}"#,
        "taxes is tax, not taxi",
    ),
    (
        "make the tax one urgent",
        "update_task",
        r#"{"task_id":5,"priority":"high"}"#,
        "tax is not taxi",
    ),
    (
        "get rid of the car wash",
        "delete_task",
        r#"{"task_id":3}"#,
        "words in another order",
    ),
    (
        "forget the car wash, it's going to rain",
        "delete_task",
        r#"{"task_id":3}"#,
        "a reason after a comma",
    ),
    (
        "bin the gym thing, I'm injured",
        "delete_task",
        r#"{"task_id":17}"#,
        "a new verb",
    ),
    (
        "nuke the 'yoga class' task",
        "delete_task",
        r#"{"task_id":18}"#,
        "a quoted title",
    ),
    (
        "delte the gym task",
        "delete_task",
        r#"{"task_id":17}"#,
        "a slip in the command",
    ),
    (
        "remvoe buy bred",
        "delete_task",
        r#"{"task_id":12}"#,
        "slips in the command and the title",
    ),
    (
        "the email to Dana isn't urgent, make it low priority",
        "update_task",
        r#"{"task_id":15,"priority":"low"}"#,
        "'it' is the task the statement mentions",
    ),
    (
        "actually the passport thing isn't done yet, can you reopen it?",
        "update_task",
        r#"{"task_id":11,"completed":false}"#,
        "reopen the done task mentioned",
    ),
    (
        "remove the due date from the taxes task",
        "update_task",
        r#"{"task_id":5,"due_date":null}"#,
        "clears the date, never deletes",
    ),
    (
        "bring the car service forward by 2 days",
        "update_task",
        r#"{"task_id":4,"due_date":"2026-11-20T17:00:00Z"}"#,
        "moved from today's default time",
    ),
    (
        "my partner does the taxes now so take that off my list",
        "delete_task",
        r#"{"task_id":5}"#,
        "the statement before names the task",
    ),
    (
        "I went to the gym",
        "complete_task",
        r#"{"task_id":17}"#,
        "'went to the' is a deed, 'wanted to' is not",
    ),
    // Nothing surely named: ask, or say so.
    (
        "I walked the dog",
        "",
        "",
        "another verb than the title's is only a guess",
    ),
    (
        "I bought some milk",
        "",
        "",
        "sharing only the verb finds nothing",
    ),
    ("delete the car stuff", "", "", "car is in three titles"),
    ("sent the email, tick it off", "", "", "two emails"),
    (
        "delete the plant",
        "",
        "",
        "a likely match is not deleted unasked",
    ),
    ("tick off rent 2025", "", "", "a number the title lacks"),
    (
        "complete taks 3",
        "complete_task",
        r#"{"task_id":3}"#,
        "a slip before a number",
    ),
    (
        "I forgot to pay the rent",
        "",
        "",
        "forgetting is not doing",
    ),
    ("I wanted to pay the rent", "", "", "wanting is not doing"),
];

#[test]
fn words_find_the_task_they_surely_name_and_nothing_else() {
    let failures: Vec<String> = ROWS
        .iter()
        .filter_map(|&(say, tool, args, why)| {
            let mut tools = store();
            let (answer, chat) = chat(&mut tools, say);
            let changes: Vec<(String, Value)> = chat
                .calls
                .iter()
                .filter(|c| c.name != "list_tasks")
                .map(|c| {
                    (
                        c.name.clone(),
                        serde_json::from_str(&c.arguments).expect("JSON"),
                    )
                })
                .collect();
            let want: Vec<(String, Value)> = if tool.is_empty() {
                Vec::new()
            } else {
                vec![(
                    tool.to_owned(),
                    serde_json::from_str(args).expect("valid JSON"),
                )]
            };
            (changes != want).then(|| format!("{why}: {say:?}\n    got {changes:?}: {answer}"))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
