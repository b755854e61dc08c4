//! Taskwire gateway: the REST task API, the chat endpoints and their event streams, accounts
//! and JWT authentication, the outbox that hands jobs to the workers, the MCP server for the
//! task tools, and the web page.

pub mod api;
pub mod auth;
pub mod client;
pub mod config;
pub mod error;
pub mod feed;
pub mod limits;
pub mod mcp;
pub mod metrics;
pub mod middleware;
pub mod nats;
pub mod openapi;
pub mod outbox;
mod routes;
pub mod server;
pub mod startup;
pub mod web;

pub use config::GatewayConfig;
pub use startup::App;
