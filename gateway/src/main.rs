//! The `gateway` binary: `gateway` (or `gateway serve`) runs the service,
//! `gateway token --user alice` prints a signed token for local use.

use std::time::Duration;

use clap::{Parser, Subcommand};
use gateway::{App, GatewayConfig, auth::mint_token_for, config::AuthConfig};

/// mimalloc instead of glibc's malloc: a request allocates and frees many small buffers
/// (rows, JSON values, headers), and glibc's allocator was a fifth of the gateway's CPU
/// under the task-list load (`bench/`, scenario 4).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "gateway", version, about = "Taskwire HTTP gateway")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    config: GatewayConfig,
}

#[derive(Subcommand)]
enum Command {
    /// Run the gateway (the default).
    Serve,
    /// Print a signed HS256 token for a user.
    Token {
        /// The user id (the token's `sub`).
        #[arg(long)]
        user: String,
        /// How long the token is valid, e.g. `1h`, `30m`, `7d`.
        #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
        ttl: Duration,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    common::config::load_dotenv();
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Token { user, ttl } => print_token(&cli.config.auth, &user, ttl),
        Command::Serve => {
            common::telemetry::init(cli.config.log.format, "info,sqlx=warn");
            let app = App::build(cli.config).await?;
            app.run_until_stopped(common::shutdown_signal()).await?;
            Ok(())
        }
    }
}

fn print_token(auth: &AuthConfig, user: &str, ttl: Duration) -> anyhow::Result<()> {
    common::domain::UserId::parse(user)?;
    anyhow::ensure!(
        ttl <= auth.max_lifetime,
        "--ttl is longer than JWT_MAX_LIFETIME ({}): the gateway would refuse the token",
        humantime::format_duration(auth.max_lifetime)
    );
    if auth.dev && auth.jwt_secret.is_none() && auth.better_auth_secret.is_none() {
        eprintln!("note: signing with the development secret (JWT_SECRET is not set)");
    }
    println!("{}", mint_token_for(auth, user, ttl)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
