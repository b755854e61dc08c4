//! The model seam: what the agent loop sends to a model and what comes back.
//!
//! The agent loop only knows [`ChatModel`]; the OpenAI-compatible provider and the
//! builtin offline model both implement it, so the loop cannot tell them apart.

use async_trait::async_trait;

/// One message of the conversation as the model sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatMessage {
    System(String),
    User(String),
    Assistant {
        content: Option<String>,
        tool_calls: Vec<ToolCall>,
    },
    /// The result of one tool call, fed back to the model. `content` is JSON text.
    Tool {
        call_id: String,
        content: String,
    },
}

/// A tool call requested by the model. `arguments` is the raw JSON text the model wrote;
/// it may be invalid, and the tool registry reports that back as a tool result.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    pub arguments: String,
}

/// A tool offered to the model (defined once, in `common::tools`).
pub use common::tools::ToolSpec;

/// Everything one model step needs.
#[derive(Debug, Clone)]
pub struct ModelRequest {
    pub messages: Vec<ChatMessage>,
    /// Shared, not copied: the same specs go with every step of every turn.
    pub tools: std::sync::Arc<[ToolSpec]>,
    /// When and where the user is (the system prompt says it in words; the builtin model
    /// reads dates with it).
    pub dates: common::dates::DateContext,
    /// The tool the model must call this step: set when it began a call in text without
    /// valid arguments and is asked again. Providers that cannot require a tool ignore it.
    pub force_tool: Option<&'static str>,
}

/// What the model answered in one step: text, tool calls, or both.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelTurn {
    pub text: String,
    pub tool_calls: Vec<ToolCall>,
}

/// Receives the answer's text as it is generated, so it can be streamed to the user.
#[async_trait]
pub trait DeltaSink: Send {
    async fn delta(&mut self, text: &str);
}

/// Why a model step failed.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// Worth trying again later (rate limit, 5xx, timeout, cut stream); `retry_after` when the
    /// server said how long to wait.
    #[error("model temporarily unavailable: {message}")]
    Transient {
        message: String,
        retry_after: Option<std::time::Duration>,
    },
    /// Trying again will not help (bad request, authentication, unusable answer).
    #[error("model error: {0}")]
    Permanent(String),
}

/// A chat model with tool calling.
#[async_trait]
pub trait ChatModel: Send + Sync {
    /// Runs one step: reads the conversation, streams any answer text into `sink`, and returns
    /// the complete text and tool calls.
    async fn step(
        &self,
        request: &ModelRequest,
        sink: &mut dyn DeltaSink,
    ) -> Result<ModelTurn, ModelError>;
}
