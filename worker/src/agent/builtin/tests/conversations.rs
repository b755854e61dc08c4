//! Whole conversations against the fake store: several requests in one message, and messages
//! that lean on the conversation ("the second one", "it", "and the yoga one too", "undo
//! that", answers to the model's own questions). Each turn lists the changes it must make.

use serde_json::Value;

use super::fake::{Chat, FakeTools};

fn store() -> FakeTools {
    FakeTools::with(&[
        ("Go to the gym", false),               // 1
        ("Yoga class", false),                  // 2
        ("Buy milk", false),                    // 3
        ("Pay rent", false),                    // 4
        ("Buy birthday gift for Sarah", false), // 5
        ("Buy birthday gift for Tom", false),   // 6
        ("Book car service", false),            // 7
        ("File taxes", false),                  // 8
    ])
}

/// What the user says and the changes (tool and JSON arguments) that turn must make.
type Turn = (&'static str, &'static [(&'static str, &'static str)]);

/// A conversation, and why it must go so.
type Conversation = (&'static [Turn], &'static str);

const CONVERSATIONS: &[Conversation] = &[
    (
        &[(
            "I need to: buy eggs, call Sam and water the plants",
            &[
                ("add_task", r#"{"title":"Buy eggs"}"#),
                ("add_task", r#"{"title":"Call Sam"}"#),
                ("add_task", r#"{"title":"Water the plants"}"#),
            ],
        )],
        "each item starts with a verb: three tasks",
    ),
    (
        &[(
            "add milk and bread",
            &[
                ("add_task", r#"{"title":"Milk"}"#),
                ("add_task", r#"{"title":"Bread"}"#),
            ],
        )],
        "short things to get: two tasks",
    ),
    (
        &[(
            "add call mom and dad",
            &[("add_task", r#"{"title":"Call mom and dad"}"#)],
        )],
        "one verb for both: one task",
    ),
    (
        &[(
            "add Romeo and Juliet tickets",
            &[("add_task", r#"{"title":"Romeo and Juliet tickets"}"#)],
        )],
        "names are not a shopping list",
    ),
    (
        &[(
            "add call mom tomorrow and dentist on Friday, the dentist one is urgent",
            &[
                (
                    "add_task",
                    r#"{"title":"Call mom","due_date":"2026-11-23T17:00:00Z"}"#,
                ),
                (
                    "add_task",
                    r#"{"title":"Dentist","priority":"high","due_date":"2026-11-27T17:00:00Z"}"#,
                ),
            ],
        )],
        "each with its own date, and a priority for the one named",
    ),
    (
        &[(
            "I bought the milk and paid the rent",
            &[
                ("complete_task", r#"{"task_id":3}"#),
                ("complete_task", r#"{"task_id":4}"#),
            ],
        )],
        "two deeds",
    ),
    (
        &[(
            "finished the taxes, and make the car service high priority",
            &[
                ("complete_task", r#"{"task_id":8}"#),
                ("update_task", r#"{"task_id":7,"priority":"high"}"#),
            ],
        )],
        "a completion and an update",
    ),
    (
        &[(
            "rename the taxes to File tax return, then mark it done",
            &[
                ("update_task", r#"{"task_id":8,"title":"File tax return"}"#),
                ("complete_task", r#"{"task_id":8}"#),
            ],
        )],
        "'it' after another command is that command's task",
    ),
    (
        &[(
            "clear out the gym and yoga tasks and add 'start running' instead",
            &[
                ("delete_task", r#"{"task_id":1}"#),
                ("delete_task", r#"{"task_id":2}"#),
                ("add_task", r#"{"title":"Start running"}"#),
            ],
        )],
        "two deletions by their own words, then an add",
    ),
    (
        &[
            (
                "delete the gym task",
                &[("delete_task", r#"{"task_id":1}"#)],
            ),
            (
                "and the yoga one too",
                &[("delete_task", r#"{"task_id":2}"#)],
            ),
        ],
        "the previous command again",
    ),
    (
        &[
            (
                "add water the plants",
                &[("add_task", r#"{"title":"Water the plants"}"#)],
            ),
            (
                "and also feed the cat",
                &[("add_task", r#"{"title":"Feed the cat"}"#)],
            ),
        ],
        "the previous add again",
    ),
    (
        &[
            ("show my tasks", &[]),
            (
                "complete the second one",
                &[("complete_task", r#"{"task_id":2}"#)],
            ),
        ],
        "a place in the last listing",
    ),
    (
        &[
            ("add call Sam", &[("add_task", r#"{"title":"Call Sam"}"#)]),
            (
                "actually make that tomorrow at 10am",
                &[(
                    "update_task",
                    r#"{"task_id":9,"due_date":"2026-11-23T10:00:00Z"}"#,
                )],
            ),
            (
                "add a note to it: ask about the trip",
                &[(
                    "update_task",
                    r#"{"task_id":9,"description":"ask about the trip"}"#,
                )],
            ),
        ],
        "'that' and 'it' are the task just added",
    ),
    (
        &[
            (
                "mark task 3 as done",
                &[("complete_task", r#"{"task_id":3}"#)],
            ),
            ("oops, undo that", &[("undo_last_turn", "{}")]),
        ],
        "undo the last turn with the undo tool",
    ),
    (
        &[
            ("mark the birthday gift as bought", &[]),
            ("Tom's", &[("complete_task", r#"{"task_id":6}"#)]),
        ],
        "two gifts: ask, then the answer picks by a word",
    ),
    (
        &[(
            "delete the car serivce",
            &[("delete_task", r#"{"task_id":7}"#)],
        )],
        "two letters swapped in a word of the title still surely name it",
    ),
    (
        &[
            ("delete the car servise", &[]),
            ("yes", &[("delete_task", r#"{"task_id":7}"#)]),
        ],
        "a wrong letter is only a guess: confirmed first",
    ),
    (
        &[
            ("get rid of the birthday present", &[]),
            ("the second one", &[("delete_task", r#"{"task_id":6}"#)]),
        ],
        "a loose match is asked about; the answer picks it",
    ),
    (
        &[
            ("mark the birthday gift as done", &[]),
            (
                "both",
                &[
                    ("complete_task", r#"{"task_id":5}"#),
                    ("complete_task", r#"{"task_id":6}"#),
                ],
            ),
        ],
        "'both' picks every task the question listed",
    ),
    (
        &[("taxes done", &[("complete_task", r#"{"task_id":8}"#)])],
        "a done word needs no 'is'",
    ),
    (
        &[(
            "I don't need to book the car service anymore",
            &[("delete_task", r#"{"task_id":7}"#)],
        )],
        "no longer needed is deleted, when the words surely name it",
    ),
    (
        &[
            ("book me a table for Friday", &[]),
            (
                "yes please",
                &[(
                    "add_task",
                    r#"{"title":"Book a table","due_date":"2026-11-27T17:00:00Z"}"#,
                )],
            ),
        ],
        "an errand for someone else is offered as a task, added on yes",
    ),
];

#[test]
fn conversations_make_exactly_the_changes_meant() {
    let mut failures = Vec::new();
    for (turns, why) in CONVERSATIONS {
        let mut tools = store();
        let mut chat = Chat::default();
        for (say, want) in *turns {
            let answer = chat.say(&mut tools, say);
            let made: Vec<(String, Value)> = chat
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
            let want: Vec<(String, Value)> = want
                .iter()
                .map(|(tool, args)| {
                    (
                        (*tool).to_owned(),
                        serde_json::from_str(args).expect("JSON"),
                    )
                })
                .collect();
            if made != want {
                failures.push(format!("{why}: {say:?}\n    got {made:?}: {answer}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
