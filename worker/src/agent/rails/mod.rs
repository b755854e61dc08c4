//! Rails that keep a model — a small one especially — from misleading the user or touching
//! the wrong task, all in the loop and the tool layer, never by trusting the model:
//! - tool calls written as text are recovered when they name a known tool with valid
//!   arguments ([`recover`]), and such text is not streamed to the user ([`sink`]);
//! - a call that changes or deletes a task by id runs only for an id that came up in the
//!   conversation ([`grounding`]; the refusal itself is the tool layer's);
//! - an empty final answer is replaced by one written from what the tools did
//!   ([`crate::agent::builtin::summarise`]).

pub mod grounding;
pub mod recover;
pub mod sink;
