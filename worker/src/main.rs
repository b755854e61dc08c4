//! The `worker` binary: pulls chat jobs and answers them until SIGTERM/SIGINT.

use clap::Parser;
use worker::WorkerConfig;

#[derive(Parser)]
#[command(name = "worker", version, about = "Taskwire worker: answers chat jobs")]
struct Cli {
    #[command(flatten)]
    config: WorkerConfig,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    common::config::load_dotenv();
    let cli = Cli::parse();
    common::telemetry::init(cli.config.log.format, "info,sqlx=warn");
    tracing::info!(provider = ?cli.config.model.provider(), "starting worker");
    worker::runtime::run(cli.config, common::shutdown_signal()).await
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
