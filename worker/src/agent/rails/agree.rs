//! A guessed id corrected where two readers agree. A small model asked to "get rid of the car
//! wash task" often calls `delete_task(1)`, or `complete_tasks([1, 2, 3])` for "mark all the
//! shopping ones done": the right tool on ids it never saw, and it ignores the tasks the
//! refusal then offers. When the builtin's own reading of the same message acts with the same
//! tool on tasks it found by the user's words (it never guesses), the call runs on those tasks
//! instead: the model chose what to do, the user's words chose the tasks. Without that
//! agreement the ids stay unshown and the tool layer refuses them.

use common::{
    dates::DateContext,
    domain::UserId,
    tools::{BULK_TOOLS, Caller, execute, task_ids_of},
};
use serde_json::Value;
use sqlx::PgPool;

use crate::agent::{
    builtin,
    model::{ChatMessage, ToolCall},
};

use super::grounding::SeenIds;

/// Most steps of the builtin's own reading (its look-ups, then its action).
const READING_STEPS: usize = 3;

/// A change on tasks named by id: the tool, and the ids (one, or a bulk call's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub tool: String,
    pub ids: Vec<i64>,
}

impl Change {
    /// The change `call` makes, when it acts on tasks by id.
    fn of(call: &ToolCall, dates: &DateContext) -> Option<Self> {
        task_ids_of(&call.name, &call.arguments, dates).map(|ids| Self {
            tool: call.name.clone(),
            ids,
        })
    }

    /// `arguments` made to name this change's tasks.
    fn arguments_for(&self, arguments: &mut serde_json::Map<String, Value>) {
        if BULK_TOOLS.contains(&self.tool.as_str()) {
            arguments.insert("task_ids".into(), Value::from(self.ids.clone()));
        } else if let [id] = self.ids.as_slice() {
            arguments.insert("task_id".into(), Value::from(*id));
        }
    }
}

/// Where the builtin's own reading of the user's last message ends, after its look-ups.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// Its first call, if it makes one (a look-up, or the action itself).
    pub first: Option<ToolCall>,
    pub end: End,
    /// The calls it ends with when it acts (look-ups beside them included).
    pub acts: Vec<ToolCall>,
}

/// What the builtin's reading comes to.
#[derive(Debug, Clone, PartialEq)]
pub enum End {
    /// One call that changes tasks named by id.
    Change(Change),
    /// An answer in words: a question back, a listing, a greeting.
    Answer(String),
    /// Anything else: adds, several calls, more look-ups than it may make.
    Other,
}

impl Reading {
    /// The one change it makes, if that is where it ends.
    pub fn change(&self) -> Option<Change> {
        match &self.end {
            End::Change(change) => Some(change.clone()),
            _ => None,
        }
    }
}

/// The builtin's reading of the user's last message in `messages`. Its look-ups run for real,
/// as the user (reads only); nothing it would change is changed here.
pub async fn reading(
    pool: &PgPool,
    user: &UserId,
    dates: &DateContext,
    messages: &[ChatMessage],
) -> Result<Reading, common::Error> {
    let mut reading = Reading {
        first: None,
        end: End::Other,
        acts: Vec::new(),
    };
    let Some(last_user) = messages
        .iter()
        .rposition(|m| matches!(m, ChatMessage::User(_)))
    else {
        return Ok(reading);
    };
    // The conversation up to the message: this turn's steps are the model's, not the builtin's.
    let mut conversation = messages[..=last_user].to_vec();
    for _ in 0..READING_STEPS {
        let turn = builtin::respond(&conversation, dates);
        if reading.first.is_none() {
            reading.first = turn.tool_calls.first().cloned();
        }
        if turn.tool_calls.is_empty() {
            reading.end = End::Answer(turn.text);
            return Ok(reading);
        }
        if turn.tool_calls.iter().any(|call| call.name != "list_tasks") {
            if let [one] = turn.tool_calls.as_slice()
                && let Some(change) = Change::of(one, dates)
            {
                reading.end = End::Change(change);
            }
            reading.acts = turn.tool_calls;
            return Ok(reading);
        }
        let mut results = Vec::new();
        for call in &turn.tool_calls {
            let outcome =
                execute(pool, Caller::new(user, *dates), &call.name, &call.arguments).await?;
            results.push(ChatMessage::Tool {
                call_id: call.id.clone(),
                content: dates.localize_result(&outcome.result).to_string(),
            });
        }
        conversation.push(ChatMessage::Assistant {
            content: None,
            tool_calls: turn.tool_calls,
        });
        conversation.extend(results);
    }
    Ok(reading)
}

/// True when one of `calls` names tasks only by ids the conversation never showed.
pub fn any_guessed(calls: &[ToolCall], seen: &SeenIds, dates: &DateContext) -> bool {
    calls
        .iter()
        .any(|call| seen.guessed_in(call, dates).is_some())
}

/// `calls` under a change the loop required (`change`: the tool, and the tasks the user's
/// words name), without the calls of that tool on other tasks the conversation showed: the
/// model, made to call the tool, chose different shown tasks, and a change two readers
/// disagree on is not made. A guess is left for [`correct`].
pub fn hold(
    calls: Vec<ToolCall>,
    change: &Change,
    seen: &SeenIds,
    dates: &DateContext,
) -> Vec<ToolCall> {
    calls
        .into_iter()
        .filter(|call| {
            let other = Change::of(call, dates).is_some_and(|made| {
                made.tool == change.tool && made.ids != change.ids && seen.all_shown(&made.ids)
            });
            if other {
                common::metrics::record_rail("change_disagreed");
                tracing::info!(tool = %change.tool, ids = ?change.ids, arguments = %call.arguments, "a required change on other tasks was not made");
            }
            !other
        })
        .collect()
}

