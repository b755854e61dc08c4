//! When a model that answered nothing is asked once more with a tool required: a step that
//! declined the tools on a task request, or one after a refusal that offered exactly one task.

use common::{dates::DateContext, jobs::ToolCallRecord};

use crate::agent::{
    builtin,
    model::{ChatMessage, ToolSpec},
};

/// For a model's first step: the tool to require if it answers nothing, when the message is a
/// task request all the same. A small model often declines the tools for everyday words ("I
/// paid the rent") and, on llama-cpp-python's `chatml-function-calling`, a declining answer
/// is always empty. The builtin's reading of the message names the first call; only one that
/// cannot harm (a read, or an add) is required, with the model writing its arguments and
/// choosing every step after it.
pub fn declined(
    messages: &[ChatMessage],
    specs: &[ToolSpec],
    dates: &DateContext,
) -> Option<&'static str> {
    let first = builtin::respond(messages, dates)
        .tool_calls
        .into_iter()
        .next()?;
    specs
        .iter()
        .find(|spec| spec.name == first.name && !spec.hints.destructive)
        .map(|spec| spec.name)
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
