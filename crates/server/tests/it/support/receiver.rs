//! A real webhook receiver on 127.0.0.1 for the tests: a small axum server
//! that records every request (path, headers, raw body) and answers from a
//! script of replies, then with a default reply. `/redirect` always answers
//! 302 to `/redirect-target`, so tests can check redirects are not followed.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::Notify;

/// How the receiver answers one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// This status with a short body.
    Status(u16),
    /// Wait, then answer with the status.
    Delay(Duration, u16),
    /// Never answer (until the client gives up or dies).
    Hang,
}

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HashMap<String, String>,
    pub body: String,
    pub at: Instant,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(String::as_str)
            .unwrap_or_default()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }
}

#[derive(Default)]
struct Shared {
    received: Mutex<Vec<Received>>,
    script: Mutex<VecDeque<Reply>>,
    default: Mutex<Option<Reply>>,
    arrived: Notify,
}

/// The running receiver; it stops with the test's runtime.
pub struct Receiver {
    pub port: u16,
    shared: Arc<Shared>,
}

impl Receiver {
    /// Starts answering 200 to everything.
    pub async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind receiver");
        Self::serve(listener)
    }

    /// Starts on a given port (to come back up where a crashed test left it).
    pub async fn start_on(port: u16) -> Receiver {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind receiver");
        Self::serve(listener)
    }

    fn serve(listener: tokio::net::TcpListener) -> Receiver {
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared::default());
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(shared.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { port, shared }
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The next requests get these replies, in order.
    pub fn script(&self, replies: &[Reply]) {
        self.shared
            .script
            .lock()
            .unwrap()
            .extend(replies.iter().cloned());
    }

    /// Requests beyond the script get this reply (200 until set).
    pub fn set_default(&self, reply: Reply) {
        *self.shared.default.lock().unwrap() = Some(reply);
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.shared.received.lock().unwrap().len()
    }

    /// Waits until at least `n` requests arrived; panics after `within`.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        let deadline = Instant::now() + within;
        loop {
            let notified = self.shared.arrived.notified();
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "the receiver got {} requests, expected {n}: {:?}",
                got.len(),
                got.iter()
                    .map(|r| (&r.path, r.body.as_str()))
                    .collect::<Vec<_>>()
            );
            let _ = tokio::time::timeout(left.min(Duration::from_millis(100)), notified).await;
        }
    }

    /// Asserts nothing more than `n` requests arrive during `quiet`.
    pub async fn assert_no_more_than(&self, n: usize, quiet: Duration) {
        tokio::time::sleep(quiet).await;
        let got = self.received();
        assert!(
            got.len() <= n,
            "the receiver got {} requests, expected at most {n}",
            got.len()
        );
    }
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    shared.received.lock().unwrap().push(Received {
        path: uri
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect(),
        body: String::from_utf8_lossy(&body).into_owned(),
        at: Instant::now(),
    });
    shared.arrived.notify_waiters();
    if path == "/redirect" {
        return (
            StatusCode::FOUND,
            [(header::LOCATION, "/redirect-target")],
            "moved",
        )
            .into_response();
    }
    let reply = {
        let next = shared.script.lock().unwrap().pop_front();
        next.or_else(|| shared.default.lock().unwrap().clone())
            .unwrap_or(Reply::Status(200))
    };
    match reply {
        Reply::Status(code) => status(code),
        Reply::Delay(wait, code) => {
            tokio::time::sleep(wait).await;
            status(code)
        }
        Reply::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            status(200)
        }
    }
}

fn status(code: u16) -> Response {
    let status = StatusCode::from_u16(code).unwrap();
    (status, format!("receiver says {code}")).into_response()
}
