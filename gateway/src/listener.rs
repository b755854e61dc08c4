//! The gateway's TCP acceptor: poem's, with Nagle's algorithm turned off on every
//! connection. Streamed replies are many small writes; with Nagle on, each one after the
//! first waits for the client's delayed ACK (40 ms on Linux), which the load harness
//! measured as ~40 ms added to every streamed turn.

use poem::{
    http::uri::Scheme,
    listener::{Acceptor, TcpAcceptor},
    web::{LocalAddr, RemoteAddr},
};
use tokio::net::TcpStream;

/// [`TcpAcceptor`] with `TCP_NODELAY` on each accepted connection.
pub struct NoDelayAcceptor(pub TcpAcceptor);

impl Acceptor for NoDelayAcceptor {
    type Io = TcpStream;

    fn local_addr(&self) -> Vec<LocalAddr> {
        self.0.local_addr()
    }

    async fn accept(&mut self) -> std::io::Result<(TcpStream, LocalAddr, RemoteAddr, Scheme)> {
        let (io, local, remote, scheme) = self.0.accept().await?;
        if let Err(e) = io.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
        Ok((io, local, remote, scheme))
    }
}
