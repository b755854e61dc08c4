//! Domain types that validate on construction: once a value exists, it is valid.

pub mod chat;
pub mod task;
pub mod user;

pub use chat::{ChatText, Conversation, Job, JobStatus, Message, Role, ToolExecution};
pub use task::{
    NewTask, Priority, Repeat, StatusFilter, Tag, Tags, TagsEdit, Task, TaskDescription,
    TaskFilter, TaskPatch, TaskSort, TaskTitle,
};
pub use user::{Email, Password, UserId};
