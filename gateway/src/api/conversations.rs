//! `/api/{user_id}/conversations`: list, read and delete conversations.

use chrono::{DateTime, Utc};
use common::{db, domain};
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use super::ApiTags;
use crate::{auth::BearerAuth, error::ApiError};

/// The conversation endpoints.
pub struct ConversationsApi {
    pub pool: PgPool,
}

/// A conversation.
#[derive(Debug, Object)]
pub struct ConversationOut {
    pub id: Uuid,
    /// From the first message.
    pub title: String,
    pub created_at: DateTime<Utc>,
    /// Time of the latest message.
    pub updated_at: DateTime<Utc>,
}

impl From<domain::Conversation> for ConversationOut {
    fn from(c: domain::Conversation) -> Self {
        Self {
            id: c.id,
            title: c.title,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// A message of a conversation.
#[derive(Debug, Object)]
pub struct MessageOut {
    pub id: Uuid,
    /// `user` or `assistant`.
    pub role: String,
    pub content: String,
    /// Assistant messages: the tool calls made, `[{tool, arguments, result}]`.
    pub tool_calls: Option<Value>,
    /// The chat job (turn) the message belongs to.
    pub job_id: Uuid,
    pub created_at: DateTime<Utc>,
}

impl From<domain::Message> for MessageOut {
    fn from(m: domain::Message) -> Self {
        Self {
            id: m.id,
            role: m.role.as_str().to_owned(),
            content: m.content,
            tool_calls: m.tool_calls.map(|j| j.0),
            job_id: m.job_id,
            created_at: m.created_at,
        }
    }
}

#[derive(ApiResponse)]
pub enum DeletedResponse {
    /// The conversation and its messages were deleted.
    #[oai(status = 204)]
    Deleted,
}

#[OpenApi(prefix_path = "/api", tag = "ApiTags::Conversations")]
impl ConversationsApi {
    /// List conversations
    ///
    /// Most recently active first.
    #[oai(
        path = "/:user_id/conversations",
        method = "get",
        operation_id = "list_conversations"
    )]
    async fn list(
        &self,
        auth: BearerAuth,
        user_id: Path<String>,
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))] limit: Query<Option<i64>>,
        #[oai(validator(minimum(value = "0")))] offset: Query<Option<i64>>,
    ) -> Result<Json<Vec<ConversationOut>>, ApiError> {
        let user = auth.require(&user_id)?;
        let rows = db::conversations::list(
            &self.pool,
            user,
            limit.0.unwrap_or(50),
            offset.0.unwrap_or(0),
        )
        .await?;
        Ok(Json(rows.into_iter().map(Into::into).collect()))
    }

    /// Read a conversation's messages
    ///
    /// Oldest first; each user message is followed by its reply.
    #[oai(
        path = "/:user_id/conversations/:conversation_id/messages",
        method = "get",
        operation_id = "list_messages"
    )]
    async fn messages(
        &self,
        auth: BearerAuth,
        user_id: Path<String>,
        conversation_id: Path<Uuid>,
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))] limit: Query<Option<i64>>,
        #[oai(validator(minimum(value = "0")))] offset: Query<Option<i64>>,
    ) -> Result<Json<Vec<MessageOut>>, ApiError> {
        let user = auth.require(&user_id)?;
        db::conversations::get(&self.pool, user, conversation_id.0).await?;
        let rows = db::messages::list(
            &self.pool,
            user,
            conversation_id.0,
            limit.0.unwrap_or(100),
            offset.0.unwrap_or(0),
        )
        .await?;
        Ok(Json(rows.into_iter().map(Into::into).collect()))
    }

    /// Delete a conversation
    ///
    /// Deletes its messages and jobs too.
    #[oai(
        path = "/:user_id/conversations/:conversation_id",
        method = "delete",
        operation_id = "delete_conversation"
    )]
    async fn delete(
        &self,
        auth: BearerAuth,
        user_id: Path<String>,
        conversation_id: Path<Uuid>,
    ) -> Result<DeletedResponse, ApiError> {
        let user = auth.require(&user_id)?;
        db::conversations::delete(&self.pool, user, conversation_id.0).await?;
        Ok(DeletedResponse::Deleted)
    }
}
