//! Bearer-token authentication: HS256 tokens signed with the shared secret, and, when a JWKS
//! URL is configured, asymmetric tokens (EdDSA, ES256, RS256) signed by one of its keys.

pub mod jwks;

use std::{sync::Arc, time::Duration};

use common::domain::UserId;
use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header,
};
use poem::Request;
use poem_openapi::{SecurityScheme, auth::Bearer};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use common::db;
use sqlx::PgPool;
use uuid::Uuid;

use crate::{config::AuthConfig, error::ApiError};

/// The claims Taskwire reads. `sub` is the user id.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub exp: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<Audience>,
    /// The built-in account session the token belongs to: it is accepted only while that
    /// session is open (sign-out closes it). Tokens from elsewhere have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<Uuid>,
}

/// A verified caller: the user, and the session its token belongs to, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub user: UserId,
    pub session: Option<Uuid>,
}

/// The `aud` claim: one audience, or a list of them (RFC 7519 allows both, and several
/// identity providers send a list).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

/// Why a token was refused. Every variant answers 401 with its fixed text; the detail of an
/// invalid token goes to the log, not to the client.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("missing bearer token")]
    Missing,
    #[error("token expired")]
    Expired,
    #[error("invalid token")]
    Invalid(String),
    #[error("invalid token")]
    UnknownKey,
    #[error("cannot fetch signing keys right now")]
    KeysUnavailable,
    #[error("this session has ended; sign in again")]
    SessionEnded,
    #[error("cannot check the session right now")]
    SessionsUnavailable,
}

impl From<AuthError> for ApiError {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::KeysUnavailable | AuthError::SessionsUnavailable => {
                Self::unavailable(err.to_string())
            }
            AuthError::Invalid(ref detail) => {
                tracing::debug!(%detail, "token refused");
                Self::unauthorized(err.to_string())
            }
            _ => Self::unauthorized(err.to_string()),
        }
    }
}

/// Verifies tokens. Shared by every request through poem's data.
pub struct Authenticator {
    /// `None` without an HS256 secret: HS256 tokens are refused.
    hs256: Option<DecodingKey>,
    jwks: Option<jwks::JwksCache>,
    issuer: Option<String>,
    audience: Option<String>,
    leeway: u64,
    max_lifetime: u64,
    /// Where sessions are looked up.
    pool: PgPool,
}

impl Authenticator {
    /// Builds the verifier from the configuration.
    pub fn new(config: &AuthConfig, http: reqwest::Client, pool: PgPool) -> Self {
        Self {
            hs256: config
                .secret()
                .map(|secret| DecodingKey::from_secret(secret.expose_secret().as_bytes())),
            jwks: config
                .jwks_url
                .as_ref()
                .map(|url| jwks::JwksCache::new(url.clone(), http, Duration::from_secs(30))),
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
            leeway: config.leeway_secs,
            max_lifetime: config.max_lifetime.as_secs(),
            pool,
        }
    }

    fn validation(&self, alg: Algorithm) -> Validation {
        let mut validation = Validation::new(alg);
        validation.leeway = self.leeway;
        validation.validate_nbf = true;
        // jsonwebtoken checks `aud` and `iss` only when present: a configured one must be required.
        let mut required = vec!["exp", "sub"];
        match &self.audience {
            Some(aud) => {
                validation.set_audience(&[aud]);
                required.push("aud");
            }
            None => validation.validate_aud = false,
        }
        if let Some(iss) = &self.issuer {
            validation.set_issuer(&[iss]);
            required.push("iss");
        }
        validation.set_required_spec_claims(&required);
        validation
    }

    /// Checks a token's signature, claims and session, and returns its user.
    pub async fn verify(&self, token: &str) -> Result<UserId, AuthError> {
        Ok(self.verify_token(token).await?.user)
    }

    /// Checks a token's signature, claims and session, and returns its user and session.
    pub async fn verify_token(&self, token: &str) -> Result<Verified, AuthError> {
        let claims = self.verified_claims(token).await?;
        let user = UserId::parse(claims.sub)
            .map_err(|_| AuthError::Invalid("sub is not a valid user id".into()))?;
        if let Some(session) = claims.sid {
            let open = db::sessions::is_active(&self.pool, session, &user)
                .await
                .map_err(|e| {
                    tracing::warn!(error = %e, "cannot check a session");
                    AuthError::SessionsUnavailable
                })?;
            if !open {
                return Err(AuthError::SessionEnded);
            }
        }
        Ok(Verified {
            user,
            session: claims.sid,
        })
    }

    /// The claims of a token whose signature, header and claims check out.
    async fn verified_claims(&self, token: &str) -> Result<Claims, AuthError> {
        let header = decode_header(token).map_err(|e| AuthError::Invalid(e.to_string()))?;
        // Taskwire understands no header extension, so it may accept no critical one.
        if header.crit.is_some() {
            return Err(AuthError::Invalid("crit header parameters present".into()));
        }
        let claims = match header.alg {
            Algorithm::HS256 => {
                let Some(key) = &self.hs256 else {
                    return Err(AuthError::Invalid(
                        "HS256 tokens are not accepted (no JWT_SECRET)".into(),
                    ));
                };
                decode::<Claims>(token, key, &self.validation(Algorithm::HS256))
            }
            Algorithm::EdDSA | Algorithm::ES256 | Algorithm::RS256 => {
                let Some(jwks) = &self.jwks else {
                    return Err(AuthError::Invalid(format!(
                        "{:?} tokens are not accepted (no JWKS_URL configured)",
                        header.alg
                    )));
                };
                let kid = header
                    .kid
                    .as_deref()
                    .ok_or_else(|| AuthError::Invalid("token has no kid".into()))?;
                let key = jwks.key(kid, header.alg).await?;
                decode::<Claims>(token, &key, &self.validation(header.alg))
            }
            other => {
                return Err(AuthError::Invalid(format!(
                    "algorithm {other:?} not accepted"
                )));
            }
        }
        .map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => AuthError::Expired,
            _ => AuthError::Invalid(e.to_string()),
        })?
        .claims;
        self.check_lifetime(&claims)?;
        Ok(claims)
    }

    /// Refuses a token valid for longer than `JWT_MAX_LIFETIME`, counted from `iat` (or now).
    fn check_lifetime(&self, claims: &Claims) -> Result<(), AuthError> {
        let now = jsonwebtoken::get_current_timestamp();
        let from = claims.iat.unwrap_or(now).min(now);
        if claims.exp.saturating_sub(from) > self.max_lifetime + self.leeway {
            return Err(AuthError::Invalid(format!(
                "valid for longer than the {} s allowed",
                self.max_lifetime
            )));
        }
        Ok(())
    }
}

