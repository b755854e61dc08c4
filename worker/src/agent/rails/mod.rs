//! Rails that keep a model — a small one especially — from misleading the user or touching
//! the wrong task, all in the loop and the tool layer, never by trusting the model:
//! - tool calls written as text are recovered when they name a known tool with valid
//!   arguments ([`recover`]), and such text is not streamed to the user ([`sink`]);
//! - a call that changes or deletes a task by id runs only for an id that came up in the
//!   conversation ([`grounding`]; the refusal itself is the tool layer's), or on the task
//!   the builtin's reading of the same message changes with the same tool ([`agree`]);
//! - a model that answered nothing before any change is met with what the builtin's reading
//!   of the message wants ([`insist`]): the change it reads, required of the model and held to
//!   the task the words name; its look-up, made for the model; or its answer in words; where
//!   the message asks for several things, the same goes for the first one not made yet, after
//!   a change too ([`rest`]);
//! - where the builtin's reading makes the same add or update, the due date, priority,
//!   repeat and note the user's words state are taken from it ([`stated`]);
//! - a large destructive bulk call waits for the user's own "yes" ([`confirm`]);
//! - an empty final answer, or a turn stopped at the step limit, is answered from what the
//!   tools did ([`answer`]).

pub mod agree;
pub mod answer;
pub mod confirm;
pub mod grounding;
pub mod insist;
pub mod recover;
pub mod rest;
pub mod sink;
pub mod stated;

/// Removes NUL characters (U+0000) from what a model wrote. Postgres cannot store them in
/// text, so a reply or tool argument holding one would fail on every delivery; nothing a
/// person reads needs one.
pub fn strip_nul(text: &mut String) {
    if text.contains('\0') {
        text.retain(|c| c != '\0');
    }
}

/// [`strip_nul`] for a call's JSON arguments, where a NUL may also be written as the escape
/// `\u0000`: the strings inside lose theirs too.
pub fn strip_nul_arguments(arguments: &mut String) {
    strip_nul(arguments);
    if !arguments.to_ascii_lowercase().contains("\\u0000") {
        return;
    }
    if let Ok(mut value) = serde_json::from_str::<serde_json::Value>(arguments) {
        strip_nul_in(&mut value);
        *arguments = value.to_string();
    }
}

fn strip_nul_in(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(text) => strip_nul(text),
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_nul_in),
        serde_json::Value::Object(fields) => fields.values_mut().for_each(strip_nul_in),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_characters_are_removed_raw_and_escaped() {
        let mut text = "Added\0 milk".to_owned();
        strip_nul(&mut text);
        assert_eq!(text, "Added milk");
        let mut arguments = r#"{"title": "milk\u0000", "tags": ["a\u0000b"]}"#.to_owned();
        strip_nul_arguments(&mut arguments);
        let value: serde_json::Value = serde_json::from_str(&arguments).expect("JSON");
        assert_eq!(value, serde_json::json!({"title": "milk", "tags": ["ab"]}));
        let mut untouched = r#"{"title": "tea"}"#.to_owned();
        strip_nul_arguments(&mut untouched);
        assert_eq!(untouched, r#"{"title": "tea"}"#);
    }
}
