//! The agent: a model seam with two providers, the task tools through the ledger, and the
//! bounded loop that runs a turn.

pub mod builtin;
pub mod delayed;
pub mod model;
pub mod openai;
pub mod prompt;
pub mod runner;
pub mod tools;
