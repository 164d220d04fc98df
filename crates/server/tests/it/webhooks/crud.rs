//! Managing webhooks: CRUD with secrets, validation, the plan limit, roles,
//! other organizations' ids, secret rotation, the event-type registry and
//! the events webhook changes record.

use base64::Engine;
use serde_json::{Value, json};

use super::{create_webhook, spawn, spawn_with};
use crate::both_backends;
use crate::support::Backend;
use crate::support::receiver::Receiver;

both_backends!(
    crud_round_trip_with_secret_and_events,
    validation_names_each_field,
    plan_limit_names_the_limit,
    members_and_read_only_keys_see_nothing,
    another_organizations_webhooks_answer_404,
    event_types_are_generated_and_cover_recorded_events,
);

async fn crud_round_trip_with_secret_and_events(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Hooks").await;
    let receiver = Receiver::start().await;
    let created = app
        .post("/api/v1/webhooks")
        .bearer(&org.owner.access)
        .json(&json!({"url": receiver.url("/hook"), "events": ["client.*", "time_entry.timer_stopped", "client.*"], "description": "CRM sync"}))
        .expect(201)
        .await;
    let id = created.str("/data/id");
    assert!(id.starts_with("wh_"));
    assert_eq!(
        created.header("location"),
        Some(format!("/api/v1/webhooks/{id}").as_str())
    );
    assert_eq!(created.header("etag"), Some("\"1\""));
    let data = created.data();
    assert_eq!(
        data["events"],
        json!(["client.*", "time_entry.timer_stopped"])
    );
    assert_eq!(data["enabled"], true);
    assert_eq!(data["description"], "CRM sync");
    assert_eq!(data["disabled_reason"], Value::Null);
    let secret = created.str("/data/secret");
    let raw = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").expect("whsec_ prefix"))
        .unwrap();
    assert!((24..=64).contains(&raw.len()), "{} bytes", raw.len());

    let shown = app
        .get(&format!("/api/v1/webhooks/{id}"))
        .bearer(&org.owner.access)
        .expect(200)
        .await;
    assert_eq!(shown.header("etag"), Some("\"1\""));
    assert!(
        shown.data().get("secret").is_none(),
        "GET must not show the secret"
    );
    let listed = app
        .get("/api/v1/webhooks")
        .bearer(&org.owner.access)
        .expect(200)
        .await;
    assert_eq!(listed.data().as_array().unwrap().len(), 1);
    assert!(listed.data()[0].get("secret").is_none());
    let disabled_list = app
        .get("/api/v1/webhooks?enabled=false")
        .bearer(&org.owner.access)
        .expect(200)
        .await;
    assert!(disabled_list.data().as_array().unwrap().is_empty());

    let secret_resp = app
        .get(&format!("/api/v1/webhooks/{id}/secret"))
        .bearer(&org.owner.access)
        .expect(200)
        .await;
    assert_eq!(secret_resp.str("/data/secret"), secret);
    assert_eq!(
        secret_resp.data()["previous_secret_expires_at"],
        Value::Null
    );

    // PATCH merges; a stale If-Match is refused.
    let patched = app
        .patch(&format!("/api/v1/webhooks/{id}"))
        .bearer(&org.owner.access)
        .header("if-match", "\"1\"")
        .json(&json!({"events": ["*"], "description": null}))
        .expect(200)
        .await;
    assert_eq!(patched.data()["events"], json!(["*"]));
    assert_eq!(patched.data()["description"], Value::Null);
    assert_eq!(patched.data()["url"], receiver.url("/hook"));
    app.patch(&format!("/api/v1/webhooks/{id}"))
        .bearer(&org.owner.access)
        .header("if-match", "\"1\"")
        .json(&json!({"enabled": false}))
        .expect(412)
        .await
        .assert_code("precondition_failed");

    // Rotation: a new secret, the old one kept for 24 hours.
    let rotated = app
        .post(&format!("/api/v1/webhooks/{id}/rotate-secret"))
        .bearer(&org.owner.access)
        .expect(200)
        .await;
    let new_secret = rotated.str("/data/secret");
    assert_ne!(new_secret, secret);
    assert!(new_secret.starts_with("whsec_"));
    let expires = rotated.str("/data/previous_secret_expires_at");
    assert!(expires.starts_with("2026-03-03T09:00:00"), "{expires}");
    app.get(&format!("/api/v1/webhooks/{id}"))
        .bearer(&org.owner.access)
        .expect(200)
        .await;

    app.delete(&format!("/api/v1/webhooks/{id}"))
        .bearer(&org.owner.access)
        .expect(204)
        .await;
    app.get(&format!("/api/v1/webhooks/{id}"))
        .bearer(&org.owner.access)
        .expect(404)
        .await
        .assert_code("not_found");

    let events: Vec<(String, Value)> = app
        .events(&org)
        .await
        .into_iter()
        .filter(|(t, _)| t.starts_with("webhook."))
        .collect();
    let types: Vec<&str> = events.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types,
        [
            "webhook.created",
            "webhook.updated",
            "webhook.updated",
            "webhook.deleted"
        ]
    );
    assert_eq!(
        events[1].1["previous_attributes"],
        json!({"events": ["client.*", "time_entry.timer_stopped"], "description": "CRM sync"})
    );
    assert_eq!(
        events[2].1["previous_attributes"],
        json!({"previous_secret_expires_at": null})
    );
    for (_, data) in &events {
        let text = data.to_string();
        assert!(
            !text.contains("whsec_"),
            "a secret leaked into an event: {text}"
        );
    }
}

