//! The bounded agent loop: the model answers text or tool calls; tool calls run (through the
//! ledger) and their results go back to the model; at most `max_steps` rounds. The loop
//! keeps the model on the rails ([`super::rails`]): calls written as text are recovered, ids
//! the conversation never showed are refused, and an empty answer is written from what the
//! tools did.
//!
//! A redelivered job does not start over: the calls recorded by an earlier delivery are
//! rebuilt into the conversation as steps already taken, so the model continues from where
//! the dead worker stopped and no effect happens twice.

use std::sync::Arc;

use common::{
    dates::DateContext,
    domain::{ToolExecution, UserId},
    jobs::{ChatEvent, ToolCallRecord},
    metrics::{TurnStage, record_stage},
    tools::{Caller, Confirm, ToolOutcome, arguments_json},
};
use sqlx::PgPool;
use tracing::Instrument as _;
use uuid::Uuid;

use super::{
    model::{ChatMessage, ChatModel, ModelError, ModelRequest, ToolCall, ToolSpec},
    prompt::SYSTEM_PROMPT,
    rails::{
        answer::{asking, final_text, step_limit_answer},
        confirm::affirms,
        recover::{named_tool, recover},
        sink::HoldingSink,
        strip_nul, strip_nul_arguments,
    },
    tools::{self, CallSlot},
    transcript::Transcript,
};
use crate::events::TurnEvents;

mod guards;

/// Most tool calls one model step may make; the rest are answered `too_many_calls`.
pub const MAX_CALLS_PER_STEP: usize = 20;
/// Most tool calls one turn may run (bulk work goes through bulk tools, not hundreds of calls).
pub const MAX_CALLS_PER_TURN: usize = 50;

/// Why a turn could not be completed.
#[derive(Debug, thiserror::Error)]
pub enum TurnError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Database(#[from] common::Error),
}

/// How a turn ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TurnEnd {
    /// The model gave its final answer.
    Answered,
    /// The model was still calling tools after `max_steps` rounds.
    StepLimit,
}

/// What a turn produced.
#[derive(Debug, Clone)]
pub struct TurnOutput {
    pub text: String,
    pub tool_calls: Vec<ToolCallRecord>,
    pub end: TurnEnd,
}

/// Everything one turn needs.
pub struct TurnInput<'a> {
    pub job_id: Uuid,
    pub user: &'a UserId,
    /// Earlier messages and this turn's user message, oldest first.
    pub history: Vec<ChatMessage>,
    /// The tool calls earlier deliveries of this job recorded, to replay instead of rerun.
    pub recorded: Vec<ToolExecution>,
    /// When and where the user is: the prompt says it, and dates are read with it.
    pub dates: DateContext,
    /// The job's attempt this delivery runs (its calls are fenced by it).
    pub attempt: i32,
}

/// What every call of a turn runs for: the job, its user, and their time and zone.
#[derive(Clone, Copy)]
struct Turn<'a> {
    job_id: Uuid,
    attempt: i32,
    user: &'a UserId,
    dates: DateContext,
    specs: &'a Arc<[ToolSpec]>,
    /// When a bulk change needs the user's "yes", and whether this turn's message is one.
    confirm: Confirm,
    /// What the user said this turn.
    said: &'a str,
}

impl Turn<'_> {
    /// True for a tool that changes the list (a repeat of it must not run again; a repeated
    /// read runs, since something may have changed in between).
    fn changes(&self, tool: &str) -> bool {
        self.specs
            .iter()
            .any(|spec| spec.name == tool && !spec.hints.read_only)
    }

    /// True when a call of this turn changed a task: after that an empty answer is the
    /// model's way of ending, and the reply is written from what the calls did.
    fn changed_any(&self, records: &[ToolCallRecord]) -> bool {
        records
            .iter()
            .any(|record| record.result.get("error").is_none() && self.changes(&record.tool))
    }
}

/// The agent: a model, the task tools, and a step limit.
#[derive(Clone)]
pub struct Agent {
    pub model: Arc<dyn ChatModel>,
    pub pool: PgPool,
    pub max_steps: usize,
    /// A bulk delete or update of more tasks than this asks the user first.
    pub bulk_confirm_over: usize,
    /// Whether the loop also steers the model by the builtin's reading of the message (see
    /// [`guards`]); without it, only the rails that need no second reader apply.
    pub steer: bool,
}

