//! Deliveries as a receiver sees them: the Standard Webhooks body and
//! headers, signatures (also verified by the `standardwebhooks` library,
//! during a secret rotation too), test events, manual retries, replays,
//! event order, and a slow receiver that holds back nobody else.

use std::time::Duration;

use serde_json::{Value, json};
use stint_core::Clock;

use super::{
    SOON, create_client, create_webhook, deliveries_when, signed_by, spawn, spawn_with,
    verify_with_standardwebhooks,
};
use crate::both_backends;
use crate::support::Backend;
use crate::support::receiver::{Receiver, Reply};

both_backends!(
    deliveries_are_signed_and_verified_by_standardwebhooks,
    test_event_goes_to_that_webhook_only,
    manual_retry_and_replay_resend_with_the_same_id,
    deliveries_follow_event_order,
    a_slow_receiver_holds_back_no_other,
);

async fn deliveries_are_signed_and_verified_by_standardwebhooks(backend: Backend) {
    let app = spawn(backend).await;
    // The library checks `webhook-timestamp` against the real time.
    app.clock.set(stint_core::SystemClock.now());
    let org = app.signup("Signed").await;
    let receiver = Receiver::start().await;
    let (webhook, secret) = create_webhook(
        &app,
        &org,
        &receiver.url("/hooks/stint?token=abc"),
        &["client.*"],
    )
    .await;
    let client = create_client(&app, &org, "Acme").await;

    let got = receiver.wait_for(1, SOON).await;
    let first = &got[0];
    assert_eq!(first.path, "/hooks/stint?token=abc");
    let body = first.json();
    assert_eq!(body["type"], "client.created");
    assert_eq!(body["organization_id"], org.id.as_str());
    assert_eq!(body["data"]["object"]["id"], client.as_str());
    assert_eq!(body["data"]["object"]["name"], "Acme");
    assert_eq!(body["data"]["previous_attributes"], Value::Null);
    assert!(body["created_at"].as_str().unwrap().ends_with('Z'));
    let event_id = body["id"].as_str().unwrap();
    assert!(event_id.starts_with("evt_"));
    assert_eq!(first.header("webhook-id"), event_id);
    let timestamp: i64 = first.header("webhook-timestamp").parse().unwrap();
    assert!((timestamp - app.clock.now().timestamp()).abs() < 5);
    assert_eq!(first.header("content-type"), "application/json");
    assert_eq!(
        first.header("user-agent"),
        format!("Stint-Webhooks/{}", env!("CARGO_PKG_VERSION"))
    );
    let signature = first.header("webhook-signature");
    assert!(
        signature.starts_with("v1,") && !signature.contains(' '),
        "{signature}"
    );
    assert!(signed_by(first, &secret));

    // The delivery log shows one successful attempt.
    let list = deliveries_when(&app, &org, &webhook, "a succeeded delivery", |d| {
        d.len() == 1 && d[0]["status"] == "succeeded"
    })
    .await;
    let delivery = &list[0];
    assert_eq!(delivery["event_id"], event_id);
    assert_eq!(delivery["event_type"], "client.created");
    assert_eq!(delivery["trigger"], "event");
    assert_eq!(delivery["attempt_count"], 1);
    let attempt = &delivery["attempts"][0];
    assert_eq!(attempt["status_code"], 200);
    assert_eq!(attempt["error"], Value::Null);
    assert_eq!(attempt["response_body"], "receiver says 200");
    assert!(attempt["latency_ms"].as_i64().unwrap() >= 0);

    // Rotate: for 24 h both secrets sign.
    let new_secret = app
        .post(&format!("/api/v1/webhooks/{webhook}/rotate-secret"))
        .bearer(&org.owner.access)
        .expect(200)
        .await
        .str("/data/secret");
    app.patch(&format!("/api/v1/clients/{client}"))
        .bearer(&org.owner.access)
        .json(&json!({"name": "Acme Inc"}))
        .expect(200)
        .await;
    let got = receiver.wait_for(2, SOON).await;
    let second = &got[1];
    let body = second.json();
    assert_eq!(body["type"], "client.updated");
    assert_eq!(body["data"]["previous_attributes"], json!({"name": "Acme"}));
    let signatures: Vec<&str> = second.header("webhook-signature").split(' ').collect();
    assert_eq!(signatures.len(), 2, "{signatures:?}");
    assert!(signed_by(second, &new_secret));
    assert!(signed_by(second, &secret));
    let stranger = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    assert!(!signed_by(second, stranger));

    verify_with_standardwebhooks(&[
        (first, &secret, true),
        (first, &new_secret, false),
        (second, &new_secret, true),
        (second, &secret, true),
        (second, stranger, false),
    ]);

    // After the overlap, only the new secret signs.
    app.advance(chrono::Duration::hours(25));
    app.delete(&format!("/api/v1/clients/{client}"))
        .bearer(&org.owner.access)
        .expect(204)
        .await;
    let got = receiver.wait_for(3, SOON).await;
    let third = &got[2];
    assert_eq!(third.json()["type"], "client.deleted");
    assert_eq!(third.header("webhook-signature").split(' ').count(), 1);
    assert!(signed_by(third, &new_secret));
    assert!(!signed_by(third, &secret));
}

