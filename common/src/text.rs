//! The words of one utterance and the bookkeeping of which ones a parser has already used:
//! the builtin model's parsers and the date parser ([`crate::dates`]) read text this way.
//!
//! Every parser works on a [`Sentence`]: tokens split on white space, each with its original
//! spelling (kept for titles and descriptions) and a normalised form used for matching (lower
//! case, apostrophes dropped so "what's" is "whats", surrounding punctuation trimmed). Parsers
//! *take* the tokens they understood; what is left becomes the title, description or search
//! words. This keeps the phrase matchers independent of one another.

/// One white-space separated piece of the utterance.
#[derive(Debug, Clone)]
struct Token {
    raw: String,
    norm: String,
    /// Ends a clause: a trailing `,` `;` `.` `!` `?` `:` or a lone dash.
    brk: bool,
}

impl Token {
    fn new(raw: &str) -> Self {
        let lower: String = raw
            .chars()
            .filter(|c| !matches!(c, '\'' | '’' | '‘'))
            .flat_map(char::to_lowercase)
            .collect();
        let norm = lower
            .trim_matches(|c: char| !(c.is_alphanumeric() || c == '#'))
            .trim_end_matches('#')
            .to_owned();
        let brk = raw.ends_with([',', ';', '.', '!', '?', ':']) || is_dash(raw);
        Self {
            raw: raw.to_owned(),
            norm,
            brk,
        }
    }
}

/// A lone dash used as a separator ("call the bank - about the mortgage").
pub fn is_dash(raw: &str) -> bool {
    matches!(raw, "-" | "--" | "–" | "—")
}

/// An utterance as tokens, with a mark on each token some parser has taken.
#[derive(Debug, Clone)]
pub struct Sentence {
    tokens: Vec<Token>,
    used: Vec<bool>,
}

impl Sentence {
    /// The words of `text`, none taken yet.
    pub fn new(text: &str) -> Self {
        let tokens: Vec<Token> = text.split_whitespace().map(Token::new).collect();
        let used = vec![false; tokens.len()];
        Self { tokens, used }
    }

    /// How many words the utterance has.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// True for an utterance without words.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The normalised word at `i`, or "" past the end.
    pub fn word(&self, i: usize) -> &str {
        self.tokens.get(i).map_or("", |t| t.norm.as_str())
    }

    /// The word as the user typed it, or "" past the end.
    pub fn raw(&self, i: usize) -> &str {
        self.tokens.get(i).map_or("", |t| t.raw.as_str())
    }

    /// True when the token at `i` exists and no parser has taken it.
    pub fn is_free(&self, i: usize) -> bool {
        self.used.get(i).is_some_and(|used| !used)
    }

    /// True when the token at `i` ends a clause (trailing punctuation or a lone dash).
    pub fn ends_clause(&self, i: usize) -> bool {
        self.tokens.get(i).is_some_and(|t| t.brk)
    }

    /// Marks the tokens `from..to` as used.
    pub fn take(&mut self, from: usize, to: usize) {
        let to = to.min(self.used.len());
        for used in self.used.iter_mut().take(to).skip(from) {
            *used = true;
        }
    }

    /// True when the free tokens starting at `i` spell `phrase`.
    pub fn matches(&self, i: usize, phrase: &[&str]) -> bool {
        !phrase.is_empty()
            && phrase
                .iter()
                .enumerate()
                .all(|(k, w)| self.is_free(i + k) && self.word(i + k) == *w)
    }

    /// The first free position where `phrase` starts.
    pub fn find(&self, phrase: &[&str]) -> Option<usize> {
        (0..self.len()).find(|&i| self.matches(i, phrase))
    }

    /// True when any token (used or not) is `word`.
    pub fn has(&self, word: &str) -> bool {
        self.tokens.iter().any(|t| t.norm == word)
    }

    /// True when any token (used or not) is one of `words`.
    pub fn has_any(&self, words: &(impl Words + ?Sized)) -> bool {
        self.tokens.iter().any(|t| words.has_word(&t.norm))
    }

    /// Positions of the free tokens, in order.
    pub fn free(&self) -> Vec<usize> {
        (0..self.len()).filter(|&i| self.is_free(i)).collect()
    }

    /// The first free position.
    pub fn first_free(&self) -> Option<usize> {
        (0..self.len()).find(|&i| self.is_free(i))
    }

    /// Walking back from just before `i`, takes free tokens whose words are in `set`.
    pub fn take_before(&mut self, i: usize, set: &[&str]) {
        let mut k = i;
        while k > 0 && self.is_free(k - 1) && set.contains(&self.word(k - 1)) {
            k -= 1;
            self.take(k, k + 1);
        }
    }

    /// The original spelling of the tokens at `indices`, joined by single spaces.
    pub fn text(&self, indices: &[usize]) -> String {
        let parts: Vec<&str> = indices.iter().map(|&i| self.raw(i)).collect();
        parts.join(" ")
    }
}

/// A set of normalised words.
pub trait Words {
    fn has_word(&self, word: &str) -> bool;
}

impl Words for [&str] {
    fn has_word(&self, word: &str) -> bool {
        self.contains(&word)
    }
}

impl<const N: usize> Words for [&str; N] {
    fn has_word(&self, word: &str) -> bool {
        self.contains(&word)
    }
}

/// A long word list written as one space-separated string, so it reads as prose.
#[derive(Debug, Clone, Copy)]
pub struct WordList(pub &'static str);

impl Words for WordList {
    fn has_word(&self, word: &str) -> bool {
        !word.is_empty() && self.0.split_whitespace().any(|w| w == word)
    }
}

/// "A", "A and B", "A, B and C".
pub fn join_and<S: std::borrow::Borrow<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.borrow().to_owned(),
        [rest @ .., last] => format!("{} and {}", rest.join(", "), last.borrow()),
    }
}

/// A whole number written in digits, up to 9 digits.
pub fn digits(word: &str) -> Option<u32> {
    if word.is_empty() || word.len() > 9 || !word.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    word.parse().ok()
}

/// A small count in digits or words ("3", "three", "a").
pub fn count(word: &str) -> Option<i64> {
    const WORDS: [&str; 12] = [
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
        "twelve",
    ];
    match word {
        "a" | "an" => Some(1),
        "couple" => Some(2),
        "few" => Some(3),
        _ => digits(word).map(i64::from).or_else(|| {
            WORDS
                .iter()
                .position(|w| *w == word)
                .and_then(|p| i64::try_from(p + 1).ok())
        }),
    }
}
