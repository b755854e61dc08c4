//! The `worker` binary: `worker` (or `worker run`) answers chat jobs until SIGTERM/SIGINT;
//! `worker requeue <job_id>...` hands failed jobs back to the workers.

use clap::{Parser, Subcommand};
use uuid::Uuid;
use worker::WorkerConfig;

/// mimalloc instead of glibc's malloc, as in the gateway: a turn allocates and frees many
/// small buffers (rows, JSON values, events), which glibc's allocator serves slowly.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "worker", version, about = "Taskwire worker: answers chat jobs")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    config: WorkerConfig,
}

#[derive(Subcommand)]
enum Command {
    /// Pull and answer chat jobs (the default).
    Run,
    /// Put failed jobs back in the queue (their recorded tool calls are kept).
    Requeue {
        /// Ids of failed jobs (`select id from chat_jobs where status = 'failed'`).
        #[arg(required = true)]
        job_ids: Vec<Uuid>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    common::config::load_dotenv();
    let cli = Cli::parse();
    common::telemetry::init(cli.config.log.format, "info,sqlx=warn");
    match cli.command.unwrap_or(Command::Run) {
        Command::Run => {
            tracing::info!(provider = ?cli.config.model.provider(), "starting worker");
            worker::runtime::run(cli.config, common::shutdown_signal()).await
        }
        Command::Requeue { job_ids } => worker::admin::requeue(&cli.config, &job_ids).await,
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
