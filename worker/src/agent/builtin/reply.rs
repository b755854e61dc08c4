//! The final answer of a turn, written from the tool results: what was added, listed,
//! completed, updated or deleted, and a kind word for each tool error.

use common::dates::{DateContext, DueView};
use serde_json::Value;

use super::followup::{DID_YOU_MEAN, QUESTION};
use super::format::{self, count, named, quoted, task_line};
use super::intent::{Action, Due, Intent, ListFilter, Status};
use super::phrases::named_list;
use super::results::{self, Outcome, TaskView, ToolError};
use super::turn::{Done, Step};

/// The answer to a listing.
pub(super) fn listing(filter: &ListFilter, result: &Value, ctx: &DateContext) -> String {
    if let Some(error) = results::error(result) {
        return error_sentence(&error, None);
    }
    let Some(tasks) = results::task_list(result) else {
        return unexpected();
    };
    if tasks.is_empty() {
        return empty_listing(filter);
    }
    let lines: Vec<String> = tasks.iter().map(|t| task_line(t, ctx)).collect();
    format!("{}\n{}", listing_header(filter, &tasks), lines.join("\n"))
}

/// The answer to a listing narrowed in a way [`ListFilter`] cannot name (a model's own
/// arguments): its tasks, or that none matched — never that the list is empty.
pub(super) fn narrowed_listing(result: &Value, ctx: &DateContext) -> String {
    match results::task_list(result) {
        Some(tasks) if tasks.is_empty() => "No tasks match that.".to_owned(),
        Some(tasks) => {
            let lines: Vec<String> = tasks.iter().map(|t| task_line(t, ctx)).collect();
            format!(
                "I found {}:\n{}",
                count(tasks.len(), "task"),
                lines.join("\n")
            )
        }
        None => listing(&ListFilter::default(), result, ctx),
    }
}

fn empty_listing(filter: &ListFilter) -> String {
    if let Some(query) = &filter.query {
        return format!("I couldn't find any tasks matching {}.", quoted(query));
    }
    if let Some(tag) = &filter.tag {
        return format!("You have no tasks tagged #{tag}.");
    }
    match filter.due {
        Some(Due::View(DueView::Overdue)) => return "Nothing is overdue — nice!".to_owned(),
        Some(Due::View(DueView::NoDate)) => return "Every task has a due date.".to_owned(),
        Some(due) => return format!("You have nothing {}.", due.words()),
        None => {}
    }
    if let Some(priority) = filter.priority {
        return format!("You have no {}-priority tasks.", priority.as_str());
    }
    match filter.status {
        Some(Status::Pending) => "No open tasks — nice!".to_owned(),
        Some(Status::Completed) => "You haven't completed any tasks yet.".to_owned(),
        None => "Your list is empty. Try “add buy milk tomorrow” to get started.".to_owned(),
    }
}

fn listing_header(filter: &ListFilter, tasks: &[TaskView]) -> String {
    let n = tasks.len();
    if let Some(query) = &filter.query {
        return format!("I found {} matching {}:", count(n, "task"), quoted(query));
    }
    if let Some(tag) = &filter.tag {
        return format!("You have {} tagged #{tag}:", count(n, "task"));
    }
    match filter.due {
        Some(Due::View(DueView::Overdue)) => {
            return format!("You have {}:", count(n, "overdue task"));
        }
        Some(due) => return format!("You have {} {}:", count(n, "task"), due.words()),
        None => {}
    }
    if let Some(priority) = filter.priority {
        return format!(
            "You have {}:",
            count(n, &format!("{}-priority task", priority.as_str()))
        );
    }
    match filter.status {
        Some(Status::Pending) => format!("You have {}:", count(n, "open task")),
        Some(Status::Completed) => format!("You've completed {}:", count(n, "task")),
        None => {
            let done = tasks.iter().filter(|t| t.completed).count();
            format!(
                "You have {} ({} open, {} done):",
                count(n, "task"),
                n - done,
                done
            )
        }
    }
}

/// The answer after add/complete/delete/update calls: the successes, then each failure.
pub(super) fn actions(intent: &Intent, step: &Step, ctx: &DateContext) -> String {
    let (failed, done): (Vec<&Done>, Vec<&Done>) = step
        .calls
        .iter()
        .partition(|c| results::error(&c.result).is_some() || c.result.is_null());
    let mut parts = Vec::new();
    if !done.is_empty() {
        parts.push(successes(intent, &done, ctx));
    }
    for call in failed {
        let id = call.args.get("task_id").and_then(Value::as_i64);
        parts.push(match results::error(&call.result) {
            Some(error) => error_sentence(&error, id),
            None => unexpected(),
        });
    }
    parts.join(" ")
}

