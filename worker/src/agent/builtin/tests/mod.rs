//! Tests of the builtin model: a table of utterances and the tool call each must produce,
//! multi-step flows against a fake task store, answers to tool results, and streaming.
//!
//! The clock is fixed at Sunday 2026-11-22 10:00 UTC, so "Friday" is November 27 and
//! "tomorrow" November 23.

mod conversations;
mod fake;
mod flows;
mod matching;
mod replies;
mod robustness;
mod streaming;
mod table_add;
mod table_manage;
mod table_more;
mod table_words;
mod talk;
mod zones;

use chrono::{TimeZone, Utc};
use common::dates::{DateContext, Zone};
use serde_json::Value;

use super::respond;
use crate::agent::model::{ChatMessage, ModelTurn};

/// Sunday 2026-11-22, 10:00, for a user in UTC.
fn now() -> DateContext {
    at_in(Zone::UTC)
}

/// Sunday 2026-11-22, 10:00 UTC, for a user in `zone`.
fn at_in(zone: Zone) -> DateContext {
    let now = Utc
        .with_ymd_and_hms(2026, 11, 22, 10, 0, 0)
        .single()
        .expect("a valid time");
    DateContext::new(now, zone)
}

/// The model's first move for one user message.
fn first_move(text: &str) -> ModelTurn {
    respond(&[ChatMessage::User(text.to_owned())], &now())
}

/// One row of a table: what the user says, the tool it must call, the arguments (JSON), and
/// why.
type Case = (&'static str, &'static str, &'static str, &'static str);

/// Runs every case and reports all mismatches at once.
fn check_table(cases: &[Case]) {
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|&(say, tool, args, why)| {
            let turn = first_move(say);
            let got: Vec<(String, Value)> = turn
                .tool_calls
                .iter()
                .map(|c| {
                    let args = serde_json::from_str(&c.arguments).expect("arguments are JSON");
                    (c.name.clone(), args)
                })
                .collect();
            let args: Value = serde_json::from_str(args).expect("the table's JSON is valid");
            let want = vec![(tool.to_owned(), args)];
            (got != want).then(|| {
                format!(
                    "{why}: {say:?}\n    expected {want:?}\n    got      {got:?} {:?}",
                    turn.text
                )
            })
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
