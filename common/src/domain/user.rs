//! Who a user is: the user id (the verified token's `sub` claim in the gateway, the job's
//! owner in the worker), and the email and password rules of the built-in accounts.

use std::fmt;

use crate::Error;

/// A user id. Opaque text of 1–255 characters without control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UserId(String);

impl UserId {
    /// Validates a user id.
    pub fn parse(raw: impl Into<String>) -> Result<Self, Error> {
        let raw = raw.into();
        let len = raw.chars().count();
        if len == 0 || len > 255 {
            return Err(Error::validation("user_id", "must be 1 to 255 characters"));
        }
        if raw.chars().any(char::is_control) {
            return Err(Error::validation(
                "user_id",
                "must not contain control characters",
            ));
        }
        Ok(Self(raw))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for UserId {
    type Error = Error;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<UserId> for String {
    fn from(value: UserId) -> Self {
        value.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Longest email accepted (RFC 5321's path limit).
pub const EMAIL_MAX_CHARS: usize = 254;
/// Shortest password accepted, in characters.
pub const PASSWORD_MIN_CHARS: usize = 10;
/// Longest password accepted, in characters (bounds the hashing work).
pub const PASSWORD_MAX_CHARS: usize = 128;

/// A plausible email address, trimmed, as typed: `local@domain.tld`, no spaces, at most 254
/// characters as sent, no invisible formatting characters. Addresses are not verified. Two addresses
/// are the same account when their [`Email::key`]s are equal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    typed: String,
    key: String,
}

impl Email {
    /// Trims and checks an address; the error names the rule broken.
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let email = raw.trim();
        let bad = |why: &str| Error::validation("email", why);
        if email.is_empty() {
            return Err(bad("is required"));
        }
        if raw.chars().count() > EMAIL_MAX_CHARS {
            return Err(bad("must be at most 254 characters"));
        }
        if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("must not contain spaces"));
        }
        if email.chars().any(crate::unicode::is_format) {
            return Err(bad("must not contain invisible formatting characters"));
        }
        let Some((local, domain)) = email.rsplit_once('@') else {
            return Err(bad("must look like name@example.com"));
        };
        let labels_ok = domain.split('.').count() >= 2
            && domain.split('.').all(|l| {
                !l.is_empty() && !l.starts_with('-') && !l.ends_with('-') && !l.contains(['@', '"'])
            });
        if local.is_empty() || local.chars().count() > 64 || local.contains('@') || !labels_ok {
            return Err(bad("must look like name@example.com"));
        }
        Ok(Self {
            typed: email.to_owned(),
            key: Self::key_of(email),
        })
    }

    /// The address as typed (trimmed).
    pub fn as_str(&self) -> &str {
        &self.typed
    }

    /// What identifies the account: the address in Unicode normal form NFKC, lower-cased (by
    /// Rust alone: Postgres' `lower` follows the database's locale, and differed), NFKC again
    /// (lower-casing can leave text unnormalised). Fullwidth and other compatibility forms
    /// fold to the plain letters they show.
    pub fn key(&self) -> &str {
        &self.key
    }

    fn key_of(email: &str) -> String {
        use unicode_normalization::UnicodeNormalization;
        let lower: String = email.nfkc().collect::<String>().to_lowercase();
        lower.nfkc().collect()
    }
}

/// A password that follows the sign-up rules: 10–128 characters mixing at least two of lower
/// case, upper case, digits and symbols, and not the email address (or its local part).
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Checks `raw` against the rules for an account with `email`; the error names the rule.
    pub fn parse(raw: &str, email: &Email) -> Result<Self, Error> {
        let bad = |why: String| Error::validation("password", why);
        let chars = raw.chars().count();
        if chars < PASSWORD_MIN_CHARS {
            return Err(bad(format!(
                "must be at least {PASSWORD_MIN_CHARS} characters"
            )));
        }
        if chars > PASSWORD_MAX_CHARS {
            return Err(bad(format!(
                "must be at most {PASSWORD_MAX_CHARS} characters"
            )));
        }
        let classes = [
            raw.chars().any(char::is_lowercase),
            raw.chars().any(char::is_uppercase),
            raw.chars().any(|c| c.is_ascii_digit()),
            raw.chars().any(|c| !c.is_alphanumeric()),
        ];
        if classes.iter().filter(|x| **x).count() < 2 {
            return Err(bad(
                "must mix at least two of: lower-case letters, upper-case letters, digits, symbols"
                    .to_owned(),
            ));
        }
        let lower = raw.to_lowercase();
        let address = email.as_str().to_lowercase();
        let local = address.split('@').next().unwrap_or_default();
        if lower == address || lower == local {
            return Err(bad("must not be your email address".to_owned()));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The password, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_ids() {
        assert!(UserId::parse("alice").is_ok());
        assert!(UserId::parse("user_01J9ZK3Q@example.com").is_ok());
        assert!(UserId::parse("x".repeat(255)).is_ok());
    }

    #[test]
    fn rejects_empty_long_and_control_characters() {
        assert!(UserId::parse("").is_err(), "empty");
        assert!(UserId::parse("x".repeat(256)).is_err(), "too long");
        assert!(UserId::parse("a\u{0}b").is_err(), "NUL");
        assert!(UserId::parse("a\nb").is_err(), "newline");
    }

    #[test]
    fn accepts_ordinary_emails() {
        for ok in [
            "ann@example.com",
            "  Ann.Lee+todo@mail.example.co.uk ",
            "a@b.io",
        ] {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            Email::parse(" Ann@Example.com ")
                .ok()
                .map(|e| (e.as_str().to_owned(), e.key().to_owned())),
            Some(("Ann@Example.com".to_owned(), "ann@example.com".to_owned()))
        );
        let fullwidth = Email::parse("ＡＮＮ@Example.com").expect("valid");
        assert_eq!(
            fullwidth.key(),
            "ann@example.com",
            "compatibility forms fold"
        );
    }

    #[test]
    fn refuses_malformed_emails() {
        let long = format!("{}@example.com", "a".repeat(250));
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "ann@@example.com",
            "ann lee@example.com",
            "ann@.example.com",
            "ann@example..com",
            long.as_str(),
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn password_rules_say_which_rule() {
        let email = |e: &str| Email::parse(e).expect("a valid email");
        let ann = email("ann.lee@example.com");
        let cases = [
            ("short1A", "at least 10"),
            ("alllowercaseletters", "at least two"),
            ("12345678901", "at least two"),
            ("ann.lee@example.com", "email"),
        ];
        for (password, expected) in cases {
            let err = Password::parse(password, &ann).expect_err(password);
            let text = err.to_string();
            assert!(text.starts_with("password: "), "{password}: {text}");
            assert!(text.contains(expected), "{password}: {text}");
        }
        let other = email("x@y.io");
        assert!(
            Password::parse(&"aA".repeat(65), &other).is_err(),
            "too long"
        );
        assert!(Password::parse("correct horse battery", &other).is_ok());
        assert!(Password::parse("Tr0ub4dor&3", &other).is_ok());
        assert_eq!(
            format!("{:?}", Password::parse("Tr0ub4dor&3", &other)),
            "Ok(Password(…))",
            "never in a log line"
        );
    }
}