/// `calls` with the guessed ids of the one call that agrees with `change` (same tool, ids
/// never shown) replaced by the tasks `change` is about, which then count as shown. Nothing
/// changes when several calls guess, or none agrees.
pub fn correct(
    calls: Vec<ToolCall>,
    change: &Change,
    seen: &mut SeenIds,
    dates: &DateContext,
) -> Vec<ToolCall> {
    let guessing: Vec<usize> = calls
        .iter()
        .enumerate()
        .filter(|(_, call)| seen.guessed_in(call, dates).is_some())
        .map(|(k, _)| k)
        .collect();
    let [k] = guessing.as_slice() else {
        return calls;
    };
    if calls[*k].name != change.tool {
        return calls;
    }
    let Ok(Value::Object(mut arguments)) = serde_json::from_str::<Value>(&calls[*k].arguments)
    else {
        return calls;
    };
    change.arguments_for(&mut arguments);
    tracing::info!(
        tool = %change.tool,
        ids = ?change.ids,
        "guessed ids corrected to the tasks the words name"
    );
    common::metrics::record_rail("guess_corrected");
    change.ids.iter().for_each(|id| seen.note_id(*id));
    let mut calls = calls;
    calls[*k].arguments = Value::Object(arguments).to_string();
    calls
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;
    use common::dates::Zone;

    use super::*;

    fn dates() -> DateContext {
        let now = chrono::Utc.with_ymd_and_hms(2026, 12, 4, 10, 0, 0).unwrap();
        DateContext::new(now, Zone::UTC)
    }

    fn call(name: &str, arguments: &str) -> ToolCall {
        ToolCall {
            id: "call_1".into(),
            name: name.into(),
            arguments: arguments.into(),
        }
    }

    fn change(tool: &str, ids: &[i64]) -> Change {
        Change {
            tool: tool.into(),
            ids: ids.to_vec(),
        }
    }

    fn seen(ids: &[i64]) -> SeenIds {
        let mut seen = SeenIds::default();
        ids.iter().for_each(|id| seen.note_id(*id));
        seen
    }

    #[test]
    fn the_guessed_id_of_the_agreeing_call_becomes_the_task_the_words_name() {
        let mut shown = seen(&[]);
        let change = change("update_task", &[148]);
        let calls = vec![call("update_task", r#"{"task_id": 1, "priority": "high"}"#)];
        let corrected = correct(calls, &change, &mut shown, &dates());
        let arguments: Value = serde_json::from_str(&corrected[0].arguments).expect("JSON");
        assert_eq!(
            arguments,
            serde_json::json!({"task_id": 148, "priority": "high"})
        );
        assert!(shown.ids().contains(&148));
    }

    #[test]
    fn another_tool_a_shown_id_or_several_guesses_are_left_alone() {
        let change = change("delete_task", &[148]);
        for (calls, shown) in [
            // The model completes what the builtin would delete: no agreement.
            (vec![call("complete_task", r#"{"task_id": 1}"#)], seen(&[])),
            // An id the conversation showed is the model's own choice.
            (vec![call("delete_task", r#"{"task_id": 7}"#)], seen(&[7])),
            // Two guesses: which one would be corrected is itself a guess.
            (
                vec![
                    call("delete_task", r#"{"task_id": 1}"#),
                    call("delete_task", r#"{"task_id": 2}"#),
                ],
                seen(&[]),
            ),
        ] {
            let mut after = shown.clone();
            let before = calls.clone();
            assert_eq!(correct(calls, &change, &mut after, &dates()), before);
            assert_eq!(after, shown);
        }
    }

    #[test]
    fn a_bulk_call_on_guessed_ids_becomes_the_tasks_the_words_name() {
        let change = change("complete_tasks", &[392, 390]);
        let mut shown = seen(&[]);
        let calls = vec![call("complete_tasks", r#"{"task_ids": [1, 2, 3]}"#)];
        let corrected = correct(calls, &change, &mut shown, &dates());
        let arguments: Value = serde_json::from_str(&corrected[0].arguments).expect("JSON");
        assert_eq!(arguments, serde_json::json!({"task_ids": [392, 390]}));
        assert!(shown.all_shown(&[392, 390]));
        // One id of the call was shown: the call is the model's own, the rest unknown.
        let mut shown = seen(&[392]);
        let calls = vec![call("complete_tasks", r#"{"task_ids": [392, 2]}"#)];
        let before = calls.clone();
        assert_eq!(correct(calls, &change, &mut shown, &dates()), before);
    }

    #[test]
    fn a_required_change_on_other_shown_tasks_is_dropped() {
        let required = change("delete_task", &[148]);
        let shown = seen(&[148, 7]);
        let calls = vec![
            call("delete_task", r#"{"task_id": 7}"#),
            call("delete_task", r#"{"task_id": 148}"#),
            // A guess is left for `correct`; another tool is not this rail's.
            call("delete_task", r#"{"task_id": 1}"#),
            call("complete_task", r#"{"task_id": 7}"#),
        ];
        let kept = hold(calls.clone(), &required, &shown, &dates());
        assert_eq!(kept, calls[1..]);
    }
}
