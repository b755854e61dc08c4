//! `POST /api/{user_id}/chat`, `/api/chat` and `/api/{user_id}/chat/stream`: accept a message,
//! queue its job, and answer with the reply (JSON) or stream the job's events (SSE).

use std::time::Duration;

use common::{
    dates::Zone,
    db::{self, jobs::Acceptance},
    domain::{ChatText, Job, UserId},
    jobs::ChatEvent,
};
use poem_openapi::{ApiResponse, Object, OpenApi, param::Path, payload::Json};
use serde_json::Value;
use uuid::Uuid;

use super::{
    ApiTags,
    sse::{self, SseResponse},
    text::Text,
};
use crate::{
    auth::BearerAuth,
    error::ApiError,
    feed::{LiveEvents, Waited, wait_for_ending},
    limits::{self, KeyedLimiter, StreamSlots},
    nats::Nats,
    outbox::Outbox,
};

/// Settings of the chat endpoints.
#[derive(Debug, Clone)]
pub struct ChatSettings {
    /// How long `POST /chat` waits for the reply before answering 202.
    pub wait: Duration,
    /// Most unfinished jobs one user may have queued.
    pub max_open_jobs_per_user: i64,
}

/// The chat endpoints.
pub struct ChatApi {
    pub pool: sqlx::PgPool,
    pub nats: Nats,
    pub outbox: Outbox,
    pub settings: ChatSettings,
    pub limiter: std::sync::Arc<KeyedLimiter>,
    /// The user's open event streams (`/chat/stream`).
    pub streams: std::sync::Arc<StreamSlots>,
}

/// A message to the assistant.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct ChatIn {
    /// Continue this conversation; omit to start a new one.
    pub conversation_id: Option<Uuid>,
    /// What the user says: 1–8,000 characters.
    pub message: Text,
    /// The IANA time zone this message's dates are read in (`Europe/Berlin`), for clients
    /// without a profile; default: the user's profile zone (UTC if never set).
    pub time_zone: Option<Text>,
    /// A UUID the client makes for this message, so that sending it again (a retry after a
    /// dropped connection) does not send it twice: a message id already sent answers with
    /// that message's job. 409 if the id is another user's. Default: a new id.
    pub message_id: Option<Uuid>,
}

/// One tool call the assistant made.
#[derive(Debug, Clone, Object)]
pub struct ToolCallOut {
    pub tool: String,
    pub arguments: Value,
    pub result: Value,
}

/// The assistant's reply.
#[derive(Debug, Object)]
pub struct ChatOut {
    pub conversation_id: Uuid,
    pub job_id: Uuid,
    /// The assistant message's id.
    pub message_id: Uuid,
    pub response: String,
    pub tool_calls: Vec<ToolCallOut>,
}

/// The turn is still running; follow it at `/api/{user_id}/jobs/{job_id}`.
#[derive(Debug, Object)]
pub struct ChatPending {
    pub conversation_id: Uuid,
    pub job_id: Uuid,
    /// `queued` or `running`.
    pub status: String,
}

#[derive(ApiResponse)]
pub enum ChatResponse {
    /// The reply.
    #[oai(status = 200)]
    Done(Json<ChatOut>),
    /// Not done within the wait; the job goes on.
    #[oai(status = 202)]
    Pending(Json<ChatPending>),
}

/// A stored message with its queued job.
pub struct Accepted {
    pub job: Job,
    pub message_id: Uuid,
    /// False when the job is stored but its publish is left to the outbox relay.
    pub published: bool,
    /// The job's events, subscribed to before it was published; `None` if that failed.
    pub live: Option<LiveEvents>,
}

impl ChatApi {
    /// Validates and stores the message and its job in one statement, then publishes the job.
    async fn accept(&self, user: &UserId, body: ChatIn) -> Result<Accepted, ApiError> {
        let text = ChatText::parse(&body.message)?;
        let time_zone = body
            .time_zone
            .as_deref()
            .map(|zone| Zone::parse(zone, "time_zone"))
            .transpose()?;
        limits::check(
            &self.limiter,
            user.as_str(),
            "you are sending messages too fast; wait a moment",
        )
        .inspect_err(|_| {
            metrics::counter!("taskwire_chat_refused_total", "reason" => "rate").increment(1);
        })?;
        let job_id = Uuid::now_v7();
        let message_id = body.message_id.unwrap_or_else(Uuid::now_v7);
        // Before the job exists, so no event of it can come first (see `subscribe_live`).
        let live = self
            .nats
            .subscribe_live(job_id)
            .await
            .inspect_err(|e| tracing::warn!(%job_id, error = %e, "cannot subscribe to live events; following the stream"))
            .ok();
        let turn = db::jobs::NewTurn {
            job_id,
            message_id,
            user,
            conversation: body.conversation_id,
            new_conversation_id: Uuid::now_v7(),
            new_conversation_title: &text.title(),
            prompt: text.as_str(),
            time_zone,
        };
        let stored = std::time::Instant::now();
        let accepted =
            db::jobs::accept(&self.pool, turn, self.settings.max_open_jobs_per_user).await;
        common::metrics::record_stage(common::metrics::TurnStage::Accept, stored);
        let job = match accepted? {
            Acceptance::Queued(job) => job,
            Acceptance::Full { open } => {
                metrics::counter!("taskwire_chat_refused_total", "reason" => "queue").increment(1);
                return Err(ApiError::too_many(
                    format!(
                        "{open} messages are still being answered; wait for them before sending more"
                    ),
                    2,
                ));
            }
            Acceptance::NoConversation => {
                return Err(common::Error::NotFound("conversation").into());
            }
            Acceptance::Repeated => return self.repeated(user, message_id).await,
        };
        metrics::counter!("taskwire_chat_messages_accepted_total").increment(1);
        crate::middleware::record_turn(job.conversation_id, job.id);
        let published = self.outbox.publish_after_commit(&job).await;
        Ok(Accepted {
            job,
            message_id,
            published,
            live,
        })
    }

