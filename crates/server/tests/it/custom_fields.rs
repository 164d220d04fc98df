//! `/custom-fields`: CRUD, validation naming fields, duplicate keys, fixed
//! entity/key/type, filters, If-Match, roles, events and another
//! organization's ids. Values on records (every type end to end, removed
//! options, delete versus archive) are in `custom_fields/values.rs`.

use serde_json::{Value, json};

use crate::both_backends;
use crate::support::http::Resp;
use crate::support::{Backend, TestApp};

mod values;

both_backends!(
    custom_fields_crud_round_trip,
    custom_field_validation_names_fields,
    duplicate_keys_conflict_per_entity,
    entity_key_and_type_cannot_change,
    custom_field_filters,
    custom_field_if_match_guards_writes,
    members_read_custom_fields_but_cannot_write,
    other_organizations_custom_fields_are_invisible,
);

async fn define(app: &TestApp, token: &str, body: Value) -> Resp {
    app.post("/api/v1/custom-fields")
        .bearer(token)
        .json(&body)
        .expect(201)
        .await
}

fn fields(resp: &Resp) -> Vec<String> {
    let mut fields: Vec<String> = resp.body["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap().to_owned())
        .collect();
    fields.sort();
    fields
}

fn keys(resp: &Resp) -> Vec<String> {
    resp.data()
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap().to_owned())
        .collect()
}

async fn custom_fields_crud_round_trip(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let created = define(
        &app,
        token,
        json!({"entity": "client", "key": "vat_group", "label": " VAT group ", "type": "select", "options": [" EU ", "NON_EU"]}),
    )
    .await;
    let data = created.data();
    let id = data["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("cf_"));
    assert_eq!(
        created.header("location"),
        Some(format!("/api/v1/custom-fields/{id}").as_str())
    );
    assert_eq!(created.header("etag"), Some("\"1\""));
    assert_eq!(data["entity"], "client");
    assert_eq!(data["key"], "vat_group");
    assert_eq!(data["label"], "VAT group");
    assert_eq!(data["type"], "select");
    assert_eq!(data["options"], json!(["EU", "NON_EU"]));
    assert_eq!(data["required"], false);
    assert_eq!(data["visible"], true);
    assert_eq!(data["sort_order"], 0);
    assert_eq!(data["status"], "active");
    let text = define(
        &app,
        token,
        json!({"entity": "task", "key": "note", "label": "Note", "type": "text", "options": null}),
    )
    .await;
    assert_eq!(text.data()["options"], json!([]));

    let path = format!("/api/v1/custom-fields/{id}");
    let fetched = app.get(&path).bearer(token).expect(200).await;
    assert_eq!(fetched.data(), created.data());

    let patched = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"label": "VAT", "options": ["EU", "NON_EU", "UK"], "sort_order": 5, "visible": false, "required": true}))
        .expect(200)
        .await;
    assert_eq!(patched.data()["label"], "VAT");
    assert_eq!(patched.data()["options"], json!(["EU", "NON_EU", "UK"]));
    assert_eq!(patched.data()["sort_order"], 5);
    assert_eq!(patched.data()["visible"], false);
    assert_eq!(patched.data()["required"], true);
    assert_eq!(patched.data()["key"], "vat_group");
    assert_eq!(patched.header("etag"), Some("\"2\""));
    let resp = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"label": null}))
        .expect(400)
        .await;
    assert_eq!(fields(&resp), ["label"]);

    // PUT replaces: absent fields take their defaults.
    let replaced = app
        .put(&path)
        .bearer(token)
        .json(&json!({"entity": "client", "key": "vat_group", "label": "VAT group", "type": "select", "options": ["EU"]}))
        .expect(200)
        .await;
    assert_eq!(replaced.data()["options"], json!(["EU"]));
    assert_eq!(replaced.data()["visible"], true);
    assert_eq!(replaced.data()["required"], false);
    assert_eq!(replaced.data()["sort_order"], 0);
    let same = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"label": "VAT group", "entity": "client"}))
        .expect(200)
        .await;
    assert_eq!(same.header("etag"), replaced.header("etag"));

    app.delete(&path).bearer(token).expect(204).await;
    app.get(&path)
        .bearer(token)
        .expect(404)
        .await
        .assert_code("not_found");
    app.delete(&path).bearer(token).expect(404).await;
    app.patch(&path)
        .bearer(token)
        .json(&json!({"label": "x"}))
        .expect(404)
        .await;

    let events = app.events(&org).await;
    let types: Vec<&str> = events.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types,
        [
            "custom_field.created",
            "custom_field.created",
            "custom_field.updated",
            "custom_field.updated",
            "custom_field.deleted"
        ]
    );
    assert_eq!(events[0].1["object"], *created.data());
    assert_eq!(
        events[2].1["previous_attributes"],
        json!({"label": "VAT group", "options": ["EU", "NON_EU"], "sort_order": 0, "visible": true, "required": false})
    );
    assert_eq!(events[4].1["object"]["id"], id.as_str());
}

