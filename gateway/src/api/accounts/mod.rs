//! `/api/auth/…`: email + password accounts that get the same HS256 tokens the rest of the API
//! accepts (`sub` = the account's id), each token naming a session that sign-out ends.
//!
//! A failed sign-in answers the same words whether the email is unknown or the password wrong,
//! and takes as long (an unknown email is checked against a dummy hash). Sign-in is limited
//! per client address across emails (password spraying) and per email across addresses
//! (guessing one account's password); sign-up per client address. Hashing runs a bounded
//! number at a time ([`passwords::Hasher`]). `ACCOUNTS` turns sign-up, or all of it, off.

mod passwords;

use std::{sync::Arc, time::Duration};

use common::{
    dates::Zone,
    db,
    domain::{Email, Password, UserId},
};
use poem::Request;
use poem_openapi::{ApiResponse, Object, OpenApi, payload::Json};
use uuid::Uuid;

pub use self::passwords::{Hasher, prepare};
use super::{ApiTags, text::Text};
use crate::{
    auth::BearerAuth,
    client::TrustedProxies,
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
    /// Attempts per email (`in:<key>`).
    pub per_email: Arc<KeyedLimiter>,
    /// Attempts per client address (`in:<address>`, `up:<address>`).
    pub per_address: Arc<KeyedLimiter>,
    pub hasher: Hasher,
    pub proxies: Arc<TrustedProxies>,
}

/// Email and password.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct Credentials {
    /// An email address, at most 254 characters; case and Unicode compatibility forms do not
    /// matter (`ＡＮＮ@example.com` is `ann@example.com`).
    pub email: Text,
    /// Sign-up: 10–128 characters mixing at least two of lower case, upper case, digits and
    /// symbols, not the email itself.
    #[oai(write_only)]
    pub password: Text,
    /// The browser's IANA time zone (`Intl.DateTimeFormat().resolvedOptions().timeZone`):
    /// at sign-up it becomes the account's zone; at sign-in it is kept only if the account
    /// has none yet. 422 if it is not a zone of the IANA database.
    pub time_zone: Option<Text>,
}

/// A password change.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct PasswordChange {
    #[oai(write_only)]
    pub current_password: Text,
    /// The sign-up rules apply.
    #[oai(write_only)]
    pub new_password: Text,
}

/// A signed-in session: use `token` as `Authorization: Bearer <token>` on `/api/{user_id}/…`.
#[derive(Debug, Object)]
pub struct Session {
    /// The account's id: the `{user_id}` of the API paths and the token's `sub`.
    pub user_id: String,
    /// An HS256 JWT, valid until sign-out or `SESSION_TTL`.
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

#[derive(ApiResponse)]
pub enum Done {
    /// Done.
    #[oai(status = 204)]
    NoContent,
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
        self.throttle(
            &self.per_address,
            format!("up:{}", self.proxies.client_key(req)),
        )?;
        let hash = self.hasher.hash(password.expose().to_owned()).await?;
        let mut tx = self.pool.begin().await.map_err(common::Error::from)?;
        let user = db::users::insert(&mut *tx, Uuid::now_v7(), &email, &hash).await?;
        let user_id = UserId::parse(user.id.to_string())?;
        db::profiles::set_time_zone(&mut *tx, &user_id, zone).await?;
        let session = self
            .open_session(&mut *tx, user_id, user.email, zone)
            .await?;
        tx.commit().await.map_err(common::Error::from)?;
        tracing::info!(user_id = %user.id, "account created");
        Ok(SignUpResponse::Created(Json(session)))
    }