/// Signs an HS256 token for `user`, valid for `ttl` (the `gateway token` command and tests).
pub fn mint_token(secret: &SecretString, user: &str, ttl: Duration) -> anyhow::Result<String> {
    sign(secret, user, ttl, (None, None), None)
}

/// Signs an HS256 token the way `config` verifies it: with its secret, and with its issuer
/// and audience when those are required.
pub fn mint_token_for(config: &AuthConfig, user: &str, ttl: Duration) -> anyhow::Result<String> {
    mint_session_token(config, user, ttl, None)
}

/// Like [`mint_token_for`], naming built-in account session `sid`.
pub fn mint_session_token(
    config: &AuthConfig,
    user: &str,
    ttl: Duration,
    sid: Option<Uuid>,
) -> anyhow::Result<String> {
    let secret = config
        .secret()
        .ok_or_else(|| anyhow::anyhow!("no JWT_SECRET to sign tokens with"))?;
    let required = (
        config.issuer.clone(),
        config.audience.clone().map(Audience::One),
    );
    sign(&secret, user, ttl, required, sid)
}

fn sign(
    secret: &SecretString,
    user: &str,
    ttl: Duration,
    (iss, aud): (Option<String>, Option<Audience>),
    sid: Option<Uuid>,
) -> anyhow::Result<String> {
    let now = jsonwebtoken::get_current_timestamp();
    let claims = Claims {
        sub: user.to_owned(),
        exp: now + ttl.as_secs(),
        iat: Some(now),
        iss,
        aud,
        sid,
    };
    Ok(jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.expose_secret().as_bytes()),
    )?)
}

/// The authenticated caller of an `/api` endpoint.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "JWT", checker = "check_bearer")]
pub struct BearerAuth(pub Verified);

async fn check_bearer(req: &Request, bearer: Bearer) -> poem::Result<Verified> {
    let auth = req
        .data::<Arc<Authenticator>>()
        .ok_or_else(|| ApiError::internal("authenticator missing"))?;
    let verified = auth
        .verify_token(&bearer.token)
        .await
        .map_err(ApiError::from)?;
    crate::middleware::record_user(&verified.user);
    Ok(verified)
}

impl BearerAuth {
    /// The caller.
    pub fn user(&self) -> &UserId {
        &self.0.user
    }

    /// The caller, provided the path names the caller: another user's path is 403.
    pub fn require(&self, path_user: &str) -> Result<&UserId, ApiError> {
        if self.0.user.as_str() == path_user {
            Ok(&self.0.user)
        } else {
            Err(ApiError::forbidden(
                "the token does not belong to this user",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pool that never connects: these tokens carry no session to look up.
    fn lazy_pool() -> PgPool {
        sqlx::postgres::PgPoolOptions::new()
            .connect_lazy("postgres://unused@127.0.0.1:1/none")
            .expect("a lazy pool")
    }

    fn config() -> AuthConfig {
        AuthConfig::with_secret("unit-test-secret-0123456789abcdef")
    }

    #[tokio::test]
    async fn a_minted_token_verifies_as_its_user() {
        let config = config();
        let auth = Authenticator::new(&config, reqwest::Client::new(), lazy_pool());
        let token = mint_token_for(&config, "alice", Duration::from_secs(60)).expect("signs");
        assert_eq!(auth.verify(&token).await.expect("valid").as_str(), "alice");
    }

    #[tokio::test]
    async fn minted_tokens_carry_the_required_issuer_and_audience() {
        let mut config = config();
        config.issuer = Some("https://app.example.com".into());
        config.audience = Some("taskwire".into());
        let auth = Authenticator::new(&config, reqwest::Client::new(), lazy_pool());
        let token = mint_token_for(&config, "alice", Duration::from_secs(60)).expect("signs");
        assert!(
            auth.verify(&token).await.is_ok(),
            "gateway token works with JWT_ISSUER/JWT_AUDIENCE set"
        );
        let secret = config.secret().expect("a secret");
        let bare = mint_token(&secret, "alice", Duration::from_secs(60)).expect("signs");
        assert!(
            auth.verify(&bare).await.is_err(),
            "a token without them is refused"
        );
    }

    #[tokio::test]
    async fn the_better_auth_secret_alias_is_used_when_jwt_secret_is_absent() {
        let mut config = config();
        config.jwt_secret = None;
        config.better_auth_secret = Some(SecretString::from(
            "better-auth-secret-0123456789abcdef".to_owned(),
        ));
        let auth = Authenticator::new(&config, reqwest::Client::new(), lazy_pool());
        let token = mint_token(
            &SecretString::from("better-auth-secret-0123456789abcdef".to_owned()),
            "bob",
            Duration::from_secs(60),
        )
        .expect("signs");
        assert_eq!(auth.verify(&token).await.expect("valid").as_str(), "bob");
    }
}