async fn custom_field_validation_names_fields(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let post = |body: Value| {
        let app = &app;
        async move {
            app.post("/api/v1/custom-fields")
                .bearer(token)
                .json(&body)
                .expect(400)
                .await
        }
    };
    let resp = post(json!({
        "entity": "client", "key": "Bad Key", "label": " ", "type": "multi_select",
        "options": ["a", "", "a", " "],
    }))
    .await;
    resp.assert_code("validation_failed");
    assert_eq!(
        fields(&resp),
        ["key", "label", "options[1]", "options[2]", "options[3]"]
    );
    let base = json!({"entity": "client", "key": "k", "label": "K", "type": "text"});
    let with = |changes: Value| {
        let mut body = base.clone();
        for (k, v) in changes.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    for (body, field, code) in [
        (
            with(json!({"options": ["x"]})),
            "options",
            "validation_failed",
        ),
        (
            with(json!({"type": "select"})),
            "options",
            "validation_failed",
        ),
        (
            with(json!({"type": "select", "options": []})),
            "options",
            "validation_failed",
        ),
        (
            with(json!({"type": "select", "options": ["x".repeat(201)]})),
            "options[0]",
            "validation_failed",
        ),
        (
            with(json!({"entity": "user"})),
            "entity",
            "validation_failed",
        ),
        (with(json!({"type": "colour"})), "type", "validation_failed"),
        (with(json!({"key": "1abc"})), "key", "validation_failed"),
        (
            with(json!({"key": "a".repeat(51)})),
            "key",
            "validation_failed",
        ),
        (
            with(json!({"key": "vat-group"})),
            "key",
            "validation_failed",
        ),
        (with(json!({"key": " k"})), "key", "validation_failed"),
        (
            with(json!({"sort_order": "high"})),
            "sort_order",
            "validation_failed",
        ),
        (
            with(json!({"required": "yes"})),
            "required",
            "validation_failed",
        ),
        (
            with(json!({"label": "x".repeat(201)})),
            "label",
            "validation_failed",
        ),
        (
            json!({"entity": "client", "key": "k", "type": "text"}),
            "label",
            "validation_failed",
        ),
        (
            json!({"key": "k", "label": "K", "type": "text"}),
            "entity",
            "validation_failed",
        ),
        (with(json!({"default": "x"})), "default", "unknown_field"),
    ] {
        let resp = post(body.clone()).await;
        resp.assert_code(code);
        assert_eq!(resp.body["details"][0]["field"], field, "{body}");
    }
    // The longest key is fine.
    define(
        &app,
        token,
        with(json!({"key": format!("a{}", "b".repeat(49))})),
    )
    .await;
    let types: Vec<String> = app.events(&org).await.into_iter().map(|e| e.0).collect();
    assert_eq!(types, ["custom_field.created"]);
}

async fn duplicate_keys_conflict_per_entity(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let body = json!({"entity": "client", "key": "region", "label": "Region", "type": "text"});
    define(&app, token, body.clone()).await;
    let resp = app
        .post("/api/v1/custom-fields")
        .bearer(token)
        .json(&json!({"entity": "client", "key": "region", "label": "Other", "type": "number"}))
        .expect(409)
        .await;
    resp.assert_code("conflict");
    assert!(resp.body["error"].as_str().unwrap().contains("`region`"));
    assert_eq!(fields(&resp), ["key"]);
    // Archived definitions keep their key.
    let id = app
        .get("/api/v1/custom-fields")
        .bearer(token)
        .expect(200)
        .await
        .data()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.patch(&format!("/api/v1/custom-fields/{id}"))
        .bearer(token)
        .json(&json!({"status": "archived"}))
        .expect(200)
        .await;
    app.post("/api/v1/custom-fields")
        .bearer(token)
        .json(&body)
        .expect(409)
        .await
        .assert_code("conflict");
    // The same key on another entity, or in another organization, is fine.
    for entity in ["project", "task"] {
        define(
            &app,
            token,
            json!({"entity": entity, "key": "region", "label": "Region", "type": "text"}),
        )
        .await;
    }
    let other = app.signup("Other").await;
    define(&app, &other.owner.access, body).await;
    let types: Vec<String> = app.events(&org).await.into_iter().map(|e| e.0).collect();
    assert_eq!(
        types,
        [
            "custom_field.created",
            "custom_field.updated",
            "custom_field.created",
            "custom_field.created"
        ]
    );
}

async fn entity_key_and_type_cannot_change(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let id = define(
        &app,
        token,
        json!({"entity": "client", "key": "tier", "label": "Tier", "type": "number"}),
    )
    .await
    .str("/data/id");
    let path = format!("/api/v1/custom-fields/{id}");
    for (patch, field) in [
        (json!({"entity": "project"}), "entity"),
        (json!({"key": "level"}), "key"),
        (json!({"type": "text"}), "type"),
    ] {
        let resp = app
            .patch(&path)
            .bearer(token)
            .json(&patch)
            .expect(409)
            .await;
        resp.assert_code("conflict");
        assert_eq!(fields(&resp), [field], "{patch}");
    }
    let resp = app
        .put(&path)
        .bearer(token)
        .json(&json!({"entity": "task", "key": "level", "label": "Level", "type": "select", "options": ["a"]}))
        .expect(409)
        .await;
    assert_eq!(fields(&resp), ["entity", "key", "type"]);
    // With another problem as well, every problem is listed (400).
    let resp = app
        .put(&path)
        .bearer(token)
        .json(&json!({"entity": "task", "key": "level", "label": " ", "type": "select", "options": ["a"]}))
        .expect(400)
        .await;
    assert_eq!(fields(&resp), ["entity", "key", "label", "type"]);
    // Options that do not fit the type: a conflict with the stored type
    // when the request does not name it, malformed input when it does.
    let resp = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"options": ["a"]}))
        .expect(409)
        .await;
    assert_eq!(fields(&resp), ["options"]);
    for body in [
        json!({"type": "number", "options": ["a"]}),
        json!({"entity": "client", "key": "tier", "label": "Tier", "type": "number", "options": ["a"]}),
    ] {
        let req = if body.get("key").is_some() {
            app.put(&path)
        } else {
            app.patch(&path)
        };
        let resp = req.bearer(token).json(&body).expect(400).await;
        assert_eq!(fields(&resp), ["options"], "{body}");
    }
    // Repeating them unchanged is fine.
    app.put(&path)
        .bearer(token)
        .json(&json!({"entity": "client", "key": "tier", "label": "Level", "type": "number"}))
        .expect(200)
        .await;
    let types: Vec<String> = app.events(&org).await.into_iter().map(|e| e.0).collect();
    assert_eq!(types, ["custom_field.created", "custom_field.updated"]);
}

