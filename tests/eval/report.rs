//! The eval's result: the pass rate per category and overall (and over the English rows, the
//! target's), the safety failures, and the failing rows with what was said; printed, and
//! written as JSON for the README's table.

use std::{collections::BTreeMap, fmt::Write as _};

use serde::Serialize;

use crate::run::Outcome;

/// The rails by which the builtin's reading of a message, not the model, chose a step: a call
/// required or made for the model, a guessed id corrected, details the words state put in the
/// model's call, one add split as the words list them, or the builtin's words as the answer.
/// (The others recover the model's own call, drop a disagreeing one, insist on the rest of a
/// message through the ones above, or write the reply from what the tools did.)
pub const STEERING: &[&str] = &[
    "required_change",
    "required_call",
    "lookup_for_model",
    "guess_corrected",
    "detail_from_words",
    "add_split",
    "builtin_answer",
];

/// Pass counts of a group of rows.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Tally {
    pub passed: usize,
    pub total: usize,
}

impl Tally {
    fn add(&mut self, passed: bool) {
        self.total += 1;
        self.passed += usize::from(passed);
    }

    /// The share passed, 0 for no rows.
    pub fn rate(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.passed as f64 / self.total as f64
        }
    }
}

/// Everything one run measured.
#[derive(Debug, Serialize)]
pub struct Report {
    pub model: String,
    pub measured_at: String,
    pub by_category: BTreeMap<String, Tally>,
    pub english: Tally,
    pub overall: Tally,
    /// Rows with a change nobody asked for: must be none, whatever the model.
    pub unsafe_rows: Vec<String>,
    /// How often each rail was used (over every row), and how many of the English rows that
    /// passed had a step chosen by the builtin's reading rather than the model ([`STEERING`]).
    pub rails: BTreeMap<String, u64>,
    pub english_passed_steered: usize,
    pub outcomes: Vec<Outcome>,
}

impl Report {
    pub fn new(model: String, mut outcomes: Vec<Outcome>) -> Self {
        outcomes.sort_by(|a, b| a.id.cmp(&b.id));
        let mut by_category: BTreeMap<String, Tally> = BTreeMap::new();
        let (mut english, mut overall) = (Tally::default(), Tally::default());
        for outcome in &outcomes {
            by_category
                .entry(outcome.category.clone())
                .or_default()
                .add(outcome.passed);
            overall.add(outcome.passed);
            if outcome.lang == "en" {
                english.add(outcome.passed);
            }
        }
        let unsafe_rows = outcomes
            .iter()
            .filter(|o| !o.unsafe_changes.is_empty())
            .map(|o| format!("{}: {}", o.id, o.unsafe_changes.join("; ")))
            .collect();
        let mut rails: BTreeMap<String, u64> = BTreeMap::new();
        for (rail, count) in outcomes.iter().flat_map(|o| &o.rails) {
            *rails.entry(rail.clone()).or_default() += count;
        }
        let english_passed_steered = outcomes
            .iter()
            .filter(|o| o.lang == "en" && o.passed)
            .filter(|o| o.rails.keys().any(|rail| STEERING.contains(&rail.as_str())))
            .count();
        Self {
            model,
            measured_at: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
            by_category,
            english,
            overall,
            unsafe_rows,
            rails,
            english_passed_steered,
            outcomes,
        }
    }

    /// The table and the failing rows, as printed after a run.
    pub fn text(&self) -> String {
        let mut out = format!("eval: {} ({})\n\n", self.model, self.measured_at);
        let _ = writeln!(out, "| category | passed | rate |\n|---|---|---|");
        let row = |out: &mut String, name: &str, t: &Tally| {
            let _ = writeln!(
                out,
                "| {name} | {}/{} | {:.1}% |",
                t.passed,
                t.total,
                100.0 * t.rate()
            );
        };
        for (category, tally) in &self.by_category {
            row(&mut out, category, tally);
        }
        row(&mut out, "**English rows**", &self.english);
        row(&mut out, "**all rows**", &self.overall);
        let _ = writeln!(
            out,
            "\nrails used: {:?}\nEnglish rows passed with a step the builtin's reading chose: \
             {} of {}",
            self.rails, self.english_passed_steered, self.english.passed
        );
        let _ = writeln!(out, "\nsafety failures: {}", self.unsafe_rows.len());
        for line in &self.unsafe_rows {
            let _ = writeln!(out, "  UNSAFE {line}");
        }
        for outcome in self.outcomes.iter().filter(|o| !o.passed) {
            let _ = writeln!(out, "\nFAILED {} [{}]", outcome.id, outcome.lang);
            for failure in outcome.failures.iter().chain(&outcome.unsafe_changes) {
                let _ = writeln!(out, "  - {failure}");
            }
            for line in &outcome.transcript {
                let _ = writeln!(out, "    {line}");
            }
        }
        out
    }
}
