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
    common::metrics::record_rail("reply_from_tools");
    builtin::summarise(records, dates)
}

/// The answer that ends with `question`: after what the model said, or else what this turn
/// changed, if anything (its look-ups alone are not the answer).
pub fn asking(
    text: &str,
    question: &str,
    records: &[ToolCallRecord],
    dates: &DateContext,
) -> String {
    let changes = changes(records);
    let before = match text.trim() {
        "" if changes.is_empty() => return question.to_owned(),
        "" => {
            common::metrics::record_rail("reply_from_tools");
            builtin::summarise(&changes, dates)
        }
        said => said.to_owned(),
    };
    format!("{before} {question}")
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
    let changes = changes(records);
    let said = if changes.is_empty() {
        records
    } else {
        &changes
    };
    Some(builtin::summarise(said, dates))
}

/// The calls of `records` that changed something.
fn changes(records: &[ToolCallRecord]) -> Vec<ToolCallRecord> {
    records
        .iter()
        .filter(|r| r.tool != "list_tasks" && r.result.get("error").is_none())
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;
    use common::dates::Zone;
    use serde_json::json;

    use super::*;

    fn listed(arguments: serde_json::Value, result: serde_json::Value) -> String {
        let now = chrono::Utc.with_ymd_and_hms(2026, 12, 4, 10, 0, 0).unwrap();
        let record = ToolCallRecord {
            tool: "list_tasks".into(),
            arguments,
            result,
        };
        final_text("", &[record], &DateContext::new(now, Zone::UTC))
    }

    #[test]
    fn an_empty_answer_after_an_empty_narrowed_listing_says_what_was_asked() {
        // A small model looking for "the rent" with a filter of its own: the list is not empty.
        assert_eq!(
            listed(json!({"due": "today", "limit": 10}), json!([])),
            "You have nothing due today."
        );
        assert_eq!(
            listed(json!({"query": "rent"}), json!([])),
            "I couldn't find any tasks matching “rent”."
        );
        assert_eq!(
            listed(json!({"priority": "High", "status": "pending"}), json!([])),
            "You have no high-priority tasks."
        );
        assert_eq!(
            listed(json!({"due_after": "2026-12-10"}), json!([])),
            "No tasks match that."
        );
        assert_eq!(
            listed(json!({"due": "someday"}), json!([])),
            "No tasks match that."
        );
        assert_eq!(
            listed(json!({"limit": 50, "sort": "due_date"}), json!([])),
            "Your list is empty. Try “add buy milk tomorrow” to get started."
        );
    }
}
