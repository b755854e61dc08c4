//! Following a job's events: reading them from JetStream, live or replayed, and waiting for
//! a job's ending.
//!
//! A job's events are followed in one of two ways:
//! - **live**, for a job this gateway is about to publish: a core subscription to the events
//!   JetStream republishes once stored (`chat.live.<job_id>`, each with its stream sequence),
//!   made before the job can reach a worker. It costs the server a subscription, not a
//!   consumer. Core delivery can miss messages only across a reconnect or when the
//!   subscription's buffer overflows; both bump the connection's live epoch (see
//!   [`Nats::connect`]), and every live feed then catches up from the stream after the last
//!   sequence it gave out.
//! - **from the stream**, for any other job (a reconnect with `Last-Event-ID`, `GET
//!   /jobs/{id}/events`): an ordered consumer that replays the stored events and follows on.

use std::{pin::Pin, time::Duration};

use async_nats::{
    header::NATS_SEQUENCE,
    jetstream::{self, consumer::DeliverPolicy},
};
use common::jobs::{ChatEvent, EVENTS_STREAM, events_subject, live_events_subject};
use futures::{Stream, StreamExt, stream};
use tokio::sync::watch;
use uuid::Uuid;

use crate::nats::Nats;

/// Errors in a row, with no event between them, after which a job's event feed gives up.
const MAX_FEED_ERRORS: u32 = 10;

/// Reads one stored event; `None` for an unreadable one (skipped).
fn decode(message: &jetstream::Message) -> Option<anyhow::Result<SequencedEvent>> {
    let seq = match message.info() {
        Ok(info) => info.stream_sequence,
        Err(e) => return Some(Err(anyhow::anyhow!("event without metadata: {e}"))),
    };
    decode_payload(seq, &message.payload)
}

/// Reads one event republished by the event stream, its sequence in `Nats-Sequence`.
fn decode_live(message: &async_nats::Message) -> Option<anyhow::Result<SequencedEvent>> {
    let seq = message
        .headers
        .as_ref()
        .and_then(|h| h.get(NATS_SEQUENCE))
        .and_then(|v| v.as_str().parse::<u64>().ok());
    match seq {
        Some(seq) => decode_payload(seq, &message.payload),
        None => Some(Err(anyhow::anyhow!(
            "live event on {} without a stream sequence",
            message.subject
        ))),
    }
}

