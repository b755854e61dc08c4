//! A JSON response body written straight from its value with serde.
//!
//! poem-openapi's `Json` first turns the whole body into a `serde_json::Value` tree
//! (`ToJSON`), then writes the tree: a map, a key string and a value per field. For a page of
//! 50 tasks that tree was a fifth of the gateway's CPU per list request (perf, bench
//! scenario 4). [`JsonBody`] documents the same schema (the type's `poem_openapi::Type`) and
//! writes the body with the type's `serde::Serialize`, which must agree with its `ToJSON`;
//! each type sent this way has a test that they do.

use poem::{IntoResponse, Response};
use poem_openapi::{
    ApiResponse,
    payload::Payload,
    registry::{MetaMediaType, MetaResponse, MetaResponses, MetaSchemaRef, Registry},
    types::Type,
};
use serde::Serialize;

use crate::error::ApiError;

/// A JSON body serialised with serde, documented with its poem-openapi schema.
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<T: Type> Payload for JsonBody<T> {
    const CONTENT_TYPE: &'static str = "application/json; charset=utf-8";

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Type + Serialize + Send> IntoResponse for JsonBody<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.0) {
            Ok(body) => Response::builder()
                .content_type(<Self as Payload>::CONTENT_TYPE)
                .body(body),
            Err(e) => {
                ApiError::internal(format!("response body not serialisable: {e}")).into_response()
            }
        }
    }
}

impl<T: Type + Serialize + Send> ApiResponse for JsonBody<T> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: "",
                status: Some(200),
                status_range: None,
                content: vec![MetaMediaType {
                    content_type: <Self as Payload>::CONTENT_TYPE,
                    schema: <Self as Payload>::schema_ref(),
                }],
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

/// Timestamps as poem-openapi's `ToJSON` writes them (`to_rfc3339`: `+00:00`, not `Z`), for
/// `#[serde(serialize_with = …)]` on fields sent in a [`JsonBody`].
pub fn rfc3339<S: serde::Serializer>(
    at: &chrono::DateTime<chrono::Utc>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&at.to_rfc3339())
}

/// [`rfc3339`] for an optional timestamp (`null` when absent).
pub fn rfc3339_opt<S: serde::Serializer>(
    at: &Option<chrono::DateTime<chrono::Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => rfc3339(at, serializer),
        None => serializer.serialize_none(),
    }
}
