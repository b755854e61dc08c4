//! A guessed id corrected where two readers agree. A small model asked to "get rid of the car
//! wash task" often calls `delete_task(1)`: the right tool on an id it never saw, and it
//! ignores the tasks the refusal then offers. When the builtin's own reading of the same
//! message acts with the same tool on one task (found by the user's words, which it never
//! guesses), the call runs on that task instead: the model chose what to do, the user's words
//! chose the task. Without that agreement the id stays unshown and the tool layer refuses it.

use common::{
    dates::DateContext,
    domain::UserId,
    tools::{Caller, execute, task_id_of},
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

/// Where the builtin's own reading of the user's last message ends, after its look-ups.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// Its first call, if it makes one (a look-up, or the action itself).
    pub first: Option<ToolCall>,
    pub end: End,
}

/// What the builtin's reading comes to.
#[derive(Debug, Clone, PartialEq)]
pub enum End {
    /// One change on one task: the tool and the task's id.
    Change(String, i64),
    /// An answer in words: a question back, a listing, a greeting.
    Answer(String),
    /// Anything else: adds, several changes, a change not by id, more look-ups than it may make.
    Other,
}

impl Reading {
    /// The one change it makes, if that is where it ends.
    pub fn change(self) -> Option<(String, i64)> {
        match self.end {
            End::Change(tool, id) => Some((tool, id)),
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
                && let Some(id) = task_id_of(&one.name, &one.arguments, dates)
            {
                reading.end = End::Change(one.name.clone(), id);
            }
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

/// True when one of `calls` names a task by an id the conversation never showed.
pub fn any_unseen(calls: &[ToolCall], seen: &SeenIds, dates: &DateContext) -> bool {
    calls
        .iter()
        .any(|call| seen.unseen_in(call, dates).is_some())
}

/// `calls` under a change the loop required (`change`: the tool, and the task the user's
/// words name), without the calls of that tool on another task the conversation showed: the
/// model, made to call the tool, chose a different shown task, and a change two readers
/// disagree on is not made. A guessed id is left for [`correct`].
pub fn hold(
    calls: Vec<ToolCall>,
    change: &(String, i64),
    seen: &SeenIds,
    dates: &DateContext,
) -> Vec<ToolCall> {
    let (tool, id) = change;
    calls
        .into_iter()
        .filter(|call| {
            let other = call.name == *tool
                && seen.unseen_in(call, dates).is_none()
                && task_id_of(&call.name, &call.arguments, dates).is_some_and(|named| named != *id);
            if other {
                tracing::info!(tool, task_id = id, arguments = %call.arguments, "a required change on another task was not made");
            }
            !other
        })
        .collect()
}

/// `calls` with the guessed id of the one call that agrees with `change` (same tool, an id
/// never shown) replaced by the task `change` is about, which then counts as shown. Nothing
/// changes when several calls guess, or none agrees.
pub fn correct(
    calls: Vec<ToolCall>,
    change: &(String, i64),
    seen: &mut SeenIds,
    dates: &DateContext,
) -> Vec<ToolCall> {
    let (tool, id) = change;
    let guessing: Vec<usize> = calls
        .iter()
        .enumerate()
        .filter(|(_, call)| seen.unseen_in(call, dates).is_some())
        .map(|(k, _)| k)
        .collect();
    let [k] = guessing.as_slice() else {
        return calls;
    };
    if calls[*k].name != *tool {
        return calls;
    }
    let Ok(Value::Object(mut arguments)) = serde_json::from_str::<Value>(&calls[*k].arguments)
    else {
        return calls;
    };
    arguments.insert("task_id".into(), Value::from(*id));
    tracing::info!(
        tool,
        task_id = id,
        "a guessed id corrected to the task the words name"
    );
    seen.note_id(*id);
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

    fn seen(ids: &[i64]) -> SeenIds {
        let mut seen = SeenIds::default();
        ids.iter().for_each(|id| seen.note_id(*id));
        seen
    }

    #[test]
    fn the_guessed_id_of_the_agreeing_call_becomes_the_task_the_words_name() {
        let mut shown = seen(&[]);
        let change = ("update_task".to_owned(), 148);
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
        let change = ("delete_task".to_owned(), 148);
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
}
