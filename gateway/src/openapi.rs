//! The OpenAPI document as the gateway behaves: poem-openapi's generated document, with what
//! it leaves out said. Schemathesis checks it against a running gateway in CI.
//!
//! - An optional field is sent as `null` when it has no value (and `null` is accepted for it),
//!   so every property that is not required is `nullable`.
//! - Request bodies refuse unknown fields and responses send none, so every object schema has
//!   `additionalProperties: false`.
//! - Unsigned integers (`Last-Event-ID`, `Retry-After`) have `minimum: 0`.
//! - Text fields have the length limits of their domain types ([`LENGTHS`]); breaking one is a
//!   422 naming the field, as breaking any other rule of those types is.
//! - An operation with a body answers 413 (too large), 408 (sent too slowly) and 415 (not JSON).
//! - An event stream's schema is that of one event, as tools read it (OpenAPI 3.2 calls this
//!   `itemSchema`), not poem-openapi's array of events.
//!
//! A method the path does not have is answered 405 with `Allow`, listing the methods the
//! document gives that path ([`AllowedMethods`]).

use std::{collections::BTreeSet, sync::Arc};

use common::domain::{
    chat::MESSAGE_MAX_CHARS,
    task::{DESCRIPTION_MAX_CHARS, TITLE_MAX_CHARS},
    user::{EMAIL_MAX_CHARS, PASSWORD_MAX_CHARS},
};
use poem::{
    Endpoint, IntoResponse, Middleware, Request, Response, Result,
    http::{HeaderValue, StatusCode, header},
};
use serde_json::{Map, Value, json};

/// `(schema, property, maxLength)`: the limits the domain types check.
const LENGTHS: &[(&str, &str, usize)] = &[
    ("TaskCreate", "title", TITLE_MAX_CHARS),
    ("TaskUpdate", "title", TITLE_MAX_CHARS),
    ("TaskCreate", "description", DESCRIPTION_MAX_CHARS),
    ("TaskUpdate", "description", DESCRIPTION_MAX_CHARS),
    ("ChatIn", "message", MESSAGE_MAX_CHARS),
    ("Credentials", "email", EMAIL_MAX_CHARS),
    ("Credentials", "password", PASSWORD_MAX_CHARS),
    ("PasswordChange", "current_password", PASSWORD_MAX_CHARS),
    ("PasswordChange", "new_password", PASSWORD_MAX_CHARS),
];

/// The served document and the methods of each of its paths.
#[derive(Clone)]
pub struct Document {
    json: Arc<str>,
    paths: Arc<Vec<PathMethods>>,
}

struct PathMethods {
    template: Vec<String>,
    allow: String,
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

impl Document {
    /// Completes poem-openapi's `spec` (a JSON document) as described in the module docs.
    pub fn new(spec: &str) -> Result<Self, serde_json::Error> {
        let mut doc: Value = serde_json::from_str(spec)?;
        if let Some(schemas) = doc
            .pointer_mut("/components/schemas")
            .and_then(Value::as_object_mut)
        {
            for (schema, property, max) in LENGTHS {
                if let Some(property) = schemas
                    .get_mut(*schema)
                    .and_then(|s| s.pointer_mut(&format!("/properties/{property}")))
                    .and_then(Value::as_object_mut)
                {
                    property.insert("maxLength".to_owned(), json!(max));
                }
            }
            for schema in schemas.values_mut() {
                close_object(schema);
            }
        }
        if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
            for item in paths.values_mut().filter_map(Value::as_object_mut) {
                for operation in item.values_mut() {
                    document_body_errors(operation);
                    per_event_schema(operation);
                }
            }
        }
        unsigned_minimum(&mut doc);
        let paths = doc
            .get("paths")
            .and_then(Value::as_object)
            .map(|paths| paths.iter().map(PathMethods::of).collect())
            .unwrap_or_default();
        Ok(Self {
            json: serde_json::to_string(&doc)?.into(),
            paths: Arc::new(paths),
        })
    }

    /// The document as JSON text.
    pub fn json(&self) -> &str {
        &self.json
    }

