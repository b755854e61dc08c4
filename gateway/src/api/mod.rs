//! The HTTP API: one module per noun, combined into one OpenAPI service.

pub mod health;
pub mod tasks;

use poem_openapi::Tags;

/// Groups of operations in the API documentation.
#[derive(Tags)]
pub enum ApiTags {
    /// The user's tasks.
    Tasks,
    /// Liveness and readiness.
    Health,
}