fn successes(intent: &Intent, calls: &[&Done], ctx: &DateContext) -> String {
    let items: Vec<(String, i64)> = calls.iter().map(|c| title_and_id(c)).collect();
    let tool = calls.first().map_or("", |c| c.name.as_str());
    match (tool, items.as_slice()) {
        ("add_task", _) => added(calls, ctx),
        ("complete_task", [(title, id)]) => {
            let done = format!("Done! I marked {} as complete.", named(title, *id));
            match Outcome::read(&calls[0].result).next_due {
                Some(next) => format!(
                    "{done} The next one is due {}.",
                    format::due_words(next, ctx)
                ),
                None => done,
            }
        }
        ("complete_task", _) => format!(
            "Done! I marked {} as complete: {}.",
            count(items.len(), "task"),
            named_list(&items)
        ),
        ("delete_task", [(title, id)]) => format!("Deleted {}.", named(title, *id)),
        ("delete_task", _) if deletes_finished(intent) => {
            let titles: Vec<String> = items.iter().map(|(t, _)| quoted(t)).collect();
            format!(
                "Deleted {}: {}.",
                count(items.len(), "completed task"),
                format::join_and(&titles)
            )
        }
        ("delete_task", _) => format!(
            "Deleted {}: {}.",
            count(items.len(), "task"),
            named_list(&items)
        ),
        ("complete_tasks" | "delete_tasks" | "update_tasks", _) => {
            let changes = changes_said(&calls[0].args, ctx);
            super::bulk::answer(tool, &calls[0].result, deletes_finished(intent), &changes)
        }
        (common::tools::CHANGES_TOOL, _) => {
            super::changed::answer(&calls[0].args, &calls[0].result, ctx)
        }
        (common::tools::UNDO_TOOL, _) => super::undo::answer(&calls[0].args, &calls[0].result),
        ("update_task", _) => {
            let sentences: Vec<String> = calls.iter().map(|c| updated(c, ctx)).collect();
            sentences.join(" ")
        }
        _ => "Done.".to_owned(),
    }
}

/// "delete everything I finished": the answer says "completed tasks".
fn deletes_finished(intent: &Intent) -> bool {
    matches!(intent, Intent::Each(Action::Delete, filter) if filter.status == Some(Status::Completed))
}

/// "Added “Buy groceries” (#5) with high priority, due Friday, November 27."
fn added(calls: &[&Done], ctx: &DateContext) -> String {
    let sentences: Vec<String> = calls
        .iter()
        .map(|call| {
            let (title, id) = title_and_id(call);
            let outcome = Outcome::read(&call.result);
            let asked = Outcome::read(&call.args);
            let mut text = format!("Added {}", named(&title, id));
            if let Some(priority) = asked.priority.map(|p| outcome.priority.unwrap_or(p)) {
                text.push_str(&format!(" with {} priority", priority.as_str()));
            }
            if let Some(due) = outcome.due.or(asked.due) {
                text.push_str(&format!(", due {}", format::due(due, ctx)));
            }
            if let Some(repeat) = outcome.repeat {
                text.push_str(&format!(", repeating {repeat}"));
            }
            text + "."
        })
        .collect();
    sentences.join(" ")
}

/// "Updated “Write report” (#4): due Friday, November 27 and high priority."
fn updated(call: &Done, ctx: &DateContext) -> String {
    let (title, id) = title_and_id(call);
    let args = &call.args;
    let fields = args.as_object().map_or(0, |a| a.len());
    if args.get("completed") == Some(&Value::Bool(false)) && fields == 2 {
        return format!(
            "Reopened {} — it's back on your open list.",
            named(&title, id)
        );
    }
    let new_title = args.get("title").and_then(Value::as_str);
    if let (Some(new_title), 2) = (new_title, fields) {
        return format!("Renamed task #{id} to {}.", quoted(new_title));
    }
    let mut changes = changes_said(args, ctx);
    if args.get("skip") == Some(&Value::Bool(true))
        && let Some(due) = Outcome::read(&call.result).due
    {
        changes.push(format!("now due {}", format::due_words(due, ctx)));
    }
    if changes.is_empty() {
        return format!("Updated {}.", named(&title, id));
    }
    format!(
        "Updated {}: {}.",
        named(&title, id),
        format::join_and(&changes)
    )
}

/// Each change an update's arguments make, in words.
fn changes_said(args: &Value, ctx: &DateContext) -> Vec<String> {
    let mut changes = Vec::new();
    if let Some(new_title) = args.get("title").and_then(Value::as_str) {
        changes.push(format!("renamed to {}", quoted(new_title)));
    }
    match args.get("due_date") {
        Some(Value::Null) => changes.push("due date removed".to_owned()),
        Some(_) => {
            if let Some(due) = Outcome::read(args).due {
                changes.push(format!("due {}", format::due(due, ctx)));
            }
        }
        None => {}
    }
    if let Some(priority) = args.get("priority").and_then(Value::as_str) {
        changes.push(format!("{priority} priority"));
    }
    match args.get("description") {
        Some(Value::Null) => changes.push("description removed".to_owned()),
        Some(Value::String(description)) => {
            changes.push(format!("description set to {}", quoted(description)));
        }
        _ => {}
    }
    match args.get("completed").and_then(Value::as_bool) {
        Some(true) => changes.push("marked as done".to_owned()),
        Some(false) => changes.push("marked as not done".to_owned()),
        None => {}
    }
    changes.extend(tags_and_repeat_said(args));
    changes
}

