//! Taskwire worker: pulls chat jobs from JetStream and runs the agent (being built).
