//! The fixed sentences: help, greetings, and the questions asked back when a request is
//! missing something.

use chrono::NaiveDate;
use common::dates::DateContext;

use super::followup::{OFFER, QUESTION};
use super::format::{self, join_and, named, quoted, task_line};
use super::intent::{Action, Ask, ListFilter};
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

/// Several tasks match the words: ask which one (with their due dates, so "the one due
/// tomorrow" can answer).
pub(super) fn which_one(query: &str, tasks: &[&TaskView], ctx: &DateContext) -> String {
    const SHOWN: usize = 5;
    let mut items: Vec<String> = tasks
        .iter()
        .take(SHOWN)
        .map(|t| match t.due {
            Some(due) => format!("#{} {} (due {})", t.id, t.title, format::due(due, ctx)),
            None => format!("#{} {}", t.id, t.title),
        })
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

/// Only a loose match was found: confirm it first.
pub(super) fn did_you_mean(action: &Action, query: &str, task: &TaskView) -> String {
    let command = match action {
        Action::Complete => "complete",
        Action::Delete => "delete",
        Action::Update(_) => "update",
    };
    format!(
        "I couldn't find a task matching {} exactly. Did you mean {}? Say “yes” to {command} \
         it, or “{command} task {}”.",
        quoted(query),
        named(&task.title, task.id),
        task.id
    )
}

/// A question about a task that no task matches but loosely.
pub(super) fn not_found_but(query: &str, task: &TaskView) -> String {
    format!(
        "I couldn't find a task matching {}. Did you mean {}?",
        quoted(query),
        named(&task.title, task.id)
    )
}

/// The answer to a question about one task.
pub(super) fn found(ask: Ask, task: &TaskView, ctx: &DateContext) -> String {
    let name = named(&task.title, task.id);
    let due = task
        .due
        .map(|d| format!(", due {}", format::due_words(d, ctx)))
        .unwrap_or_default();
    match ask {
        Ask::Exists if task.completed => format!("Yes — {name} is on your list, already done."),
        Ask::Exists => format!("Yes — {name} is on your list{due}."),
        Ask::Done if task.completed => format!("Yes — you finished {name}."),
        Ask::Done => format!("Not yet — {name} is still open{due}."),
        Ask::When => match task.due {
            Some(d) => format!("{name} is due {}.", format::due_words(d, ctx)),
            None => format!("{name} has no due date."),
        },
        Ask::Show => {
            let mut text = format!("Here it is:\n{}", task_line(task, ctx));
            if let Some(note) = &task.description {
                text.push_str(&format!("\n  Note: {note}"));
            }
            text
        }
    }
}

/// The answer to a question several tasks match.
pub(super) fn found_many(
    ask: Ask,
    query: Option<&str>,
    tasks: &[&TaskView],
    ctx: &DateContext,
) -> String {
    let lines: Vec<String> = tasks.iter().map(|t| task_line(t, ctx)).collect();
    let head = match (query, ask) {
        (None, _) | (_, Ask::Show) => "Here they are:".to_owned(),
        (Some(query), _) => format!("I found {} tasks matching {}:", tasks.len(), quoted(query)),
    };
    format!("{head}\n{}", lines.join("\n"))
}

/// Task numbers that are not on the user's list.
pub(super) fn no_such_ids(ids: &[i64]) -> String {
    let numbers: Vec<String> = ids.iter().map(|id| id.to_string()).collect();
    format!(
        "I couldn't find task {} on your list. Say “show my tasks” to see your list.",
        join_and(&numbers)
    )
}

/// "the one due tomorrow", but none of them is.
pub(super) fn none_due_then(day: NaiveDate) -> String {
    format!(
        "None of those is due on {}. Tell me the task's number instead.",
        day.format("%A, %B %-d")
    )
}

/// A bulk action with nothing to act on.
pub(super) fn nothing_for_each(action: &Action, filter: &ListFilter) -> String {
    match action {
        Action::Delete => nothing_to_clear(),
        Action::Complete => "You have no open tasks to complete — nice!".to_owned(),
        Action::Update(_) => match filter.due {
            Some(due) => format!("You have no open tasks {}.", due.words()),
            None => "You have no open tasks to change.".to_owned(),
        },
    }
}

/// "the first one" without a listing to count in.
pub(super) fn no_listing() -> String {
    "Which one do you mean? I haven't shown you a list to count in yet — say “show my tasks”, \
     or tell me the task's number."
        .to_owned()
}

pub(super) fn ask_which_task() -> String {
    "Which task do you mean? Tell me its number (like “#3”) or a word from its title.".to_owned()
}

/// A request only a person or another app can carry out.
pub(super) fn elsewhere(task: Option<&str>) -> String {
    match task {
        Some(title) => format!(
            "I can't do that myself — I can only manage your to-do list. {OFFER} {} as a task?",
            quoted(title)
        ),
        None => "Sorry, I can't help with that — I can only manage your to-do list.".to_owned(),
    }
}

/// "what's on Alice's list?"
pub(super) fn others_list(name: &str) -> String {
    format!("I can only see your own tasks, not {name}'s. Say “show my tasks” to see yours.")
}

/// "never mind".
pub(super) fn dismissed() -> String {
    "No problem — I've left your list as it is.".to_owned()
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
