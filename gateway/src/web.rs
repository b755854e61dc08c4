//! The web chat page: `gateway/web/` embedded in the binary (no separate web server, no build
//! step), served at `/` and `/static/…` with a strict Content-Security-Policy and the other
//! usual security headers. Everything the page runs or styles comes from those files, so the
//! policy allows no inline script or style at all.

use poem::{
    Endpoint, EndpointExt, IntoResponse, Middleware, Request, Response, Result,
    endpoint::{BoxEndpoint, EmbeddedFileEndpoint, EmbeddedFilesEndpoint},
    middleware::SetHeader,
};

/// The page's files, compiled into the gateway.
#[derive(rust_embed::RustEmbed)]
#[folder = "web/"]
pub struct WebAssets;

/// The policy: only this origin, no inline code, no framing, no plugins.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

fn security_headers() -> SetHeader {
    SetHeader::new()
        .overriding("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .overriding("X-Content-Type-Options", "nosniff")
        .overriding("Referrer-Policy", "no-referrer")
        .overriding("X-Frame-Options", "DENY")
        .overriding("Cross-Origin-Opener-Policy", "same-origin")
        .overriding(
            "Permissions-Policy",
            "camera=(), microphone=(), geolocation=()",
        )
        // Small files, and a new gateway may bring new ones: revalidate (ETag) every time.
        .overriding("Cache-Control", "no-cache")
}

/// `GET /`: the page.
pub fn page() -> impl Endpoint + 'static {
    EmbeddedFileEndpoint::<WebAssets>::new("index.html").with(security_headers())
}

/// Serves [`page`] at exactly `/` in front of `inner`. A `Route` cannot: the API, nested at
/// `/`, also claims the bare `/`.
pub struct PageAtRoot;

impl<E: Endpoint + 'static> Middleware<E> for PageAtRoot {
    type Output = PageAtRootEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        PageAtRootEndpoint {
            inner,
            page: page().map_to_response().boxed(),
        }
    }
}

/// The endpoint of [`PageAtRoot`].
pub struct PageAtRootEndpoint<E> {
    inner: E,
    page: BoxEndpoint<'static>,
}

impl<E: Endpoint> Endpoint for PageAtRootEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Self::Output> {
        if req.uri().path() == "/" {
            self.page.call(req).await
        } else {
            self.inner.call(req).await.map(IntoResponse::into_response)
        }
    }
}

/// `GET /static/{file}`: its script and style sheet.
pub fn assets() -> impl Endpoint + 'static {
    EmbeddedFilesEndpoint::<WebAssets>::new().with(security_headers())
}
