//! The loop's checks against the builtin's reading of the same message (see
//! [`crate::agent::rails`]): a guessed id corrected where both readers agree, the details the
//! words state, an empty answer met with what the reading wants (or the rest of a message that
//! asks for several things), and the tasks a refused guess is offered. With `steer` off
//! (`MODEL_RAILS=basic`) none of them apply.

use common::tools::{Caller, TaskFit};

use super::{Agent, Turn, TurnError};
use crate::{
    agent::{
        builtin,
        model::ToolCall,
        rails::{
            agree::{self, Change},
            insist::{Insist, after_nothing, failed, refused_with_one_fit},
            rest, stated,
        },
        transcript::Transcript,
    },
    events::TurnEvents,
};

impl Agent {
    /// `calls` checked against the builtin's reading of the same message: a guessed id
    /// corrected where the reading makes the same change on tasks it found (see [`agree`]),
    /// and the details the words state given to an add or update the reading makes too (see
    /// [`stated`]). Under a change the loop required (`held`), a call of that tool on another
    /// task the conversation showed is dropped: the two readers disagree, so nothing is
    /// changed, and when nothing else is left to do the reply ends by asking whether they
    /// meant the task their words name (the second value).
    pub(super) async fn agreed(
        &self,
        turn: Turn<'_>,
        transcript: &mut Transcript,
        calls: Vec<ToolCall>,
        held: Option<Change>,
    ) -> Result<(Vec<ToolCall>, Option<String>), TurnError> {
        if !self.steer {
            return Ok((calls, None));
        }
        let made = calls.len();
        let calls = match &held {
            Some(change) => agree::hold(calls, change, &transcript.seen, &turn.dates),
            None => calls,
        };
        if let Some(change) = &held
            && calls.is_empty()
            && made > 0
        {
            // "Did you mean …?" is about one task: "yes" to it finishes the request on that
            // one. A bulk change the model made on other tasks is not asked about.
            let question = match change.ids.as_slice() {
                [id] => self.meant(turn, *id).await?,
                _ => None,
            };
            return Ok((Vec::new(), question));
        }
        let guessed = agree::any_guessed(&calls, &transcript.seen, &turn.dates);
        if !guessed && !stated::concerns(&calls) {
            return Ok((calls, None));
        }
        let reading = self.reading(turn, transcript).await?;
        let calls = match held.or_else(|| reading.change()) {
            Some(change) if guessed => {
                agree::correct(calls, &change, &mut transcript.seen, &turn.dates)
            }
            _ => calls,
        };
        let calls = stated::split(calls, &reading.acts);
        Ok((stated::apply(calls, &reading.acts, &turn.dates), None))
    }

    /// "Did you mean …?" about task `id` (the user's own: the builtin found it), unless it
    /// is gone.
    async fn meant(&self, turn: Turn<'_>, id: i64) -> Result<Option<String>, TurnError> {
        match common::db::tasks::get(&self.pool, turn.user, id).await {
            Ok(task) => Ok(Some(builtin::which_task(&[TaskFit {
                id: task.id,
                title: task.title,
                completed: task.completed,
            }]))),
            Err(common::Error::NotFound(_)) => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    /// One model step, and, when the model answered nothing, what the builtin's reading of the
    /// message says to do about it (see [`Insist`]): before any change, what it reads; after
    /// one, the rest of a message that asks for several things ([`rest`]). Returns the step's
    /// text, its calls, and the change a required call is held to.
    pub(super) async fn step_on_rails(
        &self,
        turn: Turn<'_>,
        transcript: &mut Transcript,
        may_force: bool,
        events: &mut dyn TurnEvents,
    ) -> Result<(String, Vec<ToolCall>, Option<Change>), TurnError> {
        let mode = (turn.dates, may_force, None);
        let (text, calls, nothing) = self.step(transcript, turn.specs, mode, events).await?;
        if !nothing || !self.steer {
            return Ok((text, calls, None));
        }
        let insist = match refused_with_one_fit(&transcript.records, turn.specs) {
            Some(tool) => Some(Insist::Require(tool)),
            // After a failed call, the reply says what failed.
            None if failed(&transcript.records) => None,
            None => {
                let reading = self.reading(turn, transcript).await?;
                let records = &transcript.records;
                match rest::next(&reading.acts, records, turn.specs, &turn.dates) {
                    Some(insist) => {
                        common::metrics::record_rail("rest_of_message");
                        Some(insist)
                    }
                    // After a change the model's silence ends the turn.
                    None if turn.changed_any(records) => None,
                    None => after_nothing(reading, !records.is_empty(), turn.specs),
                }
            }
        };
        tracing::info!(?insist, "the model answered nothing");
        if let Some(insist) = &insist {
            common::metrics::record_rail(insist.name());
        }
        let (tool, held) = match insist {
            None => return Ok((text, calls, None)),
            Some(Insist::Read(call)) => return Ok((String::new(), vec![call], None)),
            Some(Insist::Say(words)) => return Ok((words, Vec::new(), None)),
            Some(Insist::Require(tool)) => (tool, None),
            Some(Insist::Change(tool, change)) => (tool, Some(change)),
        };
        let forced = (turn.dates, may_force, Some(tool));
        let (text, calls, _) = self.step(transcript, turn.specs, forced, events).await?;
        Ok((text, calls, held))
    }

    /// The builtin's reading of the user's message (see [`agree::reading`]), made once a turn
    /// and kept: made before this turn changed anything (on an empty first answer, or before an
    /// add or update ran), it reads the list as the user saw it, so "I bought the milk and paid
    /// the rent" still asks for both after the milk is done.
    async fn reading(
        &self,
        turn: Turn<'_>,
        transcript: &mut Transcript,
    ) -> Result<agree::Reading, TurnError> {
        if let Some(reading) = &transcript.reading {
            return Ok(reading.clone());
        }
        let reading =
            agree::reading(&self.pool, turn.user, &turn.dates, &transcript.messages).await?;
        transcript.reading = Some(reading.clone());
        Ok(reading)
    }

    /// The user's tasks that their words this turn may be about, for the refusal of a call by
    /// an id the conversation never showed (see [`common::tools::Caller::fits`]).
    pub(super) async fn fits(&self, turn: Turn<'_>) -> Result<Vec<TaskFit>, TurnError> {
        let listing = common::tools::execute(
            &self.pool,
            Caller::new(turn.user, turn.dates),
            "list_tasks",
            r#"{"status": "all", "limit": 50}"#,
        )
        .await?;
        Ok(builtin::fitting(turn.said, &listing.result))
    }
}