    /// `GET /openapi.json`.
    pub fn endpoint(&self) -> impl Endpoint<Output = Response> + use<> {
        let json = self.json.clone();
        poem::endpoint::make_sync(move |_| {
            Response::builder()
                .content_type("application/json; charset=utf-8")
                .body(json.to_string())
        })
    }

    /// The methods the document gives `path` (`GET, PATCH`), if it has the path.
    pub fn allowed(&self, path: &str) -> Option<&str> {
        let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        self.paths
            .iter()
            .find(|p| {
                p.template.len() == segments.len()
                    && p.template.iter().zip(&segments).all(|(t, s)| {
                        t == s || (t.starts_with('{') && t.ends_with('}') && !s.is_empty())
                    })
            })
            .map(|p| p.allow.as_str())
    }
}

impl PathMethods {
    fn of((template, item): (&String, &Value)) -> Self {
        let mut methods: BTreeSet<String> = METHODS
            .iter()
            .filter(|m| item.get(**m).is_some())
            .map(|m| m.to_ascii_uppercase())
            .collect();
        if methods.contains("GET") {
            methods.insert("HEAD".to_owned());
        }
        Self {
            template: template.split('/').map(str::to_owned).collect(),
            allow: methods.into_iter().collect::<Vec<_>>().join(", "),
        }
    }
}

/// Marks the properties that are not required `nullable` and the object closed.
fn close_object(schema: &mut Value) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    if object.get("type").and_then(Value::as_str) != Some("object") {
        return;
    }
    let required: BTreeSet<String> = object
        .get("required")
        .and_then(Value::as_array)
        .map(|names| {
            names
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if let Some(properties) = object.get_mut("properties").and_then(Value::as_object_mut) {
        for (name, property) in properties.iter_mut() {
            if !required.contains(name) {
                make_nullable(property);
            }
        }
    }
    object
        .entry("additionalProperties")
        .or_insert(Value::Bool(false));
}

/// In OpenAPI 3.0 `nullable` beside a `$ref` is ignored, so a reference is wrapped in `allOf`.
fn make_nullable(property: &mut Value) {
    let Some(object) = property.as_object_mut() else {
        return;
    };
    if let Some(reference) = object.remove("$ref") {
        object.insert("allOf".to_owned(), json!([{ "$ref": reference }]));
    }
    // A schema with no type (any JSON value) already admits null.
    if object.contains_key("type") || object.contains_key("allOf") {
        object.insert("nullable".to_owned(), Value::Bool(true));
    }
}

fn document_body_errors(operation: &mut Value) {
    if operation.get("requestBody").is_none() {
        return;
    }
    let Some(responses) = operation
        .get_mut("responses")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for (status, description) in [
        (
            "408",
            "The body was not received within the body read timeout.",
        ),
        ("413", "The body is larger than the gateway accepts."),
        ("415", "The body is not `application/json`."),
    ] {
        responses
            .entry(status)
            .or_insert_with(|| error_response(description));
    }
}

fn per_event_schema(operation: &mut Value) {
    let Some(responses) = operation
        .get_mut("responses")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for response in responses.values_mut() {
        let Some(schema) = response.pointer_mut("/content/text~1event-stream/schema") else {
            continue;
        };
        if schema.get("format").and_then(Value::as_str) == Some("event-stream")
            && let Some(item) = schema.get("items").cloned()
        {
            *schema = item;
        }
    }
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {
            "application/json; charset=utf-8": {
                "schema": { "$ref": "#/components/schemas/ErrorBody" }
            }
        }
    })
}

/// `minimum: 0` on every unsigned integer schema of the document.
fn unsigned_minimum(value: &mut Value) {
    match value {
        Value::Object(object) => {
            if is_unsigned(object) {
                object.entry("minimum").or_insert(json!(0));
            }
            object.values_mut().for_each(unsigned_minimum);
        }
        Value::Array(items) => items.iter_mut().for_each(unsigned_minimum),
        _ => {}
    }
}