impl Agent {
    /// Runs one turn, publishing its progress to `events`.
    pub async fn run(
        &self,
        input: TurnInput<'_>,
        events: &mut dyn TurnEvents,
    ) -> Result<TurnOutput, TurnError> {
        let specs = tools::tool_specs();
        let said = input
            .history
            .iter()
            .rev()
            .find_map(|m| match m {
                ChatMessage::User(text) => Some(text.clone()),
                _ => None,
            })
            .unwrap_or_default();
        let turn = Turn {
            job_id: input.job_id,
            attempt: input.attempt,
            user: input.user,
            dates: input.dates,
            specs: &specs,
            confirm: Confirm {
                over: self.bulk_confirm_over,
                affirmed: affirms(&said),
            },
            said: &said,
        };
        let mut transcript = Transcript::new(SYSTEM_PROMPT.to_owned(), input.history, input.dates);
        let first_step = transcript.replay(&input.recorded, events).await;
        // Calls run this turn, by earlier deliveries too.
        let mut ran = input.recorded.len();
        let mut text = String::new();
        for step in first_step..=self.max_steps as i32 {
            // A call begun in text is asked for again only before any tool ran: after one,
            // such text is a small model echoing its call, and asking again would repeat it.
            let may_force = transcript.records.is_empty();
            let (step_text, calls, held) = self
                .step_on_rails(turn, &mut transcript, may_force, events)
                .instrument(tracing::info_span!("model_step", step))
                .await?;
            let (calls, asked) = self.agreed(turn, &mut transcript, calls, held).await?;
            text.push_str(&step_text);
            if calls.is_empty() {
                let text = match asked {
                    Some(question) => asking(&text, &question, &transcript.records, &input.dates),
                    None => final_text(&text, &transcript.records, &input.dates),
                };
                return Ok(output(text, transcript, TurnEnd::Answered));
            }
            let calls = transcript.push_step(step_text, calls, step);
            let ran_now = self
                .run_calls(turn, step, &calls, &mut transcript, events, &mut ran)
                .await?;
            if !ran_now {
                // Only repeats of calls already made: the model is going round in circles.
                let text = final_text(&text, &transcript.records, &input.dates);
                return Ok(output(text, transcript, TurnEnd::Answered));
            }
        }
        Ok(at_step_limit(transcript, &input.dates))
    }

    /// Runs the calls of one step, within the limits, through the ledger; a call that repeats
    /// a change already made this turn is answered with its earlier result instead. False
    /// when every call was such a repeat.
    async fn run_calls(
        &self,
        turn: Turn<'_>,
        step: i32,
        calls: &[ToolCall],
        transcript: &mut Transcript,
        events: &mut dyn TurnEvents,
        ran: &mut usize,
    ) -> Result<bool, TurnError> {
        let mut repeats = 0;
        for (position, call) in calls.iter().enumerate() {
            let repeat = turn
                .changes(&call.name)
                .then(|| transcript.earlier_result(&call.name, &arguments_json(&call.arguments)));
            if let Some(Some(earlier)) = repeat {
                tracing::info!(tool = %call.name, "a repeated call was not run again");
                transcript.answer_repeat(&call.id, earlier);
                repeats += 1;
                continue;
            }
            if position >= MAX_CALLS_PER_STEP || *ran >= MAX_CALLS_PER_TURN {
                refuse(call, transcript, events).await;
                continue;
            }
            *ran += 1;
            // The ids seen up to this call: a result earlier in the step counts.
            let seen = transcript.seen.ids().clone();
            let fits = match transcript.seen.unseen_in(call, &turn.dates) {
                Some(_) => self.fits(turn).await?,
                None => Vec::new(),
            };
            let slot = CallSlot {
                job_id: turn.job_id,
                caller: Caller {
                    user: turn.user,
                    dates: turn.dates,
                    grounded: Some(&seen),
                    confirm: Some(turn.confirm),
                    fits: &fits,
                },
                step,
                position: position as i32,
                attempt: turn.attempt,
            };
            self.call(slot, call, transcript, events).await?;
        }
        Ok(repeats < calls.len())
    }

