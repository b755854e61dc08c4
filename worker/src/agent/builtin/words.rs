//! Title and description helpers of the builtin model's parsers; the words of an utterance
//! and the bookkeeping of which ones a parser has used ([`Sentence`]) are in
//! [`common::text`], shared with the date parser.

pub(super) use common::text::{Sentence, WordList, Words, count, digits, is_dash};

/// Drops words in `lead` from the start of `indices` and words in `trail` from its end (by
/// their normalised spelling), and tokens that are only punctuation.
pub(super) fn trim_edges(
    s: &Sentence,
    indices: &[usize],
    lead: &(impl Words + ?Sized),
    trail: &(impl Words + ?Sized),
) -> Vec<usize> {
    let empty = |i: usize| s.word(i).is_empty();
    let start = indices
        .iter()
        .position(|&i| !(empty(i) || lead.has_word(s.word(i))));
    let end = indices
        .iter()
        .rposition(|&i| !(empty(i) || trail.has_word(s.word(i))));
    match (start, end) {
        (Some(a), Some(b)) if a <= b => indices[a..=b].to_vec(),
        _ => Vec::new(),
    }
}

/// Punctuation and quotes that never start or end a title.
const EDGE_MARKS: &[char] = &[
    ',', '.', ';', ':', '!', '?', '-', '–', '—', '"', '“', '”', '\'', '‘', '’',
];

/// Trims white space, punctuation and quotes from both ends of a title or description.
pub(super) fn clean_edges(text: &str) -> String {
    text.trim_matches(|c: char| c.is_whitespace() || EDGE_MARKS.contains(&c))
        .to_owned()
}

/// Upper-cases the first letter.
pub(super) fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
