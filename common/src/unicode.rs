//! Characters that change how text looks without being seen: Unicode's format characters
//! (general category Cf) such as the zero-width space (U+200B) and the right-to-left override
//! (U+202E). In a title they hide or reorder what a person reads; in an email address they
//! make look-alike accounts.

use unicode_general_category::{GeneralCategory, get_general_category};

/// The zero-width joiner and non-joiner: format characters that real text needs (emoji
/// sequences such as 👩‍💻, and Persian, Indic and other scripts).
const JOINERS: [char; 2] = ['\u{200C}', '\u{200D}'];

/// True for any format character (Cf).
pub fn is_format(c: char) -> bool {
    get_general_category(c) == GeneralCategory::Format
}

/// True for a format character that text shown to people has no need of: every Cf but the
/// joiners.
pub fn is_hidden_format(c: char) -> bool {
    is_format(c) && !JOINERS.contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_characters_are_told_from_the_joiners_text_needs() {
        for c in ['\u{200B}', '\u{202E}', '\u{2066}', '\u{FEFF}', '\u{00AD}'] {
            assert!(is_hidden_format(c), "{:?}", c);
        }
        for c in ['a', 'é', '\u{200D}', '\u{200C}', '👩'] {
            assert!(!is_hidden_format(c), "{:?}", c);
        }
        assert!(is_format('\u{200D}'));
    }
}
