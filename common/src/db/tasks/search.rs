//! Search: a listing's `query` matched against a task's title, tags and description.
//!
//! The query's words are matched as English word stems, each as a prefix ("dentist" finds
//! "Dentist appointment", "dent" too, "meetings" finds "meeting"), all of them required, through
//! the indexed `task_search_vector` (see its migration). Words that only point at a task
//! ("the dentist one", "the milk thing") are left out. A query without any word (only
//! punctuation or symbols) is matched as text, case-insensitively, instead.

use sqlx::{Postgres, QueryBuilder};

/// Words that name no task, only point at one: left out of a search that has other words.
const POINTING_WORDS: &[&str] = &[
    "one", "ones", "task", "tasks", "thing", "things", "item", "items", "todo", "todos", "stuff",
];

/// The most words a search uses (the rest are ignored).
const MAX_WORDS: usize = 16;

/// A search as a statement uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Search {
    /// A `to_tsquery` text: `word:* & word:*`, words of letters and digits only.
    Words(String),
    /// An ILIKE pattern, for a query without words.
    Text(String),
}

impl Search {
    pub(crate) fn new(query: &str) -> Self {
        let mut words: Vec<String> = query
            .split(|c: char| !c.is_alphanumeric())
            .filter(|word| !word.is_empty())
            .map(str::to_lowercase)
            .collect();
        if words
            .iter()
            .any(|word| !POINTING_WORDS.contains(&word.as_str()))
        {
            words.retain(|word| !POINTING_WORDS.contains(&word.as_str()));
        }
        let mut seen = std::collections::HashSet::new();
        words.retain(|word| seen.insert(word.clone()));
        words.truncate(MAX_WORDS);
        if words.is_empty() {
            return Self::Text(like_pattern(query));
        }
        let terms: Vec<String> = words.iter().map(|word| format!("{word}:*")).collect();
        Self::Words(terms.join(" & "))
    }

    /// ` and <the task matches>`.
    pub(crate) fn push_condition(&self, query: &mut QueryBuilder<Postgres>) {
        match self {
            Self::Words(terms) => {
                query
                    .push(" and task_search_vector(title, description, tags) @@ to_tsquery('english', ")
                    .push_bind(terms.clone())
                    .push(")");
            }
            Self::Text(pattern) => {
                query
                    .push(" and (title ilike ")
                    .push_bind(pattern.clone())
                    .push(" escape '\\' or description ilike ")
                    .push_bind(pattern.clone())
                    .push(" escape '\\' or array_to_string(tags, ' ') ilike ")
                    .push_bind(pattern.clone())
                    .push(" escape '\\')");
            }
        }
    }

    /// `<how well a task matches> desc, ` at the start of an order: a title or tag match
    /// weighs more than a description match. A text search ranks every match alike (nothing).
    pub(crate) fn push_rank_order(&self, query: &mut QueryBuilder<Postgres>) {
        if let Self::Words(terms) = self {
            query
                .push(
                    "ts_rank(task_search_vector(title, description, tags), to_tsquery('english', ",
                )
                .push_bind(terms.clone())
                .push(")) desc, ");
        }
    }
}

/// Escapes `%`, `_` and `\` so user text matches literally inside an ILIKE pattern.
pub(crate) fn like_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_pattern_escapes_wildcards() {
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }

    #[test]
    fn words_become_prefix_terms_all_required() {
        assert_eq!(
            Search::new("Dentist appointment"),
            Search::Words("dentist:* & appointment:*".into())
        );
        assert_eq!(
            Search::new("Zahnärzte!"),
            Search::Words("zahnärzte:*".into())
        );
    }

    #[test]
    fn pointing_words_are_left_out_unless_alone() {
        assert_eq!(
            Search::new("the dentist one"),
            Search::Words("the:* & dentist:*".into())
        );
        assert_eq!(
            Search::new("the milk thing"),
            Search::Words("the:* & milk:*".into())
        );
        assert_eq!(Search::new("one"), Search::Words("one:*".into()));
    }

    #[test]
    fn tsquery_syntax_cannot_get_in() {
        let Search::Words(terms) = Search::new("a:* | !b & (c) <-> 'd'") else {
            panic!("words expected");
        };
        assert_eq!(terms, "a:* & b:* & c:* & d:*");
    }

    #[test]
    fn a_query_without_words_is_matched_as_text() {
        assert_eq!(Search::new("100%"), Search::Words("100:*".into()));
        assert_eq!(Search::new("?!"), Search::Text("%?!%".into()));
    }
}
