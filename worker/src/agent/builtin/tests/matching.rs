//! The word tools on their own: typing slips repaired where a keyword is expected, word forms
//! compared by stems, and how sure a match of words to titles is.

use crate::agent::builtin::matcher::{self, Found, Mode};
use crate::agent::builtin::results::TaskView;
use crate::agent::builtin::{spell, stem};

/// What was typed, what the parsers read, and why.
const SLIPS: &[(&str, &str, &str)] = &[
    (
        "delte the gym task",
        "delete the gym task",
        "a missing letter in a command",
    ),
    (
        "remvoe buy bred",
        "remove buy bred",
        "a title word is left to the matcher",
    ),
    (
        "shwo my taks",
        "show my task",
        "swapped letters in a command and a noun",
    ),
    (
        "mark milk as dnoe",
        "mark milk as done",
        "a status word after 'as'",
    ),
    (
        "udpate the dentist to firday",
        "update the dentist to friday",
        "a weekday anywhere",
    ),
    (
        "remmber to call teh plumber",
        "remember to call the plumber",
        "an extra letter; 'teh'",
    ),
    ("ad buy milk", "add buy milk", "'ad' before a verb"),
    (
        "learn Finnish",
        "learn Finnish",
        "'finish' is a command only where one starts",
    ),
    (
        "Finnish lessons on Monday",
        "Finnish lessons on Monday",
        "a real word one slip from a command is left alone",
    ),
    (
        "shop for groceries",
        "shop for groceries",
        "a wrong letter is never repaired",
    ),
    (
        "park the car",
        "park the car",
        "'mark' is one wrong letter away, not a slip",
    ),
    (
        "the tasks are done",
        "the tasks are done",
        "an ending is not a slip",
    ),
];

#[test]
fn slips_are_repaired_only_where_a_keyword_is_expected() {
    for &(typed, repaired, why) in SLIPS {
        assert_eq!(spell::repair(typed), repaired, "{why}");
    }
}

#[test]
fn one_slip_is_a_missing_extra_or_swapped_letter() {
    assert!(spell::near("bred", "bread"), "missing");
    assert!(
        spell::near("remmber", "remember"),
        "extra, as typed it is longer"
    );
    assert!(spell::near("rnet", "rent"), "swapped");
    assert!(!spell::near("rant", "rent"), "a wrong letter");
    assert!(!spell::near("tax", "taxi"), "too short");
    assert!(
        !spell::near("asks", "tasks"),
        "the first letter is right in a slip"
    );
}

#[test]
fn word_forms_meet_at_their_stem() {
    let pairs = [
        ("paid", "pay"),
        ("payed", "pay"),
        ("bought", "buy"),
        ("groceries", "grocery"),
        ("taxes", "tax"),
        ("renewal", "renew"),
        ("renewed", "renew"),
        ("watered", "water"),
        ("cancelled", "cancel"),
        ("shopping", "shop"),
        ("writing", "write"),
    ];
    for (form, base) in pairs {
        assert_eq!(stem::stem(form), stem::stem(base), "{form} and {base}");
    }
    assert_ne!(stem::stem("taxi"), stem::stem("tax"), "taxi is not tax");
    assert_ne!(
        stem::stem("rental"),
        stem::stem("rent"),
        "a rental is not the rent"
    );
    assert_eq!(stem::past("picked").as_deref(), Some("pick"));
    assert_eq!(stem::past("need"), None, "not every -ed is a past");
}

fn tasks(titles: &[&str]) -> Vec<TaskView> {
    titles
        .iter()
        .enumerate()
        .map(|(k, title)| TaskView {
            id: k as i64 + 1,
            title: (*title).to_owned(),
            description: None,
            completed: false,
            priority: None,
            due: None,
            tags: Vec::new(),
        })
        .collect()
}

/// The id `found` settles on and how surely: "sure", "likely", "maybe", "many" or "none".
fn verdict(found: &Found<'_>) -> (&'static str, i64) {
    match found {
        Found::Sure(t) => ("sure", t.id),
        Found::Likely(t) => ("likely", t.id),
        Found::Maybe(t) => ("maybe", t.id),
        Found::Many(_) => ("many", 0),
        Found::None => ("none", 0),
    }
}

#[test]
fn a_match_is_as_sure_as_the_words_allow() {
    let list = tasks(&[
        "Wash the car",
        "Book car service",
        "File taxes",
        "Submit taxi receipts",
        "Take the dog to the vet",
        "Buy birthday gift for Sarah",
        "Sign Sarah's farewell card",
    ]);
    let rows = [
        (
            "the car wash",
            Mode::Title,
            ("sure", 1),
            "every word, in another order",
        ),
        ("car", Mode::Title, ("many", 0), "two titles have it"),
        ("tax", Mode::Title, ("sure", 3), "taxes, not taxi"),
        (
            "the birthday present for Sarah",
            Mode::Title,
            ("likely", 6),
            "most words, one best",
        ),
        (
            "walk the dog",
            Mode::Title,
            ("maybe", 5),
            "another verb than the title's",
        ),
        ("dragon", Mode::Title, ("none", 0), "nothing"),
        (
            "my partner does the taxes",
            Mode::Mention,
            ("sure", 3),
            "a sentence mentioning it",
        ),
    ];
    for (words, mode, want, why) in rows {
        let found = matcher::find(words, mode, &list, None);
        assert_eq!(verdict(&found), want, "{why}: {words:?}");
    }
}
