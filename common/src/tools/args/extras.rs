//! Arguments of the tools' later fields: tags, repeats and reminders, read as leniently as the
//! rest ([`super`]).

use serde_json::{Map, Value};

use super::{Parsed, invalid, validation};
use crate::{
    dates::DateContext,
    domain::{Repeat, Tags, TagsEdit, task::reminder::ReminderSpec},
};

/// Tags as a model writes them: `["work", "#home"]`, or one text `"work, #home"`; `Ok(None)`
/// when absent or null.
pub(super) fn tags(map: &Map<String, Value>, field: &'static str) -> Parsed<Option<Tags>> {
    let names: Vec<String> = match map.get(field) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(text)) => text
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|name| !name.is_empty())
            .map(str::to_owned)
            .collect(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(name) => Ok(name.clone()),
                other => Err(invalid(format!("{field} must hold strings, not {other}."))),
            })
            .collect::<Parsed<_>>()?,
        Some(other) => {
            return Err(invalid(format!(
                "{field} must be a list of tags, not {other}."
            )));
        }
    };
    Tags::parse(&names, field).map(Some).map_err(validation)
}

/// An update's tags: `tags` replaces them all; `add_tags` and `remove_tags` edit them.
pub(super) fn tags_edit(map: &Map<String, Value>) -> Parsed<Option<TagsEdit>> {
    TagsEdit::from_parts(
        tags(map, "tags")?,
        tags(map, "add_tags")?,
        tags(map, "remove_tags")?,
    )
    .map_err(validation)
}

/// A repeat in words or as an RRULE ([`Repeat::parse`]).
pub(super) fn repeat(text: &str) -> Parsed<Repeat> {
    Repeat::parse(text, "repeat").map_err(validation)
}

/// `reminders`: "30 minutes before", "at the due time", "8am", as a list or one text;
/// empty when absent.
pub fn reminders(map: &Map<String, Value>, ctx: &DateContext) -> Parsed<Vec<ReminderSpec>> {
    let texts: Vec<String> = match map.get("reminders") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::String(text)) => vec![text.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(text) => Ok(text.clone()),
                other => Err(invalid(format!(
                    "reminders must hold strings, not {other}."
                ))),
            })
            .collect::<Parsed<_>>()?,
        Some(other) => {
            return Err(invalid(format!(
                "reminders must be a list such as [\"30 minutes before\"], not {other}."
            )));
        }
    };
    if texts.len() > 10 {
        return Err(invalid("A task takes at most 10 reminders."));
    }
    texts
        .iter()
        .map(|text| ReminderSpec::parse(text, ctx).map_err(validation))
        .collect()
}