async fn custom_field_filters(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    for (entity, key, label, status) in [
        ("client", "vat_group", "VAT group", "active"),
        ("client", "tier", "Customer tier", "active"),
        ("project", "phase", "Phase", "active"),
        ("task", "severity", "Severity", "active"),
        ("client", "legacy", "Legacy id", "archived"),
    ] {
        define(
            &app,
            token,
            json!({"entity": entity, "key": key, "label": label, "type": "text", "status": status}),
        )
        .await;
    }
    let get = |path: String| {
        let app = &app;
        async move { keys(&app.get(&path).bearer(token).expect(200).await) }
    };
    assert_eq!(
        get("/api/v1/custom-fields".into()).await,
        ["vat_group", "tier", "phase", "severity"]
    );
    assert_eq!(
        get("/api/v1/custom-fields?entity=client".into()).await,
        ["vat_group", "tier"]
    );
    assert_eq!(
        get("/api/v1/custom-fields?entity=client&status=all".into()).await,
        ["vat_group", "tier", "legacy"]
    );
    assert_eq!(
        get("/api/v1/custom-fields?status=archived".into()).await,
        ["legacy"]
    );
    assert_eq!(
        get("/api/v1/custom-fields?entity=task".into()).await,
        ["severity"]
    );
    assert_eq!(
        get("/api/v1/custom-fields?q=CUSTOMER".into()).await,
        ["tier"],
        "q searches labels"
    );
    assert_eq!(
        get("/api/v1/custom-fields?q=vat_g".into()).await,
        ["vat_group"],
        "q searches keys"
    );
    app.advance(chrono::Duration::minutes(10));
    let phase = app
        .get("/api/v1/custom-fields?entity=project")
        .bearer(token)
        .expect(200)
        .await
        .data()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.patch(&format!("/api/v1/custom-fields/{phase}"))
        .bearer(token)
        .json(&json!({"label": "Stage"}))
        .expect(200)
        .await;
    assert_eq!(
        get("/api/v1/custom-fields?updated_since=2026-03-02T09:05:00Z".into()).await,
        ["phase"]
    );
    app.get("/api/v1/custom-fields?entity=user")
        .bearer(token)
        .expect(400)
        .await
        .assert_code("invalid_query");
    app.get("/api/v1/custom-fields?status=bogus")
        .bearer(token)
        .expect(400)
        .await
        .assert_code("invalid_query");
}

