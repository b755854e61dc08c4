//! Server-Sent Events of a job: its events from JetStream, each with its stream sequence as
//! the SSE id, ending after `done` or `error`.

use std::{borrow::Cow, time::Duration};

use common::{domain::Job, ending::terminal_event, jobs::ChatEvent};
use futures::{
    StreamExt,
    stream::{self, BoxStream},
};
use poem::web::sse::Event;
use poem_openapi::{
    Object,
    payload::EventStream,
    registry::MetaSchemaRef,
    types::{ParseFromJSON, ParseResult, ToJSON, Type},
};
use serde_json::Value;
use sqlx::PgPool;

use crate::{
    feed::{EventFeed, LiveEvents, SequencedEvent},
    limits::StreamSlot,
    nats::Nats,
};

/// Comment lines sent while nothing happens, so proxies keep the connection open.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// The longest a stream stays open; a client can resume with `Last-Event-ID`.
const MAX_STREAM: Duration = Duration::from_secs(15 * 60);

/// One SSE event: `id`, `event` (its type) and JSON `data`.
#[derive(Debug, Clone, Object)]
pub struct SseItem {
    /// The event's position in the event stream; `0` for `accepted`.
    pub id: String,
    /// accepted, started, delta, tool_call, tool_result, done or error.
    pub event: String,
    /// The event as JSON, with a `type` field equal to `event`.
    pub data: EventJson,
}

/// An event's JSON text. Events from the stream keep the text the worker published and are
/// written as they are: decoding and encoding each again was a quarter of the gateway's CPU
/// in a chat run. Documented as any JSON value, as [`Value`] is.
#[derive(Debug, Clone)]
pub struct EventJson(String);

impl Type for EventJson {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        <Value as Type>::name()
    }

    fn schema_ref() -> MetaSchemaRef {
        <Value as Type>::schema_ref()
    }

    fn as_raw_value(&self) -> Option<&Self> {
        Some(self)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self> + 'a> {
        Box::new(std::iter::once(self))
    }
}

impl ParseFromJSON for EventJson {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        Ok(Self(value.unwrap_or_default().to_string()))
    }
}

impl ToJSON for EventJson {
    fn to_json(&self) -> Option<Value> {
        serde_json::from_str(&self.0).ok()
    }
}

/// The SSE response of the chat and job-events endpoints.
pub type SseResponse = EventStream<BoxStream<'static, SseItem>>;

/// An event made here (`accepted`, a rebuilt ending, a stream error).
fn item(seq: u64, event: &ChatEvent) -> SseItem {
    SseItem {
        id: seq.to_string(),
        event: event.name().to_owned(),
        data: EventJson(serde_json::to_string(event).unwrap_or_else(|_| "null".to_owned())),
    }
}

/// An event from the stream, passed on as it was published.
fn stream_item(event: SequencedEvent) -> SseItem {
    SseItem {
        id: event.seq.to_string(),
        event: event.name.to_owned(),
        data: EventJson(event.json),
    }
}

fn error_item(code: &str, message: &str) -> SseItem {
    item(
        0,
        &ChatEvent::Error {
            code: code.to_owned(),
            message: message.to_owned(),
            message_id: None,
        },
    )
}

/// Where a job's event stream is.
enum Phase {
    /// Following live events.
    Live,
    /// The stored events ran out without a terminal one: send the rebuilt ending.
    Tail,
    /// Finished.
    Over,
}

/// Ends the feed after its first terminal event (or a feed error). For a finished job,
/// `last` is its last stored event: reaching it without a terminal event (the worker's `done`
/// was lost) sends `ending`, rebuilt from Postgres, instead of waiting forever.
fn until_terminal(
    feed: EventFeed,
    last: Option<u64>,
    ending: Option<ChatEvent>,
) -> BoxStream<'static, SseItem> {
    stream::unfold(
        (feed, Phase::Live, ending),
        move |(mut feed, phase, ending)| async move {
            match phase {
                Phase::Over => None,
                Phase::Tail => ending.map(|e| (item(0, &e), (feed, Phase::Over, None))),
                Phase::Live => match feed.next().await? {
                    Ok(ev) => {
                        let next = if ev.is_terminal() {
                            Phase::Over
                        } else if last.is_some_and(|l| ev.seq >= l) {
                            Phase::Tail
                        } else {
                            Phase::Live
                        };
                        Some((stream_item(ev), (feed, next, ending)))
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "job event feed failed");
                        let item = error_item(
                            "events_interrupted",
                            "The event stream was interrupted; reconnect with Last-Event-ID.",
                        );
                        Some((item, (feed, Phase::Over, None)))
                    }
                },
            }
        },
    )
    .boxed()
}

/// How an SSE stream follows its job.
pub enum Follow {
    /// Live: a job just accepted here, subscribed to before its publish.
    Live(LiveEvents),
    /// From the event stream, after the event with sequence `after` (the client's
    /// `Last-Event-ID`), or from the first event.
    Stream { after: Option<u64> },
}

/// The SSE stream of `job`: `first` (the `accepted` event, id 0) if given, then the job's
/// events until `done` or `error`.
pub async fn job_stream(
    (pool, nats): (&PgPool, &Nats),
    job: &Job,
    first: Option<ChatEvent>,
    follow: Follow,
    slot: StreamSlot,
) -> SseResponse {
    let head = stream::iter(first.map(|e| item(0, &e)));
    let body = match follow {
        Follow::Live(live) => until_terminal(nats.follow_live(live), None, None),
        Follow::Stream { after } => body(pool, nats, job, after).await,
    };
    EventStream::new(
        head.chain(body)
            .take_until(tokio::time::sleep(MAX_STREAM))
            // The user's stream slot is held for as long as the response body lives.
            .map(move |item| {
                let _held = &slot;
                item
            })
            .boxed(),
    )
    .keep_alive(KEEP_ALIVE)
    .to_event(|item| {
        Event::message(item.data.0)
            .event_type(item.event)
            .id(item.id)
    })
}

async fn body(
    pool: &PgPool,
    nats: &Nats,
    job: &Job,
    after: Option<u64>,
) -> BoxStream<'static, SseItem> {
    let (mut last, mut ending) = (None, None);
    if job.status.is_final() {
        // A finished job: replay what is left, or rebuild the ending if its events expired.
        ending = terminal_event(pool, job).await.ok().flatten();
        match nats.last_event_seq(job.id).await {
            Ok(Some(seq)) if after.is_some_and(|a| a >= seq) => return stream::empty().boxed(),
            Ok(Some(seq)) => last = Some(seq),
            Ok(None) | Err(_) => {
                return match ending {
                    Some(event) => stream::iter([item(0, &event)]).boxed(),
                    None => stream::iter([error_item(
                        "events_unavailable",
                        "The job's events are unavailable.",
                    )])
                    .boxed(),
                };
            }
        }
    }
    if job.status.is_final() {
        return until_terminal(nats.stored_events(job.id, after), last, ending);
    }
    match nats.events(job.id, after).await {
        Ok(feed) => until_terminal(feed, last, ending),
        Err(e) => {
            tracing::warn!(job_id = %job.id, error = %e, "cannot follow job events");
            stream::iter([error_item(
                "events_unavailable",
                "Live events are unavailable right now; the job goes on. Poll /jobs/{job_id} or reconnect.",
            )])
            .boxed()
        }
    }
}
