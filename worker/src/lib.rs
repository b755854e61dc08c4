//! Taskwire worker: pulls chat jobs from JetStream and runs the agent with the task tools.
//! Stateless: everything a turn needs is read from Postgres, so any worker can take any job.

pub mod admin;
pub mod agent;
pub mod config;
pub mod events;
pub mod process;
pub mod reminders;
pub mod runtime;

pub use config::WorkerConfig;