    /// One model step: its text (streamed, but for what may be a call written as text) and
    /// the calls it asked for, recovered from the text when it wrote them there. `force`
    /// requires a tool from the start; a step that began a call in text without valid
    /// arguments is asked once more, with that tool required. The flag is true when the
    /// model answered nothing at all: no call, no text, not even a broken call.
    async fn step(
        &self,
        transcript: &Transcript,
        specs: &Arc<[ToolSpec]>,
        (dates, may_force, force): (DateContext, bool, Option<&'static str>),
        events: &mut dyn TurnEvents,
    ) -> Result<(String, Vec<ToolCall>, bool), TurnError> {
        let mut request = ModelRequest {
            messages: transcript.messages.clone(),
            tools: specs.clone(),
            dates,
            force_tool: force,
        };
        // Prose a first try streamed before the call it broke off.
        let mut shown = String::new();
        loop {
            let mut sink = HoldingSink::new(events);
            let (text, calls) = self.ask(&request, &mut sink).await?;
            if !calls.is_empty() {
                sink.release().await;
                return Ok((shown + &text, calls, false));
            }
            if let Some((prose, written)) = recover(&text, &dates) {
                common::metrics::record_rail("call_from_text");
                tracing::info!(
                    calls = written.len(),
                    "recovered tool calls written as text"
                );
                return Ok((
                    shown + &prose,
                    written.into_iter().map(ToolCall::from).collect(),
                    false,
                ));
            }
            let Some(tool) = named_tool(&text) else {
                sink.release().await;
                let nothing = shown.is_empty() && text.trim().is_empty();
                return Ok((shown + &text, Vec::new(), nothing));
            };
            // The held call text is never shown: only what streamed before it.
            shown.push_str(sink.shown());
            if request.force_tool.is_some() || !may_force {
                return Ok((shown, Vec::new(), false));
            }
            tracing::info!(
                tool,
                "a call begun in text without valid arguments; asking again"
            );
            request.force_tool = Some(tool);
        }
    }

    /// Asks the model for one step, streaming into `sink`: its text and tool calls.
    async fn ask(
        &self,
        request: &ModelRequest,
        sink: &mut HoldingSink<'_>,
    ) -> Result<(String, Vec<ToolCall>), TurnError> {
        let stepping = std::time::Instant::now();
        let mut turn = self.model.step(request, sink).await?;
        record_stage(TurnStage::Model, stepping);
        // Providers stream what they return; fall back to the returned text if one did not.
        let mut text = if sink.text().is_empty() {
            turn.text
        } else {
            sink.text().to_owned()
        };
        strip_nul(&mut text);
        for call in &mut turn.tool_calls {
            strip_nul(&mut call.id);
            strip_nul(&mut call.name);
            strip_nul_arguments(&mut call.arguments);
        }
        Ok((text, turn.tool_calls))
    }

    /// Runs one call through the ledger, announcing it and its result.
    async fn call(
        &self,
        slot: CallSlot<'_>,
        call: &ToolCall,
        transcript: &mut Transcript,
        events: &mut dyn TurnEvents,
    ) -> Result<(), TurnError> {
        let arguments = announce(call, events).await;
        let running = std::time::Instant::now();
        let outcome = tools::run(&self.pool, slot, call)
            .instrument(tracing::info_span!("tool", tool = %call.name, call_id = %call.id))
            .await?;
        record_stage(TurnStage::Tool, running);
        tracing::debug!(tool = %call.name, ok = outcome.ok, "tool call ran");
        transcript
            .record(events, (&call.id, &call.name), arguments, outcome)
            .await;
        Ok(())
    }
}

/// Answers a call over the limits without running it (nothing is recorded in the ledger, so a
/// redelivery does not see it either).
async fn refuse(call: &ToolCall, transcript: &mut Transcript, events: &mut dyn TurnEvents) {
    let outcome = ToolOutcome::error(
        "too_many_calls",
        format!(
            "Not run: at most {MAX_CALLS_PER_STEP} tool calls per step and \
             {MAX_CALLS_PER_TURN} per message. Tell the user what was done so far."
        ),
    );
    let arguments = announce(call, events).await;
    transcript
        .record(events, (&call.id, &call.name), arguments, outcome)
        .await;
}

/// Publishes that `call` is being made; its arguments as JSON.
async fn announce(call: &ToolCall, events: &mut dyn TurnEvents) -> serde_json::Value {
    let arguments = arguments_json(&call.arguments);
    events
        .publish(&ChatEvent::ToolCall {
            id: call.id.clone(),
            tool: call.name.clone(),
            arguments: arguments.clone(),
        })
        .await;
    arguments
}

fn output(text: String, transcript: Transcript, end: TurnEnd) -> TurnOutput {
    TurnOutput {
        text,
        tool_calls: transcript.records,
        end,
    }
}

/// The end of a turn whose model was still calling tools after the last step (see
/// [`step_limit_answer`]).
fn at_step_limit(transcript: Transcript, dates: &DateContext) -> TurnOutput {
    match step_limit_answer(&transcript.records, dates) {
        Some(text) => output(text, transcript, TurnEnd::Answered),
        None => {
            let text = final_text("", &transcript.records, dates);
            output(text, transcript, TurnEnd::StepLimit)
        }
    }
}
