//! Domain types that validate on construction: once a value exists, it is valid.

pub mod task;
pub mod user;

pub use task::{
    NewTask, Priority, StatusFilter, Task, TaskDescription, TaskFilter, TaskPatch, TaskSort,
    TaskTitle,
};
pub use user::UserId;
