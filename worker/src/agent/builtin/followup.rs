//! Answers to the model's own question. After "I found 2 tasks matching “report”: #3 Write
//! report, #4 Report expenses. Which one?", a reply of "3", "#4", "task 4", "the second one" or
//! "the expenses one" redoes the earlier request on that task.

use common::dates::DateContext;

use super::classify;
use super::intent::{Intent, Target};
use super::turn::Turn;
use super::words::{Sentence, digits};

/// The words the "Which one?" question ends with (see `phrases::which_one`).
pub(super) const QUESTION: &str = "Which one?";

/// Words that carry no choice in a reply like "the first one, please".
const FILLER: &[&str] = &[
    "the", "one", "task", "number", "no", "please", "i", "mean", "meant", "its", "it", "is",
    "that", "ok", "okay", "yes", "id", "do", "",
];

/// The earlier request applied to the task the user picked, if the last reply asked which one
/// and this message picks one.
pub(super) fn answer(turn: &Turn<'_>, ctx: &DateContext) -> Option<Intent> {
    let (question, request) = turn.last_question(QUESTION)?;
    let listed = listed(question);
    let id = pick(turn.request, &listed)?;
    match classify::parse(request, ctx) {
        Intent::Act(action, _) => Some(Intent::Act(action, Target::Ids(vec![id]))),
        _ => None,
    }
}

/// The tasks a question listed, in order: "#3 Write report, #4 Report expenses. Which one?"
/// gives (3, "write report") and (4, "report expenses").
fn listed(question: &str) -> Vec<(i64, String)> {
    let body = question.split(QUESTION).next().unwrap_or_default();
    body.split('#')
        .skip(1)
        .filter_map(|entry| {
            let number: String = entry.chars().take_while(char::is_ascii_digit).collect();
            let title = entry[number.len()..].trim().trim_end_matches([',', '.']);
            Some((number.parse().ok()?, title.to_lowercase()))
        })
        .collect()
}

/// The task a reply picks: a number, "first"/"second"/"third"/"last", or words found in
/// exactly one listed title.
fn pick(reply: &str, listed: &[(i64, String)]) -> Option<i64> {
    let s = Sentence::new(reply);
    let words: Vec<&str> = (0..s.len())
        .map(|i| s.word(i))
        .filter(|w| !FILLER.contains(w))
        .collect();
    let position = match words.as_slice() {
        ["first" | "1st"] => Some(0),
        ["second" | "2nd"] => Some(1),
        ["third" | "3rd"] => Some(2),
        ["last"] => listed.len().checked_sub(1),
        [word]
            if word
                .trim_start_matches('#')
                .bytes()
                .all(|b| b.is_ascii_digit()) =>
        {
            return digits(word.trim_start_matches('#')).map(i64::from);
        }
        [] => return None,
        _ => None,
    };
    if let Some(at) = position {
        return listed.get(at).map(|(id, _)| *id);
    }
    let phrase = words.join(" ");
    match listed
        .iter()
        .filter(|(_, title)| title.contains(&phrase))
        .collect::<Vec<_>>()
        .as_slice()
    {
        [(id, _)] => Some(*id),
        _ => None,
    }
}
