//! `POST /api/auth/sign-up` and `/api/auth/sign-in`: email + password accounts that get the
//! same HS256 tokens the rest of the API accepts (`sub` = the account's id).
//!
//! Passwords are hashed with argon2id on the blocking pool. A failed sign-in answers the same
//! words whether the email is unknown or the password wrong, and takes as long: an unknown
//! email is checked against a dummy hash. Sign-in is rate-limited per email and client address,
//! sign-up per client address (hashing is expensive on purpose).

use std::{sync::Arc, sync::OnceLock, time::Duration};

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};
use common::{
    dates::Zone,
    db,
    domain::{Email, Password, UserId, user::EMAIL_MAX_CHARS},
};
use poem::Request;
use poem_openapi::{ApiResponse, Object, OpenApi, payload::Json};
use uuid::Uuid;

use super::ApiTags;
use crate::{
    config::{AccountsMode, AuthConfig},
    error::ApiError,
    limits::{self, KeyedLimiter},
};

const BAD_CREDENTIALS: &str = "email or password is incorrect";

/// The account endpoints.
pub struct AccountsApi {
    pub pool: sqlx::PgPool,
    pub auth: AuthConfig,
    /// How long issued tokens stay valid.
    pub session_ttl: Duration,
    /// Attempts per `in:<email>|<address>` (sign-in) and `up:<address>` (sign-up).
    pub limiter: Arc<KeyedLimiter>,
}

/// Email and password.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct Credentials {
    /// An email address, at most 254 characters; case does not matter.
    pub email: String,
    /// Sign-up: 10–128 characters mixing at least two of lower case, upper case, digits and
    /// symbols, not the email itself.
    #[oai(write_only)]
    pub password: String,
    /// The browser's IANA time zone (`Intl.DateTimeFormat().resolvedOptions().timeZone`):
    /// at sign-up it becomes the account's zone; at sign-in it is kept only if the account
    /// has none yet. 422 if it is not a zone of the IANA database.
    pub time_zone: Option<String>,
}

/// A signed-in session: use `token` as `Authorization: Bearer <token>` on `/api/{user_id}/…`.
#[derive(Debug, Object)]
pub struct Session {
    /// The account's id: the `{user_id}` of the API paths and the token's `sub`.
    pub user_id: String,
    /// An HS256 JWT.
    pub token: String,
    pub email: String,
    /// The account's time zone (see `GET /api/{user_id}/profile`).
    pub time_zone: String,
}

#[derive(ApiResponse)]
pub enum SignUpResponse {
    /// The account was created; here is its first token.
    #[oai(status = 201)]
    Created(Json<Session>),
}

#[derive(ApiResponse)]
pub enum SignInResponse {
    /// Signed in.
    #[oai(status = 200)]
    Ok(Json<Session>),
}

#[OpenApi(prefix_path = "/api/auth", tag = "ApiTags::Accounts")]
impl AccountsApi {
    /// Create an account
    ///
    /// 409 when the email is taken, 422 when the email or password breaks a rule (the message
    /// says which), 403 when sign-up is turned off (`ACCOUNTS`). Addresses are not verified.
    #[oai(path = "/sign-up", method = "post", operation_id = "sign_up")]
    async fn sign_up(
        &self,
        req: &Request,
        body: Json<Credentials>,
    ) -> Result<SignUpResponse, ApiError> {
        if self.auth.accounts() != AccountsMode::On {
            return Err(ApiError::forbidden("sign-up is turned off on this server"));
        }
        let email = Email::parse(&body.email)?;
        let password = Password::parse(&body.password, &email)?;
        let zone = time_zone(body.time_zone.as_deref())?.unwrap_or(Zone::UTC);
        self.throttle(format!("up:{}", client_address(req)))?;
        let hash = run_blocking(move || hash_password(password.expose())).await??;
        let mut tx = self.pool.begin().await.map_err(common::Error::from)?;
        let user = db::users::insert(&mut *tx, Uuid::now_v7(), &email, &hash).await?;
        let user_id = UserId::parse(user.id.to_string())?;
        db::profiles::set_time_zone(&mut *tx, &user_id, zone).await?;
        tx.commit().await.map_err(common::Error::from)?;
        tracing::info!(user_id = %user.id, "account created");
        Ok(SignUpResponse::Created(Json(
            self.session(user_id, user.email, zone)?,
        )))
    }

    /// Sign in
    ///
    /// 401 with the same message whether the email is unknown or the password is wrong; 429
    /// after too many attempts for one email from one address (see `Retry-After`).
    #[oai(path = "/sign-in", method = "post", operation_id = "sign_in")]
    async fn sign_in(
        &self,
        req: &Request,
        body: Json<Credentials>,
    ) -> Result<SignInResponse, ApiError> {
        if self.auth.accounts() == AccountsMode::Off {
            return Err(ApiError::forbidden(
                "built-in accounts are turned off on this server",
            ));
        }
        let email = body.email.trim().to_lowercase();
        let browser_zone = time_zone(body.time_zone.as_deref())?;
        self.throttle(format!("in:{email}|{}", client_address(req)))?;
        let user = if email.chars().count() <= EMAIL_MAX_CHARS {
            db::users::by_email(&self.pool, &email).await?
        } else {
            None
        };
        let stored = user.as_ref().map(|u| u.password_hash.clone());
        let password = body.0.password;
        let matches = run_blocking(move || match stored {
            Some(hash) => verify_password(&password, &hash),
            // Same work as a real check, so timing does not tell which emails exist.
            None => verify_password(&password, dummy_hash()).map(|_| false),
        })
        .await??;
        match user {
            Some(user) if matches => {
                let user_id = UserId::parse(user.id.to_string())?;
                if let Some(zone) = browser_zone {
                    db::profiles::default_time_zone(&self.pool, &user_id, zone).await?;
                }
                let zone = db::profiles::time_zone(&self.pool, &user_id).await?;
                Ok(SignInResponse::Ok(Json(
                    self.session(user_id, user.email, zone)?,
                )))
            }
            _ => Err(ApiError::unauthorized(BAD_CREDENTIALS)),
        }
    }
}

impl AccountsApi {
    fn session(&self, user: UserId, email: String, zone: Zone) -> Result<Session, ApiError> {
        let token = crate::auth::mint_token_for(&self.auth, user.as_str(), self.session_ttl)
            .map_err(ApiError::internal)?;
        Ok(Session {
            user_id: user.into(),
            token,
            email,
            time_zone: zone.name().to_owned(),
        })
    }

    fn throttle(&self, key: String) -> Result<(), ApiError> {
        limits::check(
            &self.limiter,
            &key,
            "too many attempts; wait a moment and try again",
        )
    }
}

/// The time zone a sign-up or sign-in carries, if any; 422 naming `time_zone` if unknown.
fn time_zone(name: Option<&str>) -> Result<Option<Zone>, ApiError> {
    Ok(name
        .map(|name| Zone::parse(name, "time_zone"))
        .transpose()?)
}

/// The client's IP address (without the port), or `unknown`.
fn client_address(req: &Request) -> String {
    match req.remote_addr().as_socket_addr() {
        Some(addr) => addr.ip().to_string(),
        None => "unknown".to_owned(),
    }
}

async fn run_blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::internal(format!("password hashing task failed: {e}")))
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
}
