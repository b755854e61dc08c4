//! The rmcp server handler: announces the tools capability, lists the tools built from
//! `common::tools::specs()`, and runs a call for the user the guard verified.

use std::sync::Arc;

use common::domain::UserId;
use poem::http::request::Parts;
use rmcp::{
    ErrorData, RoleServer, ServerHandler,
    model::{
        CallToolRequestParams, CallToolResponse, CustomRequest, CustomResult, ErrorCode,
        Implementation, ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig,
        Tool,
    },
    service::RequestContext,
};
use sqlx::PgPool;

use super::tools;

/// What an agent is told about the server when it connects.
const INSTRUCTIONS: &str = "Taskwire is the user's todo list. Every tool acts on the list of \
the user whose token you hold, and only on theirs. Call list_tasks to find a task's id before \
completing, updating or deleting it. Due dates and words like \"tomorrow at 5pm\" are read in \
the user's own time zone; times in results are UTC. Confirm to the user what you changed.";

/// The handler rmcp builds for each request (stateless): cheap to clone.
#[derive(Clone)]
pub struct TaskServer {
    pool: PgPool,
    tools: Arc<[Tool]>,
}

impl TaskServer {
    pub fn new(pool: PgPool) -> Self {
        Self {
            pool,
            tools: tools::definitions().into(),
        }
    }
}

/// The user the guard put into the HTTP request; every request through `/mcp` has one.
fn caller(context: &RequestContext<RoleServer>) -> Result<UserId, ErrorData> {
    context
        .extensions
        .get::<Parts>()
        .and_then(|parts| parts.extensions.get::<UserId>())
        .cloned()
        .ok_or_else(|| {
            tracing::error!("an MCP request reached the tools without a verified user");
            ErrorData::internal_error("unauthenticated", None)
        })
}

impl ServerHandler for TaskServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(
                Implementation::new("taskwire", env!("CARGO_PKG_VERSION")).with_title("Taskwire"),
            )
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.tools.to_vec()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tools.iter().find(|tool| tool.name == name).cloned()
    }

    async fn on_custom_request(
        &self,
        request: CustomRequest,
        _context: RequestContext<RoleServer>,
    ) -> Result<CustomResult, ErrorData> {
        let message = format!(
            "Method not found: {}. /mcp serves initialize, ping, tools/list and tools/call.",
            request.method
        );
        Err(ErrorData::new(ErrorCode::METHOD_NOT_FOUND, message, None))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let user = caller(&context)?;
        tools::call(&self.pool, &user, &request.name, request.arguments)
            .await
            .map(Into::into)
    }
}
