//! Taskwire gateway: the REST task API, JWT authentication and (next) the chat endpoints.

pub mod api;
pub mod auth;
pub mod config;
pub mod error;
pub mod limits;
pub mod listener;
pub mod metrics;
pub mod middleware;
pub mod queue;
pub mod startup;
pub mod web;

pub use config::GatewayConfig;
pub use startup::App;
