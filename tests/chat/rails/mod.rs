//! The rails that keep a model on track, driven through the agent loop directly (its event
//! sink is a list, its model a script) against real Postgres: a call written as text is
//! recovered and never shown, a guessed id never touches a task (unless the builtin's reading
//! makes the same change on the task the words name), an empty answer is met with what the
//! builtin's reading of the message wants, and an empty final answer is written from what the
//! tools did.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
};

use async_trait::async_trait;
use chrono::Utc;
use common::{
    dates::{DateContext, Zone},
    domain::UserId,
    jobs::ChatEvent,
};
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

mod agreement;
mod details;
mod insist;
mod refusals;
mod several;

use worker::agent::{
    model::{ChatMessage, ChatModel, DeltaSink, ModelError, ModelRequest, ModelTurn, ToolCall},
    runner::{Agent, TurnInput, TurnOutput},
};

/// A model that answers each step with the next scripted turn, streaming its text, and
/// keeps every request it was sent.
#[derive(Default)]
pub(super) struct Script {
    turns: Mutex<VecDeque<ModelTurn>>,
    requests: Mutex<Vec<ModelRequest>>,
}

impl Script {
    pub(super) fn new(turns: Vec<ModelTurn>) -> Arc<Self> {
        Arc::new(Self {
            turns: Mutex::new(turns.into()),
            requests: Mutex::default(),
        })
    }

    pub(super) fn requests(&self) -> Vec<ModelRequest> {
        self.requests.lock().expect("requests").clone()
    }
}

#[async_trait]
impl ChatModel for Script {
    async fn step(
        &self,
        request: &ModelRequest,
        sink: &mut dyn DeltaSink,
    ) -> Result<ModelTurn, ModelError> {
        self.requests
            .lock()
            .expect("requests")
            .push(request.clone());
        let turn = self
            .turns
            .lock()
            .expect("turns")
            .pop_front()
            .ok_or_else(|| ModelError::Permanent("the script ran out".into()))?;
        for piece in turn.text.split_inclusive(' ') {
            sink.delta(piece).await;
        }
        Ok(turn)
    }
}

pub(super) fn text(text: &str) -> ModelTurn {
    ModelTurn {
        text: text.to_owned(),
        tool_calls: Vec::new(),
    }
}

pub(super) fn calls(calls: &[(&str, Value)]) -> ModelTurn {
    ModelTurn {
        text: String::new(),
        tool_calls: calls
            .iter()
            .enumerate()
            .map(|(n, (name, args))| ToolCall {
                id: format!("call_{n}"),
                name: (*name).to_owned(),
                arguments: args.to_string(),
            })
            .collect(),
    }
}

/// Runs one turn of `alice` saying `say` with the scripted `model`; returns what it produced
/// and the events it published.
pub(super) async fn run(
    pool: &PgPool,
    model: Arc<Script>,
    say: &str,
) -> (TurnOutput, Vec<ChatEvent>) {
    let job_id = queue(pool, say).await;
    deliver(pool, model, say, job_id).await
}

/// A job for `alice` saying `say`, queued in a conversation of its own.
pub(super) async fn queue(pool: &PgPool, say: &str) -> Uuid {
    let alice = UserId::parse("alice").expect("user");
    let conversation = Uuid::now_v7();
    common::db::conversations::insert(pool, &alice, conversation, "c")
        .await
        .expect("conversation");
    taskwire_tests::store_queued_job(pool, &alice, conversation, say).await
}

/// One delivery of the job `job_id` (`alice` saying `say`) to the scripted `model`, as its
/// latest attempt: the calls the ledger holds for the job from earlier deliveries are
/// replayed, not run again.
pub(super) async fn deliver(
    pool: &PgPool,
    model: Arc<Script>,
    say: &str,
    job_id: Uuid,
) -> (TurnOutput, Vec<ChatEvent>) {
    deliver_with(pool, model, say, job_id, true).await
}

/// [`deliver`], steering by the builtin's reading or not (`MODEL_RAILS=basic`).
pub(super) async fn deliver_with(
    pool: &PgPool,
    model: Arc<Script>,
    say: &str,
    job_id: Uuid,
    steer: bool,
) -> (TurnOutput, Vec<ChatEvent>) {
    let alice = UserId::parse("alice").expect("user");
    let recorded = common::db::tool_executions::for_job(pool, job_id)
        .await
        .expect("the ledger");
    let attempt: i32 = sqlx::query_scalar("select attempts from chat_jobs where id = $1")
        .bind(job_id)
        .fetch_one(pool)
        .await
        .expect("the job");
    let agent = Agent {
        model,
        pool: pool.clone(),
        max_steps: 6,
        bulk_confirm_over: 5,
        steer,
    };
    let mut events: Vec<ChatEvent> = Vec::new();
    let input = TurnInput {
        job_id,
        user: &alice,
        history: vec![ChatMessage::User(say.to_owned())],
        recorded,
        dates: DateContext::new(Utc::now(), Zone::UTC),
        attempt,
    };
    let output = agent.run(input, &mut events).await.expect("the turn ran");
    (output, events)
}

/// The tool each request of `model` required, in order (`None`: none).
pub(super) fn forced(model: &Script) -> Vec<Option<&'static str>> {
    model.requests().iter().map(|r| r.force_tool).collect()
}

/// The titles of the completed tasks, oldest first.
pub(super) async fn completed(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar("select title from tasks where completed order by id")
        .fetch_all(pool)
        .await
        .expect("completed")
}

