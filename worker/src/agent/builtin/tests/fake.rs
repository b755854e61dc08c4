//! An in-memory stand-in for the five task tools, following their contract (result shapes and
//! error objects), so whole turns can run end to end: model, tools, model, … answer.

use serde_json::{Value, json};

use super::{now, respond};
use crate::agent::model::{ChatMessage, ToolCall};

#[derive(Debug, Clone)]
struct FakeTask {
    id: i64,
    title: String,
    description: Option<String>,
    completed: bool,
    priority: String,
    due_date: Option<String>,
}

impl FakeTask {
    fn json(&self) -> Value {
        json!({
            "id": self.id, "title": self.title, "description": self.description,
            "completed": self.completed, "priority": self.priority, "due_date": self.due_date,
            "created_at": "2026-11-20T08:00:00Z", "updated_at": "2026-11-20T08:00:00Z",
        })
    }
}

/// The fake tools with their tasks.
#[derive(Debug, Default)]
pub(super) struct FakeTools {
    tasks: Vec<FakeTask>,
    next_id: i64,
}

impl FakeTools {
    /// Tasks numbered from 1, each a title and whether it is done.
    pub(super) fn with(tasks: &[(&str, bool)]) -> Self {
        let mut tools = Self::default();
        for (title, completed) in tasks {
            let id = tools.add(&json!({ "title": title }))["task_id"].as_i64();
            let task = tools.tasks.iter_mut().find(|t| Some(t.id) == id);
            if let Some(task) = task {
                task.completed = *completed;
            }
        }
        tools
    }

    /// The titles of the tasks still there.
    pub(super) fn titles(&self) -> Vec<&str> {
        self.tasks.iter().map(|t| t.title.as_str()).collect()
    }

    /// The task with `id`, as a listing shows it.
    pub(super) fn task(&self, id: i64) -> Option<Value> {
        self.tasks.iter().find(|t| t.id == id).map(FakeTask::json)
    }

    /// Runs one tool call.
    pub(super) fn call(&mut self, name: &str, args: &Value) -> Value {
        match name {
            "add_task" => self.add(args),
            "list_tasks" => self.list(args),
            "complete_task" => self.edit(args, "completed", |t, _| t.completed = true),
            "delete_task" => self.delete(args),
            "update_task" => self.edit(args, "updated", update),
            "complete_tasks" | "delete_tasks" | "update_tasks" => self.bulk(name, args),
            // The fake keeps no change log: there is never anything to undo.
            "undo_last_turn" => {
                json!({ "error": "nothing_to_undo", "message": "Nothing to undo." })
            }
            _ => json!({ "error": "unknown_tool", "message": format!("no tool {name}") }),
        }
    }

    fn add(&mut self, args: &Value) -> Value {
        self.next_id += 1;
        let task = FakeTask {
            id: self.next_id,
            title: text(args, "title").unwrap_or_default(),
            description: text(args, "description"),
            completed: false,
            priority: text(args, "priority").unwrap_or_else(|| "medium".into()),
            due_date: text(args, "due_date"),
        };
        let result = json!({
            "task_id": task.id, "status": "created", "title": task.title,
            "priority": task.priority, "due_date": task.due_date,
        });
        self.tasks.push(task);
        result
    }

    fn list(&self, args: &Value) -> Value {
        let status = text(args, "status").unwrap_or_else(|| "all".into());
        let priority = text(args, "priority");
        let query = text(args, "query").map(|q| q.to_lowercase());
        let matches = |t: &&FakeTask| {
            (status == "all" || t.completed == (status == "completed"))
                && priority.as_ref().is_none_or(|p| *p == t.priority)
                && query.as_ref().is_none_or(|q| {
                    t.title.to_lowercase().contains(q)
                        || t.description
                            .as_ref()
                            .is_some_and(|d| d.to_lowercase().contains(q))
                })
        };
        Value::Array(
            self.tasks
                .iter()
                .filter(matches)
                .map(FakeTask::json)
                .collect(),
        )
    }

    fn delete(&mut self, args: &Value) -> Value {
        let id = args["task_id"].as_i64();
        match self.tasks.iter().position(|t| Some(t.id) == id) {
            Some(at) => {
                let task = self.tasks.remove(at);
                json!({ "task_id": task.id, "status": "deleted", "title": task.title })
            }
            None => not_found(id),
        }
    }