    /// A message sent again with the id of one already accepted: its job, as it is now.
    async fn repeated(&self, user: &UserId, message_id: Uuid) -> Result<Accepted, ApiError> {
        let job = db::jobs::for_message(&self.pool, user, message_id)
            .await?
            .ok_or_else(|| {
                ApiError::conflict("this message_id is already taken: make a new one")
            })?;
        tracing::info!(job_id = %job.id, "a message sent again: answering with its job");
        crate::middleware::record_turn(job.conversation_id, job.id);
        Ok(Accepted {
            job,
            message_id,
            published: true,
            live: None,
        })
    }

    async fn chat_and_wait(&self, user: &UserId, body: ChatIn) -> Result<ChatResponse, ApiError> {
        let Accepted {
            job,
            published,
            live,
            ..
        } = self.accept(user, body).await?;
        let pending = || {
            ChatResponse::Pending(Json(ChatPending {
                conversation_id: job.conversation_id,
                job_id: job.id,
                status: "queued".to_owned(),
            }))
        };
        if !published {
            // Stored but not yet queued (NATS is down): the relay will queue it.
            return Ok(pending());
        }
        let feed = match live {
            Some(live) => Ok(self.nats.follow_live(live)),
            None if job.status.is_final() => Ok(self.nats.stored_events(job.id, None)),
            None => self.nats.events(job.id, None).await,
        };
        let feed = match feed {
            Ok(feed) => feed,
            Err(e) => {
                tracing::warn!(job_id = %job.id, error = %e, "cannot follow job events; answering 202");
                return Ok(pending());
            }
        };
        match wait_for_ending(feed, self.settings.wait, job.id).await {
            Waited::Ended(ChatEvent::Done {
                job_id,
                message_id,
                response,
                tool_calls,
            }) => Ok(ChatResponse::Done(Json(ChatOut {
                conversation_id: job.conversation_id,
                job_id,
                message_id,
                response,
                tool_calls: tool_calls
                    .into_iter()
                    .map(|c| ToolCallOut {
                        tool: c.tool,
                        arguments: c.arguments,
                        result: c.result,
                    })
                    .collect(),
            }))),
            Waited::Ended(ChatEvent::Error { code, message, .. }) => {
                Err(ApiError::turn_failed(&code, message))
            }
            Waited::Ended(_) | Waited::StillRunning | Waited::Interrupted => Ok(pending()),
        }
    }
}

#[OpenApi(prefix_path = "/api", tag = "ApiTags::Chat")]
impl ChatApi {
    /// Chat
    ///
    /// Stores the message, queues the turn and waits for the reply. If the turn takes
    /// longer than the configured wait, answers 202 with the job to follow.
    #[oai(path = "/:user_id/chat", method = "post", operation_id = "chat")]
    async fn chat(
        &self,
        auth: BearerAuth,
        user_id: Path<String>,
        body: Json<ChatIn>,
    ) -> Result<ChatResponse, ApiError> {
        let user = auth.require(&user_id)?;
        self.chat_and_wait(user, body.0).await
    }

    /// Chat (user from the token)
    ///
    /// The same as `POST /api/{user_id}/chat`, for clients of the original Todo-chatbot API.
    #[oai(path = "/chat", method = "post", operation_id = "chat_as_token_user")]
    async fn chat_as_token_user(
        &self,
        auth: BearerAuth,
        body: Json<ChatIn>,
    ) -> Result<ChatResponse, ApiError> {
        self.chat_and_wait(auth.user(), body.0).await
    }

    /// Chat, streamed
    ///
    /// Answers `text/event-stream` at once: `accepted`, then `started`, `delta`,
    /// `tool_call`, `tool_result` as the turn runs, and finally `done` or `error`. Every event
    /// has an `id`; reconnect to `/api/{user_id}/jobs/{job_id}/events` with `Last-Event-ID`.
    #[oai(
        path = "/:user_id/chat/stream",
        method = "post",
        operation_id = "chat_stream"
    )]
    async fn chat_stream(
        &self,
        auth: BearerAuth,
        user_id: Path<String>,
        body: Json<ChatIn>,
    ) -> Result<SseResponse, ApiError> {
        let user = auth.require(&user_id)?;
        let slot = self.streams.take(user.as_str())?;
        let Accepted {
            job,
            message_id,
            live,
            ..
        } = self.accept(user, body.0).await?;
        let accepted = ChatEvent::Accepted {
            conversation_id: job.conversation_id,
            job_id: job.id,
            message_id,
        };
        let follow = match live {
            Some(live) => sse::Follow::Live(live),
            None => sse::Follow::Stream { after: None },
        };
        let services = (&self.pool, &self.nats);
        Ok(sse::job_stream(services, &job, Some(accepted), follow, slot).await)
    }
}
