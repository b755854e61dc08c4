//! Events small enough to publish. A tool result can be large (a list of a hundred tasks with
//! long descriptions), and `done` repeats every result of the turn: NATS refuses a payload
//! over its `max_payload` (1 MB by default), and a `done` that is never published leaves its
//! stream waiting. Events carry tool results cut short; the ledger and the stored reply keep
//! them whole.

use std::borrow::Cow;

use serde_json::Value;

use super::{ChatEvent, ToolCallRecord};

/// The largest event published.
pub const MAX_EVENT_BYTES: usize = 256 * 1024;

/// Strings in the tool arguments and results an event shows are cut to this many characters.
pub const EVENT_STRING_CHARS: usize = 280;

/// What stands in for a tool result left out of an event that was still too large.
fn omitted() -> Value {
    serde_json::json!({"omitted": "too large for an event; the conversation has it"})
}

impl ChatEvent {
    /// The event as published: long strings in tool arguments and results cut to
    /// [`EVENT_STRING_CHARS`]; if it is still over [`MAX_EVENT_BYTES`], the tool results
    /// left out and the text cut, so it always fits.
    pub fn for_publishing(&self) -> Cow<'_, ChatEvent> {
        // The frequent events are small by construction: no need to measure them.
        let small = matches!(
            self,
            ChatEvent::Accepted { .. } | ChatEvent::Started { .. } | ChatEvent::Delta { .. }
        );
        if small || size(self) <= MAX_EVENT_BYTES / 4 {
            return Cow::Borrowed(self);
        }
        let mut event = self.clone();
        match &mut event {
            ChatEvent::ToolCall { arguments, .. } => shorten(arguments),
            ChatEvent::ToolResult { result, .. } => shorten(result),
            ChatEvent::Done { tool_calls, .. } => tool_calls.iter_mut().for_each(shorten_record),
            _ => {}
        }
        if size(&event) > MAX_EVENT_BYTES {
            leave_out(&mut event);
        }
        Cow::Owned(event)
    }
}

fn size(event: &ChatEvent) -> usize {
    serde_json::to_vec(event).map_or(usize::MAX, |bytes| bytes.len())
}

fn shorten_record(record: &mut ToolCallRecord) {
    shorten(&mut record.arguments);
    shorten(&mut record.result);
}

/// Cuts every string in `value` to [`EVENT_STRING_CHARS`] characters, marking the cut.
fn shorten(value: &mut Value) {
    match value {
        Value::String(text) if text.chars().count() > EVENT_STRING_CHARS => {
            let cut: String = text.chars().take(EVENT_STRING_CHARS).collect();
            *text = format!("{cut}…");
        }
        Value::Array(items) => items.iter_mut().for_each(shorten),
        Value::Object(fields) => fields.values_mut().for_each(shorten),
        _ => {}
    }
}

/// The last resort: no tool results, and texts cut to a quarter of the budget.
fn leave_out(event: &mut ChatEvent) {
    let cut = |text: &mut String| {
        let limit = MAX_EVENT_BYTES / 4;
        if text.len() > limit {
            let mut end = limit;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.truncate(end);
            text.push('…');
        }
    };
    match event {
        ChatEvent::ToolCall { arguments, .. } => *arguments = omitted(),
        ChatEvent::ToolResult { result, .. } => *result = omitted(),
        ChatEvent::Done {
            tool_calls,
            response,
            ..
        } => {
            for record in tool_calls.iter_mut() {
                record.arguments = omitted();
                record.result = omitted();
            }
            cut(response);
        }
        ChatEvent::Error { message: text, .. } => cut(text),
        ChatEvent::Delta { .. } => {}
        ChatEvent::Accepted { .. } | ChatEvent::Started { .. } => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use uuid::Uuid;

    use super::*;

    fn task(n: usize) -> Value {
        json!({"id": n, "title": format!("Task {n}"), "description": "d".repeat(2000)})
    }

    #[test]
    fn small_events_go_out_as_they_are() {
        let event = ChatEvent::Delta { text: "hi".into() };
        assert!(matches!(event.for_publishing(), Cow::Borrowed(_)));
    }

    #[test]
    fn long_strings_in_results_are_cut_and_the_shape_kept() {
        let event = ChatEvent::ToolResult {
            id: "c".into(),
            tool: "list_tasks".into(),
            ok: true,
            result: Value::Array((0..100).map(task).collect()),
        };
        let published = event.for_publishing();
        let ChatEvent::ToolResult { result, .. } = published.as_ref() else {
            panic!("a tool result");
        };
        let tasks = result.as_array().expect("still a list");
        assert_eq!(tasks.len(), 100);
        assert_eq!(tasks[7]["title"], "Task 7");
        let description = tasks[7]["description"].as_str().expect("text");
        assert_eq!(description.chars().count(), EVENT_STRING_CHARS + 1);
        assert!(size(&published) < MAX_EVENT_BYTES);
    }

    #[test]
    fn a_done_of_many_large_calls_still_fits() {
        let record = ToolCallRecord {
            tool: "list_tasks".into(),
            arguments: json!({}),
            result: Value::Array((0..100).map(task).collect()),
        };
        let event = ChatEvent::Done {
            job_id: Uuid::nil(),
            message_id: Uuid::nil(),
            response: "x".repeat(400_000),
            tool_calls: vec![record; 300],
        };
        assert!(size(&event) > 1_000_000);
        let published = event.for_publishing();
        assert!(size(&published) <= MAX_EVENT_BYTES, "{}", size(&published));
        let ChatEvent::Done { tool_calls, .. } = published.as_ref() else {
            panic!("done");
        };
        assert_eq!(tool_calls.len(), 300, "every call is still named");
    }
}
