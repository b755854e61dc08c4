//! Message queries: writing the turn's messages, rebuilding a bounded history, listing.

use serde_json::Value;
use sqlx::{PgExecutor, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::{
    Result,
    domain::{Message, Role, UserId},
};

/// The unique index that allows one assistant message per job.
pub const ONE_REPLY_PER_JOB: &str = "messages_one_reply_per_job_idx";

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

/// The columns of a [`Message`], as its queries select them.
macro_rules! message_columns {
    () => {
        "id, conversation_id, role, content, tool_calls, job_id, turn_seq, created_at"
    };
}

/// `insert into messages (…)` with the columns a [`NewMessage`] fills, in this order; the
/// values follow (`values (…)` or a `select`).
macro_rules! insert_message_into {
    () => {
        "insert into messages (id, conversation_id, user_id, role, content, tool_calls, job_id, turn_seq)"
    };
}
pub(crate) use insert_message_into;

/// `insert into messages … values (…)` of `message`, to which the caller may add its
/// `returning`; `jobs::finish` runs it inside its own statement.
pub(crate) fn push_insert(query: &mut QueryBuilder<Postgres>, message: &NewMessage<'_>) {
    query.push(insert_message_into!()).push(" values (");
    let mut values = query.separated(", ");
    values
        .push_bind(message.id)
        .push_bind(message.conversation_id)
        .push_bind(message.user_id.as_str())
        .push_bind(message.role.as_str())
        .push_bind(message.content)
        .push_bind(message.tool_calls.map(sqlx::types::Json))
        .push_bind(message.job_id)
        .push_bind(message.turn_seq);
    values.push_unseparated(")");
}

/// Stores a message. The unique indexes allow one user message and one assistant message
/// per job: a second reply to the same job fails.
pub async fn insert(db: impl PgExecutor<'_>, message: &NewMessage<'_>) -> Result<Message> {
    let mut query = QueryBuilder::new("");
    push_insert(&mut query, message);
    query.push(concat!(" returning ", message_columns!()));
    Ok(query.build_query_as().fetch_one(db).await?)
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
    Ok(sqlx::query_as::<_, Message>(concat!(
        "select ",
        message_columns!(),
        " from messages
         where conversation_id = $1 and user_id = $2
         order by turn_seq asc, created_at asc
         limit $3 offset $4"
    ))
    .bind(conversation_id)
    .bind(user.as_str())
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await?)
}

/// The assistant's reply to job `job_id`, if written.
pub async fn reply_to(db: impl PgExecutor<'_>, job_id: Uuid) -> Result<Option<Message>> {
    Ok(sqlx::query_as::<_, Message>(concat!(
        "select ",
        message_columns!(),
        " from messages where job_id = $1 and role = 'assistant'"
    ))
    .bind(job_id)
    .fetch_optional(db)
    .await?)
}
