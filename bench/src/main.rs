//! `loadgen`: runs one scenario of the load harness against a running Taskwire stack and
//! writes its JSON result, serves the paced fake model, or writes the report. `bench/run.sh`
//! drives it; `loadgen --help` lists the subcommands.

use std::{path::PathBuf, time::Duration};

use clap::{Args, Parser, Subcommand};
use loadgen::{
    client::Client,
    fake_llm::{self, FakeLlmConfig},
    report,
    scenarios::{Timing, chat, history, llm, parse_list, streams, tasks},
    scrape, write_json,
};

#[derive(Parser)]
#[command(about = "Taskwire load generator")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the stack is.
#[derive(Args, Clone)]
struct Stack {
    /// Gateway base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    gateway: String,
    /// The gateway's HS256 secret (tokens are minted with it).
    #[arg(long, env = "JWT_SECRET")]
    secret: String,
    /// The stack's database (seeding, job timestamps).
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// The result file to write.
    #[arg(long)]
    out: PathBuf,
    /// Open a new connection for every request instead of keeping them alive.
    #[arg(long)]
    no_keepalive: bool,
}

/// Warm-up and window of a closed loop.
#[derive(Args, Clone, Copy)]
struct Window {
    /// Seconds before measuring starts.
    #[arg(long, default_value_t = 2.0)]
    warmup: f64,
    /// Seconds measured.
    #[arg(long, default_value_t = 8.0)]
    duration: f64,
}

impl Window {
    fn timing(self) -> Timing {
        Timing::new(
            Duration::from_secs_f64(self.warmup),
            Duration::from_secs_f64(self.duration),
        )
    }
}

