//! Custom field values on clients, through the definitions API: every type
//! end to end, removing options in use, and delete versus archive.

use serde_json::json;

use super::{define, fields};
use crate::both_backends;
use crate::support::{Backend, TestApp};

both_backends!(
    every_type_is_enforced_on_clients,
    removing_an_option_in_use_is_allowed,
    custom_fields_in_use_are_archived_not_deleted,
);

/// For each type: a required client field defined over HTTP, a good value
/// accepted, a wrong one refused naming `custom_fields.<key>`, and the
/// requirement enforced on create and on PATCH.
async fn every_type_is_enforced_on_clients(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let cases = [
        ("note", "text", json!([]), json!("hello"), json!(5), "hello"),
        ("tier", "number", json!([]), json!(2.5), json!("2.5"), "2.5"),
        (
            "since",
            "date",
            json!([]),
            json!("2026-03-31"),
            json!("31/03/2026"),
            "2026-03-31",
        ),
        (
            "vip",
            "boolean",
            json!([]),
            json!(true),
            json!("yes"),
            "true",
        ),
        (
            "vat_group",
            "select",
            json!(["EU", "NON_EU"]),
            json!("EU"),
            json!("MARS"),
            "EU",
        ),
        (
            "tags",
            "multi_select",
            json!(["a", "b", "c"]),
            json!(["a", "c"]),
            json!(["a", "z"]),
            "c",
        ),
    ];
    for (key, field_type, options, good, bad, filter) in cases {
        let field = format!("custom_fields.{key}");
        let definition = define(
            &app,
            token,
            json!({"entity": "client", "key": key, "label": key, "type": field_type, "options": options, "required": true}),
        )
        .await
        .str("/data/id");

        // Required on create.
        let resp = app
            .post("/api/v1/clients")
            .bearer(token)
            .json(&json!({"name": format!("{key} client")}))
            .expect(409)
            .await;
        assert_eq!(fields(&resp), [field.as_str()], "{field_type}");
        // A wrong value names the field.
        let resp = app
            .post("/api/v1/clients")
            .bearer(token)
            .json(&json!({"name": "x", "custom_fields": {key: bad}}))
            .expect(409)
            .await;
        resp.assert_code("conflict");
        assert_eq!(fields(&resp), [field.as_str()], "{field_type}");
        // A good value is stored as sent and filterable.
        let created = app
            .post("/api/v1/clients")
            .bearer(token)
            .json(&json!({"name": format!("{key} client"), "custom_fields": {key: good}}))
            .expect(201)
            .await;
        assert_eq!(created.data()["custom_fields"][key], good, "{field_type}");
        let client = created.str("/data/id");
        let found = app
            .get(&format!("/api/v1/clients?custom_fields[{key}]={filter}"))
            .bearer(token)
            .expect(200)
            .await;
        assert_eq!(found.data()[0]["id"], client.as_str(), "{field_type}");
        let path = format!("/api/v1/clients/{client}");
        // Required on PATCH: the value cannot be removed or blanked.
        for cleared in [json!(null), json!([]), json!("  ")] {
            let resp = app
                .patch(&path)
                .bearer(token)
                .json(&json!({"custom_fields": {key: cleared}}))
                .expect(409)
                .await;
            assert_eq!(fields(&resp), [field.as_str()], "{field_type} {cleared}");
        }
        let resp = app
            .patch(&path)
            .bearer(token)
            .json(&json!({"custom_fields": {key: bad}}))
            .expect(409)
            .await;
        assert_eq!(fields(&resp), [field.as_str()], "{field_type}");
        // Once archived the field is no longer required (but still typed).
        app.patch(&format!("/api/v1/custom-fields/{definition}"))
            .bearer(token)
            .json(&json!({"status": "archived"}))
            .expect(200)
            .await;
        app.patch(&path)
            .bearer(token)
            .json(&json!({"custom_fields": {key: bad}}))
            .expect(409)
            .await;
        let patched = app
            .patch(&path)
            .bearer(token)
            .json(&json!({"custom_fields": {key: null}}))
            .expect(200)
            .await;
        assert!(patched.data()["custom_fields"].get(key).is_none());
    }
    // Making a field required later applies to existing clients' next write.
    let loner = app
        .post("/api/v1/clients")
        .bearer(token)
        .json(&json!({"name": "Loner"}))
        .expect(201)
        .await
        .str("/data/id");
    define(
        &app,
        token,
        json!({"entity": "client", "key": "region", "label": "Region", "type": "text", "required": true}),
    )
    .await;
    let resp = app
        .patch(&format!("/api/v1/clients/{loner}"))
        .bearer(token)
        .json(&json!({"notes": "x"}))
        .expect(409)
        .await;
    assert_eq!(fields(&resp), ["custom_fields.region"]);
    // Project and task fields do not apply to clients.
    define(
        &app,
        token,
        json!({"entity": "project", "key": "phase", "label": "Phase", "type": "text", "required": true}),
    )
    .await;
    let resp = app
        .patch(&format!("/api/v1/clients/{loner}"))
        .bearer(token)
        .json(&json!({"custom_fields": {"region": "EMEA", "phase": "x"}}))
        .expect(404)
        .await;
    resp.assert_code("not_found");
    assert_eq!(fields(&resp), ["custom_fields.phase"]);
    app.patch(&format!("/api/v1/clients/{loner}"))
        .bearer(token)
        .json(&json!({"custom_fields": {"region": "EMEA"}}))
        .expect(200)
        .await;
}

