//! Splits a message into the requests it holds: "add pick up the parcel and show my list",
//! "finished the taxes, and make the car service high priority", "I bought the milk and paid
//! the rent", "show me what's overdue and what's due tomorrow".
//!
//! A new request starts only where a command starts: after a clause break (a comma, a full
//! stop) or a joiner ("and", "so", "then") comes a command word ("show", "delete", "mark …",
//! "what's …", "take that off my list") or a deed in the past ("I paid …"). Everything else
//! stays with the request before it — the items of an add ("buy eggs, call Sam and water the
//! plants"), its date or priority ("…, Saturday at 7pm, important!"), a reason ("cancel the
//! haircut, I'm growing it out"). After a bare joiner only an unmistakable command splits, so
//! "buy eggs and make pancakes" stays one request, and a deed only after another deed ("I
//! bought the milk and paid the rent"). Nothing inside quotes is split.

use super::stem;
use super::verbs::{self, Kind};
use super::words::Sentence;

/// Words that join requests and may come before the next one's command.
const JOINERS: &[&str] = &["and", "then", "so", "but", "also", "plus"];

/// Words between a joiner and a command ("and can you …", "so please …").
const LEADS: &[&[&str]] = &[
    &["can", "you"],
    &["could", "you"],
    &["would", "you"],
    &["will", "you"],
    &["you", "can"],
    &["you", "could"],
    &["can", "u"],
    &["go", "ahead", "and"],
    &["please"],
    &["pls"],
    &["just"],
    &["also"],
    &["then"],
    &["and"],
    &["oh"],
    &["actually"],
    &["now"],
    &["lets"],
];

/// Command words that start a request even after a bare "and".
const UNMISTAKABLE: &[&str] = &[
    "add", "remind", "show", "list", "display", "whats", "what", "which", "tell", "give", "delete",
    "remove", "mark", "rename", "reopen", "complete", "undo", "how",
];

/// Words before a deed in the past ("I paid …", "we finally bought …").
const SUBJECT: &[&str] = &[
    "i", "we", "ive", "weve", "just", "finally", "already", "also",
];

/// The requests of `text`, each as the text it was said in.
pub(super) fn split(text: &str) -> Vec<String> {
    let s = Sentence::new(text);
    let quoted = quoted_tokens(&s);
    let mut starts = vec![0];
    // "I bought the milk and paid the rent": after a deed, a bare "and" may start another.
    let mut in_deeds = matches!(command_at(&s, 0), Some(Begin::Deed));
    for i in 1..s.len() {
        if quoted[i] && quoted[i - 1] {
            continue;
        }
        let after_break = s.ends_clause(i - 1);
        if !(after_break || JOINERS.contains(&s.word(i))) {
            continue;
        }
        let begins = command_at(&s, i);
        let splits = match begins {
            Some(Begin::Command { unmistakable }) => after_break || unmistakable,
            Some(Begin::Deed) => after_break || in_deeds,
            None => false,
        };
        if splits {
            in_deeds = matches!(begins, Some(Begin::Deed));
            starts.push(i);
        }
    }
    starts.push(s.len());
    starts
        .windows(2)
        .map(|w| s.text(&(w[0]..w[1]).collect::<Vec<_>>()))
        .collect()
}

/// How a request begins.
enum Begin {
    /// A command word; an unmistakable one starts a request even after a bare "and".
    Command { unmistakable: bool },
    /// A deed in the past: "paid the rent", "I finished the report".
    Deed,
}

/// Whether a request begins at `i`, skipping joiners and polite words.
fn command_at(s: &Sentence, mut i: usize) -> Option<Begin> {
    loop {
        if let Some(lead) = LEADS.iter().find(|p| s.matches(i, p)) {
            i += lead.len();
        } else if JOINERS.contains(&s.word(i)) {
            i += 1;
        } else {
            break;
        }
    }
    if verbs::particle(s, i).is_some() {
        // "… so take that off my list": the "off" makes it unmistakable.
        return Some(Begin::Command { unmistakable: true });
    }
    match verbs::leading(s, i) {
        // "I finished the report and I paid the rent": a deed, said with a command word.
        Some((Kind::Complete, _)) if SUBJECT.contains(&s.word(i)) => return Some(Begin::Deed),
        Some(_) => {
            let unmistakable = UNMISTAKABLE.contains(&s.word(i));
            return Some(Begin::Command { unmistakable });
        }
        None => {}
    }
    let mut k = i;
    while SUBJECT.contains(&s.word(k)) {
        k += 1;
    }
    // "got the gift" or "cut the grass" alone may be a wish; with "I" they are deeds.
    let deed = stem::past(s.word(k))
        .is_some_and(|base| k > i || (!stem::is_generic(&base) && base != s.word(k)));
    deed.then_some(Begin::Deed)
}

/// Which tokens are inside quotes ('…' or "…"), so titles are never split.
fn quoted_tokens(s: &Sentence) -> Vec<bool> {
    let mut inside = vec![false; s.len()];
    let mut open: Option<usize> = None;
    for i in 0..s.len() {
        let raw = s.raw(i);
        let trimmed = raw.trim_end_matches([',', '.', ';', ':', '!', '?']);
        match open {
            None if raw.starts_with(['\'', '"', '‘', '“']) && raw.chars().count() > 1 => {
                if trimmed.ends_with(['\'', '"', '’', '”']) && trimmed.chars().count() > 2 {
                    continue;
                }
                open = Some(i);
            }
            Some(start) if trimmed.ends_with(['\'', '"', '’', '”']) => {
                for flag in inside.iter_mut().take(i + 1).skip(start) {
                    *flag = true;
                }
                open = None;
            }
            _ => {}
        }
    }
    inside
}
