//! Requests about what just happened, answered from the model's last replies (the history
//! holds replies, not tool calls): "oops, undo that" reverses a completion, a reopening or an
//! add; "what did I just add?" repeats what was added.

use super::intent::{Action, Changes, Intent, Target};
use super::turn::{Turn, task_numbers};

/// "undo that": the action that reverses the last reply's, or [`Intent::Undo`] when there is
/// none the model can reverse (a deletion, an edit whose old values it never saw).
pub(super) fn undo(turn: &Turn<'_>) -> Intent {
    let Some((reply, _)) = turn.last_exchange() else {
        return Intent::Undo;
    };
    let ids = task_numbers(reply);
    if ids.is_empty() {
        return Intent::Undo;
    }
    let action = if reply.starts_with("Done! I marked") {
        Action::Update(Changes::reopen())
    } else if reply.starts_with("Reopened") {
        Action::Complete
    } else if reply.starts_with("Added") {
        // The task was created a moment ago by this very conversation.
        Action::Delete
    } else {
        return Intent::Undo;
    };
    Intent::Act(action, Target::Ids(ids))
}

/// "what did I just add?": the tasks the last add reply named.
pub(super) fn added(turn: &Turn<'_>) -> String {
    let replies = turn.history.iter().rev().filter_map(|m| match m {
        crate::agent::model::ChatMessage::Assistant {
            content: Some(text),
            ..
        } => Some(text.as_str()),
        _ => None,
    });
    for reply in replies {
        let added: Vec<&str> = reply
            .split_inclusive(['.', '!'])
            .map(str::trim)
            .filter(|sentence| sentence.starts_with("Added "))
            .collect();
        if !added.is_empty() {
            let what: Vec<&str> = added
                .iter()
                .map(|s| s.trim_start_matches("Added ").trim_end_matches('.'))
                .collect();
            return format!("You just added {}.", what.join("; "));
        }
    }
    "You haven't added anything in this conversation yet.".to_owned()
}
