//! Webhooks end to end: endpoints managed over HTTP, deliveries received by
//! a real receiver on 127.0.0.1, signatures checked by our own code and by
//! the `standardwebhooks` library, retries on a short schedule driven by
//! the fake clock, SSRF refusals, the event log, and real `stint` processes
//! crashing and sharing work.

mod crud;
mod delivery;
mod events_api;
mod failures;
mod processes;
mod ssrf;

use std::future::Future;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::fixtures::OrgFixture;
use crate::support::receiver::Received;
use crate::support::{Backend, TestApp};

/// Settings of every webhook test: deliver to 127.0.0.1, poll often, retry
/// after a second (of the fake clock), allow many webhooks.
pub const SETTINGS: &[(&str, &str)] = &[
    ("webhooks.allow_private_targets", "true"),
    ("webhooks.poll_interval", "25ms"),
    ("webhooks.retry_schedule", "1s,1s,1s"),
    ("webhooks.timeout", "5s"),
    ("plans.free.max_webhooks", "50"),
    // Tests move the fake clock by hours; keep the owner signed in.
    ("auth.access_token_ttl", "3650d"),
];

/// How long a test waits for something the worker should do at once.
pub const SOON: Duration = Duration::from_secs(15);

pub async fn spawn(backend: Backend) -> TestApp {
    spawn_with(backend, &[]).await
}

/// A test server with `SETTINGS` and then `extra` (later keys win).
pub async fn spawn_with(backend: Backend, extra: &[(&str, &str)]) -> TestApp {
    let mut all: Vec<(&str, &str)> = SETTINGS.to_vec();
    all.extend_from_slice(extra);
    TestApp::spawn_with(backend, &all).await
}

/// A created webhook: (id, secret).
pub async fn create_webhook(
    app: &TestApp,
    org: &OrgFixture,
    url: &str,
    events: &[&str],
) -> (String, String) {
    let resp = app
        .post("/api/v1/webhooks")
        .bearer(&org.owner.access)
        .json(&json!({"url": url, "events": events}))
        .expect(201)
        .await;
    (resp.str("/data/id"), resp.str("/data/secret"))
}

pub async fn create_client(app: &TestApp, org: &OrgFixture, name: &str) -> String {
    app.post("/api/v1/clients")
        .bearer(&org.owner.access)
        .json(&json!({"name": name}))
        .expect(201)
        .await
        .str("/data/id")
}

/// Every delivery of a webhook (first page of 1000).
pub async fn deliveries(app: &TestApp, org: &OrgFixture, webhook: &str) -> Vec<Value> {
    app.get(&format!("/api/v1/webhooks/{webhook}/deliveries?limit=1000"))
        .bearer(&org.owner.access)
        .expect(200)
        .await
        .data()
        .as_array()
        .unwrap()
        .clone()
}

/// Polls `check` until it answers `Some`, or panics naming `what`.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + SOON;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Waits until the webhook's deliveries satisfy `done`, and answers them.
pub async fn deliveries_when(
    app: &TestApp,
    org: &OrgFixture,
    webhook: &str,
    what: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    eventually(what, || async {
        let list = deliveries(app, org, webhook).await;
        done(&list).then_some(list)
    })
    .await
}

/// Waits until the webhook's deliveries have `n` recorded attempts in all
/// (a receiver seeing a request does not mean its outcome is recorded yet;
/// move the fake clock only after it is).
pub async fn attempts_recorded(
    app: &TestApp,
    org: &OrgFixture,
    webhook: &str,
    n: i64,
) -> Vec<Value> {
    deliveries_when(app, org, webhook, &format!("{n} recorded attempts"), |d| {
        d.iter()
            .map(|x| x["attempt_count"].as_i64().unwrap())
            .sum::<i64>()
            == n
    })
    .await
}

/// Our own check of a Standard Webhooks signature header: one of its
/// `v1,` signatures is the HMAC of `id.timestamp.body` under `secret`.
pub fn signed_by(received: &Received, secret: &str) -> bool {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use hmac::{KeyInit, Mac};
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    mac.update(
        format!(
            "{}.{}.{}",
            received.header("webhook-id"),
            received.header("webhook-timestamp"),
            received.body
        )
        .as_bytes(),
    );
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    received
        .header("webhook-signature")
        .split(' ')
        .any(|s| s == expected)
}

/// Verifies deliveries with the official `standardwebhooks` Python package:
/// `(received, secret, should_verify)`. Without the package the check is
/// skipped with a notice, unless `STINT_TEST_REQUIRE_EXTERNAL=1` (CI).
pub fn verify_with_standardwebhooks(cases: &[(&Received, &str, bool)]) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/webhooks/verify_signatures.py");
    let input: Vec<Value> = cases
        .iter()
        .map(|(r, secret, expect)| {
            json!({"secret": secret, "headers": r.headers, "body": r.body, "expect": expect})
        })
        .collect();
    let required = std::env::var("STINT_TEST_REQUIRE_EXTERNAL").is_ok_and(|v| v == "1");
    let child = Command::new("python3")
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) if !required => {
            eprintln!("notice: python3 is not available ({e}); standardwebhooks check skipped");
            return;
        }
        Err(e) => panic!("python3 is required (STINT_TEST_REQUIRE_EXTERNAL=1): {e}"),
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(serde_json::to_string(&input).unwrap().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(0) => {}
        Some(3) if !required => {
            eprintln!(
                "notice: the standardwebhooks Python package is not installed (pip install standardwebhooks); check skipped"
            );
        }
        _ => panic!(
            "standardwebhooks did not verify our deliveries as expected:\n{}{stderr}",
            String::from_utf8_lossy(&out.stdout)
        ),
    }
}