    /// Sign in
    ///
    /// 401 with the same message whether the email is unknown or the password is wrong; 429
    /// after too many attempts from one address or for one email (see `Retry-After`); 503
    /// when too many sign-ins are being checked at once.
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
        self.throttle(
            &self.per_address,
            format!("in:{}", self.proxies.client_key(req)),
        )?;
        let browser_zone = time_zone(body.time_zone.as_deref())?;
        // No account has an address that breaks the rules: nothing to check, and nothing
        // unchecked becomes a limiter key or reaches the database.
        let email =
            Email::parse(&body.email).map_err(|_| ApiError::unauthorized(BAD_CREDENTIALS))?;
        self.throttle(&self.per_email, format!("in:{}", email.key()))?;
        let user = db::users::by_email(&self.pool, &email).await?;
        let stored = user.as_ref().map(|u| u.password_hash.clone());
        let matches = self.hasher.verify(body.0.password.into(), stored).await?;
        let Some(user) = user.filter(|_| matches) else {
            return Err(ApiError::unauthorized(BAD_CREDENTIALS));
        };
        let user_id = UserId::parse(user.id.to_string())?;
        if let Some(zone) = browser_zone {
            db::profiles::default_time_zone(&self.pool, &user_id, zone).await?;
        }
        let zone = db::profiles::time_zone(&self.pool, &user_id).await?;
        let session = self
            .open_session(&self.pool, user_id, user.email, zone)
            .await?;
        Ok(SignInResponse::Ok(Json(session)))
    }

    /// Sign out
    ///
    /// Ends the session of the token used: it is refused from now on, on every gateway.
    /// Tokens not issued by sign-in (no session) simply run out.
    #[oai(path = "/sign-out", method = "post", operation_id = "sign_out")]
    async fn sign_out(&self, auth: BearerAuth) -> Result<Done, ApiError> {
        if let Some(session) = auth.0.session {
            db::sessions::revoke(&self.pool, session, auth.user()).await?;
        }
        Ok(Done::NoContent)
    }

    /// Change the password
    ///
    /// Needs the current password (401 if wrong) and a new one that follows the sign-up rules
    /// (422). Every other session of the account ends; this one stays.
    #[oai(path = "/password", method = "post", operation_id = "change_password")]
    async fn change_password(
        &self,
        auth: BearerAuth,
        body: Json<PasswordChange>,
    ) -> Result<Done, ApiError> {
        let not_an_account = || ApiError::forbidden("this token is not a built-in account's");
        let id = Uuid::parse_str(auth.user().as_str()).map_err(|_| not_an_account())?;
        let user = db::users::by_id(&self.pool, id)
            .await?
            .ok_or_else(not_an_account)?;
        self.throttle(&self.per_email, format!("pw:{id}"))?;
        let email = Email::parse(&user.email)?;
        let new = Password::parse(&body.new_password, &email)?;
        let current = body.0.current_password;
        if !self
            .hasher
            .verify(current.into(), Some(user.password_hash))
            .await?
        {
            return Err(ApiError::unauthorized("the current password is incorrect"));
        }
        let hash = self.hasher.hash(new.expose().to_owned()).await?;
        let mut tx = self.pool.begin().await.map_err(common::Error::from)?;
        db::users::set_password_hash(&mut *tx, id, &hash).await?;
        let ended = db::sessions::revoke_others(&mut *tx, auth.user(), auth.0.session).await?;
        tx.commit().await.map_err(common::Error::from)?;
        tracing::info!(user_id = %id, sessions_ended = ended, "password changed");
        Ok(Done::NoContent)
    }
}

impl AccountsApi {
    /// Opens a session for the account and issues its token.
    async fn open_session(
        &self,
        db: impl sqlx::PgExecutor<'_>,
        user: UserId,
        email: String,
        zone: Zone,
    ) -> Result<Session, ApiError> {
        let sid = Uuid::now_v7();
        let expires = chrono::Utc::now()
            + chrono::Duration::from_std(self.session_ttl).map_err(ApiError::internal)?;
        db::sessions::open(db, sid, &user, expires).await?;
        let token =
            crate::auth::mint_session_token(&self.auth, user.as_str(), self.session_ttl, Some(sid))
                .map_err(ApiError::internal)?;
        Ok(Session {
            user_id: user.into(),
            token,
            email,
            time_zone: zone.name().to_owned(),
        })
    }

    fn throttle(&self, limiter: &KeyedLimiter, key: String) -> Result<(), ApiError> {
        limits::check(
            limiter,
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
