//! SSRF: with `webhooks.allow_private_targets` off (the default), a webhook
//! whose URL is a literal address of a refused class is refused at
//! creation, one of every class; a host name is resolved at delivery time
//! and an answer in a refused class is never contacted. No test traffic
//! leaves 127.0.0.1: refused addresses are refused before any connection.

use std::time::Duration;

use serde_json::json;

use super::{create_client, deliveries_when};
use crate::both_backends;
use crate::support::receiver::Receiver;
use crate::support::{Backend, TestApp};

both_backends!(
    literal_addresses_of_every_refused_class_are_refused,
    host_names_resolving_to_loopback_are_refused_at_delivery,
);

async fn strict(backend: Backend) -> TestApp {
    TestApp::spawn_with(
        backend,
        &[
            ("webhooks.poll_interval", "25ms"),
            ("webhooks.retry_schedule", "1h"),
        ],
    )
    .await
}

async fn literal_addresses_of_every_refused_class_are_refused(backend: Backend) {
    let app = strict(backend).await;
    let org = app.signup("Strict").await;
    for (url, class) in [
        ("http://127.0.0.1/hook", "loopback"),
        ("http://127.8.9.10:8080/", "loopback"),
        ("http://[::1]/", "loopback"),
        ("http://10.1.2.3/", "private"),
        ("http://172.16.5.4/", "private"),
        ("http://192.168.0.10/", "private"),
        ("http://100.64.0.1/", "shared address space"),
        ("https://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[fe80::1]/", "link-local"),
        ("http://[fc00::1]/", "unique local"),
        ("http://[fd00:1234::5]/", "unique local"),
        ("http://224.0.0.251/", "multicast"),
        ("http://[ff02::1]/", "multicast"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://[::]/", "unspecified"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://[::ffff:169.254.169.254]/", "link-local"),
        ("http://[::ffff:10.0.0.1]/", "private"),
        ("http://2130706433/", "loopback"),
        ("http://0x7f.1/", "loopback"),
    ] {
        let resp = app
            .post("/api/v1/webhooks")
            .bearer(&org.owner.access)
            .json(&json!({"url": url, "events": ["*"]}))
            .expect(400)
            .await;
        resp.assert_code("webhook_url_not_allowed");
        let message = resp.body["error"].as_str().unwrap();
        assert!(message.contains(class), "{url}: {message}");
        assert_eq!(resp.body["details"][0]["field"], "url");
    }
    // Changing an existing webhook to such an address is refused too.
    let created = app
        .post("/api/v1/webhooks")
        .bearer(&org.owner.access)
        .json(&json!({"url": "https://hooks.example.com/stint", "events": ["client.created"], "enabled": false}))
        .expect(201)
        .await;
    let id = created.str("/data/id");
    app.patch(&format!("/api/v1/webhooks/{id}"))
        .bearer(&org.owner.access)
        .json(&json!({"url": "http://169.254.169.254/"}))
        .expect(400)
        .await
        .assert_code("webhook_url_not_allowed");
    assert!(
        app.events(&org)
            .await
            .iter()
            .all(|(t, _)| t != "webhook.updated")
    );
}

async fn host_names_resolving_to_loopback_are_refused_at_delivery(backend: Backend) {
    let app = strict(backend).await;
    let org = app.signup("Strict").await;
    let receiver = Receiver::start().await;
    // A host name is accepted when created: what it resolves to can change.
    let url = format!("http://localhost:{}/hook", receiver.port);
    let created = app
        .post("/api/v1/webhooks")
        .bearer(&org.owner.access)
        .json(&json!({"url": url, "events": ["client.created"]}))
        .expect(201)
        .await;
    let webhook = created.str("/data/id");
    create_client(&app, &org, "Acme").await;
    let list = deliveries_when(&app, &org, &webhook, "a refused attempt", |d| {
        d.len() == 1 && d[0]["attempt_count"] == 1
    })
    .await;
    let attempt = &list[0]["attempts"][0];
    assert_eq!(attempt["status_code"], serde_json::Value::Null);
    let error = attempt["error"].as_str().unwrap();
    assert!(
        error.starts_with("refused: localhost resolves to") && error.contains("loopback"),
        "{error}"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(receiver.count(), 0, "a refused address was contacted");
}
