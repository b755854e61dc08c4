//! Keyed rate limits (per user for chat and MCP, per email and address for sign-in), answering 429
//! with `Retry-After` when exceeded.

use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};

use crate::error::ApiError;

/// A rate limiter with one budget per key.
pub type KeyedLimiter = governor::DefaultKeyedRateLimiter<String>;

/// A limiter allowing `per_minute` per key, with bursts of `burst`.
pub fn keyed_limiter(per_minute: u32, burst: u32) -> KeyedLimiter {
    let per_minute = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    governor::RateLimiter::keyed(governor::Quota::per_minute(per_minute).allow_burst(burst))
}

/// Takes one unit of `key`'s budget, or answers 429 saying `message` and how long to wait.
pub fn check(limiter: &KeyedLimiter, key: &str, message: &str) -> Result<(), ApiError> {
    take(limiter, key).map_err(|wait_secs| ApiError::too_many(message, wait_secs))
}

/// Takes one unit of `key`'s budget, or says how many whole seconds to wait (at least 1).
pub fn take(limiter: &KeyedLimiter, key: &str) -> Result<(), u64> {
    limiter.check_key(&key.to_owned()).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        (wait.as_secs_f64().ceil() as u64).max(1)
    })
}
