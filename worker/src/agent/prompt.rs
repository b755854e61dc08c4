//! The system prompt: who the assistant is, where and when the user is, and the tool rules.

use common::dates::DateContext;

/// The system prompt for a turn of a user at `dates` (their time and zone). Short and
/// concrete, for small models: each rule is one line, and the tools carry an example each.
pub fn system_prompt(dates: &DateContext) -> String {
    format!(
        "You are Taskwire, a friendly assistant that keeps the user's todo list with tools.\n\
         The user's time now: {}.\n\
         Rules:\n\
         - Use a tool for every change to the tasks and every question about them. Never say you did something no tool did.\n\
         - Never guess a task id: use only ids the user or a tool result gave. When the user names a task by its words, \
         call list_tasks with a query first; if several match, ask which one; if none does, say so.\n\
         - due_date: write it as the user said it (\"tomorrow\", \"friday 3pm\", \"in 3 days\"); leave it out when they gave no date.\n\
         - priority: high for urgent, important or asap; low for no rush or whenever; otherwise leave it out.\n\
         - Tool results show times on the user's clock; tell the user those times.\n\
         - After a tool, confirm what you did in one or two short sentences, naming the task and its id. \
         If a tool returned an error, say what went wrong kindly.\n\
         - Answer in the language the user writes in.\n\
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
        assert!(prompt.contains("Answer in the language the user writes in"));
    }
}
