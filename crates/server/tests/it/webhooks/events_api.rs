//! `GET /events`: the event log with its filters (`type` exact, wildcard
//! and lists; `since`), keyset cursor, roles, tenancy, and retention —
//! events older than `webhooks.event_retention` are hidden and pruned by
//! the worker together with their deliveries.

use serde_json::{Value, json};
use stint_core::Clock;

use super::{create_client, create_webhook, spawn, spawn_with};
use crate::both_backends;
use crate::support::Backend;
use crate::support::receiver::Receiver;

both_backends!(
    events_filter_by_type_and_since_and_page_by_cursor,
    events_are_for_admins_and_keys_of_the_organization_only,
    events_past_retention_are_pruned,
);

fn types(resp: &crate::support::http::Resp) -> Vec<String> {
    resp.data()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect()
}

async fn events_filter_by_type_and_since_and_page_by_cursor(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Log").await;
    let token = org.owner.access.clone();
    let client = create_client(&app, &org, "Acme").await;
    app.advance(chrono::Duration::minutes(1));
    let middle = app.clock.now();
    app.patch(&format!("/api/v1/clients/{client}"))
        .bearer(&token)
        .json(&json!({"name": "Acme Inc"}))
        .expect(200)
        .await;
    app.post("/api/v1/client-groups")
        .bearer(&token)
        .json(&json!({"name": "Key accounts"}))
        .expect(201)
        .await;
    app.advance(chrono::Duration::minutes(1));
    app.delete(&format!("/api/v1/clients/{client}"))
        .bearer(&token)
        .expect(204)
        .await;

    let all = app.get("/api/v1/events").bearer(&token).expect(200).await;
    let everything = types(&all);
    assert_eq!(
        everything[everything.len() - 4..],
        [
            "client.created",
            "client.updated",
            "client_group.created",
            "client.deleted"
        ]
    );
    let first = all
        .data()
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "client.updated")
        .unwrap()
        .clone();
    assert!(first["id"].as_str().unwrap().starts_with("evt_"));
    assert_eq!(first["organization_id"], org.id.as_str());
    assert_eq!(first["data"]["object"]["name"], "Acme Inc");
    assert_eq!(
        first["data"]["previous_attributes"],
        json!({"name": "Acme"})
    );
    let created = all
        .data()
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "client.created")
        .unwrap()
        .clone();
    assert_eq!(created["data"]["previous_attributes"], Value::Null);

    let exact = app
        .get("/api/v1/events?type=client.deleted")
        .bearer(&token)
        .expect(200)
        .await;
    assert_eq!(types(&exact), ["client.deleted"]);
    // `client.*` does not take `client_group.*`.
    let wildcard = app
        .get("/api/v1/events?type=client.*")
        .bearer(&token)
        .expect(200)
        .await;
    assert_eq!(
        types(&wildcard),
        ["client.created", "client.updated", "client.deleted"]
    );
    let list = app
        .get("/api/v1/events?type=client_group.*,client.deleted")
        .bearer(&token)
        .expect(200)
        .await;
    assert_eq!(types(&list), ["client_group.created", "client.deleted"]);
    let since = app
        .get(&format!(
            "/api/v1/events?type=client.*,client_group.*&since={}",
            middle.to_rfc3339().replace('+', "%2B")
        ))
        .bearer(&token)
        .expect(200)
        .await;
    assert_eq!(
        types(&since),
        ["client.updated", "client_group.created", "client.deleted"]
    );

    // Keyset pages of two, in order, with no repeats.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/events?limit=2&cursor={c}"),
            None => "/api/v1/events?limit=2".to_owned(),
        };
        let page = app.get(&path).bearer(&token).expect(200).await;
        assert_eq!(page.body["meta"]["limit"], 2);
        seen.extend(types(&page));
        match page.body["meta"]["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, everything);

    for bad in [
        "/api/v1/events?type=client.exploded",
        "/api/v1/events?type=nothing.*",
        "/api/v1/events?since=yesterday",
        "/api/v1/events?limit=0",
        "/api/v1/events?cursor=nope",
        "/api/v1/events?colour=red",
    ] {
        let resp = app.get(bad).bearer(&token).expect(400).await;
        assert!(
            ["invalid_query", "invalid_cursor"].contains(&resp.code()),
            "{bad}: {}",
            resp.text
        );
    }
    let bad = app
        .get("/api/v1/events?type=client.created,nope.nope")
        .bearer(&token)
        .expect(400)
        .await;
    assert_eq!(bad.body["details"][0]["field"], "type[1]");
}

async fn events_are_for_admins_and_keys_of_the_organization_only(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Mine").await;
    let other = app.signup("Theirs").await;
    create_client(&app, &org, "Mine Co").await;
    create_client(&app, &other, "Theirs Co").await;
    let member = app.add_member(&org, "member").await;
    app.get("/api/v1/events")
        .bearer(&member.access)
        .expect(403)
        .await
        .assert_code("insufficient_role");
    let admin = app.add_member(&org, "admin").await;
    app.get("/api/v1/events")
        .bearer(&admin.access)
        .expect(200)
        .await;
    app.activate_public_api(&org).await;
    let key = app.create_key(&org, Some(&["read"])).await;
    let resp = app
        .get("/api/v1/events?type=client.created")
        .api_key(&key.token)
        .expect(200)
        .await;
    let names: Vec<&str> = resp
        .data()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["data"]["object"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Mine Co"]);
    assert!(
        resp.data()
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["organization_id"] == org.id.as_str())
    );
}

async fn events_past_retention_are_pruned(backend: Backend) {
    let app = spawn_with(backend, &[("webhooks.event_retention", "1d")]).await;
    let org = app.signup("Short memory").await;
    let receiver = Receiver::start().await;
    let (webhook, _) = create_webhook(&app, &org, &receiver.url("/"), &["client.created"]).await;
    create_client(&app, &org, "Old").await;
    receiver.wait_for(1, super::SOON).await;
    super::deliveries_when(&app, &org, &webhook, "the old delivery", |d| {
        d.len() == 1 && d[0]["status"] == "succeeded"
    })
    .await;
    app.advance(chrono::Duration::hours(25));
    create_client(&app, &org, "New").await;

    // Hidden at once by the API, deleted by the worker soon after.
    let resp = app
        .get("/api/v1/events?type=client.created")
        .bearer(&org.owner.access)
        .expect(200)
        .await;
    let names: Vec<&str> = resp
        .data()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["data"]["object"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["New"]);
    super::eventually("old events to be pruned", || async {
        let stored = app.events(&org).await;
        (!stored
            .iter()
            .any(|(t, d)| t == "client.created" && d["object"]["name"] == "Old"))
        .then_some(())
    })
    .await;
    // Their deliveries and attempts went with them; the new one is delivered.
    let list = super::deliveries_when(&app, &org, &webhook, "only the new delivery", |d| {
        d.len() == 1 && d[0]["status"] == "succeeded"
    })
    .await;
    assert_eq!(list[0]["attempts"].as_array().unwrap().len(), 1);
    let got = receiver.wait_for(2, super::SOON).await;
    assert_eq!(got[1].json()["data"]["object"]["name"], "New");
    let kept = app.events(&org).await;
    assert!(kept.iter().any(|(t, _)| t == "client.created"));
}
