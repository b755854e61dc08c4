//! The eval's table as data: the cases in `cases/*.json` (see the README beside them).

use std::path::Path;

use serde::Deserialize;
use serde_json::{Map, Value};

/// One conversation with its own user.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub id: String,
    pub category: String,
    pub lang: String,
    #[serde(default)]
    pub zone: Option<String>,
    #[serde(default)]
    pub seed: Vec<Seed>,
    #[serde(default)]
    pub others: Vec<Seed>,
    pub turns: Vec<Turn>,
    #[serde(default)]
    pub end: End,
}

/// A task that exists before the first turn.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    pub key: String,
    pub title: String,
    #[serde(default)]
    pub priority: Option<String>,
    /// `@words`.
    #[serde(default)]
    pub due: Option<String>,
    #[serde(default)]
    pub completed: bool,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Words or an RRULE.
    #[serde(default)]
    pub repeat: Option<String>,
}

/// What the user says, and what must follow.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Turn {
    pub say: String,
    #[serde(default)]
    pub calls: Option<Vec<ExpectedCall>>,
    #[serde(default)]
    pub forbid: Vec<ExpectedCall>,
    #[serde(default)]
    pub reply: Vec<String>,
    #[serde(default)]
    pub reply_any: Vec<String>,
    #[serde(default)]
    pub reply_none: Vec<String>,
}

/// A tool call with the arguments that must match (others are not checked).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedCall {
    pub tool: String,
    #[serde(default)]
    pub args: Map<String, Value>,
}

/// The state after the last turn.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct End {
    #[serde(default)]
    pub exists: Vec<Map<String, Value>>,
    #[serde(default)]
    pub gone: Vec<String>,
    #[serde(default)]
    pub count: Option<usize>,
    #[serde(default)]
    pub changed: Vec<String>,
}

/// Every case in `dir/*.json`, by file then order; fails on an unreadable file or a
/// repeated id.
pub fn load(dir: &Path) -> anyhow::Result<Vec<Case>> {
    let mut files: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut cases = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file)?;
        let more: Vec<Case> =
            serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
        cases.extend(more);
    }
    let mut ids = std::collections::HashSet::new();
    for case in &cases {
        anyhow::ensure!(
            ids.insert(case.id.clone()),
            "case id {} is repeated",
            case.id
        );
    }
    Ok(cases)
}