fn is_unsigned(schema: &Map<String, Value>) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("integer")
        && schema
            .get("format")
            .and_then(Value::as_str)
            .is_some_and(|format| format.starts_with("uint"))
}

/// Adds `Allow` to a 405 answer, from the [`Document`]'s paths.
pub struct AllowedMethods(pub Document);

impl<E: Endpoint> Middleware<E> for AllowedMethods {
    type Output = AllowedMethodsEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        AllowedMethodsEndpoint {
            inner,
            document: self.0.clone(),
        }
    }
}

pub struct AllowedMethodsEndpoint<E> {
    inner: E,
    document: Document,
}

impl<E: Endpoint> Endpoint for AllowedMethodsEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Response> {
        let path = req.uri().path().to_owned();
        let mut response = self.inner.call(req).await?.into_response();
        if response.status() == StatusCode::METHOD_NOT_ALLOWED
            && !response.headers().contains_key(header::ALLOW)
        {
            let allow = self.document.allowed(&path).unwrap_or("GET, HEAD");
            if let Ok(value) = HeaderValue::from_str(allow) {
                response.headers_mut().insert(header::ALLOW, value);
            }
        }
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r##"{
        "openapi": "3.0.0",
        "paths": {
            "/api/{user_id}/tasks/{task_id}": {
                "get": {"responses": {}},
                "patch": {"requestBody": {}, "responses": {"200": {}}}
            },
            "/events": {
                "get": {"responses": {"200": {"content": {"text/event-stream": {"schema": {
                    "type": "array", "format": "event-stream",
                    "items": {"$ref": "#/components/schemas/Task"}
                }}}}}}
            }
        },
        "components": {"schemas": {
            "Task": {"type": "object", "required": ["id"], "properties": {
                "id": {"type": "integer", "format": "uint64"},
                "note": {"type": "string"},
                "priority": {"$ref": "#/components/schemas/Priority"}
            }},
            "Priority": {"type": "string", "enum": ["low", "high"]}
        }}
    }"##;

    fn document() -> (Document, Value) {
        let document = Document::new(SPEC).expect("a JSON document");
        let value = serde_json::from_str(&document.json).expect("JSON out");
        (document, value)
    }

    #[test]
    fn optional_properties_are_nullable_and_objects_closed() {
        let (_, doc) = document();
        let task = &doc["components"]["schemas"]["Task"];
        assert_eq!(task["additionalProperties"], json!(false));
        assert_eq!(task["properties"]["note"]["nullable"], json!(true));
        assert_eq!(
            task["properties"]["priority"],
            json!({"allOf": [{"$ref": "#/components/schemas/Priority"}], "nullable": true})
        );
        assert_eq!(task["properties"]["id"].get("nullable"), None);
        assert_eq!(task["properties"]["id"]["minimum"], json!(0));
        assert_eq!(
            doc["components"]["schemas"]["Priority"].get("additionalProperties"),
            None
        );
    }

    #[test]
    fn operations_with_a_body_document_its_errors() {
        let (_, doc) = document();
        let item = &doc["paths"]["/api/{user_id}/tasks/{task_id}"];
        for status in ["408", "413", "415"] {
            assert!(item["patch"]["responses"].get(status).is_some(), "{status}");
            assert!(item["get"]["responses"].get(status).is_none(), "{status}");
        }
    }

    #[test]
    fn an_event_stream_is_described_by_its_event() {
        let (_, doc) = document();
        assert_eq!(
            doc["paths"]["/events"]["get"]["responses"]["200"]["content"]["text/event-stream"]["schema"],
            json!({"$ref": "#/components/schemas/Task"})
        );
    }

    #[test]
    fn allowed_methods_follow_the_path_templates() {
        let (document, _) = document();
        assert_eq!(
            document.allowed("/api/u1/tasks/7"),
            Some("GET, HEAD, PATCH")
        );
        assert_eq!(
            document.allowed("/api/u1/tasks/7/"),
            Some("GET, HEAD, PATCH")
        );
        assert_eq!(document.allowed("/api/u1/tasks"), None);
        assert_eq!(document.allowed("/api/u1/tasks//"), None);
    }
}
