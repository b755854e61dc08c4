//! The HTTP server: hyper, serving the poem endpoint, with the limits a gateway facing the
//! internet needs and poem's own server does not set. A client must send a request's head
//! within `HEADER_READ_TIMEOUT` (also between requests on a kept-alive connection: an idle
//! connection is closed then); an HTTP/2 connection carries at most `HTTP2_MAX_STREAMS`
//! requests at once; one client address holds at most `MAX_CONNECTIONS_PER_ADDRESS`
//! connections and the gateway `MAX_CONNECTIONS` (a connection past either is closed at
//! once). Bodies are read within `BODY_READ_TIMEOUT` ([`crate::middleware::BodyRead`]).
//! Slow clients (one byte every few seconds, "slowloris") and idle ones so cost a bounded
//! number of connections for a bounded time.

use std::{
    collections::HashMap,
    convert::Infallible,
    future::Future,
    net::{IpAddr, SocketAddr},
    sync::{Arc, Mutex},
    time::Duration,
};

use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::{conn::auto, graceful::GracefulShutdown},
};
use poem::{
    Endpoint,
    endpoint::BoxEndpoint,
    http::uri::Scheme,
    web::{LocalAddr, RemoteAddr},
};
use tokio::net::TcpListener;

use crate::client::TrustedProxies;

/// The connection limits (see the module docs).
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    pub header_read_timeout: Duration,
    pub http2_max_streams: u32,
    pub max_connections: usize,
    pub max_connections_per_address: usize,
}

/// Open connections, in all and per client address.
#[derive(Default)]
struct Open {
    total: usize,
    per_address: HashMap<IpAddr, usize>,
}

/// A connection counted in [`Open`], uncounted when it drops.
struct Counted {
    open: Arc<Mutex<Open>>,
    address: Option<IpAddr>,
}

impl Drop for Counted {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.total = open.total.saturating_sub(1);
        if let Some(address) = self.address
            && let Some(count) = open.per_address.get_mut(&address)
        {
            *count -= 1;
            if *count == 0 {
                open.per_address.remove(&address);
            }
        }
    }
}

/// Counts a new connection from `peer`, or refuses it (`None`) past a limit. A trusted
/// proxy's address is not limited per address: every client behind it shares it.
fn admit(
    open: &Arc<Mutex<Open>>,
    peer: IpAddr,
    limits: &ConnectionLimits,
    proxies: &TrustedProxies,
) -> Option<Counted> {
    let mut state = open.lock().unwrap_or_else(|e| e.into_inner());
    if state.total >= limits.max_connections {
        return None;
    }
    let address = (!proxies.trusts(peer)).then_some(peer);
    if let Some(address) = address {
        let count = state.per_address.entry(address).or_default();
        if *count >= limits.max_connections_per_address {
            return None;
        }
        *count += 1;
    }
    state.total += 1;
    Some(Counted {
        open: open.clone(),
        address,
    })
}

/// Serves `endpoint` on `listener` until `shutdown` resolves, then lets open requests finish
/// for up to `grace`.
pub async fn serve(
    listener: TcpListener,
    endpoint: BoxEndpoint<'static>,
    (limits, proxies): (ConnectionLimits, Arc<TrustedProxies>),
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) -> std::io::Result<()> {
    let endpoint = Arc::new(endpoint);
    let local = listener.local_addr()?;
    let open = Arc::new(Mutex::new(Open::default()));
    let graceful = GracefulShutdown::new();
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(limits.http2_max_streams)
        .keep_alive_interval(Duration::from_secs(30));
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, say: wait a moment instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(counted) = admit(&open, peer.ip(), &limits, &proxies) else {
            tracing::debug!(%peer, "connection refused: over the connection limits");
            metrics::counter!("taskwire_http_connections_refused_total").increment(1);
            drop(stream);
            continue;
        };
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
        let endpoint = endpoint.clone();
        let (builder, watcher) = (builder.clone(), graceful.watcher());
        let first_byte = limits.header_read_timeout;
        tokio::spawn(async move {
            let _counted = counted;
            // hyper waits for the first bytes (to tell HTTP/1 from HTTP/2) without a timeout:
            // a client that connects and sends nothing is cut off here.
            let mut probe = [0u8; 1];
            match tokio::time::timeout(first_byte, stream.peek(&mut probe)).await {
                Ok(Ok(n)) if n > 0 => {}
                _ => return,
            }
            let service = hyper::service::service_fn(move |req| {
                respond(endpoint.clone(), (local, peer), req)
            });
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            if let Err(e) = watcher.watch(connection.into_owned()).await {
                tracing::debug!(error = %e, %peer, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            ?grace,
            "connections still open after the shutdown grace; closing them"
        );
    }
    Ok(())
}

/// Answers one request of the connection from `peer` with the poem endpoint.
async fn respond(
    endpoint: Arc<BoxEndpoint<'static>>,
    (local, peer): (SocketAddr, SocketAddr),
    req: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<Body>, Infallible> {
    let req = poem::Request::from((
        req,
        LocalAddr(poem::Addr::SocketAddr(local)),
        RemoteAddr(poem::Addr::SocketAddr(peer)),
        Scheme::HTTP,
    ));
    Ok(endpoint.get_response(req).await.into())
}

/// A response body as poem makes them.
type Body = http_body_util::combinators::BoxBody<bytes::Bytes, std::io::Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_are_limited_per_address_and_in_all_but_not_for_proxies() {
        let limits = ConnectionLimits {
            header_read_timeout: Duration::from_secs(1),
            http2_max_streams: 10,
            max_connections: 3,
            max_connections_per_address: 2,
        };
        let proxies = TrustedProxies::parse(&["10.0.0.1".into()]).expect("parses");
        let open = Arc::new(Mutex::new(Open::default()));
        let a: IpAddr = "192.0.2.1".parse().expect("ip");
        let proxy: IpAddr = "10.0.0.1".parse().expect("ip");
        let first = admit(&open, a, &limits, &proxies).expect("first");
        let _second = admit(&open, a, &limits, &proxies).expect("second");
        assert!(admit(&open, a, &limits, &proxies).is_none(), "per address");
        let _third = admit(&open, proxy, &limits, &proxies).expect("a proxy's");
        assert!(admit(&open, proxy, &limits, &proxies).is_none(), "in all");
        drop(first);
        assert!(
            admit(&open, a, &limits, &proxies).is_some(),
            "a closed one frees its place"
        );
    }
}
