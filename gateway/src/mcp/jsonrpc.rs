//! JSON-RPC error answers for `/mcp`, so that every malformed request gets a JSON-RPC error
//! object with a 4xx status rather than rmcp's plain-text refusals (which clients cannot
//! parse) or, worse, a 500.
//!
//! [`read_message`] checks a POST body before rmcp sees it: its size, that it is JSON, and
//! that it is one JSON-RPC message rmcp can read. [`ensure_json_error`] rewrites whatever
//! plain-text error rmcp still answers (a wrong `Accept`, `Content-Type` or `Host`, a GET)
//! into the same shape, keeping its status and headers.

use poem::{
    Body, Request, Response,
    http::{HeaderValue, StatusCode, header},
    web::headers::{self, HeaderMapExt},
};
use rmcp::model::{
    CallToolRequestParams, ClientJsonRpcMessage, ClientRequest, PaginatedRequestParams,
};
use serde_json::{Value, json};

/// JSON-RPC 2.0 error codes.
pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const INVALID_PARAMS: i64 = -32602;
pub const INTERNAL_ERROR: i64 = -32603;
/// Implementation-defined server errors (-32000 to -32099).
pub const UNAUTHORIZED: i64 = -32001;
pub const RATE_LIMITED: i64 = -32002;

/// A JSON-RPC error response for request `id` (null when unknown).
pub fn error(status: StatusCode, id: Option<&Value>, code: i64, message: &str) -> Response {
    let body = json!({
        "jsonrpc": "2.0",
        "id": id.cloned().unwrap_or(Value::Null),
        "error": {"code": code, "message": message},
    });
    Response::builder()
        .status(status)
        .content_type("application/json")
        .body(body.to_string())
}

/// A JSON-RPC error answer to a request that cannot be served.
#[derive(Debug)]
pub struct Refusal {
    status: StatusCode,
    id: Option<Value>,
    code: i64,
    message: String,
}

impl Refusal {
    fn new(status: StatusCode, id: Option<&Value>, code: i64, message: impl Into<String>) -> Self {
        Self {
            status,
            id: id.cloned(),
            code,
            message: message.into(),
        }
    }

    /// -32600 with 400: not a JSON-RPC message we serve.
    fn invalid(id: Option<&Value>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, id, INVALID_REQUEST, message)
    }

    pub fn into_response(self) -> Response {
        error(self.status, self.id.as_ref(), self.code, &self.message)
    }
}

/// The request id of a message, when it is one a response may carry (a string or a number).
fn request_id(message: &serde_json::Map<String, Value>) -> Option<Value> {
    message
        .get("id")
        .filter(|id| id.is_string() || id.is_number())
        .cloned()
}

/// Reads the body of a POST (at most `max_bytes`) and checks it is one JSON-RPC message rmcp
/// can read; puts it back for rmcp and returns the message's id. Otherwise the JSON-RPC
/// error answer: -32700 for what is not JSON, -32600 for what is not a JSON-RPC message (a
/// batch, a missing `jsonrpc` or `method`, a body too large), -32602 for a request whose
/// parameters do not fit its method.
pub async fn read_message(req: &mut Request, max_bytes: usize) -> Result<Option<Value>, Refusal> {
    let too_large = || {
        let message =
            format!("The request is larger than {max_bytes} bytes; tool arguments must be small.");
        Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            None,
            INVALID_REQUEST,
            message,
        )
    };
    if let Some(len) = req.headers().typed_get::<headers::ContentLength>()
        && len.0 > max_bytes as u64
    {
        return Err(too_large());
    }
    let bytes = match req.take_body().into_bytes_limit(max_bytes).await {
        Ok(bytes) => bytes,
        Err(poem::error::ReadBodyError::PayloadTooLarge) => return Err(too_large()),
        Err(e) => {
            let message = format!("The request body could not be read: {e}.");
            return Err(Refusal::new(
                StatusCode::BAD_REQUEST,
                None,
                PARSE_ERROR,
                message,
            ));
        }
    };
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
        let message = format!("Parse error: the body is not JSON ({e}).");
        Refusal::new(StatusCode::BAD_REQUEST, None, PARSE_ERROR, message)
    })?;
    let (id, method) = check_envelope(&value)?;
    check_readable(value, id.as_ref(), method)?;
    req.set_body(Body::from_bytes(bytes));
    Ok(id)
}

