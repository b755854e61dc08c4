//! The HTTP API: one module per noun, combined into one OpenAPI service.

pub mod accounts;
pub mod chat;
pub mod conversations;
pub mod health;
pub mod jobs;
pub mod notifications;
pub mod payload;
pub mod profile;
pub mod reminders;
pub mod sse;
pub mod tasks;
pub mod text;

use poem_openapi::Tags;

/// Groups of operations in the API documentation.
#[derive(Tags)]
pub enum ApiTags {
    /// The user's tasks.
    Tasks,
    /// Talking to the assistant: chat turns and their jobs.
    Chat,
    /// Conversation history.
    Conversations,
    /// Accounts: sign up and sign in with email and password for a token, and the profile
    /// (time zone).
    Accounts,
    /// Reminders as they are sent: a live stream, a list, and a webhook.
    Notifications,
    /// Liveness and readiness.
    Health,
}
