//! "what did you change today?": the answer from `list_changes`, one line per change with
//! its time on the user's clock and what made it.

use chrono::DateTime;
use common::dates::DateContext;
use serde_json::Value;

use super::format::named;

/// The answer to a `list_changes` call with `args`.
pub(super) fn answer(args: &Value, result: &Value, ctx: &DateContext) -> String {
    let since = args.get("since").and_then(Value::as_str).unwrap_or("today");
    let when = if since == "today" || since == "yesterday" {
        since.to_owned()
    } else {
        format!("since {since}")
    };
    let changes = result
        .get("changes")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    if changes.is_empty() {
        return format!("Nothing on your list has changed {when}.");
    }
    let lines: Vec<String> = changes.iter().rev().map(|c| line(c, ctx)).collect();
    format!("Here's what changed {when}:\n{}", lines.join("\n"))
}

/// "- 10:05 added “Buy milk” (#3), in chat"
fn line(change: &Value, ctx: &DateContext) -> String {
    let text = |key: &str| change.get(key).and_then(Value::as_str).unwrap_or_default();
    let at = DateTime::parse_from_rfc3339(text("at"))
        .map(|at| ctx.zone.local(at.to_utc()).format("%H:%M").to_string())
        .unwrap_or_default();
    let what = match text("action") {
        "created" => "added",
        other => other,
    };
    let id = change
        .get("task_id")
        .and_then(Value::as_i64)
        .unwrap_or_default();
    let by = match text("by") {
        "chat" => "in chat",
        "rest" => "in the task list",
        "mcp" => "by another app (MCP)",
        _ => "outside Taskwire",
    };
    let mut line = format!("- {at} {what} {}, {by}", named(text("title"), id));
    match text("undo") {
        "undo" => line.push_str(" (an undo)"),
        "redo" => line.push_str(" (a redo)"),
        _ => {}
    }
    if change.get("undone").and_then(Value::as_bool) == Some(true) {
        line.push_str(" — undone since");
    }
    line
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use common::dates::Zone;
    use serde_json::json;

    use super::*;

    #[test]
    fn each_change_is_a_line_on_the_users_clock_oldest_first() {
        let ctx = DateContext::new(
            Utc::now(),
            Zone::parse("America/New_York", "time_zone").expect("zone"),
        );
        let result = json!({"count": 2, "changes": [
            {"task_id": 3, "title": "Buy milk", "action": "completed", "at": "2026-12-04T16:30:00Z", "by": "rest", "undo": null, "undone": false},
            {"task_id": 3, "title": "Buy milk", "action": "created", "at": "2026-12-04T15:05:00Z", "by": "chat", "undo": null, "undone": true},
        ]});
        assert_eq!(
            answer(&json!({"since": "today"}), &result, &ctx),
            "Here's what changed today:\n- 10:05 added “Buy milk” (#3), in chat — undone since\n\
             - 11:30 completed “Buy milk” (#3), in the task list"
        );
        assert_eq!(
            answer(&json!({"since": "monday"}), &json!({"changes": []}), &ctx),
            "Nothing on your list has changed since monday."
        );
    }
}