/// How often `rail` was used in this process so far (see `common::metrics::rail_counts`).
pub(super) fn used(rail: &str) -> u64 {
    common::metrics::handle();
    common::metrics::rail_counts()
        .get(rail)
        .copied()
        .unwrap_or(0)
}

pub(super) async fn titles(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar("select title from tasks order by id")
        .fetch_all(pool)
        .await
        .expect("titles")
}

pub(super) fn streamed_text(events: &[ChatEvent]) -> String {
    events
        .iter()
        .filter_map(|e| match e {
            ChatEvent::Delta { text } => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_call_written_as_text_runs_and_is_never_shown(pool: PgPool) {
    let model = Script::new(vec![
        text(
            "Sure!\n<tool_call>\n{\"name\": \"add_task\", \"arguments\": {\"title\": \"Buy milk\"}}\n</tool_call>",
        ),
        text("Added “Buy milk”."),
    ]);
    let (output, events) = run(&pool, model.clone(), "add buy milk").await;
    assert_eq!(titles(&pool).await, ["Buy milk"]);
    assert_eq!(output.tool_calls.len(), 1);
    let shown = streamed_text(&events);
    assert!(
        !shown.contains("tool_call"),
        "the written call was not streamed: {shown:?}"
    );
    assert!(shown.starts_with("Sure!"), "{shown:?}");
    assert_eq!(output.text, "Sure!Added “Buy milk”.");
    // The model saw its call as a call, with the result after it.
    let second = &model.requests()[1].messages;
    assert!(
        matches!(&second[second.len() - 2], ChatMessage::Assistant { tool_calls, .. } if tool_calls.len() == 1)
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_call_begun_without_arguments_is_asked_for_again_with_the_tool_required(pool: PgPool) {
    let model = Script::new(vec![
        text("On it. functions.add_task:"),
        calls(&[("add_task", json!({"title": "Call the plumber"}))]),
        text("Added “Call the plumber”."),
    ]);
    let (output, events) = run(&pool, model.clone(), "remind me to call the plumber").await;
    assert_eq!(titles(&pool).await, ["Call the plumber"]);
    let forced: Vec<Option<&str>> = model.requests().iter().map(|r| r.force_tool).collect();
    assert_eq!(forced, [None, Some("add_task"), None]);
    let shown = streamed_text(&events);
    assert!(!shown.contains("functions"), "{shown:?}");
    assert_eq!(output.text, "On it. Added “Call the plumber”.");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_call_broken_twice_is_not_shown_as_the_answer(pool: PgPool) {
    let model = Script::new(vec![
        text("functions.add_task:"),
        text("functions.add_task: {\"title\": 7}"),
    ]);
    let (output, events) = run(&pool, model.clone(), "new task: taxes").await;
    assert_eq!(model.requests().len(), 2, "asked again once, not more");
    assert!(titles(&pool).await.is_empty());
    assert_eq!(streamed_text(&events), "");
    assert!(output.tool_calls.is_empty());
    assert!(
        !output.text.contains("functions") && !output.text.is_empty(),
        "{:?}",
        output.text
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_repeated_call_is_not_run_again_and_ends_the_loop(pool: PgPool) {
    let add = || calls(&[("add_task", json!({"title": "Book flights"}))]);
    let model = Script::new(vec![add(), add(), add(), text("never asked")]);
    let (output, _) = run(&pool, model.clone(), "add book flights").await;
    assert_eq!(titles(&pool).await, ["Book flights"], "added once");
    assert_eq!(model.requests().len(), 2, "the repeat ended the turn");
    assert_eq!(output.end, worker::agent::runner::TurnEnd::Answered);
    assert_eq!(output.tool_calls.len(), 1, "the repeat is not a call made");
    assert!(output.text.contains("Book flights"), "{}", output.text);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_call_begun_in_text_after_a_tool_ran_is_not_asked_for_again(pool: PgPool) {
    let model = Script::new(vec![
        calls(&[("add_task", json!({"title": "Water the plants"}))]),
        text("functions.add_task:"),
        calls(&[(
            "add_task",
            json!({"title": "Water the plants", "priority": "low"}),
        )]),
    ]);
    let (output, events) = run(&pool, model.clone(), "water the plants, no rush").await;
    assert_eq!(titles(&pool).await, ["Water the plants"]);
    let forced: Vec<Option<&str>> = model.requests().iter().map(|r| r.force_tool).collect();
    assert_eq!(forced, [None, None], "no second, forced, add");
    assert!(!streamed_text(&events).contains("functions"));
    assert!(output.text.contains("Water the plants"), "{}", output.text);
}

#[sqlx::test(migrations = "../migrations")]
async fn text_that_only_looks_like_a_call_is_the_answer(pool: PgPool) {
    let answer = "Use ```list``` to see them, or {curly} braces.";
    let model = Script::new(vec![text(answer)]);
    let (output, events) = run(&pool, model, "how do I see my tasks?").await;
    assert_eq!(output.text, answer);
    assert_eq!(streamed_text(&events), answer);
    assert!(output.tool_calls.is_empty());
}

#[sqlx::test(migrations = "../migrations")]
async fn an_empty_answer_is_written_from_what_the_tools_did(pool: PgPool) {
    let model = Script::new(vec![
        calls(&[
            ("add_task", json!({"title": "Buy milk"})),
            ("complete_task", json!({"task_id": 424_242})),
        ]),
        text("   "),
    ]);
    let (output, _) = run(&pool, model, "add buy milk and tick off task 424242").await;
    assert!(output.text.contains("Added “Buy milk”"), "{}", output.text);
    assert!(
        output.text.contains("couldn't find task 424242"),
        "a not-found is said, never 'Done.': {}",
        output.text
    );
}