async fn test_event_goes_to_that_webhook_only(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Tests").await;
    let receiver = Receiver::start().await;
    let (tested, secret) =
        create_webhook(&app, &org, &receiver.url("/tested"), &["client.created"]).await;
    let (_other, _) = create_webhook(&app, &org, &receiver.url("/other"), &["*"]).await;
    let queued = app
        .post(&format!("/api/v1/webhooks/{tested}/test"))
        .bearer(&org.owner.access)
        .expect(202)
        .await;
    assert_eq!(queued.data()["trigger"], "test");
    assert_eq!(queued.data()["status"], "pending");
    assert_eq!(queued.data()["event_type"], "webhook.test");
    let tests = super::eventually("the test delivery", || async {
        let tests: Vec<_> = receiver
            .received()
            .into_iter()
            .filter(|r| r.json()["type"] == "webhook.test")
            .collect();
        (!tests.is_empty()).then_some(tests)
    })
    .await;
    let test = &tests[0];
    assert_eq!(test.path, "/tested");
    assert_eq!(test.json()["data"]["object"]["id"], tested.as_str());
    assert!(signed_by(test, &secret));
    // The `*` subscriber never sees it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let tests = receiver
        .received()
        .into_iter()
        .filter(|r| r.json()["type"] == "webhook.test")
        .count();
    assert_eq!(tests, 1);

    // A disabled webhook cannot be tested.
    app.patch(&format!("/api/v1/webhooks/{tested}"))
        .bearer(&org.owner.access)
        .json(&json!({"enabled": false}))
        .expect(200)
        .await;
    app.post(&format!("/api/v1/webhooks/{tested}/test"))
        .bearer(&org.owner.access)
        .expect(409)
        .await
        .assert_code("conflict");
}

