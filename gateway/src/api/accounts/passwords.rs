//! Password hashing (argon2id) on the blocking pool, a bounded number at a time: each hash
//! takes ~19 MiB and a core for a moment, on purpose, so unbounded sign-ins would exhaust the
//! gateway's memory and CPU. A caller that waits too long for its turn gets 503.

use std::{
    sync::{Arc, OnceLock},
    time::Duration,
};

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};
use tokio::sync::Semaphore;

use crate::error::ApiError;

/// How long a sign-in waits for a hashing slot before 503.
const WAIT_FOR_SLOT: Duration = Duration::from_secs(2);

/// Runs password hashing and checks, at most `slots` at once.
#[derive(Clone)]
pub struct Hasher {
    slots: Arc<Semaphore>,
}

impl Hasher {
    /// A hasher running at most `slots` hashes at once (at least one); `None`: the cores.
    pub fn new(slots: Option<usize>) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Self {
            slots: Arc::new(Semaphore::new(slots.unwrap_or(cores).max(1))),
        }
    }

    /// Hashes a new password.
    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        self.run(move || hash_password(&password)).await?
    }

    /// True when `password` matches `stored`; without a stored hash, the same work is done
    /// against a dummy one (and the answer is false), so timing does not tell which emails
    /// have accounts.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, ApiError> {
        self.run(move || match stored {
            Some(hash) => verify_password(&password, &hash),
            None => verify_password(&password, dummy_hash()).map(|_| false),
        })
        .await?
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let busy = || ApiError::unavailable("too many sign-ins at once; try again in a moment");
        let slot = tokio::time::timeout(WAIT_FOR_SLOT, self.slots.clone().acquire_owned())
            .await
            .map_err(|_| busy())?
            .map_err(|_| busy())?;
        let done = tokio::task::spawn_blocking(move || {
            let _slot = slot;
            work()
        })
        .await;
        done.map_err(|e| ApiError::internal(format!("password hashing task failed: {e}")))
    }
}

fn hash_password(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::internal(format!("hashing a password: {e}")))
}

/// True when `password` matches `hash`; an unreadable stored hash is an internal error.
fn verify_password(password: &str, hash: &str) -> Result<bool, ApiError> {
    let parsed = PasswordHash::new(hash)
        .map_err(|e| ApiError::internal(format!("stored password hash unreadable: {e}")))?;
    Ok(Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

/// Makes the dummy hash in the background now, so the first sign-in with an unknown email is
/// not slower than the others.
pub fn prepare() {
    tokio::task::spawn_blocking(dummy_hash);
}

/// A well-formed argon2id hash of nothing anybody knows, for the (never seen) case where
/// hashing the random dummy password fails: the timing stays right either way.
const FALLBACK_DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2kR8I0eU6z6d0pQbqk3yQm3oWcP0ZtS8Hd7iYl7n1yU";

/// A hash of a random password with the default parameters, made once.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let random = SaltString::generate(&mut OsRng);
        hash_password(random.as_str()).unwrap_or_else(|_| FALLBACK_DUMMY_HASH.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_only_its_password() {
        let hash = hash_password("correct horse battery").expect("hashes");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("correct horse battery", &hash).expect("verifies"));
        assert!(!verify_password("wrong horse battery", &hash).expect("verifies"));
        assert!(!verify_password("anything at all", dummy_hash()).expect("verifies"));
        assert!(!verify_password("anything at all", FALLBACK_DUMMY_HASH).expect("parses"));
    }

    #[tokio::test]
    async fn a_full_hasher_answers_busy_instead_of_queueing_forever() {
        let hasher = Hasher::new(Some(1));
        let held = hasher.slots.clone().acquire_owned().await.expect("slot");
        let refused = hasher.hash("whatever-123".into()).await;
        assert!(matches!(refused, Err(ApiError::Unavailable(_))));
        drop(held);
        assert!(hasher.hash("whatever-123".into()).await.is_ok());
    }
}
