//! Repairs typing slips in the words the parsers key on ("delte the gym task", "shwo my taks",
//! "mark milk as dnoe", "move it to firday") before anything else reads the message, and the
//! one-slip comparison the title matcher uses ("bred" finds "Buy bread").
//!
//! A slip is one letter missing, one letter too many, or two neighbouring letters swapped, in
//! a word of four letters or more whose first letter is right. A wrong letter in place of a
//! right one is not repaired: it too often turns one real word into another ("shop" → "show",
//! "park" → "mark", "remote" → "remove"). A word is repaired only where its keyword is
//! expected: command verbs where a command starts, status words where a status is said, day
//! and month names and priority words anywhere — so "learn Finnish" keeps its title.

use super::stem;

/// Keywords repaired anywhere: dates and priorities.
const ANYWHERE: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "april",
    "august",
    "september",
    "october",
    "november",
    "december",
    "tomorrow",
    "today",
    "tonight",
    "priority",
    "urgent",
    "important",
    "overdue",
    "description",
];

/// Command verbs, repaired where a command starts.
const COMMANDS: &[&str] = &[
    "delete",
    "remove",
    "update",
    "change",
    "show",
    "list",
    "mark",
    "complete",
    "finish",
    "remember",
    "remind",
    "rename",
    "reschedule",
    "postpone",
    "cancel",
    "reopen",
    "search",
    "create",
    "display",
    "check",
    "clear",
    "modify",
];

/// Status words, repaired after "as", "is", "what's" and the like, or at the very end.
const STATUS: &[&str] = &[
    "done",
    "left",
    "completed",
    "finished",
    "pending",
    "task",
    "tasks",
];

/// Words after which a status word is expected ("mark milk as dnoe", "whats lfet").
const STATUS_LEADS: &[&str] = &[
    "as", "is", "are", "whats", "thats", "all", "been", "my", "the", "your", "any", "show",
];

/// Words that may come before a command without being one ("can you delte …").
const LEADS: &[&str] = &[
    "please", "pls", "can", "could", "would", "you", "u", "just", "and", "then", "also", "so",
    "ok", "okay", "hey", "hi", "oh", "now", "actually", "i", "id", "like", "to", "want",
];

/// Real words one slip away from a keyword, never repaired ("Finnish lessons on Monday").
const REAL: &[&str] = &["finnish", "crate"];

/// Common slips of short words, which the one-slip rule leaves alone.
const SHORT: &[(&str, &str)] = &[("teh", "the"), ("hte", "the"), ("adn", "and")];

/// `text` with its slips repaired, word by word; everything else is kept as typed.
pub(super) fn repair(text: &str) -> String {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let mut out: Vec<String> = Vec::with_capacity(tokens.len());
    let mut command_at = true;
    for (i, token) in tokens.iter().enumerate() {
        let (lead, core, tail) = split_token(token);
        let lower = core.to_lowercase();
        let previous = i
            .checked_sub(1)
            .map(|p| normal(tokens[p]))
            .unwrap_or_default();
        let last = i + 1 == tokens.len();
        let next = tokens.get(i + 1).map(|t| normal(t)).unwrap_or_default();
        let fixed = fix(&lower, command_at, &previous, last, &next);
        out.push(match fixed {
            Some(word) => format!("{lead}{word}{tail}"),
            None => (*token).to_owned(),
        });
        command_at = (command_at && LEADS.contains(&lower.as_str())) || ends_clause(token);
    }
    out.join(" ")
}

/// The repair of one lower-case word, given where it stands.
fn fix(word: &str, command_at: bool, previous: &str, last: bool, next: &str) -> Option<String> {
    if let Some((_, right)) = SHORT.iter().find(|(slip, _)| *slip == word) {
        return Some((*right).to_owned());
    }
    // "ad buy milk": "add" is too short for the slip rule, so only before a task's verb.
    if command_at && word == "ad" && stem::is_task_verb(next) {
        return Some("add".to_owned());
    }
    let mut lists: Vec<&[&str]> = vec![ANYWHERE];
    if command_at {
        lists.push(COMMANDS);
    }
    // "mark milk as dnoe", "whats lfet", "complete taks 3".
    if last || STATUS_LEADS.contains(&previous) || next.chars().all(|c| c.is_ascii_digit()) {
        lists.push(STATUS);
    }
    closest(word, &lists).map(str::to_owned)
}

/// The one keyword `word` is a slip of; a swap wins over a missing or extra letter.
fn closest<'a>(word: &str, lists: &[&[&'a str]]) -> Option<&'a str> {
    let known = |w: &str| lists.iter().any(|l| l.contains(&w)) || REAL.contains(&w);
    if word.chars().count() < 4 || !word.chars().all(char::is_alphabetic) || known(word) {
        return None;
    }
    let candidates: Vec<&str> = lists
        .iter()
        .flat_map(|l| l.iter().copied())
        .filter(|k| near(word, k) && !inflected(word, k))
        .collect();
    let swaps: Vec<&str> = candidates
        .iter()
        .copied()
        .filter(|k| k.len() == word.len())
        .collect();
    match (swaps.as_slice(), candidates.as_slice()) {
        ([one], _) | ([], [one]) => Some(one),
        _ => None,
    }
}

/// "tasks", "deleted", "shows": a keyword with an ending is a word of its own, not a slip.
fn inflected(word: &str, keyword: &str) -> bool {
    word.len() == keyword.len() + 1 && word.starts_with(keyword)
}

/// True when `typed` is `word` with one slip: a letter missing, one too many, or two
/// neighbours swapped. Both have four letters or more and start with the same letter.
pub(super) fn near(typed: &str, word: &str) -> bool {
    let a: Vec<char> = typed.chars().collect();
    let b: Vec<char> = word.chars().collect();
    if a.len().min(b.len()) < 4 || a.first() != b.first() || a == b {
        return false;
    }
    match a.len().abs_diff(b.len()) {
        0 => swapped(&a, &b),
        1 if a.len() > b.len() => one_extra(&a, &b),
        1 => one_extra(&b, &a),
        _ => false,
    }
}

fn swapped(a: &[char], b: &[char]) -> bool {
    let Some(i) = (0..a.len()).find(|&i| a[i] != b[i]) else {
        return false;
    };
    i + 1 < a.len() && a[i] == b[i + 1] && a[i + 1] == b[i] && a[i + 2..] == b[i + 2..]
}

fn one_extra(long: &[char], short: &[char]) -> bool {
    let i = (0..short.len())
        .find(|&i| long[i] != short[i])
        .unwrap_or(short.len());
    long[i + 1..] == short[i..]
}

/// Splits punctuation and quotes off both ends of a token.
fn split_token(token: &str) -> (&str, &str, &str) {
    let start = token
        .find(|c: char| c.is_alphanumeric())
        .unwrap_or(token.len());
    let end = token
        .rfind(|c: char| c.is_alphanumeric())
        .map_or(start, |i| {
            i + token[i..].chars().next().map_or(1, char::len_utf8)
        });
    (&token[..start], &token[start..end], &token[end..])
}

/// A token as the parsers compare it: lower case, without apostrophes and edge punctuation.
fn normal(token: &str) -> String {
    let (_, core, _) = split_token(token);
    core.chars()
        .filter(|c| !matches!(c, '\'' | '’'))
        .flat_map(char::to_lowercase)
        .collect()
}

fn ends_clause(token: &str) -> bool {
    token.ends_with([',', ';', '.', '!', '?'])
}
