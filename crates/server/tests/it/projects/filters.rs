//! `/projects` lists: every filter, `q`, statuses, `updated_since` and
//! custom-field conditions.

use serde_json::json;

use super::{create, fields, listed};
use crate::both_backends;
use crate::support::{Backend, TestApp};

both_backends!(
    project_filters,
    project_custom_fields_are_validated_and_filterable,
);

async fn project_filters(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let globex = create(&app, &org, "/api/v1/clients", json!({"name": "Globex"})).await;
    let initech = create(&app, &org, "/api/v1/clients", json!({"name": "Initech"})).await;
    let member = app.add_member(&org, "member").await;
    create(
        &app,
        &org,
        "/api/v1/projects",
        json!({"name": "Alpha site", "code": "ALP-100%", "client_id": globex, "member_ids": [member.member_id]}),
    )
    .await;
    create(
        &app,
        &org,
        "/api/v1/projects",
        json!({"name": "Beta app", "client_id": initech, "billing_method": "fixed_fee", "fixed_fee": "10", "status": "completed"}),
    )
    .await;
    create(
        &app,
        &org,
        "/api/v1/projects",
        json!({"name": "Gamma_ops", "billing_method": "non_billable", "member_ids": [member.member_id, org.owner.member_id]}),
    )
    .await;
    create(
        &app,
        &org,
        "/api/v1/projects",
        json!({"name": "Old alpha", "client_id": globex, "status": "archived"}),
    )
    .await;
    let names = |query: &str| {
        let app = &app;
        let path = format!("/api/v1/projects{query}");
        async move { listed(&app.get(&path).bearer(token).expect(200).await, "name") }
    };
    assert_eq!(names("").await, ["Alpha site", "Beta app", "Gamma_ops"]);
    assert_eq!(
        names("?status=active").await,
        ["Alpha site", "Beta app", "Gamma_ops"]
    );
    assert_eq!(names("?status=archived").await, ["Old alpha"]);
    assert_eq!(names("?status=completed").await, ["Beta app"]);
    assert_eq!(
        names("?status=active,archived").await,
        ["Alpha site", "Gamma_ops", "Old alpha"]
    );
    assert_eq!(names("?status=all").await.len(), 4);
    assert_eq!(names(&format!("?client_id={globex}")).await, ["Alpha site"]);
    assert_eq!(
        names(&format!("?client_id={globex}&status=all")).await,
        ["Alpha site", "Old alpha"]
    );
    assert_eq!(
        names(&format!("?member_id={}", member.member_id)).await,
        ["Alpha site", "Gamma_ops"]
    );
    assert_eq!(
        names(&format!("?member_id={}", org.owner.member_id)).await,
        ["Gamma_ops"]
    );
    assert_eq!(names("?billing_method=fixed_fee").await, ["Beta app"]);
    assert_eq!(names("?billing_method=hourly").await, ["Alpha site"]);
    assert_eq!(names("?q=ALPHA").await, ["Alpha site"]);
    assert_eq!(
        names("?q=alp-100%25").await,
        ["Alpha site"],
        "code, literally"
    );
    assert_eq!(names("?q=a_o").await, ["Gamma_ops"]);
    assert_eq!(
        names("?q=alpha&status=all").await,
        ["Alpha site", "Old alpha"]
    );
    assert_eq!(names("?limit=2").await, ["Alpha site", "Beta app"]);

    // updated_since: only what changed at or after the instant.
    app.advance(chrono::Duration::minutes(20));
    let beta = app
        .get("/api/v1/projects?q=beta")
        .bearer(token)
        .expect(200)
        .await
        .str("/data/0/id");
    app.patch(&format!("/api/v1/projects/{beta}"))
        .bearer(token)
        .json(&json!({"notes": "later"}))
        .expect(200)
        .await;
    assert_eq!(
        names("?updated_since=2026-03-02T09:10:00Z").await,
        ["Beta app"]
    );

    for bad in [
        "?status=paused",
        "?billing_method=barter",
        "?client_id=nonsense",
        "?member_id=cli_01jd8x2k4m6n8p9q0r1s2t3v4w",
        "?colour=red",
    ] {
        app.get(&format!("/api/v1/projects{bad}"))
            .bearer(token)
            .expect(400)
            .await
            .assert_code("invalid_query");
    }
}

async fn project_custom_fields_are_validated_and_filterable(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    app.define_custom_field(
        &org,
        "project",
        "department",
        "select",
        &["Design", "Ops"],
        true,
    )
    .await;
    app.define_custom_field(&org, "project", "priority", "number", &[], false)
        .await;
    // A client field is not a project field.
    app.define_custom_field(&org, "client", "vat_group", "text", &[], false)
        .await;
    let resp = app
        .post("/api/v1/projects")
        .bearer(token)
        .json(&json!({"name": "A"}))
        .expect(409)
        .await;
    assert_eq!(fields(&resp), ["custom_fields.department"]);
    let resp = app
        .post("/api/v1/projects")
        .bearer(token)
        .json(&json!({"name": "A", "custom_fields": {"department": "Sales", "priority": "high", "vat_group": "EU"}}))
        .expect(409)
        .await;
    assert_eq!(
        fields(&resp),
        [
            "custom_fields.department",
            "custom_fields.priority",
            "custom_fields.vat_group"
        ]
    );
    let design = create(
        &app,
        &org,
        "/api/v1/projects",
        json!({"name": "Design one", "custom_fields": {"department": "Design", "priority": 1}}),
    )
    .await;
    create(
        &app,
        &org,
        "/api/v1/projects",
        json!({"name": "Ops one", "custom_fields": {"department": "Ops", "priority": 2}}),
    )
    .await;
    let names = |query: &str| {
        let app = &app;
        let path = format!("/api/v1/projects{query}");
        async move { listed(&app.get(&path).bearer(token).expect(200).await, "name") }
    };
    assert_eq!(
        names("?custom_fields[department]=Design").await,
        ["Design one"]
    );
    assert_eq!(names("?custom_fields%5Bpriority%5D=2").await, ["Ops one"]);
    // A key that names no field of this entity: a missing reference.
    app.get("/api/v1/projects?custom_fields[vat_group]=EU")
        .bearer(token)
        .expect(404)
        .await
        .assert_code("not_found");
    let patched = app
        .patch(&format!("/api/v1/projects/{design}"))
        .bearer(token)
        .json(&json!({"custom_fields": {"priority": null}}))
        .expect(200)
        .await;
    assert_eq!(
        patched.data()["custom_fields"],
        json!({"department": "Design"})
    );
}
