//! The conversation eval (see `README.md` beside this file): a table of conversations people
//! have with a todo assistant, run against the real stack — the gateway on a socket, a worker,
//! Postgres, NATS — with the builtin model (as CI runs it) or any OpenAI-compatible server
//! (`scripts/eval.sh --openai URL MODEL`), scored per category.
//!
//! Environment: `EVAL_OPENAI_BASE_URL` and `EVAL_OPENAI_MODEL` (and `EVAL_OPENAI_API_KEY`)
//! choose a server instead of the builtin model; `EVAL_ONLY` keeps the cases whose id or
//! category contains it; `EVAL_CONCURRENCY` cases run at once (default 8, 1 with a server);
//! `EVAL_MIN_RATE` fails the run under this share of English rows passed; `EVAL_RAILS=basic`
//! runs the worker with `MODEL_RAILS=basic` (no steering by the builtin's reading), to measure
//! the model's own share.

mod cases;
mod check;
mod report;
mod run;

use std::{path::PathBuf, sync::Arc, time::Duration};

use futures::StreamExt;
use sqlx::PgPool;
use taskwire_tests::spawn_app_with;
use worker::agent::{
    builtin::BuiltinModel,
    model::ChatModel,
    openai::{OpenAiModel, OpenAiSettings},
};

/// The share of the English rows the builtin model passes, measured; CI fails under it.
const BUILTIN_FLOOR: f64 = 1.0;

/// The model under evaluation, and its name in the report.
fn model() -> (Arc<dyn ChatModel>, String, bool) {
    match std::env::var("EVAL_OPENAI_BASE_URL") {
        Ok(base_url) => {
            let model = std::env::var("EVAL_OPENAI_MODEL").unwrap_or_else(|_| "model".to_owned());
            let settings = OpenAiSettings {
                base_url,
                api_key: std::env::var("EVAL_OPENAI_API_KEY")
                    .ok()
                    .map(secrecy::SecretString::from),
                model: model.clone(),
                request_timeout: Duration::from_secs(600),
                max_retries: 2,
                temperature: Some(0.0),
            };
            (Arc::new(OpenAiModel::new(settings)), model, false)
        }
        Err(_) => (Arc::new(BuiltinModel::new()), "builtin".to_owned(), true),
    }
}

fn env_number<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

#[sqlx::test(migrations = "../migrations")]
async fn the_assistant_handles_the_conversation_table(pool: PgPool) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("eval/cases");
    let only = std::env::var("EVAL_ONLY").unwrap_or_default();
    let cases: Vec<_> = cases::load(&dir)
        .expect("the table reads")
        .into_iter()
        .filter(|c| c.id.contains(&only) || c.category == only)
        .collect();
    assert!(!cases.is_empty(), "no case matches EVAL_ONLY={only:?}");
    // The rails counters are read from this process's metrics recorder.
    common::metrics::handle();
    let (model, name, builtin) = model();
    let basic = std::env::var("EVAL_RAILS").is_ok_and(|rails| rails == "basic");
    let name = if basic {
        format!("{name}-basic-rails")
    } else {
        name
    };
    let slow = !builtin;
    let app = spawn_app_with(pool, |c| {
        c.chat_wait = Duration::from_secs(if slow { 900 } else { 60 });
        c.chat_rate_per_minute = 1_000_000;
        c.chat_burst = 1_000_000;
        c.max_open_jobs_per_user = 1_000;
    })
    .await;
    let _worker = app.spawn_worker_with(model, |c| {
        c.turn.timeout = Duration::from_secs(if slow { 900 } else { 60 });
        c.concurrency = 64;
        if basic {
            c.turn.rails = worker::config::Rails::Basic;
        }
    });
    let concurrency = env_number("EVAL_CONCURRENCY").unwrap_or(if slow { 1 } else { 8 });
    let prefix = uuid::Uuid::now_v7().simple().to_string();
    let outcomes: Vec<_> = futures::stream::iter(&cases)
        .map(|case| run::run(&app, case, &prefix))
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let report = report::Report::new(name.clone(), outcomes);
    println!("{}", report.text());
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/eval");
    if std::fs::create_dir_all(&out).is_ok()
        && let Ok(json) = serde_json::to_string_pretty(&report)
    {
        let file = out.join(format!("{}.json", name.replace(['/', ' '], "_")));
        let _ = std::fs::write(&file, json);
        println!("report: {}", file.display());
    }

    assert!(
        report.unsafe_rows.is_empty(),
        "changes nobody asked for: {:#?}",
        report.unsafe_rows
    );
    let floor = env_number("EVAL_MIN_RATE").or(builtin.then_some(BUILTIN_FLOOR));
    if let Some(floor) = floor
        && only.is_empty()
    {
        assert!(
            report.english.rate() >= floor,
            "{name} passed {:.1}% of the English rows, under {:.1}%",
            100.0 * report.english.rate(),
            100.0 * floor
        );
    }
}
