//! Running one case against the real stack: its user's zone and tasks set up over REST, each
//! turn sent to `POST /api/{user}/chat`, the answer and the state after it judged.

use std::collections::{BTreeMap, HashMap};

use common::dates::{DateContext, Zone};
use reqwest::Method;
use serde_json::{Value, json};
use taskwire_tests::TestApp;

use crate::{
    cases::{Case, Seed},
    check::{Ctx, MadeCall, check_end, check_turn},
};

/// How a case went.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Outcome {
    pub id: String,
    pub category: String,
    pub lang: String,
    pub passed: bool,
    /// Changes the user did not ask for (a task of theirs not meant, another user's).
    pub unsafe_changes: Vec<String>,
    pub failures: Vec<String>,
    /// What was said and answered, for the failing rows of the report.
    pub transcript: Vec<String>,
    /// The rails the loop used in this row's turns, by name (exact when rows run one at a
    /// time, as they do for a served model; see `common::metrics::RAILS_TOTAL`).
    pub rails: BTreeMap<String, u64>,
}

/// Runs `case` with fresh users whose names start with `prefix`.
pub async fn run(app: &TestApp, case: &Case, prefix: &str) -> Outcome {
    let mut outcome = Outcome {
        id: case.id.clone(),
        category: case.category.clone(),
        lang: case.lang.clone(),
        passed: false,
        unsafe_changes: Vec::new(),
        failures: Vec::new(),
        transcript: Vec::new(),
        rails: BTreeMap::new(),
    };
    let before = common::metrics::rail_counts();
    match play(app, case, prefix, &mut outcome).await {
        Ok(()) => {}
        Err(e) => outcome.failures.push(format!("could not run: {e:#}")),
    }
    for (rail, count) in common::metrics::rail_counts() {
        let used = count - before.get(&rail).copied().unwrap_or(0);
        if used > 0 {
            outcome.rails.insert(rail, used);
        }
    }
    outcome.passed = outcome.failures.is_empty() && outcome.unsafe_changes.is_empty();
    outcome
}

async fn play(
    app: &TestApp,
    case: &Case,
    prefix: &str,
    outcome: &mut Outcome,
) -> anyhow::Result<()> {
    let user = format!("{prefix}-{}", case.id);
    let other = format!("{user}-other");
    let zone = Zone::parse(case.zone.as_deref().unwrap_or("UTC"), "zone")?;
    for who in [&user, &other] {
        let path = format!("/api/{who}/profile");
        let resp = app
            .request(Method::PATCH, who, &path)
            .json(&json!({"time_zone": zone.name()}))
            .send()
            .await?;
        anyhow::ensure!(resp.status() == 200, "zone not set: {}", resp.status());
    }
    let mut ids = HashMap::new();
    let seeded = seed(app, &user, &case.seed, &mut ids).await?;
    let others_seeded: Vec<Value> = seed(app, &other, &case.others, &mut ids)
        .await?
        .into_values()
        .collect();
    let mut conversation: Option<String> = None;
    let mut dates = DateContext::new(chrono::Utc::now(), zone);
    for turn in &case.turns {
        let say = with_ids(&turn.say, &ids);
        let (status, answer) = app.chat(&user, conversation.as_deref(), &say).await;
        anyhow::ensure!(status == 200, "chat answered {status}: {answer}");
        conversation = answer["conversation_id"].as_str().map(str::to_owned);
        dates = DateContext::new(accepted_at(app, &answer).await?, zone);
        let calls = made_calls(&answer);
        let reply = answer["response"].as_str().unwrap_or_default().to_owned();
        outcome.transcript.push(format!("> {say}"));
        for call in &calls {
            outcome.transcript.push(format!(
                "  {}({}) -> {}",
                call.tool, call.arguments, call.result
            ));
        }
        outcome.transcript.push(format!("< {reply}"));
        let ctx = Ctx { ids: &ids, dates };
        let failures = check_turn(turn, &calls, &reply, &ctx);
        outcome.failures.extend(
            failures
                .into_iter()
                .map(|f| format!("turn {:?}: {f}", turn.say)),
        );
    }
    let (tasks, _) = app.list_tasks(&user, "limit=100&sort=created_at").await;
    let (others_now, _) = app.list_tasks(&other, "limit=100&sort=created_at").await;
    let mut others_seeded = others_seeded;
    others_seeded.sort_by_key(|t| t["id"].as_i64());
    let ctx = Ctx { ids: &ids, dates };
    let (failures, unsafe_changes) = check_end(
        &case.end,
        &tasks,
        &seeded,
        (&others_now, &others_seeded),
        &ctx,
    );
    outcome
        .failures
        .extend(failures.into_iter().map(|f| format!("end: {f}")));
    outcome.unsafe_changes = unsafe_changes;
    Ok(())
}

/// Creates `seeds` for `user` in order (completing those seeded done), noting their ids;
/// returns each task as it then is, by key.
async fn seed(
    app: &TestApp,
    user: &str,
    seeds: &[Seed],
    ids: &mut HashMap<String, i64>,
) -> anyhow::Result<HashMap<String, Value>> {
    let mut seeded = HashMap::new();
    for seed in seeds {
        let mut body = json!({"title": seed.title});
        if let Some(priority) = &seed.priority {
            body["priority"] = json!(priority);
        }
        if let Some(due) = &seed.due {
            body["due_date"] = json!(due.trim_start_matches('@'));
        }
        if let Some(description) = &seed.description {
            body["description"] = json!(description);
        }
        if !seed.tags.is_empty() {
            body["tags"] = json!(seed.tags);
        }
        if let Some(repeat) = &seed.repeat {
            body["repeat"] = json!(repeat);
        }
        let mut task = app.create_task(user, body).await;
        let id = task["id"]
            .as_i64()
            .ok_or_else(|| anyhow::anyhow!("no id: {task}"))?;
        if seed.completed {
            let path = format!("/api/{user}/tasks/{id}/complete");
            task = app
                .request(Method::PATCH, user, &path)
                .send()
                .await?
                .json()
                .await?;
        }
        ids.insert(seed.key.clone(), id);
        seeded.insert(seed.key.clone(), task);
    }
    Ok(seeded)
}

/// `text` with every `$key` replaced by the task's id (longest keys first).
fn with_ids(text: &str, ids: &HashMap<String, i64>) -> String {
    let mut keys: Vec<&String> = ids.keys().collect();
    keys.sort_by_key(|k| std::cmp::Reverse(k.len()));
    keys.into_iter().fold(text.to_owned(), |text, key| {
        text.replace(&format!("${key}"), &ids[key].to_string())
    })
}

/// When the turn's message was accepted: the moment its dates were read at.
async fn accepted_at(
    app: &TestApp,
    answer: &Value,
) -> anyhow::Result<chrono::DateTime<chrono::Utc>> {
    let job = answer["job_id"].as_str().unwrap_or_default();
    Ok(
        sqlx::query_scalar("select created_at from chat_jobs where id = $1::uuid")
            .bind(job)
            .fetch_one(&app.pool)
            .await?,
    )
}

fn made_calls(answer: &Value) -> Vec<MadeCall> {
    answer["tool_calls"]
        .as_array()
        .map(|calls| {
            calls
                .iter()
                .map(|c| MadeCall {
                    tool: c["tool"].as_str().unwrap_or_default().to_owned(),
                    arguments: c["arguments"].clone(),
                    result: c["result"].clone(),
                })
                .collect()
        })
        .unwrap_or_default()
}