async fn manual_retry_and_replay_resend_with_the_same_id(backend: Backend) {
    let app = spawn_with(backend, &[("webhooks.retry_schedule", "1s")]).await;
    let org = app.signup("Replays").await;
    let receiver = Receiver::start().await;
    receiver.set_default(Reply::Status(503));
    let (webhook, _) = create_webhook(&app, &org, &receiver.url("/"), &["client.created"]).await;
    let start = app.clock.now();
    create_client(&app, &org, "One").await;
    super::attempts_recorded(&app, &org, &webhook, 1).await;
    app.advance(chrono::Duration::seconds(2));
    let failed = deliveries_when(&app, &org, &webhook, "a failed delivery", |d| {
        d.len() == 1 && d[0]["status"] == "failed"
    })
    .await;
    assert_eq!(failed[0]["attempt_count"], 2);
    assert_eq!(failed[0]["next_attempt_at"], Value::Null);
    assert_eq!(failed[0]["attempts"][1]["status_code"], 503);
    let failed_list = app
        .get(&format!(
            "/api/v1/webhooks/{webhook}/deliveries?status=failed"
        ))
        .bearer(&org.owner.access)
        .expect(200)
        .await;
    assert_eq!(failed_list.data().as_array().unwrap().len(), 1);
    let none = app
        .get(&format!(
            "/api/v1/webhooks/{webhook}/deliveries?status=succeeded"
        ))
        .bearer(&org.owner.access)
        .expect(200)
        .await;
    assert!(none.data().as_array().unwrap().is_empty());
    app.get(&format!(
        "/api/v1/webhooks/{webhook}/deliveries?status=lost"
    ))
    .bearer(&org.owner.access)
    .expect(400)
    .await;

    // The receiver is fixed: retry by hand.
    receiver.set_default(Reply::Status(204));
    let id = failed[0]["id"].as_str().unwrap();
    let retried = app
        .post(&format!("/api/v1/webhooks/{webhook}/deliveries/{id}/retry"))
        .bearer(&org.owner.access)
        .expect(202)
        .await;
    assert_eq!(retried.data()["status"], "pending");
    let done = deliveries_when(&app, &org, &webhook, "the retried delivery", |d| {
        d[0]["status"] == "succeeded"
    })
    .await;
    assert_eq!(done[0]["attempt_count"], 3);
    let got = receiver.received();
    assert_eq!(got.len(), 3);
    assert!(
        got.iter()
            .all(|r| r.header("webhook-id") == got[0].header("webhook-id"))
    );

    // Replay: everything since `start` that the webhook subscribes to.
    create_client(&app, &org, "Two").await;
    receiver.wait_for(4, SOON).await;
    let replay = app
        .post(&format!("/api/v1/webhooks/{webhook}/replay"))
        .bearer(&org.owner.access)
        .json(&json!({"since": start.to_rfc3339()}))
        .expect(202)
        .await;
    assert_eq!(replay.data()["queued"], 2);
    let got = receiver.wait_for(6, SOON).await;
    let replayed: Vec<&str> = got[4..].iter().map(|r| r.header("webhook-id")).collect();
    assert_eq!(
        replayed,
        [got[0].header("webhook-id"), got[3].header("webhook-id")]
    );
    let list = deliveries_when(&app, &org, &webhook, "replays done", |d| {
        d.len() == 4 && d.iter().all(|x| x["status"] == "succeeded")
    })
    .await;
    assert_eq!(list[2]["trigger"], "replay");
    // A later `since` replays less.
    let later = (app.clock.now() + chrono::Duration::seconds(1)).to_rfc3339();
    let none = app
        .post(&format!("/api/v1/webhooks/{webhook}/replay"))
        .bearer(&org.owner.access)
        .json(&json!({"since": later}))
        .expect(202)
        .await;
    assert_eq!(none.data()["queued"], 0);
    app.post(&format!("/api/v1/webhooks/{webhook}/replay"))
        .bearer(&org.owner.access)
        .json(&json!({"since": "yesterday"}))
        .expect(400)
        .await;
}

async fn deliveries_follow_event_order(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Order").await;
    let receiver = Receiver::start().await;
    create_webhook(&app, &org, &receiver.url("/"), &["client.created"]).await;
    let mut ids = Vec::new();
    for i in 0..12 {
        ids.push(create_client(&app, &org, &format!("Client {i}")).await);
    }
    let got = receiver.wait_for(12, SOON).await;
    let delivered: Vec<String> = got
        .iter()
        .map(|r| {
            r.json()["data"]["object"]["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(delivered, ids);
}

async fn a_slow_receiver_holds_back_no_other(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Slow").await;
    let slow = Receiver::start().await;
    slow.set_default(Reply::Hang);
    let fast = Receiver::start().await;
    create_webhook(&app, &org, &slow.url("/"), &["client.created"]).await;
    let (fast_hook, _) = create_webhook(&app, &org, &fast.url("/"), &["client.created"]).await;
    for i in 0..3 {
        create_client(&app, &org, &format!("C{i}")).await;
    }
    slow.wait_for(1, SOON).await;
    // The slow receiver is still holding its first request.
    fast.wait_for(3, SOON).await;
    assert_eq!(slow.count(), 1);
    deliveries_when(&app, &org, &fast_hook, "fast deliveries", |d| {
        d.len() == 3 && d.iter().all(|x| x["status"] == "succeeded")
    })
    .await;
}
