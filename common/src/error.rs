//! The error type of the domain and data layers. The gateway maps it to HTTP statuses in
//! exactly one place; the worker turns it into tool results or job failures.

/// Errors of the domain and data layers.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The thing does not exist, or belongs to somebody else (never say which).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Input broke a rule; `field` names the offending field.
    #[error("{field}: {message}")]
    Validation {
        field: &'static str,
        message: String,
    },
    /// The request conflicts with the current state.
    #[error("{0}")]
    Conflict(String),
    /// A dependency (Postgres, NATS) cannot be reached right now; worth retrying.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// Postgres refused the data itself (SQLSTATE class 22: a NUL character, one the
    /// encoding cannot hold, a value out of range): the same data fails the same way again,
    /// so it is not worth retrying.
    #[error("a value cannot be stored: {0}")]
    Unstorable(String),
    /// A later delivery of the job has started: this one must stop without effects (see
    /// the `taskwire_fence` migration).
    #[error("superseded by a later delivery of the job")]
    Superseded,
    /// Anything else: a bug or an unexpected database answer. Logged, never shown to users.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// The SQLSTATE `taskwire_fence` raises.
const SUPERSEDED: &str = "TWF01";

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A validation error for `field`.
    pub fn validation(field: &'static str, message: impl Into<String>) -> Self {
        Self::Validation {
            field,
            message: message.into(),
        }
    }
}

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        if is_connection_error(&err) {
            Self::Unavailable(format!("database: {err}"))
        } else if let sqlx::Error::Database(db) = &err
            && db.code().as_deref() == Some(SUPERSEDED)
        {
            Self::Superseded
        } else if let sqlx::Error::Database(db) = &err
            && db.code().is_some_and(|c| c.starts_with("22"))
        {
            Self::Unstorable(db.message().to_owned())
        } else {
            Self::Internal(anyhow::Error::new(err).context("database query failed"))
        }
    }
}

/// True when the error means the database could not be reached (as opposed to a query that
/// the database refused), so the caller should answer 503 or retry later.
pub fn is_connection_error(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => true,
        sqlx::Error::Tls(_) => true,
        // 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, 08xxx connection
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|c| c.starts_with("08") || c.starts_with("57P")),
        _ => false,
    }
}
