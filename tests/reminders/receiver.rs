//! A webhook receiver on a free port: records every POST (its notification id, whether its
//! signature verifies against the secret it is told), and answers 500 to the first failures
//! it is told to.

use std::sync::{Arc, Mutex};

use poem::{
    EndpointExt, Request, Route, Server, handler,
    http::StatusCode,
    listener::{Acceptor, Listener, TcpListener},
    web::{Data, Json},
};
use tokio::sync::watch;

/// One POST received.
#[derive(Debug, Clone)]
pub struct Received {
    pub notification_id: String,
    pub signed: bool,
    pub body: serde_json::Value,
}

#[derive(Default)]
struct State {
    secret: Mutex<String>,
    fail_first: Mutex<usize>,
    received: Mutex<Vec<Received>>,
}

/// A running receiver.
pub struct Receiver {
    pub url: String,
    state: Arc<State>,
    count: watch::Receiver<usize>,
    _server: tokio::task::JoinHandle<()>,
}

#[handler]
async fn hook(
    req: &Request,
    body: poem::Body,
    state: Data<&Arc<State>>,
    count: Data<&Arc<watch::Sender<usize>>>,
) -> (StatusCode, Json<serde_json::Value>) {
    let bytes = body.into_vec().await.unwrap_or_default();
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let secret = state.secret.lock().expect("lock").clone();
    let signed = common::notifications::verify(&secret, &header("Taskwire-Signature"), &bytes);
    let received = Received {
        notification_id: header("Taskwire-Notification-Id"),
        signed,
        body: serde_json::from_slice(&bytes).unwrap_or_default(),
    };
    state.received.lock().expect("lock").push(received);
    count.send_modify(|n| *n += 1);
    let mut fail = state.fail_first.lock().expect("lock");
    if *fail > 0 {
        *fail -= 1;
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(serde_json::json!({})),
        );
    }
    (StatusCode::OK, Json(serde_json::json!({"ok": true})))
}

impl Receiver {
    /// Starts a receiver that fails its first `fail_first` POSTs.
    pub async fn start(fail_first: usize) -> Self {
        let acceptor = TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .expect("receiver binds");
        let addr = acceptor
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().copied())
            .expect("receiver address");
        let state = Arc::new(State::default());
        *state.fail_first.lock().expect("lock") = fail_first;
        let (tx, count) = watch::channel(0);
        let app = Route::new()
            .at("/hook", poem::post(hook))
            .data(state.clone())
            .data(Arc::new(tx));
        let server = tokio::spawn(async move {
            let _ = Server::new_with_acceptor(acceptor).run(app).await;
        });
        Self {
            url: format!("http://{addr}/hook"),
            state,
            count,
            _server: server,
        }
    }

    /// Verifies signatures with `secret` from now on.
    pub fn set_secret(&self, secret: &str) {
        *self.state.secret.lock().expect("lock") = secret.to_owned();
    }

    /// Waits (bounded) until `n` POSTs arrived.
    pub async fn wait_for(&self, n: usize) {
        let mut count = self.count.clone();
        tokio::time::timeout(
            std::time::Duration::from_secs(60),
            count.wait_for(|c| *c >= n),
        )
        .await
        .unwrap_or_else(|_| panic!("{n} webhook POSTs within 60 s"))
        .expect("receiver running");
    }

    /// Every POST so far.
    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().expect("lock").clone()
    }
}
