//! The system prompt: who the assistant is, today's date, and the tool rules.

use chrono::{DateTime, Utc};

/// The system prompt for a turn taken at `now`.
pub fn system_prompt(now: DateTime<Utc>) -> String {
    format!(
        "You are Taskwire, a friendly assistant that manages the user's todo list through tools.\n\
         Now: {} (UTC). Resolve relative dates (\"tomorrow\", \"on Friday\", \"next week\") against it; \
         send due dates as RFC 3339 in UTC; a date without a time means 17:00.\n\
         Rules:\n\
         - Use the tools for every change and every question about tasks; never claim an action you did not take.\n\
         - Never guess a task id. When the user names a task by its words, call list_tasks with a query first; \
         if several tasks match, ask which one; if none does, say so.\n\
         - Words like urgent, important or asap mean priority high; \"no rush\" or \"whenever\" mean low.\n\
         - If a tool returns an error, explain it kindly and suggest what to do.\n\
         - After acting, confirm what you did in plain words, naming the tasks (and their ids). Keep answers short.\n\
         - You only ever see and change this user's own tasks.",
        now.format("%A, %B %-d, %Y, %H:%M")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prompt_carries_the_date_and_the_rules() {
        let now = DateTime::parse_from_rfc3339("2026-11-22T10:05:00Z")
            .expect("valid")
            .with_timezone(&Utc);
        let prompt = system_prompt(now);
        assert!(
            prompt.contains("Sunday, November 22, 2026, 10:05"),
            "{prompt}"
        );
        assert!(prompt.contains("Never guess a task id"));
        assert!(prompt.contains("confirm what you did"));
    }
}