/// Reads an event's name from its `type` field and keeps its JSON as published: the SSE
/// stream writes the text as it is. `None` for an unreadable event (skipped): not UTF-8 JSON,
/// or a `type` that is not an event's.
fn decode_payload(seq: u64, payload: &[u8]) -> Option<anyhow::Result<SequencedEvent>> {
    /// The `type` field only; serde still checks the whole text is JSON.
    #[derive(serde::Deserialize)]
    struct Head<'a> {
        #[serde(rename = "type", borrow)]
        kind: std::borrow::Cow<'a, str>,
    }
    let read = std::str::from_utf8(payload)
        .map_err(anyhow::Error::from)
        .and_then(|json| Ok((json, serde_json::from_str::<Head<'_>>(json)?)))
        .and_then(|(json, head)| {
            let name = ChatEvent::NAMES
                .into_iter()
                .find(|name| *name == head.kind)
                .ok_or_else(|| anyhow::anyhow!("unknown event type {:?}", head.kind))?;
            Ok(SequencedEvent {
                seq,
                name,
                json: json.to_owned(),
            })
        });
    match read {
        Ok(event) => Some(Ok(event)),
        Err(e) => {
            tracing::warn!(seq, error = %e, "skipping unreadable event");
            None
        }
    }
}

/// Most events of one job held in the gateway for one client at a time.
pub const EVENTS_BATCH: i64 = 64;

/// A job event with its position in the event stream (the SSE id): its name and its JSON,
/// not decoded (a stream only passes it on).
#[derive(Debug, Clone)]
pub struct SequencedEvent {
    pub seq: u64,
    /// One of [`ChatEvent::NAMES`].
    pub name: &'static str,
    pub json: String,
}

impl SequencedEvent {
    /// True for `done` and `error`.
    pub fn is_terminal(&self) -> bool {
        ChatEvent::is_terminal_name(self.name)
    }

    /// The event, decoded.
    pub fn decode(&self) -> anyhow::Result<ChatEvent> {
        Ok(serde_json::from_str(&self.json)?)
    }
}

/// A stream of a job's events, in order.
pub type EventFeed = Pin<Box<dyn Stream<Item = anyhow::Result<SequencedEvent>> + Send>>;

/// A job's live events, subscribed to before the job was published (see
/// [`Nats::subscribe_live`]); [`Nats::follow_live`] reads them.
pub struct LiveEvents {
    job_id: Uuid,
    subscriber: async_nats::Subscriber,
    epoch: watch::Receiver<u64>,
}

impl Nats {
    /// The events of `job_id`, from the start or after event sequence `after`.
    pub async fn events(&self, job_id: Uuid, after: Option<u64>) -> anyhow::Result<EventFeed> {
        let stream = self.js.get_stream_no_info(EVENTS_STREAM).await?;
        let deliver_policy = match after {
            Some(seq) => DeliverPolicy::ByStartSequence {
                start_sequence: seq
                    .checked_add(1)
                    .ok_or_else(|| anyhow::anyhow!("no event follows sequence {seq}"))?,
            },
            None => DeliverPolicy::All,
        };
        let consumer = stream
            .create_consumer(jetstream::consumer::pull::OrderedConfig {
                filter_subject: events_subject(job_id),
                deliver_policy,
                // A client that reads slowly stops the SSE body from being polled, so this
                // feed pulls no more: at most one batch per stream waits in the gateway.
                max_batch: EVENTS_BATCH,
                ..Default::default()
            })
            .await?;
        let messages = consumer.messages().await?;
        // The ordered consumer reports hiccups (missed heartbeats, a reconnect) as errors and
        // recreates itself; only a run of errors without a message in between ends the feed.
        let mut failures = 0u32;
        Ok(Box::pin(messages.filter_map(move |message| {
            let item = match message {
                Ok(message) => {
                    failures = 0;
                    decode(&message)
                }
                Err(e) if failures < MAX_FEED_ERRORS => {
                    failures += 1;
                    tracing::debug!(error = %e, failures, "event feed hiccup; the ordered consumer recovers");
                    None
                }
                Err(e) => Some(Err(anyhow::Error::new(e))),
            };
            async move { item }
        })))
    }

    /// The stored events of a finished job after sequence `after`, read one by one with
    /// direct message gets: no consumer is made, so replaying an ended job costs JetStream
    /// nothing that lingers.
    pub fn stored_events(&self, job_id: Uuid, after: Option<u64>) -> EventFeed {
        let js = self.js.clone();
        let subject = events_subject(job_id);
        let start = after.map_or(Some(1), |seq| seq.checked_add(1));
        Box::pin(futures::stream::unfold(start, move |next| {
            let (js, subject) = (js.clone(), subject.clone());
            async move {
                let from = next?;
                let stream = match js.get_stream_no_info(EVENTS_STREAM).await {
                    Ok(stream) => stream,
                    Err(e) => return Some((Err(anyhow::Error::new(e)), None)),
                };
                match stream
                    .get_first_raw_message_by_subject(&subject, from)
                    .await
                {
                    Ok(message) => {
                        let following = message.sequence.checked_add(1);
                        let item = decode_payload(message.sequence, &message.payload)
                            .unwrap_or_else(|| Err(anyhow::anyhow!("unreadable stored event")));
                        Some((item, following))
                    }
                    Err(e)
                        if e.kind() == jetstream::stream::RawMessageErrorKind::NoMessageFound =>
                    {
                        None
                    }
                    Err(e) => Some((Err(anyhow::Error::new(e)), None)),
                }
            }
        }))
    }

    /// Subscribes to the live events of `job_id`. Call it before the job is published: the
    /// subscription and the publish go out on the same connection, in that order, so the
    /// server has the subscription before any worker can get the job.
    pub async fn subscribe_live(&self, job_id: Uuid) -> anyhow::Result<LiveEvents> {
        let mut epoch = self.live_epoch.subscribe();
        epoch.mark_unchanged();
        let subscriber = self.client.subscribe(live_events_subject(job_id)).await?;
        Ok(LiveEvents {
            job_id,
            subscriber,
            epoch,
        })
    }

    /// The events of a job subscribed to with [`Nats::subscribe_live`]: live while no
    /// delivery can have been missed, then from the stream after the last one given out.
    pub fn follow_live(&self, live: LiveEvents) -> EventFeed {
        enum Source {
            Live(LiveEvents),
            Stream(EventFeed),
            Over,
        }
        let nats = self.clone();
        let job_id = live.job_id;
        Box::pin(stream::unfold(
            (Source::Live(live), None::<u64>),
            move |(mut source, mut last)| {
                let nats = nats.clone();
                async move {
                    loop {
                        let item = match &mut source {
                            Source::Over => return None,
                            Source::Live(live) => {
                                let message = tokio::select! {
                                    biased;
                                    _ = live.epoch.changed() => None,
                                    message = live.subscriber.next() => message,
                                };
                                match message.as_ref().and_then(decode_live) {
                                    Some(item) => item,
                                    None if message.is_some() => continue, // unreadable
                                    None => {
                                        tracing::debug!(%job_id, after = ?last, "live events may have been missed; catching up from the stream");
                                        source = match nats.events(job_id, last).await {
                                            Ok(feed) => Source::Stream(feed),
                                            Err(e) => {
                                                return Some((Err(e), (Source::Over, last)));
                                            }
                                        };
                                        continue;
                                    }
                                }
                            }
                            Source::Stream(feed) => feed.next().await?,
                        };
                        match item {
                            Ok(event) if last.is_some_and(|l| event.seq <= l) => continue,
                            Ok(event) => {
                                last = Some(event.seq);
                                return Some((Ok(event), (source, last)));
                            }
                            Err(e) => return Some((Err(e), (Source::Over, last))),
                        }
                    }
                }
            },
        ))
    }

    /// The sequence of the last event of `job_id` still in the event stream, if any.
    pub async fn last_event_seq(&self, job_id: Uuid) -> anyhow::Result<Option<u64>> {
        let stream = self.js.get_stream_no_info(EVENTS_STREAM).await?;
        match stream
            .get_last_raw_message_by_subject(&events_subject(job_id))
            .await
        {
            Ok(message) => Ok(Some(message.sequence)),
            Err(e)
                if matches!(
                    e.kind(),
                    jetstream::stream::LastRawMessageErrorKind::NoMessageFound
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// How waiting for a job's ending came out (see [`wait_for_ending`]).
#[derive(Debug)]
pub enum Waited {
    /// The job ended: its `done` or `error` event.
    Ended(ChatEvent),
    /// It had not ended within the wait.
    StillRunning,
    /// Its events could not be followed to the end (see the log).
    Interrupted,
}

/// Reads `feed` until the job's ending, for at most `wait`. Only the ending is decoded: the
/// events before it are progress that a waiting answer does not show.
pub async fn wait_for_ending(mut feed: EventFeed, wait: Duration, job_id: Uuid) -> Waited {
    let read = async {
        while let Some(item) = feed.next().await {
            match item {
                Ok(event) if !event.is_terminal() => {}
                Ok(event) => {
                    return match event.decode() {
                        Ok(ending) => Waited::Ended(ending),
                        Err(e) => {
                            tracing::warn!(%job_id, error = %e, "unreadable ending");
                            Waited::Interrupted
                        }
                    };
                }
                Err(e) => {
                    tracing::warn!(%job_id, error = %e, "job events interrupted");
                    return Waited::Interrupted;
                }
            }
        }
        Waited::Interrupted
    };
    tokio::time::timeout(wait, read)
        .await
        .unwrap_or(Waited::StillRunning)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_is_passed_on_as_published_and_a_bad_one_skipped() {
        let published = r#"{"type":"tool_result","id":"c1","tool":"add_task","ok":true,"result":{"title":"Tea \u00e9"}}"#;
        let event = decode_payload(7, published.as_bytes())
            .expect("read")
            .expect("an event");
        assert_eq!((event.seq, event.name), (7, "tool_result"));
        assert_eq!(event.json, published, "the text is not re-encoded");
        assert!(!event.is_terminal());
        assert!(matches!(
            event.decode(),
            Ok(ChatEvent::ToolResult { ok: true, .. })
        ));

        let failed = serde_json::to_vec(&ChatEvent::Error {
            code: "timeout".into(),
            message: "m".into(),
            message_id: None,
        })
        .expect("serialises");
        let failed = decode_payload(8, &failed).expect("read").expect("an event");
        assert!(failed.is_terminal());

        for bad in [
            &br#"{"type":"mystery"}"#[..],
            br#"{"text":"no type"}"#,
            br#"{"type":"delta","text":"cut"#,
            b"\xff\xfe",
        ] {
            assert!(decode_payload(9, bad).is_none(), "{bad:?}");
        }
    }
}