/// The tags and repeat an update's arguments change, in words: "tagged #work", "no longer
/// repeating", "repeating every weekday", "this occurrence skipped".
fn tags_and_repeat_said(args: &Value) -> Vec<String> {
    let hashed = |key: &str| -> Vec<String> {
        args.get(key)
            .and_then(Value::as_array)
            .map(|tags| {
                tags.iter()
                    .filter_map(Value::as_str)
                    .map(|t| format!("#{t}"))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut changes = Vec::new();
    let added = hashed("add_tags");
    if !added.is_empty() {
        changes.push(format!("tagged {}", format::join_and(&added)));
    }
    let removed = hashed("remove_tags");
    if !removed.is_empty() {
        changes.push(format!("no longer tagged {}", format::join_and(&removed)));
    }
    match args.get("repeat") {
        Some(Value::Null) => changes.push("no longer repeating".to_owned()),
        Some(Value::String(rule)) => {
            if let Ok(repeat) = common::domain::Repeat::try_from(rule.clone()) {
                changes.push(format!("repeating {}", repeat.describe()));
            }
        }
        _ => {}
    }
    if args.get("skip") == Some(&Value::Bool(true)) {
        changes.push("this occurrence skipped".to_owned());
    }
    changes
}

/// The task's title and id from the result, falling back on the call's arguments.
fn title_and_id(call: &Done) -> (String, i64) {
    let outcome = Outcome::read(&call.result);
    let asked = Outcome::read(&call.args);
    let id = outcome.task_id.or(asked.task_id).unwrap_or_default();
    let title = outcome
        .title
        .or(asked.title)
        .unwrap_or_else(|| format!("Task {id}"));
    (title, id)
}

/// A kind sentence for a tool error; `id` is the task the call was about.
pub(super) fn error_sentence(error: &ToolError, id: Option<i64>) -> String {
    match (error.code.as_str(), id) {
        ("task_not_found", Some(id)) => {
            format!("I couldn't find task {id}. Say “show my tasks” to see your list.")
        }
        ("task_not_found", None) => {
            "I couldn't find that task. Say “show my tasks” to see your list.".to_owned()
        }
        ("unknown_task_id", _) => {
            let named: Vec<(i64, &str)> = error
                .matches
                .iter()
                .map(|task| (task.id, task.title.as_str()))
                .collect();
            which_task(&named)
        }
        ("nothing_to_undo", _) => {
            "There's nothing to undo: the last change was undone already (say “redo” to bring \
             it back), or nothing here has changed your tasks yet."
                .to_owned()
        }
        ("nothing_to_redo", _) => {
            "There's nothing to redo: the last change here wasn't an undo.".to_owned()
        }
        ("invalid_arguments", _) => match &error.message {
            Some(message) => format!("Sorry, I couldn't do that: {}", sentence(message)),
            None => "Sorry, I couldn't do that — something in the request wasn't valid.".to_owned(),
        },
        _ => match &error.message {
            Some(message) => format!("Sorry, something went wrong: {}", sentence(message)),
            None => "Sorry, something went wrong. Please try again.".to_owned(),
        },
    }
}

/// The answer to a call refused for an id the conversation never showed: the tasks the
/// user's words fit (id, title), to choose from, or none found. Asked the way the builtin
/// asks its own questions, so that the user's answer ("the second one", "yes") is read as one.
pub(super) fn which_task(matches: &[(i64, &str)]) -> String {
    match matches {
        [] => "I couldn't find a task that fits your words. Could you tell me its name or number? \
               (Say “show my tasks” to see your list.)"
            .to_owned(),
        [(id, title)] => format!(
            "{DID_YOU_MEAN} {}? Say yes, or tell me which task.",
            named(title, *id)
        ),
        several => {
            let listed: Vec<String> = several
                .iter()
                .map(|(id, title)| format!("#{id} {title}"))
                .collect();
            format!(
                "These tasks fit your words: {}. {QUESTION} Tell me its number.",
                listed.join(", ")
            )
        }
    }
}

/// A tool answered with something that is neither a result nor an error.
pub(super) fn unexpected() -> String {
    "Sorry, I couldn't read the result of that. Please try again.".to_owned()
}

fn sentence(message: &str) -> String {
    let message = message.trim();
    if message.ends_with(['.', '!', '?']) {
        message.to_owned()
    } else {
        format!("{message}.")
    }
}