async fn validation_names_each_field(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Hooks").await;
    let resp = app
        .post("/api/v1/webhooks")
        .bearer(&org.owner.access)
        .json(&json!({"url": "ftp://example.com/x", "events": ["client.created", "client.exploded", "nothing.*", "*"], "description": "x".repeat(501)}))
        .expect(400)
        .await;
    resp.assert_code("validation_failed");
    let fields: Vec<&str> = resp.body["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["url", "description", "events[1]", "events[2]"]);

    let resp = app
        .post("/api/v1/webhooks")
        .bearer(&org.owner.access)
        .json(&json!({"url": "https://user:pw@hooks.example.com/", "events": []}))
        .expect(400)
        .await;
    let fields: Vec<&str> = resp.body["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["url", "events"]);

    app.post("/api/v1/webhooks")
        .bearer(&org.owner.access)
        .json(&json!({"url": "https://hooks.example.com/", "events": ["*"], "secret": "mine"}))
        .expect(400)
        .await
        .assert_code("unknown_field");
    app.post("/api/v1/webhooks")
        .bearer(&org.owner.access)
        .json(&json!({"events": ["*"]}))
        .expect(400)
        .await;
    // Nothing was written.
    assert!(
        app.events(&org)
            .await
            .iter()
            .all(|(t, _)| !t.starts_with("webhook."))
    );
}

async fn plan_limit_names_the_limit(backend: Backend) {
    // The free plan's default: two webhooks.
    let app = crate::support::TestApp::spawn_with(
        backend,
        &[
            ("webhooks.allow_private_targets", "true"),
            ("plans.free.max_webhooks", "2"),
        ],
    )
    .await;
    let org = app.signup("Small").await;
    let receiver = Receiver::start().await;
    for _ in 0..2 {
        create_webhook(&app, &org, &receiver.url("/"), &["client.created"]).await;
    }
    let resp = app
        .post("/api/v1/webhooks")
        .bearer(&org.owner.access)
        .json(&json!({"url": receiver.url("/"), "events": ["*"]}))
        .expect(403)
        .await;
    resp.assert_code("plan_limit_reached");
    let message = resp.body["error"].as_str().unwrap();
    assert!(
        message.contains("max_webhooks") && message.contains('2'),
        "{message}"
    );
    // Disabled webhooks count too: the limit is on endpoints, not traffic.
    let other = app.signup("Other").await;
    create_webhook(&app, &other, &receiver.url("/"), &["*"]).await;
}

async fn members_and_read_only_keys_see_nothing(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Roles").await;
    let receiver = Receiver::start().await;
    let (id, _) = create_webhook(&app, &org, &receiver.url("/"), &["client.created"]).await;
    let member = app.add_member(&org, "member").await;
    for path in [
        "/api/v1/webhooks".to_owned(),
        format!("/api/v1/webhooks/{id}"),
        format!("/api/v1/webhooks/{id}/secret"),
        format!("/api/v1/webhooks/{id}/deliveries"),
    ] {
        app.get(&path)
            .bearer(&member.access)
            .expect(403)
            .await
            .assert_code("insufficient_role");
    }
    app.post("/api/v1/webhooks")
        .bearer(&member.access)
        .json(&json!({"url": receiver.url("/"), "events": ["*"]}))
        .expect(403)
        .await
        .assert_code("insufficient_role");
    app.post(&format!("/api/v1/webhooks/{id}/test"))
        .bearer(&member.access)
        .expect(403)
        .await
        .assert_code("insufficient_role");
    // The registry is documentation: every member may read it.
    app.get("/api/v1/webhooks/event-types")
        .bearer(&member.access)
        .expect(200)
        .await;

    let admin = app.add_member(&org, "admin").await;
    app.get(&format!("/api/v1/webhooks/{id}/secret"))
        .bearer(&admin.access)
        .expect(200)
        .await;

    app.activate_public_api(&org).await;
    let read_key = app.create_key(&org, Some(&["read"])).await;
    app.get("/api/v1/webhooks")
        .api_key(&read_key.token)
        .expect(403)
        .await
        .assert_code("insufficient_scope");
    app.get(&format!("/api/v1/webhooks/{id}/secret"))
        .api_key(&read_key.token)
        .expect(403)
        .await
        .assert_code("insufficient_scope");
    let write_key = app.create_key(&org, None).await;
    app.get(&format!("/api/v1/webhooks/{id}/secret"))
        .api_key(&write_key.token)
        .expect(200)
        .await;
    app.post("/api/v1/webhooks")
        .api_key(&write_key.token)
        .json(&json!({"url": receiver.url("/key"), "events": ["*"]}))
        .expect(201)
        .await;
}

async fn another_organizations_webhooks_answer_404(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Mine").await;
    let other = app.signup("Theirs").await;
    let receiver = Receiver::start().await;
    let (id, _) = create_webhook(&app, &org, &receiver.url("/"), &["webhook.test"]).await;
    let delivery = app
        .post(&format!("/api/v1/webhooks/{id}/test"))
        .bearer(&org.owner.access)
        .expect(202)
        .await
        .str("/data/id");
    let token = &other.owner.access;
    for path in [
        format!("/api/v1/webhooks/{id}"),
        format!("/api/v1/webhooks/{id}/secret"),
        format!("/api/v1/webhooks/{id}/deliveries"),
    ] {
        app.get(&path)
            .bearer(token)
            .expect(404)
            .await
            .assert_code("not_found");
    }
    app.patch(&format!("/api/v1/webhooks/{id}"))
        .bearer(token)
        .json(&json!({"enabled": false}))
        .expect(404)
        .await;
    app.delete(&format!("/api/v1/webhooks/{id}"))
        .bearer(token)
        .expect(404)
        .await;
    for path in [
        format!("/api/v1/webhooks/{id}/rotate-secret"),
        format!("/api/v1/webhooks/{id}/test"),
        format!("/api/v1/webhooks/{id}/deliveries/{delivery}/retry"),
    ] {
        app.post(&path)
            .bearer(token)
            .expect(404)
            .await
            .assert_code("not_found");
    }
    app.post(&format!("/api/v1/webhooks/{id}/replay"))
        .bearer(token)
        .json(&json!({"since": "2026-01-01T00:00:00Z"}))
        .expect(404)
        .await;
    // A delivery id under another of one's own webhooks is not found either.
    let (mine, _) = create_webhook(&app, &org, &receiver.url("/2"), &["*"]).await;
    app.post(&format!(
        "/api/v1/webhooks/{mine}/deliveries/{delivery}/retry"
    ))
    .bearer(&org.owner.access)
    .expect(404)
    .await;
    // The owner still sees it whole.
    app.get(&format!("/api/v1/webhooks/{id}"))
        .bearer(&org.owner.access)
        .expect(200)
        .await;
}

async fn event_types_are_generated_and_cover_recorded_events(backend: Backend) {
    let app = spawn_with(backend, &[("webhooks.retry_schedule", "1s")]).await;
    let org = app.signup("Registry").await;
    let resp = app
        .get("/api/v1/webhooks/event-types")
        .bearer(&org.owner.access)
        .expect(200)
        .await;
    let types = resp.data().as_array().unwrap().clone();
    let names: Vec<String> = types
        .iter()
        .map(|t| t["type"].as_str().unwrap().to_owned())
        .collect();
    for expected in [
        "client.created",
        "client.updated",
        "client.deleted",
        "member.deactivated",
        "settings.updated",
        "time_entry.timer_started",
        "time_entry.timer_stopped",
        "client_service_rate.deleted",
        "webhook.disabled",
        "webhook.test",
    ] {
        assert!(names.iter().any(|n| n == expected), "{expected} missing");
    }
    let client_created = types
        .iter()
        .find(|t| t["type"] == "client.created")
        .unwrap();
    assert_eq!(client_created["resource"], "client");
    assert!(!client_created["description"].as_str().unwrap().is_empty());
    let example = &client_created["example"];
    assert_eq!(example["type"], "client.created");
    assert!(example["id"].as_str().unwrap().starts_with("evt_"));
    assert!(
        example["organization_id"]
            .as_str()
            .unwrap()
            .starts_with("org_")
    );
    assert!(
        example["data"]["object"]["id"]
            .as_str()
            .unwrap()
            .starts_with("cli_")
    );
    assert!(example["data"]["object"]["name"].is_string());
    let updated = types
        .iter()
        .find(|t| t["type"] == "client.updated")
        .unwrap();
    assert!(updated["example"]["data"]["previous_attributes"].is_object());

    // Flows across resources: every type they record is in the registry
    // (debug builds also assert this inside every write of the suite).
    let receiver = Receiver::start().await;
    receiver.set_default(crate::support::receiver::Reply::Status(500));
    let (webhook, _) = create_webhook(&app, &org, &receiver.url("/"), &["*"]).await;
    let client = super::create_client(&app, &org, "Acme").await;
    app.patch(&format!("/api/v1/clients/{client}"))
        .bearer(&org.owner.access)
        .json(&json!({"name": "Acme Inc"}))
        .expect(200)
        .await;
    // Fake time stands still; a timer needs a moment to run.
    let timer = app
        .post("/api/v1/time-entries/start")
        .bearer(&org.owner.access)
        .json(&json!({}))
        .expect(201)
        .await
        .str("/data/id");
    app.advance(chrono::Duration::minutes(30));
    app.post(&format!("/api/v1/time-entries/{timer}/stop"))
        .bearer(&org.owner.access)
        .json(&json!({}))
        .expect(200)
        .await;
    app.patch("/api/v1/settings")
        .bearer(&org.owner.access)
        .json(&json!({"profile": {"name": "Registry Ltd"}}))
        .expect(200)
        .await;
    app.post(&format!("/api/v1/webhooks/{webhook}/test"))
        .bearer(&org.owner.access)
        .expect(202)
        .await;
    app.delete(&format!("/api/v1/clients/{client}"))
        .bearer(&org.owner.access)
        .expect(204)
        .await;
    let log = app
        .get("/api/v1/events?limit=1000")
        .bearer(&org.owner.access)
        .expect(200)
        .await;
    let recorded: Vec<&str> = log
        .data()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    for expected in [
        "webhook.created",
        "client.created",
        "client.updated",
        "time_entry.timer_started",
        "time_entry.timer_stopped",
        "webhook.test",
        "client.deleted",
        "settings.updated",
    ] {
        assert!(
            recorded.contains(&expected),
            "{expected} not in {recorded:?}"
        );
    }
    for t in &recorded {
        assert!(names.iter().any(|n| n == t), "{t} is not in the registry");
    }
}
