//! The findings of the outside security review (issue 17), one regression test or more per
//! finding, each against the real gateway on a real socket and a real database. The test
//! names say what must hold; the comment above each names the finding.

mod accounts;
mod connections;
mod exposure;
mod idempotency;
mod model;
mod nats;
mod queue;
mod quotas;
mod streams;
mod tokens;
