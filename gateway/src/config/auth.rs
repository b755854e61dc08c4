//! How bearer tokens are verified, and which accounts the gateway keeps itself.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

/// The secret development mode signs with when none is configured. Public: it is in this
/// repository, so it is refused outside development mode.
pub const DEV_JWT_SECRET: &str = "taskwire-development-secret-change-me";

/// The shortest HS256 secret accepted outside development mode (RFC 7518 asks for a key of at
/// least the hash's size, 256 bits).
pub const MIN_SECRET_BYTES: usize = 32;

/// Secrets that are public because this repository shipped them as samples or defaults.
const KNOWN_SECRETS: [&str; 2] = [DEV_JWT_SECRET, "change-me-in-production-please-32b"];

/// Which accounts the gateway keeps itself (`/api/auth/…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AccountsMode {
    /// No built-in accounts: tokens come from your identity provider only.
    Off,
    /// Existing accounts may sign in; nobody new may sign up.
    SignInOnly,
    /// Anyone who can reach the gateway may sign up (addresses are not verified).
    On,
}

/// How bearer tokens are verified.
#[derive(Debug, Clone, clap::Args)]
pub struct AuthConfig {
    /// HS256 secret shared with whoever issues tokens (`BETTER_AUTH_SECRET` is read too): at
    /// least 32 random bytes (`openssl rand -base64 48`). Required unless `JWKS_URL` is set
    /// and built-in accounts are off, or in development mode.
    #[arg(long = "jwt-secret", env = "JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<SecretString>,
    /// Alias of `JWT_SECRET`, as Better Auth names it.
    #[arg(
        long = "better-auth-secret",
        env = "BETTER_AUTH_SECRET",
        hide_env_values = true,
        hide = true
    )]
    pub better_auth_secret: Option<SecretString>,
    /// Development mode, for a laptop only: without `JWT_SECRET` the public development secret
    /// signs tokens, and short or sample secrets are accepted. `scripts/run.sh` sets it.
    #[arg(long = "dev", env = "TASKWIRE_DEV", default_value_t = false, action = clap::ArgAction::Set)]
    pub dev: bool,
    /// JSON Web Key Set URL; when set, EdDSA / ES256 / RS256 tokens signed by its keys are accepted.
    #[arg(long = "jwks-url", env = "JWKS_URL")]
    pub jwks_url: Option<String>,
    /// Required `iss` claim, if set.
    #[arg(long = "jwt-issuer", env = "JWT_ISSUER")]
    pub issuer: Option<String>,
    /// Required `aud` claim, if set (a token's `aud` may be this string or a list holding it).
    #[arg(long = "jwt-audience", env = "JWT_AUDIENCE")]
    pub audience: Option<String>,
    /// Clock skew tolerated on `exp` and `nbf`, in seconds.
    #[arg(
        long = "jwt-leeway-secs",
        env = "JWT_LEEWAY_SECS",
        default_value_t = 30
    )]
    pub leeway_secs: u64,
    /// The longest a token may be valid for (`exp` after `iat`, or after now without `iat`);
    /// longer-lived tokens are refused.
    #[arg(long = "jwt-max-lifetime", env = "JWT_MAX_LIFETIME", default_value = "7d", value_parser = humantime::parse_duration)]
    pub max_lifetime: Duration,
    /// Built-in accounts: `on` (anyone may sign up), `sign-in-only`, or `off`. Default: `off`
    /// when `JWKS_URL` is set (your identity provider's rules apply), else `on`.
    #[arg(long = "accounts", env = "ACCOUNTS", value_enum)]
    pub accounts: Option<AccountsMode>,
}

impl AuthConfig {
    /// An HS256-only configuration with `secret` (tests, token minting).
    pub fn with_secret(secret: &str) -> Self {
        Self {
            jwt_secret: Some(SecretString::from(secret.to_owned())),
            better_auth_secret: None,
            dev: false,
            jwks_url: None,
            issuer: None,
            audience: None,
            leeway_secs: 30,
            max_lifetime: Duration::from_secs(7 * 24 * 3600),
            accounts: None,
        }
    }

    /// The configured HS256 secret: `JWT_SECRET`, else `BETTER_AUTH_SECRET`.
    fn configured_secret(&self) -> Option<&SecretString> {
        self.jwt_secret
            .as_ref()
            .or(self.better_auth_secret.as_ref())
    }

    /// The HS256 secret tokens are signed and checked with: the configured one, else (in
    /// development mode only) the development secret. `None`: HS256 tokens are refused.
    pub fn secret(&self) -> Option<SecretString> {
        match self.configured_secret() {
            Some(secret) => Some(secret.clone()),
            None if self.dev => Some(SecretString::from(DEV_JWT_SECRET.to_owned())),
            None => None,
        }
    }

    /// The built-in accounts mode in effect.
    pub fn accounts(&self) -> AccountsMode {
        self.accounts.unwrap_or(if self.jwks_url.is_some() {
            AccountsMode::Off
        } else {
            AccountsMode::On
        })
    }

    /// Refuses a configuration that would let anybody sign valid tokens: no way to verify
    /// tokens at all, or an HS256 secret that is short or public. Development mode allows
    /// both (with a warning at start).
    pub fn check(&self) -> Result<(), String> {
        if self.dev {
            return Ok(());
        }
        match self.configured_secret() {
            Some(secret) => {
                let secret = secret.expose_secret();
                if KNOWN_SECRETS.contains(&secret) {
                    return Err(
                        "JWT_SECRET is a public sample value: set it to a random string \
                         of at least 32 bytes (openssl rand -base64 48)"
                            .into(),
                    );
                }
                if secret.len() < MIN_SECRET_BYTES {
                    return Err(format!(
                        "JWT_SECRET is {} bytes: it must be at least {MIN_SECRET_BYTES} \
                         (openssl rand -base64 48)",
                        secret.len()
                    ));
                }
                Ok(())
            }
            None if self.jwks_url.is_some() && self.accounts() == AccountsMode::Off => Ok(()),
            None => Err(
                "JWT_SECRET is not set: set it to a random string of at least 32 bytes \
                 (openssl rand -base64 48), or set TASKWIRE_DEV=true on a laptop"
                    .into(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(secret: Option<&str>) -> AuthConfig {
        let mut config = AuthConfig::with_secret("x");
        config.jwt_secret = secret.map(|s| SecretString::from(s.to_owned()));
        config
    }

    #[test]
    fn only_a_long_private_secret_is_accepted_outside_development() {
        assert!(with(Some(&"k".repeat(32))).check().is_ok());
        for refused in [
            None,
            Some("short-secret"),
            Some(DEV_JWT_SECRET),
            Some("change-me-in-production-please-32b"),
        ] {
            let error = with(refused).check().expect_err("refused");
            assert!(error.contains("JWT_SECRET"), "{error}");
        }
        let mut dev = with(None);
        dev.dev = true;
        assert!(dev.check().is_ok());
        assert!(
            dev.secret().is_some(),
            "development mode signs with its secret"
        );
        assert!(with(None).secret().is_none());
    }

    #[test]
    fn an_identity_provider_alone_needs_no_secret_and_turns_accounts_off() {
        let mut config = with(None);
        config.jwks_url = Some("https://id.example.com/jwks".into());
        assert_eq!(config.accounts(), AccountsMode::Off);
        assert!(config.check().is_ok());
        config.accounts = Some(AccountsMode::On);
        assert!(
            config.check().is_err(),
            "accounts need a secret to sign with"
        );
    }
}
