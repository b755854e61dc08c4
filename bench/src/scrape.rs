//! The services' own stage timings: `taskwire_turn_stage_seconds` (see `common::metrics`),
//! read from their `/metrics` pages at a window's start and end. The difference gives each
//! stage's mean over the window, measured where the stage runs (the gateway's statement,
//! the worker's history read, …), which the jobs' timestamps cannot tell apart.

use std::collections::BTreeMap;

/// Per stage, the seconds and the count summed over all the pages read.
pub type StageTotals = BTreeMap<String, (f64, f64)>;

/// A `/metrics` page to read, and the bearer token it asks for (the gateway's
/// `METRICS_TOKEN`; a worker's page asks for none).
#[derive(Debug, Clone)]
pub struct MetricsPage {
    pub url: String,
    pub token: Option<String>,
}

impl From<String> for MetricsPage {
    fn from(url: String) -> Self {
        Self { url, token: None }
    }
}

/// Reads every page and sums the stage histograms' `_sum` and `_count` by stage. A page that
/// cannot be read counts as empty (the report then lacks its stages).
pub async fn stage_totals(http: &reqwest::Client, pages: &[MetricsPage]) -> StageTotals {
    let mut totals = StageTotals::new();
    for MetricsPage { url, token } in pages {
        let mut request = http.get(url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let page = match request.send().await {
            Ok(resp) => resp.text().await.unwrap_or_default(),
            Err(e) => {
                tracing::warn!(%url, error = %e, "cannot read metrics");
                continue;
            }
        };
        add_page(&mut totals, &page);
    }
    totals
}

fn add_page(totals: &mut StageTotals, page: &str) {
    const NAME: &str = common::metrics::TURN_STAGE_SECONDS;
    for line in page.lines() {
        let Some(rest) = line.strip_prefix(NAME) else {
            continue;
        };
        let (is_sum, rest) = if let Some(rest) = rest.strip_prefix("_sum{") {
            (true, rest)
        } else if let Some(rest) = rest.strip_prefix("_count{") {
            (false, rest)
        } else {
            continue;
        };
        let Some((labels, value)) = rest.split_once("} ") else {
            continue;
        };
        let stage = labels
            .split(',')
            .find_map(|label| label.strip_prefix("stage=\""))
            .and_then(|v| v.strip_suffix('"'));
        let (Some(stage), Ok(value)) = (stage, value.trim().parse::<f64>()) else {
            continue;
        };
        let entry = totals.entry(stage.to_owned()).or_default();
        if is_sum {
            entry.0 += value;
        } else {
            entry.1 += value;
        }
    }
}

/// Each stage's mean in ms between two readings (stages that ran in between only).
pub fn means_ms(before: &StageTotals, after: &StageTotals) -> BTreeMap<String, f64> {
    after
        .iter()
        .filter_map(|(stage, (sum, count))| {
            let (sum0, count0) = before.get(stage).copied().unwrap_or_default();
            let n = count - count0;
            (n > 0.0).then(|| (stage.clone(), (sum - sum0) / n * 1000.0))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_means_come_from_the_sums_and_counts() {
        let page = |sum: f64, count: u32| {
            format!(
                "# TYPE taskwire_turn_stage_seconds histogram\n\
                 taskwire_turn_stage_seconds_bucket{{stage=\"accept\",le=\"0.001\"}} {count}\n\
                 taskwire_turn_stage_seconds_sum{{stage=\"accept\"}} {sum}\n\
                 taskwire_turn_stage_seconds_count{{stage=\"accept\"}} {count}\n\
                 taskwire_http_requests_total{{method=\"GET\",status=\"200\"}} 9\n"
            )
        };
        let mut before = StageTotals::new();
        add_page(&mut before, &page(0.010, 10));
        let mut after = StageTotals::new();
        // Two processes: their pages add up.
        add_page(&mut after, &page(0.030, 20));
        add_page(&mut after, &page(0.0, 0));
        let means = means_ms(&before, &after);
        assert_eq!(means.len(), 1);
        assert!((means["accept"] - 2.0).abs() < 1e-9, "{means:?}");
        assert!(
            means_ms(&after, &after).is_empty(),
            "nothing ran in between"
        );
    }
}