async fn removing_an_option_in_use_is_allowed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let single = define(
        &app,
        token,
        json!({"entity": "client", "key": "size", "label": "Size", "type": "select", "options": ["s", "m", "l"]}),
    )
    .await
    .str("/data/id");
    define(
        &app,
        token,
        json!({"entity": "client", "key": "tags", "label": "Tags", "type": "multi_select", "options": ["a", "b"]}),
    )
    .await;
    let client = app
        .post("/api/v1/clients")
        .bearer(token)
        .json(&json!({"name": "Globex", "custom_fields": {"size": "l", "tags": ["a"]}}))
        .expect(201)
        .await
        .str("/data/id");
    let path = format!("/api/v1/clients/{client}");
    let events_before = app.events(&org).await.len();
    app.patch(&format!("/api/v1/custom-fields/{single}"))
        .bearer(token)
        .json(&json!({"options": ["s", "m"]}))
        .expect(200)
        .await;
    // The stored value is left as it was (no client event) and still shown
    // and filterable.
    let now = app.get(&path).bearer(token).expect(200).await;
    assert_eq!(now.data()["custom_fields"]["size"], "l");
    let found = app
        .get("/api/v1/clients?custom_fields[size]=l")
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(found.data().as_array().unwrap().len(), 1);
    let types: Vec<String> = app.events(&org).await[events_before..]
        .iter()
        .map(|e| e.0.clone())
        .collect();
    assert_eq!(types, ["custom_field.updated"]);
    // The next write of the client must replace it with a current option.
    let resp = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"notes": "x"}))
        .expect(409)
        .await;
    assert_eq!(fields(&resp), ["custom_fields.size"]);
    let fixed = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"notes": "x", "custom_fields": {"size": "m"}}))
        .expect(200)
        .await;
    assert_eq!(fixed.data()["custom_fields"]["size"], "m");
}

async fn custom_fields_in_use_are_archived_not_deleted(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let used = define(
        &app,
        token,
        json!({"entity": "client", "key": "region", "label": "Region", "type": "text"}),
    )
    .await
    .str("/data/id");
    // The same key on another entity is a different field.
    let project_region = define(
        &app,
        token,
        json!({"entity": "project", "key": "region", "label": "Region", "type": "text"}),
    )
    .await
    .str("/data/id");
    let client = app
        .post("/api/v1/clients")
        .bearer(token)
        .json(&json!({"name": "Globex", "custom_fields": {"region": "EMEA"}}))
        .expect(201)
        .await
        .str("/data/id");
    let before = app.events(&org).await.len();
    let resp = app
        .delete(&format!("/api/v1/custom-fields/{used}"))
        .bearer(token)
        .expect(409)
        .await;
    resp.assert_code("in_use");
    assert!(resp.body["error"].as_str().unwrap().contains("archive"));
    assert_eq!(
        app.events(&org).await.len(),
        before,
        "a refusal records nothing"
    );
    app.delete(&format!("/api/v1/custom-fields/{project_region}"))
        .bearer(token)
        .expect(204)
        .await;
    // Archiving keeps the values.
    app.patch(&format!("/api/v1/custom-fields/{used}"))
        .bearer(token)
        .json(&json!({"status": "archived"}))
        .expect(200)
        .await;
    let c = app
        .get(&format!("/api/v1/clients/{client}"))
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(c.data()["custom_fields"]["region"], "EMEA");
    // Once no client has a value, it can go.
    app.patch(&format!("/api/v1/clients/{client}"))
        .bearer(token)
        .json(&json!({"custom_fields": {"region": null}}))
        .expect(200)
        .await;
    app.delete(&format!("/api/v1/custom-fields/{used}"))
        .bearer(token)
        .expect(204)
        .await;
    let types: Vec<String> = app.events(&org).await[before..]
        .iter()
        .map(|e| e.0.clone())
        .collect();
    assert_eq!(
        types,
        [
            "custom_field.deleted",
            "custom_field.updated",
            "client.updated",
            "custom_field.deleted"
        ]
    );
}
