//! Request body size limit that also covers bodies sent without `Content-Length`
//! (poem's `SizeLimit` refuses those outright).

use poem::{
    Body, Endpoint, Middleware, Request, Result,
    http::StatusCode,
    web::headers::{self, HeaderMapExt},
};

/// Answers 413 to bodies larger than `max_bytes`.
pub struct BodyLimit {
    pub max_bytes: usize,
}

impl<E: Endpoint> Middleware<E> for BodyLimit {
    type Output = BodyLimitEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        BodyLimitEndpoint {
            inner,
            max_bytes: self.max_bytes,
        }
    }
}

pub struct BodyLimitEndpoint<E> {
    inner: E,
    max_bytes: usize,
}

fn too_large(max: usize) -> poem::Error {
    poem::Error::from_string(
        format!("request body larger than {max} bytes"),
        StatusCode::PAYLOAD_TOO_LARGE,
    )
}

impl<E: Endpoint> Endpoint for BodyLimitEndpoint<E> {
    type Output = E::Output;

    async fn call(&self, mut req: Request) -> Result<Self::Output> {
        match req.headers().typed_get::<headers::ContentLength>() {
            Some(len) if len.0 > self.max_bytes as u64 => return Err(too_large(self.max_bytes)),
            Some(_) => {}
            None => {
                // Chunked or unsized body: read at most the limit, then hand it on.
                let bytes = req
                    .take_body()
                    .into_bytes_limit(self.max_bytes)
                    .await
                    .map_err(|e| match e {
                        poem::error::ReadBodyError::PayloadTooLarge => too_large(self.max_bytes),
                        other => {
                            poem::Error::from_string(other.to_string(), StatusCode::BAD_REQUEST)
                        }
                    })?;
                req.set_body(Body::from_bytes(bytes));
            }
        }
        self.inner.call(req).await
    }
}
