//! The harness's CI smoke: every scenario runs for about a second against an in-process stack
//! (the real gateway on a free port, in-process workers, a private nats-server, a fresh
//! database) and its result must be well-formed with non-zero throughput. Timings are not
//! checked: this proves the harness works, `bench/run.sh` measures.

use std::{sync::Arc, time::Duration};

use loadgen::{
    client::Client,
    fake_llm::{self, FakeLlmConfig},
    report,
    scenarios::{Timing, chat, history, llm, streams, tasks},
    write_json,
};
use sqlx::PgPool;
use taskwire_tests::{TEST_SECRET, spawn_app_with};
use worker::config::ModelProvider;

fn short() -> Timing {
    Timing::new(Duration::from_millis(200), Duration::from_millis(1000))
}

#[sqlx::test(migrations = "../migrations")]
async fn every_scenario_runs_and_writes_a_well_formed_result(pool: PgPool) {
    let app = spawn_app_with(pool.clone(), |c| {
        c.chat_rate_per_minute = 1_000_000;
        c.chat_burst = 1_000_000;
        c.max_open_jobs_per_user = 100_000;
    })
    .await;
    let client = Client::new(&app.base, TEST_SECRET).expect("client builds");
    let dir = tempfile::tempdir().expect("temp dir");
    let builtin = app.spawn_worker();

    // In-process workers share the gateway's metrics recorder: its page has every stage.
    let metrics = [loadgen::scrape::MetricsPage {
        url: format!("{}/metrics", app.base),
        token: Some(gateway::config::TEST_METRICS_TOKEN.to_owned()),
    }];
    let result = chat::run(&client, &pool, &[2], short(), &metrics)
        .await
        .expect("scenario 1 runs");
    let point = &result.points[0];
    assert!(point.turns_per_s > 0.0, "scenario 1 made turns: {point:?}");
    assert_eq!(
        point.errors, 0,
        "scenario 1 errors: {:?}",
        point.first_error
    );
    assert!(
        point.done.p50_ms > 0.0 && point.stages.accept.count > 0,
        "{point:?}"
    );
    for stage in [
        "accept", "publish", "start", "history", "model", "tool", "finish",
    ] {
        assert!(
            point.stage_means_ms.get(stage).is_some_and(|ms| *ms > 0.0),
            "{stage}: {:?}",
            point.stage_means_ms
        );
    }
    write_json(&dir.path().join("chat.json"), &result).expect("chat.json written");

    let result = history::run(&client, &pool, &[10, 200], 2)
        .await
        .expect("scenario 3 runs");
    assert_eq!(result.points.len(), 2);
    assert!(result.cost_ratio > 0.0, "{result:?}");
    assert!(
        result.points[1]
            .history_query_plan
            .iter()
            .any(|l| l.contains("Execution Time"))
    );
    write_json(&dir.path().join("history.json"), &result).expect("history.json written");

    let result = tasks::run(&client, &pool, 4, 2, 10, short())
        .await
        .expect("scenario 4 runs");
    let operations: Vec<&str> = result.points.iter().map(|p| p.operation.as_str()).collect();
    assert_eq!(operations, ["list", tasks::DATABASE_ONLY, "create"]);
    for point in &result.points {
        assert!(point.requests_per_s > 0.0, "{point:?}");
        assert_eq!(
            point.errors, 0,
            "{} errors: {:?}",
            point.operation, point.first_error
        );
    }
    write_json(&dir.path().join("tasks.json"), &result).expect("tasks.json written");
    builtin.stop().await;

    // The paced fake model behind an OpenAI-provider worker.
    let pace = FakeLlmConfig {
        ttft_ms: 20,
        tokens_per_sec: 1000.0,
        ..FakeLlmConfig::default()
    };
    let (addr, fake) = fake_llm::serve("127.0.0.1:0", pace)
        .await
        .expect("fake model serves");
    let mut config = worker::WorkerConfig::for_test("postgres://unused", &app.nats.url);
    config.model.provider = Some(ModelProvider::Openai);
    config.model.openai_base_url = format!("http://{addr}/v1");
    config.concurrency = 4;
    let model = worker::agent::build_model(&config.model);
    let llm_worker = app.spawn_worker_with(Arc::clone(&model), |c| *c = config.clone());
    let setup = llm::LlmSetup {
        label: "1 worker × 4".to_owned(),
        series: "concurrency".to_owned(),
        workers: 1,
        worker_concurrency: 4,
        clients: 4,
    };
    let me = std::process::id();
    let point = llm::run(&client, setup, pace, &[me], short())
        .await
        .expect("scenario 2 runs");
    assert!(
        point.turns_per_s > 0.0 && point.ideal_turns_per_s > 0.0,
        "{point:?}"
    );
    assert_eq!(
        point.errors, 0,
        "scenario 2 errors: {:?}",
        point.first_error
    );
    assert!(point.worker_rss_mib > 0.0, "{point:?}");
    write_json(&dir.path().join("llm.json"), &vec![point]).expect("llm.json written");

    let result = streams::run(&client, 20, Duration::from_secs(1), me)
        .await
        .expect("scenario 5 runs");
    assert_eq!(result.accepted, 20, "{result:?}");
    assert_eq!(result.errors, 0, "{result:?}");
    write_json(&dir.path().join("streams.json"), &result).expect("streams.json written");
    llm_worker.stop().await;
    fake.abort();

    report::write(dir.path()).expect("the report is written");
    let summary = std::fs::read_to_string(dir.path().join("SUMMARY.md")).expect("SUMMARY.md");
    for heading in [
        "## Targets",
        "## 1 ·",
        "## 2 ·",
        "## 3 ·",
        "## 4 ·",
        "## 5 ·",
    ] {
        assert!(
            summary.contains(heading),
            "SUMMARY.md has {heading}:\n{summary}"
        );
    }
}
