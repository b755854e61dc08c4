//! The chat turn end to end: the real gateway, workers, Postgres and NATS.

mod bulk;
mod changes;
mod conversations;
mod dialogue;
mod flow;
mod history;
mod lease;
mod live;
mod metrics;
mod openai;
mod rails;
mod repeat;
mod servers;
mod tags;
mod tools;
mod tracing;
mod undo;
mod workers;
mod zones;
