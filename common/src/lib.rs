//! What the Taskwire gateway and worker agree on: configuration, telemetry, database access,
//! task domain types and the task repository, and the error type of the domain layer.

pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod telemetry;

pub use error::{Error, Result};
