//! A cache of the signing keys published at `JWKS_URL` (Better Auth's `/api/auth/jwks`).
//!
//! Keys are fetched on first use, refetched when a token names an unknown `kid` (key
//! rotation) or when the cache is older than [`MAX_AGE`] (key removal), and never more often
//! than once per `min_refetch`, so a flood of tokens with made-up `kid`s cannot turn the
//! gateway into a load generator against the key server.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use jsonwebtoken::{
    Algorithm, DecodingKey,
    jwk::{JwkSet, PublicKeyUse},
};
use tokio::sync::{Mutex, RwLock};

use super::AuthError;

/// Cached keys older than this are refreshed on the next request.
pub const MAX_AGE: Duration = Duration::from_secs(600);
/// How long one fetch of the key set may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Default)]
struct Keys {
    by_kid: HashMap<String, DecodingKey>,
    fetched_at: Option<Instant>,
    /// The last fetch, successful or not: failures count against `min_refetch` too, so an
    /// outage of the key server does not turn every request into another fetch.
    tried_at: Option<Instant>,
    last_failed: bool,
}

/// The key set of one JWKS URL.
pub struct JwksCache {
    url: String,
    http: reqwest::Client,
    min_refetch: Duration,
    keys: RwLock<Keys>,
    /// Serialises fetches so concurrent requests with a new `kid` cause one fetch, not many.
    fetching: Mutex<()>,
}

impl JwksCache {
    /// A cache for `url` that fetches at most once per `min_refetch`.
    pub fn new(url: String, http: reqwest::Client, min_refetch: Duration) -> Self {
        Self {
            url,
            http,
            min_refetch,
            keys: RwLock::new(Keys::default()),
            fetching: Mutex::new(()),
        }
    }

    /// The key `kid`, checked to be usable with `alg`.
    pub async fn key(&self, kid: &str, alg: Algorithm) -> Result<DecodingKey, AuthError> {
        if let Some(key) = self.cached(kid, false).await {
            return check_family(key, alg);
        }
        let _one_fetch = self.fetching.lock().await;
        // Another request may have fetched while this one waited.
        if let Some(key) = self.cached(kid, false).await {
            return check_family(key, alg);
        }
        let recently = {
            let keys = self.keys.read().await;
            keys.tried_at
                .is_some_and(|at| at.elapsed() < self.min_refetch)
        };
        if !recently {
            let fetched = self.fetch().await;
            let mut keys = self.keys.write().await;
            let now = Instant::now();
            keys.tried_at = Some(now);
            keys.last_failed = fetched.is_err();
            match fetched {
                Ok(fresh) => {
                    keys.by_kid = fresh;
                    keys.fetched_at = Some(now);
                }
                Err(err) => tracing::warn!(url = %self.url, error = %err, "cannot fetch JWKS"),
            }
        }
        // While the key server is down, keep serving the keys we have.
        let last_failed = self.keys.read().await.last_failed;
        match self.cached(kid, true).await {
            Some(key) => check_family(key, alg),
            None if last_failed => Err(AuthError::KeysUnavailable),
            None => Err(AuthError::UnknownKey),
        }
    }

    /// The cached key, if present and (unless `stale_ok`) the cache is younger than MAX_AGE.
    async fn cached(&self, kid: &str, stale_ok: bool) -> Option<DecodingKey> {
        let keys = self.keys.read().await;
        let fresh = keys.fetched_at.is_some_and(|at| at.elapsed() < MAX_AGE);
        (fresh || stale_ok)
            .then(|| keys.by_kid.get(kid).cloned())
            .flatten()
    }

    async fn fetch(&self) -> anyhow::Result<HashMap<String, DecodingKey>> {
        let set: JwkSet = self
            .http
            .get(&self.url)
            .timeout(FETCH_TIMEOUT)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let mut keys = HashMap::new();
        for jwk in &set.keys {
            let Some(kid) = &jwk.common.key_id else {
                continue;
            };
            if matches!(jwk.common.public_key_use, Some(PublicKeyUse::Encryption)) {
                continue;
            }
            match DecodingKey::from_jwk(jwk) {
                Ok(key) => {
                    keys.insert(kid.clone(), key);
                }
                Err(err) => tracing::warn!(%kid, error = %err, "skipping unusable JWK"),
            }
        }
        Ok(keys)
    }
}

fn check_family(key: DecodingKey, alg: Algorithm) -> Result<DecodingKey, AuthError> {
    if key.family() == alg.family() {
        Ok(key)
    } else {
        Err(AuthError::Invalid(format!(
            "key does not fit algorithm {alg:?}"
        )))
    }
}