#[derive(Subcommand)]
enum Command {
    /// Serve the paced fake OpenAI-compatible model until killed.
    FakeLlm {
        #[arg(long, default_value = "127.0.0.1:0")]
        addr: String,
        #[command(flatten)]
        pace: FakeLlmConfig,
    },
    /// Scenario 1: orchestration overhead with the builtin model.
    Chat {
        #[command(flatten)]
        stack: Stack,
        #[command(flatten)]
        window: Window,
        /// Load levels (concurrent users).
        #[arg(long, default_value = "1,10,50,200", value_parser = parse_list)]
        users: std::vec::Vec<usize>,
        /// The workers' metrics pages, comma-separated, read with the gateway's for the
        /// services' stage timings.
        #[arg(long, value_delimiter = ',')]
        worker_metrics: Vec<String>,
        /// The gateway's `METRICS_TOKEN`, to read its `/metrics`.
        #[arg(long, env = "METRICS_TOKEN", hide_env_values = true)]
        metrics_token: Option<String>,
    },
    /// Scenario 2: one point of LLM-bound scaling, appended to --out (a JSON array).
    Llm {
        #[command(flatten)]
        stack: Stack,
        #[command(flatten)]
        window: Window,
        #[command(flatten)]
        pace: FakeLlmConfig,
        /// "concurrency" or "workers".
        #[arg(long)]
        series: String,
        #[arg(long)]
        workers: usize,
        #[arg(long)]
        worker_concurrency: usize,
        /// Concurrent clients (default: workers × concurrency).
        #[arg(long)]
        clients: Option<usize>,
        /// Worker processes to sample for memory.
        #[arg(long, value_parser = parse_list, default_value = "")]
        worker_pids: std::vec::Vec<usize>,
    },
    /// Scenario 3: per-turn cost against conversation length.
    History {
        #[command(flatten)]
        stack: Stack,
        #[arg(long, default_value = "10,1000,10000", value_parser = parse_list)]
        sizes: std::vec::Vec<usize>,
        /// Measured turns per conversation.
        #[arg(long, default_value_t = 40)]
        turns: usize,
    },
    /// Scenario 4: task API list and create.
    Tasks {
        #[command(flatten)]
        stack: Stack,
        #[command(flatten)]
        window: Window,
        #[arg(long, default_value_t = 64)]
        connections: usize,
        #[arg(long, default_value_t = 16)]
        users: usize,
        #[arg(long, default_value_t = 200)]
        tasks_per_user: usize,
    },
    /// Scenario 5: streams held open; samples the gateway's memory.
    Streams {
        #[command(flatten)]
        stack: Stack,
        #[arg(long, default_value_t = 1000)]
        clients: usize,
        /// Seconds the streams are held.
        #[arg(long, default_value_t = 15.0)]
        hold: f64,
        #[arg(long)]
        gateway_pid: u32,
    },
    /// Write SUMMARY.md and the charts from the result files in --dir.
    Report {
        #[arg(long, default_value = "bench/results")]
        dir: PathBuf,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| "info".to_owned());
    tracing_subscriber_init(&filter);
    match Cli::parse().command {
        Command::FakeLlm { addr, pace } => {
            let (bound, server) = fake_llm::serve(&addr, pace).await?;
            println!("{bound}");
            server.await??;
        }
        Command::Chat {
            stack,
            window,
            users,
            worker_metrics,
            metrics_token,
        } => {
            let (client, pool) = connect(&stack).await?;
            let mut metrics = vec![scrape::MetricsPage {
                url: format!("{}/metrics", stack.gateway.trim_end_matches('/')),
                token: metrics_token,
            }];
            metrics.extend(worker_metrics.into_iter().map(scrape::MetricsPage::from));
            let result = chat::run(&client, &pool, &users, window.timing(), &metrics).await?;
            write_json(&stack.out, &result)?;
        }
        Command::Llm {
            stack,
            window,
            pace,
            series,
            workers,
            worker_concurrency,
            clients,
            worker_pids,
        } => {
            let (client, _) = connect(&stack).await?;
            let clients = clients.unwrap_or(workers * worker_concurrency);
            let noun = if workers == 1 { "worker" } else { "workers" };
            let setup = llm::LlmSetup {
                label: format!("{workers} {noun} × {worker_concurrency}"),
                series,
                workers,
                worker_concurrency,
                clients,
            };
            let pids: Vec<u32> = worker_pids
                .iter()
                .filter_map(|&p| u32::try_from(p).ok())
                .collect();
            let point = llm::run(&client, setup, pace, &pids, window.timing()).await?;
            let mut all: Vec<llm::LlmPoint> = match std::fs::read_to_string(&stack.out) {
                Ok(text) => serde_json::from_str(&text)?,
                Err(_) => Vec::new(),
            };
            all.push(point);
            write_json(&stack.out, &all)?;
        }
        Command::History {
            stack,
            sizes,
            turns,
        } => {
            let (client, pool) = connect(&stack).await?;
            write_json(
                &stack.out,
                &history::run(&client, &pool, &sizes, turns).await?,
            )?;
        }
        Command::Tasks {
            stack,
            window,
            connections,
            users,
            tasks_per_user,
        } => {
            let (client, pool) = connect(&stack).await?;
            let result = tasks::run(
                &client,
                &pool,
                connections,
                users,
                tasks_per_user,
                window.timing(),
            )
            .await?;
            write_json(&stack.out, &result)?;
        }
        Command::Streams {
            stack,
            clients,
            hold,
            gateway_pid,
        } => {
            let (client, _) = connect(&stack).await?;
            let hold = Duration::from_secs_f64(hold);
            write_json(
                &stack.out,
                &streams::run(&client, clients, hold, gateway_pid).await?,
            )?;
        }
        Command::Report { dir } => report::write(&dir)?,
    }
    Ok(())
}

async fn connect(stack: &Stack) -> anyhow::Result<(Client, sqlx::PgPool)> {
    let client = Client::with_keepalive(&stack.gateway, &stack.secret, !stack.no_keepalive)?;
    client.wait_ready(Duration::from_secs(30)).await?;
    // Connected as the services connect (their session settings), for the database-only
    // point to run the list query as the gateway runs it.
    let mut database = common::config::DatabaseConfig::from_url(&stack.database_url);
    database.max_connections = 4;
    let pool = database.pool()?;
    sqlx::query("select 1").execute(&pool).await?;
    Ok((client, pool))
}

fn tracing_subscriber_init(filter: &str) {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .try_init();
}