/// Checks the body is one JSON-RPC 2.0 message; returns its id and method (if any).
fn check_envelope(value: &Value) -> Result<(Option<Value>, Option<String>), Refusal> {
    let message = match value {
        Value::Object(message) => message,
        Value::Array(_) => {
            return Err(Refusal::invalid(
                None,
                "Invalid request: batches are not supported; send one JSON-RPC message per request.",
            ));
        }
        _ => {
            return Err(Refusal::invalid(
                None,
                "Invalid request: the body must be a JSON-RPC 2.0 message (an object).",
            ));
        }
    };
    let id = request_id(message);
    if message
        .get("id")
        .is_some_and(|raw| id.is_none() && !raw.is_null())
    {
        let text = "Invalid request: \"id\" must be a string or a number.";
        return Err(Refusal::invalid(None, text));
    }
    if message.get("jsonrpc") != Some(&Value::String("2.0".into())) {
        let text = "Invalid request: \"jsonrpc\" must be \"2.0\".";
        return Err(Refusal::invalid(id.as_ref(), text));
    }
    let method = match message.get("method") {
        Some(Value::String(method)) => Some(method.clone()),
        Some(_) => {
            let text = "Invalid request: \"method\" must be a string.";
            return Err(Refusal::invalid(id.as_ref(), text));
        }
        None => None,
    };
    Ok((id, method))
}

/// Checks rmcp can read the message as what its method says it is.
fn check_readable(value: Value, id: Option<&Value>, method: Option<String>) -> Result<(), Refusal> {
    let params = value.get("params").cloned();
    let params_error = |method: &str, detail: String| {
        let message = format!("Invalid params for {method}: {detail}.");
        Refusal::new(StatusCode::BAD_REQUEST, id, INVALID_PARAMS, message)
    };
    match (
        serde_json::from_value::<ClientJsonRpcMessage>(value),
        method,
    ) {
        // A known method whose params do not fit is read as a custom request, which rmcp
        // would refuse as an unknown method: say what is wrong instead.
        (Ok(ClientJsonRpcMessage::Request(request)), Some(method))
            if matches!(request.request, ClientRequest::CustomRequest(_))
                && SERVED_METHODS.contains(&method.as_str()) =>
        {
            Err(params_error(&method, params_problem(&method, params)))
        }
        (Ok(_), _) => Ok(()),
        (Err(e), Some(method)) => Err(params_error(&method, e.to_string())),
        (Err(e), None) => Err(Refusal::invalid(
            id,
            format!("Invalid request: not a JSON-RPC request, notification or response ({e})."),
        )),
    }
}

/// The methods `/mcp` serves (the tools capability and the lifecycle).
const SERVED_METHODS: [&str; 5] = [
    "initialize",
    "ping",
    "server/discover",
    "tools/list",
    "tools/call",
];

/// Why `params` do not fit `method`, as precisely as serde says.
fn params_problem(method: &str, params: Option<Value>) -> String {
    let params = params.unwrap_or(Value::Null);
    let problem = match method {
        "tools/call" => serde_json::from_value::<CallToolRequestParams>(params).err(),
        "tools/list" => serde_json::from_value::<Option<PaginatedRequestParams>>(params).err(),
        _ => None,
    };
    match problem {
        Some(e) => e.to_string(),
        None => "the params do not have the shape the MCP specification gives".to_owned(),
    }
}

