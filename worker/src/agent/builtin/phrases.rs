//! The fixed sentences: help, greetings, and the questions asked back when a request is
//! missing something.

use super::followup::QUESTION;
use super::format::{join_and, named, quoted};
use super::intent::Action;
use super::results::TaskView;

const EXAMPLES: &str = "Try: “add buy milk tomorrow”, “show my tasks”, “what's left?”, \
                        “mark task 3 as done”, “delete the groceries task”, or “push the report \
                        to Friday and make it urgent”.";

pub(super) fn help() -> String {
    format!("I can add, list, complete, update and delete your tasks. {EXAMPLES}")
}

pub(super) fn greeting() -> String {
    format!("Hi! I'm your task assistant. {EXAMPLES}")
}

pub(super) fn thanks() -> String {
    "Happy to help! Anything else for your list?".to_owned()
}

pub(super) fn unknown() -> String {
    format!("Sorry, I didn't quite get that. {EXAMPLES}")
}

pub(super) fn ask_title() -> String {
    "What should the task be? For example: “add buy milk tomorrow”.".to_owned()
}

pub(super) fn ask_target(action: &Action) -> String {
    let what = match action {
        Action::Complete => "Which task should I mark as done?",
        Action::Delete => "Which task should I delete?",
        Action::Update(_) => "Which task should I change?",
    };
    format!("{what} Tell me its number (like “#3”) or a word from its title.")
}

pub(super) fn ask_changes() -> String {
    "What should I change? I can rename a task or change its priority, due date or \
     description — for example “move task 3 to Friday” or “make #2 urgent”."
        .to_owned()
}

pub(super) fn refuse_delete_all() -> String {
    "I won't delete all your tasks at once, since that can't be undone. You can delete them \
     one by one (“delete task 3”) or clear the finished ones (“clear completed tasks”)."
        .to_owned()
}

pub(super) fn nothing_to_clear() -> String {
    "You have no completed tasks to clear.".to_owned()
}

pub(super) fn gave_up() -> String {
    "Sorry, I couldn't finish that. Could you tell me the task's number?".to_owned()
}

/// Several tasks match the words: ask which one.
pub(super) fn which_one(query: &str, tasks: &[&TaskView]) -> String {
    const SHOWN: usize = 5;
    let mut items: Vec<String> = tasks
        .iter()
        .take(SHOWN)
        .map(|t| format!("#{} {}", t.id, t.title))
        .collect();
    if tasks.len() > SHOWN {
        items.push(format!("{} more", tasks.len() - SHOWN));
    }
    format!(
        "I found {} tasks matching {}: {}. {QUESTION} Tell me its number.",
        tasks.len(),
        quoted(query),
        items.join(", ")
    )
}

pub(super) fn no_match(query: &str) -> String {
    format!(
        "I couldn't find a task matching {}. Say “show my tasks” to see your list.",
        quoted(query)
    )
}

/// Only a loose match was found for a deletion: confirm it first.
pub(super) fn did_you_mean(query: &str, task: &TaskView) -> String {
    format!(
        "I couldn't find a task matching {} exactly. Did you mean {}? Say “delete task {}” to \
         delete it.",
        quoted(query),
        named(&task.title, task.id),
        task.id
    )
}

/// The only matching task is already in the state asked for.
pub(super) fn already(action: &Action, task: &TaskView) -> String {
    let state = if action.reopens() { "open" } else { "done" };
    format!("{} is already {state}.", named(&task.title, task.id))
}

/// "“A” (#1), “B” (#2) and “C” (#3)".
pub(super) fn named_list(items: &[(String, i64)]) -> String {
    let names: Vec<String> = items.iter().map(|(t, id)| named(t, *id)).collect();
    join_and(&names)
}
