//! The reply when the model's own is missing: an empty answer, or a turn stopped at the step
//! limit. It is written from what the tools did and returned, never from the model's text, so
//! a not-found is reported as one and nothing is confirmed that did not happen.

use common::{dates::DateContext, jobs::ToolCallRecord};

use crate::agent::builtin;

/// The answer: what the model said, or, when it said nothing, what the tools did in words
/// (so a not-found is reported as one, never as "Done.").
pub fn final_text(text: &str, records: &[ToolCallRecord], dates: &DateContext) -> String {
    let text = text.trim();
    if !text.is_empty() {
        return text.to_owned();
    }
    if records.is_empty() {
        return "Sorry, I don't have an answer to that. Could you say it another way?".to_owned();
    }
    builtin::summarise(records, dates)
}

/// The answer of a turn whose model was still calling tools after the last step. A small
/// model often goes on calling tools (listing again, repeating itself in other words) after it
/// did what was asked: when a call succeeded, the answer says what the calls did (the changes,
/// else the look-ups). `None` when no call succeeded: the turn failed at the step limit.
pub fn step_limit_answer(records: &[ToolCallRecord], dates: &DateContext) -> Option<String> {
    if !records.iter().any(|r| r.result.get("error").is_none()) {
        return None;
    }
    // The changes, when there were any: the look-ups around them are not the answer.
    let changes: Vec<ToolCallRecord> = records
        .iter()
        .filter(|r| r.tool != "list_tasks" && r.result.get("error").is_none())
        .cloned()
        .collect();
    let said = if changes.is_empty() {
        records
    } else {
        &changes
    };
    Some(builtin::summarise(said, dates))
}
