//! Keyed rate limits (per user for chat and MCP, per email and address for sign-in) and the
//! per-user bound on open event streams, answering 429 with `Retry-After` when exceeded.

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

/// Event streams (SSE) open at once, per user, in this gateway: each holds a connection and,
/// while it follows a running job, a JetStream consumer.
pub struct StreamSlots {
    open: std::sync::Mutex<std::collections::HashMap<String, usize>>,
    per_user: usize,
    /// Stream opens per user per minute (a stream that closes at once costs its consumer
    /// anyway, for a while).
    opens: KeyedLimiter,
}

/// One open event stream; the slot is given back when it drops (with the stream's body).
pub struct StreamSlot {
    slots: std::sync::Arc<StreamSlots>,
    user: String,
}

impl StreamSlots {
    /// At most `per_user` streams open at once per user, and `opens_per_minute` opened.
    pub fn new(per_user: usize, opens_per_minute: u32) -> Self {
        Self {
            open: std::sync::Mutex::default(),
            per_user: per_user.max(1),
            opens: keyed_limiter(opens_per_minute, opens_per_minute),
        }
    }

    /// Takes a slot for `user`'s new stream, or answers 429.
    pub fn take(self: &std::sync::Arc<Self>, user: &str) -> Result<StreamSlot, ApiError> {
        check(
            &self.opens,
            user,
            "too many event streams opened; wait a moment",
        )?;
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let count = open.entry(user.to_owned()).or_default();
        if *count >= self.per_user {
            return Err(ApiError::too_many(
                format!(
                    "at most {} event streams may be open at once; close one first",
                    self.per_user
                ),
                1,
            ));
        }
        *count += 1;
        Ok(StreamSlot {
            slots: self.clone(),
            user: user.to_owned(),
        })
    }

    /// Streams open now for `user`.
    pub fn open_for(&self, user: &str) -> usize {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.get(user).copied().unwrap_or_default()
    }

    /// Forgets the open-rate state of users idle long enough (see `forget_idle_users`).
    pub fn trim(&self) {
        self.opens.retain_recent();
        self.opens.shrink_to_fit();
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.slots.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = open.get_mut(&self.user) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.user);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn a_user_holds_at_most_their_slots_and_gets_them_back() {
        let slots = Arc::new(StreamSlots::new(2, 100));
        let a = slots.take("ann").expect("first");
        let _b = slots.take("ann").expect("second");
        assert!(slots.take("ann").is_err(), "a third waits");
        assert!(slots.take("bob").is_ok(), "others have their own");
        drop(a);
        assert_eq!(slots.open_for("ann"), 1);
        assert!(slots.take("ann").is_ok(), "a closed stream frees its slot");
    }
}
