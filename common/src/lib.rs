//! What the Taskwire gateway and worker agree on: configuration, telemetry, database access,
//! dates read in the user's time zone, task domain types, the task tools, the job and event contract, how a failed job ends,
//! and the error type of the domain layer.

pub mod config;
pub mod dates;
pub mod db;
pub mod domain;
pub mod ending;
pub mod error;
pub mod jobs;
pub mod metrics;
pub mod notifications;
pub mod telemetry;
pub mod text;
pub mod tools;
pub mod unicode;

pub use error::{Error, Result};

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(%err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(err) => {
                tracing::error!(%err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown signal received");
}
