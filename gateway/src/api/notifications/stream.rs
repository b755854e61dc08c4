//! A user's notification stream: the notifications after the client's `Last-Event-ID` from
//! Postgres, then each new one as it is sent, in id order, each once.
//!
//! Postgres gives the events; NATS tells when to look. Claims commit one at a time in id
//! order (see `common::db::notifications`), so "after id n" never misses one sent earlier
//! but committed later, and the seam between backfill and live is the same query. A message
//! on the user's subject (`notifications.<hex user id>`) wakes the stream; without NATS it
//! looks every [`FALLBACK_POLL`]. Any gateway can serve any stream.

use std::{collections::VecDeque, time::Duration};

use common::{
    db,
    domain::UserId,
    notifications::{Notification, notification_subject},
};
use futures::{FutureExt, StreamExt, stream::BoxStream};
use poem::web::sse::Event;
use poem_openapi::{payload::EventStream, types::ToJSON};
use sqlx::PgPool;

use super::body::NotificationEvent;
use crate::{limits::StreamSlot, nats::Nats};

/// Comment lines sent while nothing happens, so proxies keep the connection open.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// The longest a stream stays open; the client resumes with `Last-Event-ID`.
const MAX_STREAM: Duration = Duration::from_secs(30 * 60);
/// How often the stream looks in Postgres when NATS is silent (down, or a wake was lost).
const FALLBACK_POLL: Duration = Duration::from_secs(5);
/// Notifications read per query.
const BATCH: i64 = 100;

/// The SSE response of `GET /notifications`.
pub type NotificationStream = EventStream<BoxStream<'static, NotificationEvent>>;

/// Follows one user's notifications after `last`.
struct Follower {
    pool: PgPool,
    user: UserId,
    last: i64,
    wakes: Option<async_nats::Subscriber>,
    pending: VecDeque<Notification>,
}

impl Follower {
    /// The next notification, waiting for one.
    async fn next(&mut self) -> NotificationEvent {
        loop {
            if let Some(notification) = self.pending.pop_front() {
                self.last = notification.id;
                return NotificationEvent::reminder(notification);
            }
            match db::notifications::after(&self.pool, &self.user, self.last, BATCH).await {
                Ok(found) if !found.is_empty() => {
                    self.pending.extend(found);
                    continue;
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "cannot read notifications; retrying"),
            }
            self.wait().await;
        }
    }

    /// Waits for a wake from NATS (or the fallback poll), then takes every other wake that
    /// already arrived: one query answers them all.
    async fn wait(&mut self) {
        let Some(wakes) = self.wakes.as_mut() else {
            tokio::time::sleep(FALLBACK_POLL).await;
            return;
        };
        tokio::select! {
            woke = wakes.next() => if woke.is_none() { self.wakes = None },
            () = tokio::time::sleep(FALLBACK_POLL) => {}
        }
        if let Some(wakes) = self.wakes.as_mut() {
            while let Some(Some(_)) = wakes.next().now_or_never() {}
        }
    }
}

/// The stream of `user`'s notifications after `after` (or, without it, after their newest):
/// a `ready` event at once, then `reminder` events.
pub async fn open(
    (pool, nats): (&PgPool, &Nats),
    user: &UserId,
    after: Option<i64>,
    slot: StreamSlot,
) -> Result<NotificationStream, common::Error> {
    // Subscribed before the first read: a notification sent in between wakes the stream.
    let wakes = match nats
        .client
        .subscribe(notification_subject(user.as_str()))
        .await
    {
        Ok(subscriber) => Some(subscriber),
        Err(e) => {
            tracing::warn!(error = %e, "cannot follow notifications live; polling");
            None
        }
    };
    let last = match after {
        Some(id) => id,
        None => db::notifications::latest_id(pool, user).await?,
    };
    let follower = Follower {
        pool: pool.clone(),
        user: user.clone(),
        last,
        wakes,
        pending: VecDeque::new(),
    };
    let body = futures::stream::unfold(follower, |mut follower| async move {
        let event = follower.next().await;
        Some((event, follower))
    });
    let events = futures::stream::iter([NotificationEvent::ready(last)])
        .chain(body)
        .take_until(tokio::time::sleep(MAX_STREAM))
        // The user's stream slot is held for as long as the response body lives.
        .map(move |event| {
            let _held = &slot;
            event
        })
        .boxed();
    Ok(EventStream::new(events)
        .keep_alive(KEEP_ALIVE)
        .to_event(|event| {
            Event::message(event.data.0.to_json_string())
                .event_type(event.event)
                .id(event.id)
        }))
}
