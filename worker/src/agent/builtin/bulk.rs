//! "delete everything I finished", "mark all the shopping ones done", "move everything due
//! today to tomorrow": one bulk call for the tasks a listing found, and the answer from its
//! report — each task done, each id not found, or the question a large destructive change
//! asks first ("Shall I go ahead?"; the user's "yes" redoes the request, see `followup`).

use common::dates::DateContext;
use serde_json::Value;

use super::changes::Action;
use super::format::{count, join_and, quoted};
use super::phrases::named_list;
use super::results::TaskView;

/// The words the confirmation question ends with.
pub(super) const CONFIRM: &str = "Shall I go ahead?";

/// The one call doing `action` on `tasks` (two or more), or `None` when each task needs its
/// own arguments (a due date moved by days, a note added to each one's own).
pub(super) fn call(
    action: &Action,
    tasks: &[&TaskView],
    ctx: &DateContext,
) -> Option<(&'static str, Value)> {
    if tasks.len() < 2 || action.needs_task() {
        return None;
    }
    let ids: Vec<i64> = tasks.iter().map(|t| t.id).collect();
    let (tool, mut args) = match action {
        Action::Complete => ("complete_tasks", serde_json::json!({})),
        Action::Delete => ("delete_tasks", serde_json::json!({})),
        Action::Update(_) => {
            let mut args = action.args(ids[0], Some(tasks[0]), ctx);
            args.as_object_mut()?.remove("task_id");
            ("update_tasks", args)
        }
    };
    args.as_object_mut()?
        .insert("task_ids".into(), serde_json::json!(ids));
    Some((tool, args))
}

/// The answer to a bulk call's `result`; `completed_only` when the tasks were the finished
/// ones ("Deleted 2 completed tasks"); `changes`, an update's changes in words.
pub(super) fn answer(
    tool: &str,
    result: &Value,
    completed_only: bool,
    changes: &[String],
) -> String {
    let tasks = listed(result.get("tasks"));
    if result.get("status").and_then(Value::as_str) == Some("needs_confirmation") {
        let verb = match tool {
            "delete_tasks" => "delete",
            _ => "change",
        };
        return format!(
            "That would {verb} {}: {}. {CONFIRM} Say “yes” to {verb} them, or “no” to leave them.",
            count(tasks.len(), "task"),
            named_list(&tasks)
        );
    }
    let mut text = match (tool, tasks.len()) {
        (_, 0) => "I didn't change any task.".to_owned(),
        ("complete_tasks", n) => format!(
            "Done! I marked {} as complete: {}.",
            count(n, "task"),
            named_list(&tasks)
        ),
        ("delete_tasks", n) if completed_only => {
            let titles: Vec<String> = tasks.iter().map(|(t, _)| quoted(t)).collect();
            format!(
                "Deleted {}: {}.",
                count(n, "completed task"),
                join_and(&titles)
            )
        }
        ("delete_tasks", n) => format!("Deleted {}: {}.", count(n, "task"), named_list(&tasks)),
        (_, n) => format!(
            "Updated {} ({}): {}.",
            count(n, "task"),
            join_and(changes),
            named_list(&tasks)
        ),
    };
    let missing = ids(result.get("not_found"))
        .into_iter()
        .chain(ids(result.get("unknown")))
        .map(|id| format!("#{id}"))
        .collect::<Vec<_>>();
    if !missing.is_empty() {
        text.push_str(&format!(
            " {} not found: {}.",
            missing.len(),
            join_and(&missing)
        ));
    }
    text
}

fn listed(tasks: Option<&Value>) -> Vec<(String, i64)> {
    tasks
        .and_then(Value::as_array)
        .map(|tasks| {
            tasks
                .iter()
                .filter_map(|t| {
                    Some((t.get("title")?.as_str()?.to_owned(), t.get("id")?.as_i64()?))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn ids(values: Option<&Value>) -> Vec<i64> {
    values
        .and_then(Value::as_array)
        .map(|ids| ids.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_answer_names_each_task_and_each_id_not_found() {
        let result = json!({"status": "completed", "count": 2,
            "tasks": [{"id": 3, "title": "Milk"}, {"id": 5, "title": "Bread"}],
            "not_found": [41, 42], "unknown": []});
        assert_eq!(
            answer("complete_tasks", &result, false, &[]),
            "Done! I marked 2 tasks as complete: “Milk” (#3) and “Bread” (#5). 2 not found: #41 and #42."
        );
        let ask = json!({"status": "needs_confirmation", "tasks": [{"id": 3, "title": "Milk"}]});
        assert!(
            answer("delete_tasks", &ask, false, &[])
                .starts_with("That would delete 1 task: “Milk” (#3). Shall I go ahead?")
        );
    }
}
