//! `BuiltinModel::step` streams its answer word by word.

use async_trait::async_trait;

use super::now;
use crate::agent::builtin::BuiltinModel;
use crate::agent::model::{ChatMessage, ChatModel, DeltaSink, ModelRequest};

#[derive(Default)]
struct Collect(Vec<String>);

#[async_trait]
impl DeltaSink for Collect {
    async fn delta(&mut self, text: &str) {
        self.0.push(text.to_owned());
    }
}

fn request(text: &str) -> ModelRequest {
    ModelRequest {
        messages: vec![
            ChatMessage::System("You manage tasks.".into()),
            ChatMessage::User(text.into()),
        ],
        tools: Vec::new().into(),
        dates: now(),
        force_tool: None,
    }
}

#[tokio::test]
async fn step_streams_deltas_that_add_up_to_the_answer() {
    let model = BuiltinModel::new();
    let mut sink = Collect::default();

    let turn = model
        .step(&request("what can you do?"), &mut sink)
        .await
        .expect("the builtin model does not fail");

    assert!(!turn.text.is_empty());
    assert_eq!(
        sink.0.concat(),
        turn.text,
        "the deltas are the whole answer"
    );
    assert!(sink.0.len() > 5, "one delta per word");
    for delta in &sink.0 {
        let word = delta.strip_suffix(' ').unwrap_or(delta);
        assert!(!word.contains(' '), "one word per delta, got {delta:?}");
    }
}

#[tokio::test]
async fn a_step_that_calls_tools_streams_nothing() {
    let model = BuiltinModel::new();
    let mut sink = Collect::default();

    let turn = model
        .step(&request("add buy milk"), &mut sink)
        .await
        .expect("the builtin model does not fail");

    assert_eq!(turn.tool_calls.len(), 1);
    assert!(sink.0.is_empty(), "no text, no deltas: {:?}", sink.0);
}
