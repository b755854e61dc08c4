//! Which task an utterance is about: numbers ("task 3", "#3", "3 and 4"), a pronoun ("it"), a
//! place in the last listing ("the second one"), or the key words of a title ("the groceries
//! one" → "groceries"). The target ends with its clause: in "cancel the haircut, I'm growing it
//! out" the reason is not part of it.

use super::intent::{Position, Target};
use super::words::{Sentence, WordList, clean_edges, digits, trim_edges};

/// Words that never help find a task by its title; dropped from both ends of the key words.
const STOP: WordList = WordList(
    "the a an my our your this that these those it its one ones task tasks todo todos to-do \
     item items entry thing things reminder called named titled about with for of on from \
     in at to as is was are be i im ive me please pls now already just off out up which and \
     or also all everything list done complete completed finished finish not incomplete \
     undone unfinished uncompleted open pending again number no id priority due date \
     deadline title name description desc note notes details back so then there yet still \
     have has had thanks thank you can could would will ticked checked crossed marked too \
     instead anyway as well",
);

/// Words that introduce a task number ("task 3", "number 3").
const ID_NOUNS: &[&str] = &[
    "task", "tasks", "number", "no", "id", "item", "items", "todo",
];

/// Words that refer back to the task the conversation was about.
const PRONOUNS: &[&str] = &["it", "that", "this", "them"];

/// Places in a listing: "the first one", "the 2nd", "the last one".
const PLACES: &[(&str, Position)] = &[
    ("first", Position::Nth(0)),
    ("1st", Position::Nth(0)),
    ("top", Position::Nth(0)),
    ("second", Position::Nth(1)),
    ("2nd", Position::Nth(1)),
    ("third", Position::Nth(2)),
    ("3rd", Position::Nth(2)),
    ("fourth", Position::Nth(3)),
    ("4th", Position::Nth(3)),
    ("fifth", Position::Nth(4)),
    ("5th", Position::Nth(4)),
    ("last", Position::Last),
    ("bottom", Position::Last),
];

/// Reads the target from the free tokens of `s`, taking the words it uses.
pub(super) fn parse(s: &mut Sentence) -> Target {
    let ids = take_ids(s);
    finish(s, ids)
}

/// Reads the target after task numbers were already taken (e.g. before an update's fields).
pub(super) fn finish(s: &mut Sentence, ids: Vec<i64>) -> Target {
    if !ids.is_empty() {
        return Target::Ids(ids);
    }
    let free = s.free();
    let clause_end = free
        .iter()
        .position(|&i| s.ends_clause(i))
        .map_or(free.len(), |k| k + 1);
    let words = trim_edges(s, &free[..clause_end], &STOP, &STOP);
    if words.is_empty() {
        // "make it urgent": the priority reader took "it" with "make", but it still counts.
        return if s.has_any(PRONOUNS) {
            Target::It
        } else {
            Target::Missing
        };
    }
    if let Some(ids) = numbers_only(s, &words) {
        return Target::Ids(ids);
    }
    if let [only] = words.as_slice()
        && let Some((_, place)) = PLACES.iter().find(|(w, _)| *w == s.word(*only))
    {
        s.take(0, s.len());
        return Target::Position(*place);
    }
    let text = clean_edges(&s.text(&words));
    s.take(0, s.len());
    Target::Title(text)
}

/// Takes "#3", "task 3", "tasks 3, 4 and 5", "number 3" and returns the numbers.
pub(super) fn take_ids(s: &mut Sentence) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let start = i;
        let id = if let Some(id) = hash_number(s.word(i)).filter(|_| s.is_free(i)) {
            Some(id)
        } else if s.is_free(i) && s.is_free(i + 1) && ID_NOUNS.contains(&s.word(i)) {
            i += 1;
            number(s.word(i))
        } else {
            None
        };
        match id {
            Some(id) => {
                ids.push(id);
                i = more_ids(s, i + 1, &mut ids);
                s.take(start, i);
            }
            None => i = start + 1,
        }
    }
    ids
}

/// A bare number right at `i` ("move 5 to tomorrow", "reopen 3"), taken if found.
pub(super) fn take_leading_number(s: &mut Sentence, i: usize) -> Option<i64> {
    let id = number(s.word(i)).filter(|_| s.is_free(i))?;
    s.take(i, i + 1);
    Some(id)
}

/// After one id, the list goes on with "3, 4 and 5" or "#4 & #5".
fn more_ids(s: &Sentence, mut i: usize, ids: &mut Vec<i64>) -> usize {
    loop {
        let joiner = usize::from(matches!(s.word(i), "and" | "&" | "or") && s.is_free(i));
        match number(s.word(i + joiner)).filter(|_| s.is_free(i + joiner)) {
            Some(id) => {
                ids.push(id);
                i += joiner + 1;
            }
            None => return i,
        }
    }
}

/// The key words are only numbers ("3", "3 and 4").
fn numbers_only(s: &Sentence, words: &[usize]) -> Option<Vec<i64>> {
    let mut ids = Vec::new();
    for &i in words {
        match s.word(i) {
            "and" | "&" | "" => {}
            word => ids.push(number(word)?),
        }
    }
    (!ids.is_empty()).then_some(ids)
}

/// "3" or "#3".
fn number(word: &str) -> Option<i64> {
    hash_number(word).or_else(|| digits(word).map(i64::from))
}

fn hash_number(word: &str) -> Option<i64> {
    word.strip_prefix('#').and_then(digits).map(i64::from)
}