/// rmcp's own refusals are plain text; turns an error answer that is not JSON into a
/// JSON-RPC error with the same status, headers (such as `Allow`) and text.
pub async fn ensure_json_error(response: Response, id: Option<&Value>) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = body.into_string().await.unwrap_or_default();
    let code = if status.is_server_error() {
        tracing::error!(%status, %text, "MCP transport failed");
        INTERNAL_ERROR
    } else {
        INVALID_REQUEST
    };
    let message = match text.trim() {
        "" => status.canonical_reason().unwrap_or("error").to_owned(),
        text => text.to_owned(),
    };
    let mut fixed = error(status, id, code, &message);
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            fixed.headers_mut().insert(name.clone(), value.clone());
        }
    }
    fixed.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    fixed
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body(response: Response) -> (StatusCode, Value) {
        let status = response.status();
        let text = response.into_body().into_string().await.expect("text");
        (status, serde_json::from_str(&text).expect("JSON body"))
    }

    async fn check(raw: &str) -> Result<Option<Value>, (StatusCode, Value)> {
        let mut req = Request::builder().body(raw.to_owned());
        match read_message(&mut req, 1024).await {
            Ok(id) => Ok(id),
            Err(refusal) => Err(body(refusal.into_response()).await),
        }
    }

    #[tokio::test]
    async fn each_malformed_body_gets_its_json_rpc_error() {
        let cases = [
            ("{", PARSE_ERROR, "not JSON"),
            ("\u{0}", PARSE_ERROR, "a NUL byte"),
            ("[]", INVALID_REQUEST, "a batch"),
            ("5", INVALID_REQUEST, "a number"),
            (r#"{"id":1,"method":"ping"}"#, INVALID_REQUEST, "no jsonrpc"),
            (
                r#"{"jsonrpc":"2.0","id":1,"method":5}"#,
                INVALID_REQUEST,
                "method not text",
            ),
            (
                r#"{"jsonrpc":"2.0","id":{},"method":"ping"}"#,
                INVALID_REQUEST,
                "id an object",
            ),
            (
                r#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":5}}"#,
                INVALID_PARAMS,
                "bad params",
            ),
        ];
        for (raw, code, what) in cases {
            let (status, body) = check(raw).await.expect_err(what);
            assert_eq!(status, StatusCode::BAD_REQUEST, "{what}");
            assert_eq!(body["jsonrpc"], "2.0", "{what}");
            assert_eq!(body["error"]["code"], code, "{what}: {body}");
        }
        let (_, body) =
            check(r#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":5}}"#)
                .await
                .expect_err("bad params");
        assert_eq!(body["id"], 7, "the id is echoed");
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_refused_before_it_is_parsed() {
        let (status, body) = check(&format!("\"{}\"", "x".repeat(2000)))
            .await
            .expect_err("too large");
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(body["error"]["code"], INVALID_REQUEST);
    }

    #[tokio::test]
    async fn requests_and_notifications_pass_with_their_id() {
        let id = check(r#"{"jsonrpc":"2.0","id":"a","method":"tools/list"}"#).await;
        assert_eq!(id.ok(), Some(Some(json!("a"))));
        let unknown = check(r#"{"jsonrpc":"2.0","id":3,"method":"no/such"}"#).await;
        assert_eq!(
            unknown.ok(),
            Some(Some(json!(3))),
            "rmcp answers -32601 itself"
        );
        let note = check(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).await;
        assert_eq!(note.ok(), Some(None));
    }

    #[tokio::test]
    async fn a_plain_text_refusal_becomes_a_json_rpc_error_with_its_headers() {
        let plain = Response::builder()
            .status(StatusCode::METHOD_NOT_ALLOWED)
            .header(header::ALLOW, "POST")
            .body("Method Not Allowed");
        let fixed = ensure_json_error(plain, None).await;
        assert_eq!(
            fixed.headers().get(header::ALLOW).map(|v| v.as_bytes()),
            Some(&b"POST"[..])
        );
        let (status, body) = body(fixed).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(body["error"]["code"], INVALID_REQUEST);
        assert_eq!(body["error"]["message"], "Method Not Allowed");
    }
}
