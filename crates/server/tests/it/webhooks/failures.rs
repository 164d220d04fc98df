//! When receivers fail: retries on the schedule (driven by the fake clock),
//! exactly one success recorded, exhaustion, timeouts, refused connections,
//! redirects that are not followed, and an endpoint disabled after failing
//! for `webhooks.disable_after` — with its `webhook.disabled` event.

use std::time::Duration;

use serde_json::{Value, json};

use super::{SOON, create_client, create_webhook, deliveries_when, spawn, spawn_with};
use crate::both_backends;
use crate::support::Backend;
use crate::support::receiver::{Receiver, Reply};

both_backends!(
    two_failures_then_success_records_one_success,
    timeouts_refusals_and_redirects_are_failed_attempts,
    an_endpoint_failing_for_disable_after_is_disabled,
);

async fn two_failures_then_success_records_one_success(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Retry").await;
    let receiver = Receiver::start().await;
    receiver.script(&[Reply::Status(500), Reply::Status(500)]);
    let (webhook, _) = create_webhook(&app, &org, &receiver.url("/"), &["client.created"]).await;
    create_client(&app, &org, "Acme").await;

    let pending = super::attempts_recorded(&app, &org, &webhook, 1).await;
    assert_eq!(pending[0]["status"], "pending");
    assert!(pending[0]["next_attempt_at"].is_string());
    // The retry is due a second (plus jitter) later on the fake clock.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(receiver.count(), 1, "retried before it was due");
    app.advance(chrono::Duration::seconds(2));
    super::attempts_recorded(&app, &org, &webhook, 2).await;
    app.advance(chrono::Duration::seconds(2));
    receiver.wait_for(3, SOON).await;

    let done = deliveries_when(&app, &org, &webhook, "success", |d| {
        d[0]["status"] == "succeeded"
    })
    .await;
    assert_eq!(done.len(), 1);
    let delivery = &done[0];
    assert_eq!(delivery["attempt_count"], 3);
    assert_eq!(delivery["next_attempt_at"], Value::Null);
    assert!(delivery["completed_at"].is_string());
    let codes: Vec<&Value> = delivery["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["status_code"])
        .collect();
    assert_eq!(codes, [&json!(500), &json!(500), &json!(200)]);
    let attempts = delivery["attempts"].as_array().unwrap();
    assert_eq!(attempts[0]["error"], "HTTP 500");
    assert_eq!(attempts[0]["response_body"], "receiver says 500");
    assert_eq!(attempts[2]["error"], Value::Null);
    let successes = attempts
        .iter()
        .filter(|a| {
            a["status_code"]
                .as_i64()
                .is_some_and(|c| (200..300).contains(&c))
        })
        .count();
    assert_eq!(successes, 1);
    // Nothing more is sent once it succeeded, however time moves.
    app.advance(chrono::Duration::hours(1));
    receiver
        .assert_no_more_than(3, Duration::from_millis(300))
        .await;
    let got = receiver.received();
    assert!(
        got.iter()
            .all(|r| r.header("webhook-id") == got[0].header("webhook-id"))
    );
}

async fn timeouts_refusals_and_redirects_are_failed_attempts(backend: Backend) {
    let app = spawn_with(
        backend,
        &[
            ("webhooks.timeout", "300ms"),
            ("webhooks.lease", "10s"),
            ("webhooks.retry_schedule", "1h"),
        ],
    )
    .await;
    let org = app.signup("Broken").await;
    let receiver = Receiver::start().await;
    receiver.set_default(Reply::Delay(Duration::from_secs(3), 200));
    let (slow, _) = create_webhook(&app, &org, &receiver.url("/slow"), &["client.created"]).await;
    let (redirect, _) =
        create_webhook(&app, &org, &receiver.url("/redirect"), &["client.created"]).await;
    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_port = closed.local_addr().unwrap().port();
    drop(closed);
    let (refused, _) = create_webhook(
        &app,
        &org,
        &format!("http://127.0.0.1:{closed_port}/"),
        &["client.created"],
    )
    .await;
    create_client(&app, &org, "Acme").await;

    let attempt = |list: &[Value]| list[0]["attempts"][0].clone();
    let timed_out = deliveries_when(&app, &org, &slow, "a timed-out attempt", |d| {
        d.len() == 1 && d[0]["attempt_count"] == 1
    })
    .await;
    let a = attempt(&timed_out);
    assert_eq!(a["status_code"], Value::Null);
    assert!(a["error"].as_str().unwrap().contains("timed out"), "{a}");
    assert!(a["latency_ms"].as_i64().unwrap() >= 300);
    assert_eq!(timed_out[0]["status"], "pending");

    let moved = deliveries_when(&app, &org, &redirect, "a redirected attempt", |d| {
        d.len() == 1 && d[0]["attempt_count"] == 1
    })
    .await;
    let a = attempt(&moved);
    assert_eq!(a["status_code"], 302);
    assert!(a["error"].as_str().unwrap().contains("redirect"), "{a}");
    assert_eq!(moved[0]["status"], "pending");
    assert!(
        receiver
            .received()
            .iter()
            .all(|r| r.path != "/redirect-target"),
        "the redirect was followed"
    );

    let no_one = deliveries_when(&app, &org, &refused, "a refused connection", |d| {
        d.len() == 1 && d[0]["attempt_count"] == 1
    })
    .await;
    let a = attempt(&no_one);
    assert_eq!(a["status_code"], Value::Null);
    assert!(a["error"].as_str().unwrap().contains("connect"), "{a}");
}

async fn an_endpoint_failing_for_disable_after_is_disabled(backend: Backend) {
    let app = spawn_with(
        backend,
        &[
            ("webhooks.disable_after", "1h"),
            ("webhooks.retry_schedule", "40m,40m,40m,40m"),
        ],
    )
    .await;
    let org = app.signup("Failing").await;
    let receiver = Receiver::start().await;
    receiver.set_default(Reply::Status(500));
    let (webhook, _) = create_webhook(&app, &org, &receiver.url("/"), &["client.*"]).await;
    let watch = Receiver::start().await;
    let (watcher, _) = create_webhook(&app, &org, &watch.url("/watch"), &["webhook.*"]).await;
    create_client(&app, &org, "Acme").await;
    super::attempts_recorded(&app, &org, &webhook, 1).await;
    // 45 minutes later the retry fails too: failing for less than an hour.
    app.advance(chrono::Duration::minutes(45));
    super::attempts_recorded(&app, &org, &webhook, 2).await;
    let still = app
        .get(&format!("/api/v1/webhooks/{webhook}"))
        .bearer(&org.owner.access)
        .expect(200)
        .await;
    assert_eq!(still.data()["enabled"], true);
    // Another 45 minutes: failing for 90 minutes, so it is switched off.
    app.advance(chrono::Duration::minutes(45));
    let off = super::eventually("the webhook to be disabled", || async {
        let resp = app
            .get(&format!("/api/v1/webhooks/{webhook}"))
            .bearer(&org.owner.access)
            .expect(200)
            .await;
        (resp.data()["enabled"] == false).then_some(resp)
    })
    .await;
    let reason = off.data()["disabled_reason"].as_str().unwrap();
    assert!(
        reason.contains("failed") && reason.contains("HTTP 500"),
        "{reason}"
    );
    assert!(off.data()["disabled_at"].is_string());

    let disabled: Vec<(String, Value)> = app
        .events(&org)
        .await
        .into_iter()
        .filter(|(t, _)| t == "webhook.disabled")
        .collect();
    assert_eq!(disabled.len(), 1);
    let data = &disabled[0].1;
    assert_eq!(data["object"]["id"], webhook.as_str());
    assert_eq!(data["object"]["enabled"], false);
    assert_eq!(data["previous_attributes"]["enabled"], true);
    assert_eq!(data["previous_attributes"]["disabled_reason"], Value::Null);
    let log = app
        .get("/api/v1/events?type=webhook.disabled")
        .bearer(&org.owner.access)
        .expect(200)
        .await;
    assert_eq!(log.data().as_array().unwrap().len(), 1);
    // Another webhook subscribed to webhook events is told.
    super::eventually("webhook.disabled delivered to the watcher", || async {
        watch
            .received()
            .iter()
            .any(|r| r.path == "/watch" && r.json()["type"] == "webhook.disabled")
            .then_some(())
    })
    .await;
    let watcher_state = app
        .get(&format!("/api/v1/webhooks/{watcher}"))
        .bearer(&org.owner.access)
        .expect(200)
        .await;
    assert_eq!(watcher_state.data()["enabled"], true);

    // While disabled nothing is sent to it, and new events make no deliveries.
    let sent = receiver.received().iter().filter(|r| r.path == "/").count();
    create_client(&app, &org, "Beta").await;
    app.advance(chrono::Duration::hours(3));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        receiver.received().iter().filter(|r| r.path == "/").count(),
        sent
    );
    let list = super::deliveries(&app, &org, &webhook).await;
    assert_eq!(list.len(), 1);

    // Switched back on: the reason is cleared and the waiting retry resumes.
    receiver.set_default(Reply::Status(200));
    let on = app
        .patch(&format!("/api/v1/webhooks/{webhook}"))
        .bearer(&org.owner.access)
        .json(&json!({"enabled": true}))
        .expect(200)
        .await;
    assert_eq!(on.data()["disabled_reason"], Value::Null);
    assert_eq!(on.data()["disabled_at"], Value::Null);
    deliveries_when(
        &app,
        &org,
        &webhook,
        "the waiting delivery to succeed",
        |d| d[0]["status"] == "succeeded",
    )
    .await;
}
