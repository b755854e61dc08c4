//! Requests about what just happened, answered from the model's last replies (the history
//! holds replies, not tool calls): "what did I just add?" repeats what was added.

use super::turn::Turn;

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