    /// A bulk call: each id on its own (no confirmation: the fake runs what it is asked).
    fn bulk(&mut self, name: &str, args: &Value) -> Value {
        let ids: Vec<i64> = args["task_ids"]
            .as_array()
            .map(|ids| ids.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default();
        let mut done = Vec::new();
        let mut not_found = Vec::new();
        for id in ids {
            let one = json!({ "task_id": id });
            let task = self.task(id);
            let result = match name {
                "delete_tasks" => self.delete(&one),
                "complete_tasks" => self.edit(&one, "completed", |t, _| t.completed = true),
                _ => {
                    let mut each = args.clone();
                    each["task_id"] = json!(id);
                    self.edit(&each, "updated", update)
                }
            };
            match (result.get("error"), task) {
                (None, Some(_)) => done.push(
                    self.task(id)
                        .unwrap_or(json!({"id": id, "title": result["title"]})),
                ),
                _ => not_found.push(id),
            }
        }
        let status = match name {
            "delete_tasks" => "deleted",
            "complete_tasks" => "completed",
            _ => "updated",
        };
        json!({ "status": status, "count": done.len(), "tasks": done, "not_found": not_found, "unknown": [] })
    }

    fn edit(&mut self, args: &Value, status: &str, change: fn(&mut FakeTask, &Value)) -> Value {
        let id = args["task_id"].as_i64();
        match self.tasks.iter_mut().find(|t| Some(t.id) == id) {
            Some(task) => {
                change(task, args);
                json!({ "task_id": task.id, "status": status, "title": task.title })
            }
            None => not_found(id),
        }
    }
}

fn update(task: &mut FakeTask, args: &Value) {
    if let Some(title) = text(args, "title") {
        task.title = title;
    }
    if let Some(description) = text(args, "description") {
        task.description = Some(description);
    }
    if let Some(priority) = text(args, "priority") {
        task.priority = priority;
    }
    if let Some(due) = text(args, "due_date") {
        task.due_date = Some(due);
    }
    if let Some(completed) = args["completed"].as_bool() {
        task.completed = completed;
    }
}

fn not_found(id: Option<i64>) -> Value {
    json!({ "error": "task_not_found", "message": format!("task {id:?} not found") })
}

fn text(args: &Value, key: &str) -> Option<String> {
    args.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// A conversation kept across turns, as the agent loop would keep it.
#[derive(Debug, Default)]
pub(super) struct Chat {
    pub messages: Vec<ChatMessage>,
    /// The tool calls of the last turn.
    pub calls: Vec<ToolCall>,
    /// How many model steps the last turn took.
    pub steps: usize,
}

impl Chat {
    /// Sends `text`, runs the model and the tools until the model answers, returns the answer.
    pub(super) fn say(&mut self, tools: &mut FakeTools, text: &str) -> String {
        self.messages.push(ChatMessage::User(text.to_owned()));
        self.calls.clear();
        for step in 1..=8 {
            let turn = respond(&self.messages, &now());
            if turn.tool_calls.is_empty() {
                self.steps = step;
                self.messages.push(ChatMessage::Assistant {
                    content: Some(turn.text.clone()),
                    tool_calls: Vec::new(),
                });
                return turn.text;
            }
            self.messages.push(ChatMessage::Assistant {
                content: None,
                tool_calls: turn.tool_calls.clone(),
            });
            for call in turn.tool_calls {
                let args: Value = serde_json::from_str(&call.arguments).expect("JSON arguments");
                let result = tools.call(&call.name, &args);
                self.messages.push(ChatMessage::Tool {
                    call_id: call.id.clone(),
                    content: result.to_string(),
                });
                self.calls.push(call);
            }
        }
        panic!("the model did not answer within 8 steps of {text:?}");
    }

    /// The names of the tools the last turn called, in order.
    pub(super) fn tools_called(&self) -> Vec<&str> {
        self.calls.iter().map(|c| c.name.as_str()).collect()
    }
}

/// Runs one message against `tools` in a fresh conversation.
pub(super) fn chat(tools: &mut FakeTools, text: &str) -> (String, Chat) {
    let mut chat = Chat::default();
    let answer = chat.say(tools, text);
    (answer, chat)
}
