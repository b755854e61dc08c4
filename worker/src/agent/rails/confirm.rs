//! Whether the user's message says yes: the confirmation a large destructive bulk call waits
//! for (`taskwire_bulk`). Read here, from the user's own words, so a model cannot confirm for
//! them; only a short message that is a yes counts ("yes", "yes please", "go ahead", "do it").

/// The ways of saying yes, lowercase, without punctuation.
const YES: &[&str] = &[
    "yes",
    "y",
    "yeah",
    "yep",
    "yup",
    "sure",
    "ok",
    "okay",
    "confirm",
    "confirmed",
    "do it",
    "go ahead",
    "go for it",
    "please do",
    "yes please",
    "yes do it",
    "yes go ahead",
    "yes delete them",
    "yes delete them all",
    "delete them",
    "yes i am sure",
    "yes im sure",
    "absolutely",
    "correct",
    "thats right",
    "sure go ahead",
    "ok do it",
    "okay do it",
];

/// True when `text` is a yes and nothing else.
pub fn affirms(text: &str) -> bool {
    let words: String = text
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || c.is_whitespace())
        .collect();
    let words = words.split_whitespace().collect::<Vec<_>>().join(" ");
    YES.contains(&words.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_plain_yes_confirms() {
        for yes in [
            "yes",
            "Yes!",
            "yes please",
            "OK, do it.",
            "go ahead",
            "Yep 👍",
            "yes, I'm sure",
        ] {
            assert!(affirms(yes), "{yes}");
        }
        for not in [
            "no",
            "yes but only the first two",
            "don't",
            "delete task 4",
            "",
            "not yet",
        ] {
            assert!(!affirms(not), "{not}");
        }
    }
}
