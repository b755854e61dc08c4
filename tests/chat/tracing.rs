//! Logs a person debugging can follow: every line of a turn, in the gateway and in the
//! worker, carries the ids of the user, the conversation and the job.

use std::{
    io::Write,
    sync::{Arc, Mutex},
};

use serde_json::Value;
use sqlx::PgPool;
use taskwire_tests::{eventually, spawn_app};

/// Log lines written as JSON into memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn lines(&self) -> Vec<Value> {
        let bytes = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        String::from_utf8_lossy(&bytes)
            .lines()
            .map(|line| serde_json::from_str(line).expect("a JSON log line"))
            .collect()
    }
}

/// The value of `field` in any span of `line`.
fn span_field<'a>(line: &'a Value, field: &str) -> Option<&'a str> {
    line["spans"]
        .as_array()?
        .iter()
        .find_map(|span| span[field].as_str())
}

#[sqlx::test(migrations = "../migrations")]
async fn a_turns_log_lines_carry_its_user_conversation_and_job(pool: PgPool) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_span_list(true)
        .with_env_filter("info")
        .with_writer(move || writer.clone())
        .finish();
    // The test's runtime has one thread: the gateway and the worker run on it too.
    let _logs = tracing::subscriber::set_default(subscriber);
    let app = spawn_app(pool).await;
    let _worker = app.spawn_worker();

    let reply = app.say("alice", None, "add buy milk").await;
    let job = reply["job_id"].as_str().expect("job id");
    let conversation = reply["conversation_id"].as_str().expect("conversation id");

    let of_the_job = |line: &&Value| span_field(line, "job_id") == Some(job);
    let logged = |lines: &[Value], message: &str| {
        lines
            .iter()
            .filter(of_the_job)
            .any(|line| line["fields"]["message"] == message)
    };
    // The reply can reach the client (from the committed row) before the worker, which
    // committed it, logs its line.
    eventually("the worker and the gateway logged the turn", || {
        let lines = captured.lines();
        let both = logged(&lines, "turn concluded") && logged(&lines, "response");
        async move { both }
    })
    .await;
    let lines = captured.lines();
    let concluded = lines
        .iter()
        .filter(of_the_job)
        .find(|line| line["fields"]["message"] == "turn concluded")
        .unwrap_or_else(|| panic!("the worker logged the turn's end: {lines:#?}"));
    assert_eq!(span_field(concluded, "user_id"), Some("alice"));
    assert_eq!(span_field(concluded, "conversation_id"), Some(conversation));
    let answered = lines
        .iter()
        .filter(of_the_job)
        .find(|line| line["fields"]["message"] == "response")
        .unwrap_or_else(|| panic!("the gateway logged its answer: {lines:#?}"));
    assert_eq!(span_field(answered, "user_id"), Some("alice"));
    assert_eq!(span_field(answered, "conversation_id"), Some(conversation));
}
