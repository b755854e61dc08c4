//! "undo that", "put it back", "redo": the call of the undo tool, and the answer from its
//! report of each task it touched.

use common::tools::UNDO_TOOL;
use serde_json::{Value, json};

use super::format::{join_and, named};

/// The undo tool's call; `redo` reverts the last undo instead.
pub(super) fn call(redo: bool) -> (&'static str, Value) {
    let args = if redo {
        json!({"redo": true})
    } else {
        json!({})
    };
    (UNDO_TOOL, args)
}

/// "Undone: I brought back “Keep” (#1) and removed “X” (#3). I left “Y” (#4) alone: it
/// changed after that."
pub(super) fn answer(args: &Value, result: &Value) -> String {
    let redo = args.get("redo").and_then(Value::as_bool) == Some(true);
    let items = result
        .get("items")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    let mut done = Vec::new();
    let mut left = Vec::new();
    for item in items {
        let id = item
            .get("task_id")
            .and_then(Value::as_i64)
            .unwrap_or_default();
        let title = item
            .get("title")
            .and_then(Value::as_str)
            .unwrap_or("a task");
        let task = named(title, id);
        match item.get("result").and_then(Value::as_str) {
            Some("restored") => done.push(format!("brought back {task}")),
            Some("removed") => done.push(format!("removed {task}")),
            Some("reverted") => done.push(format!("put {task} back as it was")),
            _ => left.push(task),
        }
    }
    let mut text = match (done.is_empty(), redo) {
        (true, _) => "I didn't change anything:".to_owned(),
        (false, false) => format!("Undone: I {}.", join_and(&done)),
        (false, true) => format!("Redone: I {}.", join_and(&done)),
    };
    if !left.is_empty() {
        let verb = if left.len() == 1 {
            "it has"
        } else {
            "they have"
        };
        let sentence = format!("I left {} alone: {verb} changed since.", join_and(&left));
        text = format!("{text} {sentence}");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_says_what_happened_to_each_task() {
        let result = json!({"undone_job_id": "j", "items": [
            {"task_id": 3, "title": "X", "result": "removed"},
            {"task_id": 1, "title": "Keep", "result": "restored"},
            {"task_id": 2, "title": "Edit me", "result": "reverted"},
            {"task_id": 4, "title": "Y", "result": "changed_since"},
        ]});
        assert_eq!(
            answer(&json!({}), &result),
            "Undone: I removed “X” (#3), brought back “Keep” (#1) and put “Edit me” (#2) back \
             as it was. I left “Y” (#4) alone: it has changed since."
        );
        let redone = json!({"items": [{"task_id": 3, "title": "X", "result": "restored"}]});
        assert_eq!(
            answer(&json!({"redo": true}), &redone),
            "Redone: I brought back “X” (#3)."
        );
        let nothing = json!({"items": [{"task_id": 4, "title": "Y", "result": "changed_since"}]});
        assert_eq!(
            answer(&json!({}), &nothing),
            "I didn't change anything: I left “Y” (#4) alone: it has changed since."
        );
    }
}
