//! Message queries: writing the turn's messages, rebuilding a bounded history, listing.

use serde_json::Value;
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::{
    Result,
    domain::{Message, Role, UserId},
};

/// A message to store.
#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    pub id: Uuid,
    pub conversation_id: Uuid,
    pub user_id: &'a UserId,
    pub role: Role,
    pub content: &'a str,
    pub tool_calls: Option<&'a Value>,
    pub job_id: Uuid,
    pub turn_seq: i64,
}

/// The insert of a [`NewMessage`], binding `$1`–`$8` with [`bind_new_message!`]; `finish`
/// runs it inside its own statement.
macro_rules! insert_message_sql {
    () => {
        "insert into messages (id, conversation_id, user_id, role, content, tool_calls, job_id, turn_seq)
         values ($1, $2, $3, $4, $5, $6, $7, $8)"
    };
}
pub(crate) use insert_message_sql;

/// Binds a [`NewMessage`] as `$1`–`$8` of [`insert_message_sql!`] to a `query` or `query_as`.
macro_rules! bind_new_message {
    ($query:expr, $message:expr) => {{
        let message: &$crate::db::messages::NewMessage<'_> = $message;
        $query
            .bind(message.id)
            .bind(message.conversation_id)
            .bind(message.user_id.as_str())
            .bind(message.role.as_str())
            .bind(message.content)
            .bind(message.tool_calls.map(sqlx::types::Json))
            .bind(message.job_id)
            .bind(message.turn_seq)
    }};
}
pub(crate) use bind_new_message;

/// Stores a message. The unique indexes allow one user message and one assistant message
/// per job: a second reply to the same job fails, and the caller treats that as "already done".
pub async fn insert(db: impl PgExecutor<'_>, message: &NewMessage<'_>) -> Result<Message> {
    let query = sqlx::query_as::<_, Message>(concat!(
        insert_message_sql!(),
        " returning id, conversation_id, role, content, tool_calls, job_id, turn_seq, created_at"
    ));
    Ok(bind_new_message!(query, message).fetch_one(db).await?)
}

/// The history query of [`history`] (`$1` conversation, `$2` turn, `$3` limit), public so
/// tests and the bench can `EXPLAIN` exactly what runs.
pub const HISTORY_QUERY: &str = "select id, conversation_id, role, content, null::jsonb as tool_calls, job_id, turn_seq, created_at
         from messages
         where conversation_id = $1
           and (turn_seq < $2 or (turn_seq = $2 and role = 'user'))
         order by turn_seq desc, created_at desc
         limit $3";

/// The history a turn sees: the latest `limit` messages of earlier turns plus this turn's
/// user message, oldest first. Later turns (queued behind this one) are excluded. Reads a
/// bounded slice through the (conversation_id, turn_seq) index, so its cost does not grow
/// with the conversation. The model is given the messages' text only, so their recorded
/// tool calls are not read (`tool_calls` is `None`): decoding them into JSON values was
/// the largest single cost in a worker's profile.
pub async fn history(
    db: impl PgExecutor<'_>,
    conversation_id: Uuid,
    turn_seq: i64,
    limit: i64,
) -> Result<Vec<Message>> {
    let mut rows = sqlx::query_as::<_, Message>(HISTORY_QUERY)
        .bind(conversation_id)
        .bind(turn_seq)
        .bind(limit)
        .fetch_all(db)
        .await?;
    rows.reverse();
    Ok(rows)
}

/// A page of `user`'s conversation, oldest first, each user message followed by its reply.
pub async fn list(
    db: impl PgExecutor<'_>,
    user: &UserId,
    conversation_id: Uuid,
    limit: i64,
    offset: i64,
) -> Result<Vec<Message>> {
    Ok(sqlx::query_as::<_, Message>(
        "select id, conversation_id, role, content, tool_calls, job_id, turn_seq, created_at
         from messages
         where conversation_id = $1 and user_id = $2
         order by turn_seq asc, created_at asc
         limit $3 offset $4",
    )
    .bind(conversation_id)
    .bind(user.as_str())
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await?)
}

/// The assistant's reply to job `job_id`, if written.
pub async fn reply_to(db: impl PgExecutor<'_>, job_id: Uuid) -> Result<Option<Message>> {
    Ok(sqlx::query_as::<_, Message>(
        "select id, conversation_id, role, content, tool_calls, job_id, turn_seq, created_at
         from messages where job_id = $1 and role = 'assistant'",
    )
    .bind(job_id)
    .fetch_optional(db)
    .await?)
}

/// The message `id` (the worker reads its job's user message).
pub async fn get(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<Message>> {
    Ok(sqlx::query_as::<_, Message>(
        "select id, conversation_id, role, content, tool_calls, job_id, turn_seq, created_at
         from messages where id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await?)
}