async fn custom_field_if_match_guards_writes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let created = define(
        &app,
        token,
        json!({"entity": "client", "key": "tier", "label": "Tier", "type": "number"}),
    )
    .await;
    let path = format!("/api/v1/custom-fields/{}", created.str("/data/id"));
    let etag = created.header("etag").unwrap().to_owned();
    let ok = app
        .patch(&path)
        .bearer(token)
        .header("if-match", &etag)
        .json(&json!({"label": "Level"}))
        .expect(200)
        .await;
    app.patch(&path)
        .bearer(token)
        .header("if-match", &etag)
        .json(&json!({"label": "C"}))
        .expect(412)
        .await
        .assert_code("precondition_failed");
    app.put(&path)
        .bearer(token)
        .header("if-match", &etag)
        .json(&json!({"entity": "client", "key": "tier", "label": "C", "type": "number"}))
        .expect(412)
        .await;
    app.delete(&path)
        .bearer(token)
        .header("if-match", &etag)
        .expect(412)
        .await;
    app.delete(&path)
        .bearer(token)
        .header("if-match", ok.header("etag").unwrap())
        .expect(204)
        .await;
}

async fn members_read_custom_fields_but_cannot_write(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let member = app.add_member(&org, "member").await;
    let body = json!({"entity": "client", "key": "tier", "label": "Tier", "type": "number"});
    let id = define(&app, &org.owner.access, body.clone())
        .await
        .str("/data/id");
    let path = format!("/api/v1/custom-fields/{id}");
    app.get("/api/v1/custom-fields")
        .bearer(&member.access)
        .expect(200)
        .await;
    app.get(&path).bearer(&member.access).expect(200).await;
    let other = json!({"entity": "client", "key": "other", "label": "Other", "type": "text"});
    for req in [
        app.post("/api/v1/custom-fields").json(&other),
        app.patch(&path).json(&json!({"label": "x"})),
        app.put(&path).json(&body),
        app.delete(&path),
    ] {
        req.bearer(&member.access)
            .expect(403)
            .await
            .assert_code("insufficient_role");
    }
    app.activate_public_api(&org).await;
    let write = app.create_key(&org, None).await;
    let read = app.create_key(&org, Some(&["read"])).await;
    app.get(&path).api_key(&read.token).expect(200).await;
    for req in [
        app.post("/api/v1/custom-fields").json(&other),
        app.patch(&path).json(&json!({"label": "x"})),
        app.delete(&path),
    ] {
        req.api_key(&read.token)
            .expect(403)
            .await
            .assert_code("insufficient_scope");
    }
    app.post("/api/v1/custom-fields")
        .api_key(&write.token)
        .json(&other)
        .expect(201)
        .await;
    let types: Vec<String> = app.events(&org).await.into_iter().map(|e| e.0).collect();
    assert_eq!(types, ["custom_field.created", "custom_field.created"]);
}

async fn other_organizations_custom_fields_are_invisible(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let a = app.signup("A").await;
    let b = app.signup("B").await;
    let body = json!({"entity": "client", "key": "tier", "label": "Tier", "type": "number", "required": true});
    let a_field = define(&app, &a.owner.access, body.clone())
        .await
        .str("/data/id");
    let token = &b.owner.access;
    let path = format!("/api/v1/custom-fields/{a_field}");
    app.get(&path)
        .bearer(token)
        .expect(404)
        .await
        .assert_code("not_found");
    app.patch(&path)
        .bearer(token)
        .json(&json!({"label": "x"}))
        .expect(404)
        .await;
    app.put(&path).bearer(token).json(&body).expect(404).await;
    app.delete(&path).bearer(token).expect(404).await;
    let list = app
        .get("/api/v1/custom-fields?status=all")
        .bearer(token)
        .expect(200)
        .await;
    assert!(keys(&list).is_empty());
    // A's definitions neither require nor allow values in B's clients.
    app.post("/api/v1/clients")
        .bearer(token)
        .json(&json!({"name": "B's client"}))
        .expect(201)
        .await;
    let resp = app
        .post("/api/v1/clients")
        .bearer(token)
        .json(&json!({"name": "B's client", "custom_fields": {"tier": 1}}))
        .expect(404)
        .await;
    resp.assert_code("not_found");
    assert_eq!(fields(&resp), ["custom_fields.tier"]);
    let still = app.get(&path).bearer(&a.owner.access).expect(200).await;
    assert_eq!(still.data()["label"], "Tier");
    assert_eq!(still.header("etag"), Some("\"1\""));
}
