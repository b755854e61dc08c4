//! The user id: the verified token's `sub` claim (gateway) or the job's owner (worker).

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
}
