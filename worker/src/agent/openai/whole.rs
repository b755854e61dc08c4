//! Servers that will not stream an answer when tools are offered. llama-cpp-python's server
//! (`--chat_format chatml-function-calling`) raises "Automatic streaming tool choice is not
//! supported" whenever the model chooses a tool: version 0.3 sends `200` and the event-stream
//! headers first, then drops the connection before the first chunk; others answer an error
//! status that says so. The provider then asks once without streaming, reads the whole
//! completion (its `message` has the shape of a stream chunk's `delta`), and when that works
//! remembers the server per base URL and model, so the next turn does not pay the failed try.

use std::{
    collections::HashSet,
    sync::{LazyLock, Mutex},
};

use super::Progress;
use crate::agent::model::ModelError;

/// (base URL, model) of the servers known to refuse streaming with tools.
static NOT_STREAMING_WITH_TOOLS: LazyLock<Mutex<HashSet<(String, String)>>> =
    LazyLock::new(|| Mutex::new(HashSet::new()));

fn known() -> std::sync::MutexGuard<'static, HashSet<(String, String)>> {
    NOT_STREAMING_WITH_TOOLS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// False once this server refused to stream an answer with tools.
pub(super) fn streams_with_tools(base_url: &str, model: &str) -> bool {
    !known().contains(&(base_url.to_owned(), model.to_owned()))
}

/// Remembers that this server refuses to stream an answer with tools.
pub(super) fn remember_refusal(base_url: &str, model: &str) {
    if known().insert((base_url.to_owned(), model.to_owned())) {
        tracing::info!(%base_url, %model, "the server does not stream with tools; asking for whole answers from now on");
    }
}

/// True when a streamed request with tools failed as a server that cannot stream them fails:
/// it said so, or it opened the stream and ended it before the first chunk.
pub(super) fn may_refuse_streaming(error: &ModelError, progress: &Progress) -> bool {
    !progress.emitted && (refuses_streaming(error) || (progress.opened && progress.chunks == 0))
}

/// True when an error says the server cannot stream with tools.
fn refuses_streaming(error: &ModelError) -> bool {
    let message = match error {
        ModelError::Transient { message, .. } | ModelError::Permanent(message) => message,
    }
    .to_lowercase();
    message.contains("stream")
        && [
            "not supported",
            "unsupported",
            "does not support",
            "not implemented",
        ]
        .iter()
        .any(|phrase| message.contains(phrase))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_to_stream_is_told_from_other_failures() {
        let refusals = [
            "HTTP 500: Automatic streaming tool choice is not supported",
            "HTTP 400: Streaming tool calls are unsupported by this model",
            "HTTP 400: this backend does not support stream with tools",
        ];
        for message in refusals {
            assert!(
                refuses_streaming(&ModelError::Transient {
                    message: message.into(),
                    retry_after: None
                }),
                "{message}"
            );
        }
        for message in ["HTTP 500: internal error", "HTTP 404: model not supported"] {
            assert!(
                !refuses_streaming(&ModelError::Permanent(message.into())),
                "{message}"
            );
        }
    }

    #[test]
    fn a_refusal_is_remembered_per_server_and_model() {
        assert!(streams_with_tools("http://a/v1", "m"));
        remember_refusal("http://a/v1", "m");
        assert!(!streams_with_tools("http://a/v1", "m"));
        assert!(streams_with_tools("http://a/v1", "other"));
        assert!(streams_with_tools("http://b/v1", "m"));
    }
}
