//! What the loop does when a model answered nothing: a small model often declines the tools
//! for everyday words ("I paid the rent", "delete 158"), or looks a task up and then stops,
//! and on llama-cpp-python's `chatml-function-calling` a declining answer is always empty.
//! The builtin's reading of the same message (see [`agree::reading`]) says what was wanted;
//! the model is asked once more with that tool required and writes the arguments itself. A
//! change it is made to call runs only on the task the user's words name.

use common::{jobs::ToolCallRecord, tools::UNDO_TOOL};

use crate::agent::model::{ToolCall, ToolSpec};

use super::agree::{Change, End, Reading};

/// The loop's answer to an empty step.
#[derive(Debug, Clone, PartialEq)]
pub enum Insist {
    /// Ask once more with this tool required (an add, or an undo: nothing it can harm).
    Require(&'static str),
    /// Ask once more with this change's tool required; it runs only on its tasks.
    Change(&'static str, Change),
    /// Run this look-up (the builtin's: a read, in the user's words) and let the model go on.
    Read(ToolCall),
    /// Answer with these words: the builtin's own, after its look-ups.
    Say(String),
}

impl Insist {
    /// Its name, for the rails metric.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Require(_) => "required_call",
            Self::Change(..) => "required_change",
            Self::Read(_) => "lookup_for_model",
            Self::Say(_) => "builtin_answer",
        }
    }
}

/// True when a call of this turn failed (refused, not found, invalid): the reply says so.
pub fn failed(records: &[ToolCallRecord]) -> bool {
    records
        .iter()
        .any(|record| record.result.get("error").is_some())
}

/// For a step that answered nothing, before any change this turn: what `reading`, the
/// builtin's reading of the message, says to do. `looked` is true when calls already ran this
/// turn (look-ups, or refused calls).
pub fn after_nothing(reading: Reading, looked: bool, specs: &[ToolSpec]) -> Option<Insist> {
    match (reading.end, reading.first) {
        (End::Change(change), _) => on_change(change, specs),
        (_, Some(first)) if !looked => on_call(first, specs),
        // After the model's own look-ups, the builtin's words only where it looked too: its
        // answer without a look-up (it did not follow the message) is no better than a
        // summary of what the model found.
        (End::Answer(text), first) if !looked || first.is_some() => Some(Insist::Say(text)),
        (End::Answer(_) | End::Other, _) => None,
    }
}

/// The loop's answer when the reading asks for `change`: its tool required, the call held to
/// its tasks.
pub fn on_change(change: Change, specs: &[ToolSpec]) -> Option<Insist> {
    let spec = specs.iter().find(|spec| spec.name == change.tool)?;
    Some(Insist::Change(spec.name, change))
}

/// The loop's answer when the reading's next call is `call`, which names no task by id: a
/// look-up is made for the model; an add, or an undo (it names no task: it reverts this
/// conversation's last change, and can itself be undone), is required and the model writes
/// it; anything else is not insisted on.
pub fn on_call(call: ToolCall, specs: &[ToolSpec]) -> Option<Insist> {
    if call.name == "list_tasks" {
        return Some(Insist::Read(call));
    }
    let spec = specs.iter().find(|spec| spec.name == call.name)?;
    (!spec.hints.destructive || spec.name == UNDO_TOOL).then_some(Insist::Require(spec.name))
}

/// The tool of the last call, when it was refused for an id never shown and the user's words
/// fit exactly one task: a small model often answers nothing after such a refusal, instead of
/// calling again with the id it was just given.
pub fn refused_with_one_fit(
    records: &[ToolCallRecord],
    specs: &[ToolSpec],
) -> Option<&'static str> {
    let last = records.last()?;
    let one_fit = last.result.get("error").and_then(|e| e.as_str()) == Some("unknown_task_id")
        && last
            .result
            .get("matches")
            .and_then(|m| m.as_array())
            .is_some_and(|m| m.len() == 1);
    one_fit
        .then(|| specs.iter().find(|spec| spec.name == last.tool))
        .flatten()
        .map(|spec| spec.name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::tools::tool_specs;

    fn call(name: &str) -> ToolCall {
        ToolCall {
            id: "call_1".into(),
            name: name.into(),
            arguments: "{}".into(),
        }
    }

    fn reading(first: Option<&str>, end: End) -> Reading {
        Reading {
            first: first.map(call),
            end,
            acts: Vec::new(),
        }
    }

    #[test]
    fn an_empty_answer_is_met_with_what_the_builtins_reading_wants() {
        let specs = tool_specs();
        let answer = || End::Answer("Which one?".into());
        let delete = Change {
            tool: "delete_task".into(),
            ids: vec![7],
        };
        let cases = [
            // A change by id: required, held to its tasks.
            (
                reading(Some("list_tasks"), End::Change(delete.clone())),
                true,
                Some(Insist::Change("delete_task", delete.clone())),
            ),
            // A look-up first, before any call ran: the loop makes it.
            (
                reading(Some("list_tasks"), answer()),
                false,
                Some(Insist::Read(call("list_tasks"))),
            ),
            // An add: required, the model writes it.
            (
                reading(Some("add_task"), End::Other),
                false,
                Some(Insist::Require("add_task")),
            ),
            // "oh no, put it back": the undo.
            (
                reading(Some("undo_last_turn"), End::Other),
                false,
                Some(Insist::Require("undo_last_turn")),
            ),
            // A change not by id is never required.
            (reading(Some("delete_task"), End::Other), false, None),
            // Words without a look-up: the builtin's answer, unless the model looked.
            (
                reading(None, answer()),
                false,
                Some(Insist::Say("Which one?".into())),
            ),
            (reading(None, answer()), true, None),
            // The builtin looked too: its answer.
            (
                reading(Some("list_tasks"), answer()),
                true,
                Some(Insist::Say("Which one?".into())),
            ),
        ];
        for (reading, looked, expected) in cases {
            let shown = format!("{reading:?} looked={looked}");
            assert_eq!(after_nothing(reading, looked, &specs), expected, "{shown}");
        }
    }
}
