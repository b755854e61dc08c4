//! Any text at all gets an answer: thousands of generated utterances, mixing command words,
//! dates, numbers, punctuation and other scripts, run through whole turns without a panic and
//! within the step bound.

use super::fake::{FakeTools, chat};

const VOCABULARY: &[&str] = &[
    "add",
    "delete",
    "mark",
    "done",
    "not",
    "task",
    "#3",
    "3",
    "the",
    "milk",
    "report",
    "by",
    "friday",
    "next",
    "week",
    "in",
    "days",
    "at",
    "5pm",
    "17:00",
    "tomorrow",
    "urgent",
    "low",
    "priority",
    "-",
    "—",
    ":",
    "note:",
    "with",
    "description",
    "to",
    "rename",
    "it",
    "all",
    "completed",
    "what's",
    "left?",
    "show",
    "find",
    "about",
    "“quoted",
    "title”",
    "\"",
    "dec",
    "31st",
    "2026-02-30",
    "the",
    "1st",
    "of",
    "may",
    "and",
    "#",
    "99999999999",
    "ünïcödé",
    "日本",
    "🙂",
    "move",
    "push",
    "reopen",
    "clear",
    "everything",
    "which",
    "one",
    "first",
    "help",
    "hi",
    "0",
    "12am",
    "in",
    "the",
    "evening",
    "a",
    "couple",
    "of",
    "weeks",
    "from",
    "now",
    "set",
];

/// A small deterministic generator, so failures can be replayed.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        usize::try_from(self.0 >> 33).unwrap_or(0) % below.max(1)
    }
}

#[test]
fn generated_utterances_always_get_an_answer_within_four_steps() {
    let mut random = Lcg(7);
    for _ in 0..3000 {
        let words = 1 + random.next(9);
        let text: Vec<&str> = (0..words)
            .map(|_| VOCABULARY[random.next(VOCABULARY.len())])
            .collect();
        let text = text.join(" ");
        let mut tools = FakeTools::with(&[("Buy milk", false), ("Write report", true)]);

        let (answer, chat) = chat(&mut tools, &text);

        assert!(!answer.is_empty(), "{text:?} got no answer");
        assert!(chat.steps <= 4, "{text:?} took {} steps", chat.steps);
    }
}
