//! Streaming a model step's text to the user while holding back what may be a tool call
//! written as text: from the first place such a call can begin ([`recover::OPENERS`], or a
//! message that starts with `{`), the text waits for the end of the step, when the loop
//! either recovers the call (and the held text is never shown) or lets it go out.

use async_trait::async_trait;
use common::jobs::ChatEvent;

use super::recover::OPENERS;
use crate::{agent::model::DeltaSink, events::TurnEvents};

/// The text of one model step: streamed as `delta` events up to where a written tool call
/// may begin, held from there.
pub struct HoldingSink<'a> {
    events: &'a mut dyn TurnEvents,
    /// Everything the model wrote this step.
    text: String,
    /// How much of `text` went out.
    sent: usize,
    /// Where held text begins, once a possible call was seen (for the rest of the step).
    held_from: Option<usize>,
}

impl<'a> HoldingSink<'a> {
    /// A sink for one step's text.
    pub fn new(events: &'a mut dyn TurnEvents) -> Self {
        Self {
            events,
            text: String::new(),
            sent: 0,
            held_from: None,
        }
    }

    /// Everything the model wrote this step.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// What went out (the text before anything held).
    pub fn shown(&self) -> &str {
        &self.text[..self.sent]
    }

    /// The step's text is its answer after all: sends what was held.
    pub async fn release(&mut self) {
        self.held_from = None;
        self.send_upto(self.text.len()).await;
    }

    async fn send_upto(&mut self, end: usize) {
        if end > self.sent {
            let text = self.text[self.sent..end].to_owned();
            self.sent = end;
            self.events.publish(&ChatEvent::Delta { text }).await;
        }
    }

    /// Where a written call begins: the first complete opener, or 0 for a message that
    /// starts with `{`.
    fn opener_start(&self) -> Option<usize> {
        if self.text.trim_start().starts_with('{') {
            return Some(0);
        }
        OPENERS.iter().filter_map(|o| self.text.find(o)).min()
    }

    /// The length of the longest unfinished opener the text ends with ("<tool", "``", "f"):
    /// it waits for the next piece to tell.
    fn unfinished_tail(&self) -> usize {
        OPENERS
            .iter()
            .flat_map(|opener| (1..opener.len()).map(move |n| &opener[..n]))
            .filter(|prefix| self.text.ends_with(prefix))
            .map(str::len)
            .max()
            .unwrap_or(0)
    }
}

#[async_trait]
impl DeltaSink for HoldingSink<'_> {
    async fn delta(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        let mut text = text.to_owned();
        super::strip_nul(&mut text);
        self.text.push_str(&text);
        if self.held_from.is_none() {
            self.held_from = self.opener_start();
        }
        let end = match self.held_from {
            Some(at) => at,
            None => self.text.len() - self.unfinished_tail(),
        };
        self.send_upto(end).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn stream(pieces: &[&str]) -> (Vec<String>, String) {
        let mut events: Vec<ChatEvent> = Vec::new();
        let text = {
            let mut sink = HoldingSink::new(&mut events);
            for piece in pieces {
                sink.delta(piece).await;
            }
            sink.text().to_owned()
        };
        let sent = events
            .into_iter()
            .map(|e| match e {
                ChatEvent::Delta { text } => text,
                other => panic!("{other:?}"),
            })
            .collect();
        (sent, text)
    }

    #[tokio::test]
    async fn plain_text_streams_as_it_comes() {
        let (sent, text) = stream(&["You have ", "3 tasks", " open."]).await;
        assert_eq!(sent, ["You have ", "3 tasks", " open."]);
        assert_eq!(text, "You have 3 tasks open.");
    }

    #[tokio::test]
    async fn a_written_call_is_held_back_from_its_opener() {
        let (sent, text) = stream(&[
            "Let me look.\n<tool",
            "_call>{\"name\": ",
            "\"list_tasks\"}</tool_call>",
        ])
        .await;
        assert_eq!(sent.concat(), "Let me look.\n");
        assert!(text.ends_with("</tool_call>"));
        let (sent, _) = stream(&["{\"name\": \"list_tasks\"", ", \"arguments\": {}}"]).await;
        assert!(sent.is_empty(), "{sent:?}");
    }

    #[tokio::test]
    async fn a_tail_that_only_looked_like_an_opener_goes_out() {
        let (sent, _) = stream(&["I'll do it f", "or you tomorrow."]).await;
        assert_eq!(sent.concat(), "I'll do it for you tomorrow.");
    }

    #[tokio::test]
    async fn held_text_goes_out_when_released() {
        let mut events: Vec<ChatEvent> = Vec::new();
        let mut sink = HoldingSink::new(&mut events);
        sink.delta("Use ```git status``` to see it").await;
        sink.release().await;
        drop(sink);
        let sent: String = events
            .into_iter()
            .map(|e| match e {
                ChatEvent::Delta { text } => text,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(sent, "Use ```git status``` to see it");
    }
}
