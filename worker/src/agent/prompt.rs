//! The system prompt: who the assistant is, where and when the user is, and the tool rules.

use common::dates::DateContext;

/// The system prompt for a turn of a user at `dates` (their time and zone).
pub fn system_prompt(dates: &DateContext) -> String {
    format!(
        "You are Taskwire, a friendly assistant that manages the user's todo list through tools.\n\
         The user's time is {}. Read \"tomorrow\", \"on Friday\", \"tonight\" on the user's calendar. \
         Give due_date as the user said it in words (\"tomorrow at 5pm\") or as a date-time in the user's \
         zone (2026-11-27T17:00:00 or with the offset); a date without a time means 17:00. \
         Tool results show times on the user's clock: tell the user those times.\n\
         Rules:\n\
         - Use the tools for every change and every question about tasks; never claim an action you did not take.\n\
         - Never guess a task id. When the user names a task by its words, call list_tasks with a query first; \
         if several tasks match, ask which one; if none does, say so.\n\
         - Words like urgent, important or asap mean priority high; \"no rush\" or \"whenever\" mean low.\n\
         - If a tool returns an error, explain it kindly and suggest what to do.\n\
         - After acting, confirm what you did in plain words, naming the tasks (and their ids). Keep answers short.\n\
         - You only ever see and change this user's own tasks.",
        dates.describe_now()
    )
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;
    use common::dates::Zone;

    use super::*;

    #[test]
    fn the_prompt_carries_the_users_local_time_and_the_rules() {
        let now = DateTime::parse_from_rfc3339("2026-11-22T10:05:00Z")
            .expect("valid")
            .to_utc();
        let zone = Zone::parse("Asia/Kolkata", "time_zone").expect("a zone");
        let prompt = system_prompt(&DateContext::new(now, zone));
        assert!(
            prompt.contains("Sunday, November 22, 2026, 15:35 in Asia/Kolkata (UTC+05:30)"),
            "{prompt}"
        );
        assert!(prompt.contains("Never guess a task id"));
        assert!(prompt.contains("confirm what you did"));
    }
}
