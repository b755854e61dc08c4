//! Webhook signatures, as Stripe and GitHub sign theirs: an HMAC-SHA256, keyed with the
//! user's webhook secret, of `<timestamp>.<body>`, sent as
//! `Taskwire-Signature: t=<unix seconds>,v1=<hex digest>`. A receiver recomputes the digest
//! over the raw body, compares in constant time, and refuses old timestamps (replays).

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header a webhook delivery's signature travels in.
pub const SIGNATURE_HEADER: &str = "Taskwire-Signature";

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> HmacSha256 {
    #[allow(clippy::expect_used)]
    let mut mac =
        HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The hex HMAC-SHA256 of `<timestamp>.<body>` under `secret`.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    hex::encode(mac(secret, timestamp, body).finalize().into_bytes())
}

/// The value of [`SIGNATURE_HEADER`]: `t=<timestamp>,v1=<signature>`.
pub fn signature_header(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!("t={timestamp},v1={}", sign(secret, timestamp, body))
}

/// A parsed [`SIGNATURE_HEADER`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub timestamp: i64,
    /// Every `v1` digest given (a receiver accepts any: secrets can rotate).
    pub v1: Vec<String>,
}

impl Signature {
    /// Reads `t=…,v1=…[,v1=…]`; `None` if it is not that.
    pub fn parse(header: &str) -> Option<Self> {
        let mut timestamp = None;
        let mut v1 = Vec::new();
        for part in header.split(',') {
            match part.trim().split_once('=')? {
                ("t", t) => timestamp = t.parse().ok(),
                ("v1", digest) => v1.push(digest.to_owned()),
                _ => {}
            }
        }
        Some(Self {
            timestamp: timestamp?,
            v1,
        })
    }
}

/// True if `header` signs `body` with `secret` (constant-time comparison).
pub fn verify(secret: &str, header: &str, body: &[u8]) -> bool {
    let Some(signature) = Signature::parse(header) else {
        return false;
    };
    signature.v1.iter().any(|digest| {
        hex::decode(digest).is_ok_and(|bytes| {
            mac(secret, signature.timestamp, body)
                .verify_slice(&bytes)
                .is_ok()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_and_a_changed_body_does_not() {
        let header = signature_header("whsec_test", 1_700_000_000, b"{\"id\":1}");
        assert!(header.starts_with("t=1700000000,v1="));
        assert!(verify("whsec_test", &header, b"{\"id\":1}"));
        assert!(!verify("whsec_test", &header, b"{\"id\":2}"));
        assert!(!verify("other", &header, b"{\"id\":1}"));
        assert!(!verify("whsec_test", "garbage", b"{\"id\":1}"));
    }

    #[test]
    fn the_digest_is_hmac_sha256_of_timestamp_dot_body() {
        // printf '1.x' | openssl dgst -sha256 -hmac key
        assert_eq!(
            sign("key", 1, b"x"),
            "fc4913c41a7bf793267e2a384f3261c9436ec2cd097bd745e7b0d99113f510ec"
        );
    }
}
