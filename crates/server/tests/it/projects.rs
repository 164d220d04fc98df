//! `/projects`: CRUD, currency defaults, billing rules, budgets to the
//! minute, validation naming fields, delete versus in-use (and the client a
//! project keeps from deletion), If-Match and events; lists are tested in
//! `filters`, roles and other organizations in `access`. The helpers here
//! serve the topics and tasks tests too.

use serde_json::{Value, json};

use crate::both_backends;
use crate::support::fixtures::OrgFixture;
use crate::support::http::Resp;
use crate::support::{Backend, TestApp};

mod access;
mod filters;

both_backends!(
    projects_crud_round_trip,
    project_currency_defaults_to_the_client_then_the_organization,
    project_validation_names_fields,
    project_billing_rules,
    projects_in_use_cannot_be_deleted_nor_their_client,
    project_if_match_guards_writes,
    project_events_record_each_change_exactly_once,
);

/// POSTs `body` to `path` as the owner and answers the new id.
pub async fn create(app: &TestApp, org: &OrgFixture, path: &str, body: Value) -> String {
    app.post(path)
        .bearer(&org.owner.access)
        .json(&body)
        .expect(201)
        .await
        .str("/data/id")
}

/// The `field`s of an error's details, sorted.
pub fn fields(resp: &Resp) -> Vec<String> {
    let mut fields: Vec<String> = resp.body["details"]
        .as_array()
        .unwrap_or_else(|| panic!("no details: {}", resp.text))
        .iter()
        .map(|d| d["field"].as_str().unwrap().to_owned())
        .collect();
    fields.sort();
    fields
}

/// The `key` of every listed object.
pub fn listed(resp: &Resp, key: &str) -> Vec<String> {
    resp.data()
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {}", resp.text))
        .iter()
        .map(|o| o[key].as_str().unwrap().to_owned())
        .collect()
}

async fn projects_crud_round_trip(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let client = create(&app, &org, "/api/v1/clients", json!({"name": "Globex"})).await;
    let member = app.add_member(&org, "member").await;
    let created = app
        .post("/api/v1/projects")
        .bearer(token)
        .json(&json!({
            "client_id": client,
            "name": " Website redesign ",
            "code": "WEB-1",
            "hourly_rate": "95.5",
            "budget_hours": "120.5",
            "budget_amount": 15000,
            "starts_on": "2026-03-01",
            "ends_on": "2026-06-30",
            "notes": "Phase one",
            "member_ids": [member.member_id, org.owner.member_id, member.member_id],
        }))
        .expect(201)
        .await;
    let data = created.data().clone();
    let id = data["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("prj_"));
    assert_eq!(
        created.header("location"),
        Some(format!("/api/v1/projects/{id}").as_str())
    );
    assert_eq!(created.header("etag"), Some("\"1\""));
    assert_eq!(data["name"], "Website redesign");
    assert_eq!(data["client_id"], client.as_str());
    assert_eq!(data["status"], "active");
    assert_eq!(data["billing_method"], "hourly");
    assert_eq!(data["currency"], "EUR");
    assert_eq!(data["hourly_rate"], "95.50");
    assert!(data["fixed_fee"].is_null());
    assert_eq!(data["budget_hours"], "120.50");
    assert_eq!(data["budget_amount"], "15000.00");
    assert_eq!(data["starts_on"], "2026-03-01");
    assert_eq!(data["ends_on"], "2026-06-30");
    let mut members = vec![member.member_id.clone(), org.owner.member_id.clone()];
    members.sort();
    assert_eq!(data["member_ids"], json!(members), "deduplicated, id order");
    assert_eq!(data["custom_fields"], json!({}));

    let path = format!("/api/v1/projects/{id}");
    let fetched = app.get(&path).bearer(token).expect(200).await;
    assert_eq!(fetched.data(), &data);
    assert_eq!(fetched.header("etag"), Some("\"1\""));

    // PATCH changes only what is sent.
    let patched = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"code": "WEB-2", "member_ids": [member.member_id], "ends_on": null}))
        .expect(200)
        .await;
    assert_eq!(patched.data()["code"], "WEB-2");
    assert_eq!(patched.data()["member_ids"], json!([member.member_id]));
    assert!(patched.data()["ends_on"].is_null());
    assert_eq!(patched.data()["hourly_rate"], "95.50");
    assert_eq!(patched.data()["budget_hours"], "120.50");
    assert_eq!(patched.data()["starts_on"], "2026-03-01");
    assert_eq!(patched.header("etag"), Some("\"2\""));
    let resp = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"name": null}))
        .expect(400)
        .await;
    assert_eq!(fields(&resp), ["name"]);

    // Completing keeps the project in the default list.
    app.patch(&path)
        .bearer(token)
        .json(&json!({"status": "completed"}))
        .expect(200)
        .await;
    let list = app.get("/api/v1/projects").bearer(token).expect(200).await;
    assert_eq!(listed(&list, "id"), [id.as_str()]);

    // PUT replaces everything: absent optional fields are cleared.
    let replaced = app
        .put(&path)
        .bearer(token)
        .json(&json!({"name": "Internal", "billing_method": "non_billable"}))
        .expect(200)
        .await;
    let data = replaced.data();
    assert_eq!(data["name"], "Internal");
    assert!(data["client_id"].is_null());
    assert!(data["code"].is_null());
    assert!(data["hourly_rate"].is_null());
    assert!(data["budget_hours"].is_null());
    assert_eq!(data["member_ids"], json!([]));
    assert_eq!(data["status"], "active");
    assert_eq!(data["billing_method"], "non_billable");

    // A write that changes nothing keeps the version.
    let same = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"name": "Internal"}))
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
        .json(&json!({"name": "x"}))
        .expect(404)
        .await;
    app.put(&path)
        .bearer(token)
        .json(&json!({"name": "x"}))
        .expect(404)
        .await;
}

async fn project_currency_defaults_to_the_client_then_the_organization(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let usd = create(
        &app,
        &org,
        "/api/v1/clients",
        json!({"name": "Initech", "currency": "USD"}),
    )
    .await;
    let jpy = create(
        &app,
        &org,
        "/api/v1/clients",
        json!({"name": "Nakatomi", "currency": "JPY"}),
    )
    .await;
    let of_client = app
        .post("/api/v1/projects")
        .bearer(token)
        .json(&json!({"name": "A", "client_id": usd, "hourly_rate": "120"}))
        .expect(201)
        .await;
    assert_eq!(of_client.data()["currency"], "USD");
    assert_eq!(of_client.data()["hourly_rate"], "120.00");
    let internal = app
        .post("/api/v1/projects")
        .bearer(token)
        .json(&json!({"name": "B"}))
        .expect(201)
        .await;
    assert_eq!(internal.data()["currency"], "EUR");
    let explicit = app
        .post("/api/v1/projects")
        .bearer(token)
        .json(&json!({"name": "C", "client_id": usd, "currency": "GBP"}))
        .expect(201)
        .await;
    assert_eq!(explicit.data()["currency"], "GBP");
    // Amounts follow the currency's decimals.
    let yen = app
        .post("/api/v1/projects")
        .bearer(token)
        .json(&json!({"name": "D", "client_id": jpy, "hourly_rate": "12000"}))
        .expect(201)
        .await;
    assert_eq!(yen.data()["hourly_rate"], "12000");
    let resp = app
        .post("/api/v1/projects")
        .bearer(token)
        .json(&json!({"name": "E", "client_id": jpy, "hourly_rate": "12000.50"}))
        .expect(201)
        .await;
    // Read in the client's currency: yen have no decimals, so it rounds.
    assert_eq!(resp.data()["hourly_rate"], "12001");
    // Changing the currency re-reads the amounts in the new one.
    let id = of_client.str("/data/id");
    let resp = app
        .patch(&format!("/api/v1/projects/{id}"))
        .bearer(token)
        .json(&json!({"currency": "JPY", "hourly_rate": "95.50"}))
        .expect(200)
        .await;
    assert_eq!(resp.data()["hourly_rate"], "96");
}

async fn project_validation_names_fields(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let resp = app
        .post("/api/v1/projects")
        .bearer(token)
        .json(&json!({
            "name": " ",
            "client_id": "cli_01jd8x2k4m6n8p9q0r1s2t3v4w",
            "code": "x".repeat(51),
            "hourly_rate": "-5",
            "budget_hours": "0.01",
            "budget_amount": "lots",
            "starts_on": "2026-06-30",
            "ends_on": "2026-03-01",
            "member_ids": [org.owner.member_id, "mem_01jd8x2k4m6n8p9q0r1s2t3v4w"],
        }))
        .expect(400)
        .await;
    resp.assert_code("validation_failed");
    assert_eq!(
        fields(&resp),
        [
            "budget_amount",
            "budget_hours",
            "client_id",
            "code",
            "ends_on",
            "hourly_rate",
            "member_ids[1]",
            "name"
        ]
    );
    let resp = app
        .post("/api/v1/projects")
        .bearer(token)
        .json(&json!({"name": "A", "currency": "EURO", "budget_hours": "-1", "notes": "n".repeat(10_001)}))
        .expect(400)
        .await;
    assert_eq!(fields(&resp), ["budget_hours", "currency", "notes"]);
    for (body, field, code) in [
        (
            json!({"name": "A", "colour": "red"}),
            "colour",
            "unknown_field",
        ),
        (
            json!({"name": "A", "billing_method": "barter"}),
            "billing_method",
            "validation_failed",
        ),
        (
            json!({"name": "A", "status": "paused"}),
            "status",
            "validation_failed",
        ),
        (
            json!({"name": "A", "starts_on": "31/12/2026"}),
            "starts_on",
            "validation_failed",
        ),
        (
            json!({"name": "A", "client_id": "prj_01jd8x2k4m6n8p9q0r1s2t3v4w"}),
            "client_id",
            "validation_failed",
        ),
        (
            json!({"name": "A", "hourly_rate": true}),
            "hourly_rate",
            "validation_failed",
        ),
        (json!({"code": "A"}), "name", "validation_failed"),
    ] {
        let resp = app
            .post("/api/v1/projects")
            .bearer(token)
            .json(&body)
            .expect(400)
            .await;
        resp.assert_code(code);
        assert_eq!(resp.body["details"][0]["field"], field, "{body}");
    }
    // Budgets are whole minutes written as hours.
    for (hours, shown) in [("1.5", "1.50"), ("0.05", "0.05"), ("2", "2.00")] {
        let resp = app
            .post("/api/v1/projects")
            .bearer(token)
            .json(&json!({"name": "Budget", "budget_hours": hours}))
            .expect(201)
            .await;
        assert_eq!(resp.data()["budget_hours"], shown);
    }
    let resp = app
        .post("/api/v1/projects")
        .bearer(token)
        .json(&json!({"name": "Budget", "budget_hours": 0.125}))
        .expect(400)
        .await;
    assert_eq!(fields(&resp), ["budget_hours"]);
    // Nothing was written by any refused request.
    let list = app
        .get("/api/v1/projects?status=all")
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(list.data().as_array().unwrap().len(), 3);
    let events = app.events(&org).await;
    assert_eq!(events.len(), 3);
}

async fn project_billing_rules(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    // Like Harvest: the fee and the rate are optional and kept whatever the
    // method; only the method they belong to uses them.
    app.post("/api/v1/projects")
        .bearer(token)
        .json(&json!({"name": "A", "billing_method": "fixed_fee"}))
        .expect(201)
        .await;
    let both = app
        .post("/api/v1/projects")
        .bearer(token)
        .json(&json!({"name": "B", "fixed_fee": "100", "hourly_rate": "90.005"}))
        .expect(201)
        .await;
    assert_eq!(both.data()["fixed_fee"], "100.00");
    // Extra decimals round half away from zero to the currency's minor unit.
    assert_eq!(both.data()["hourly_rate"], "90.01");
    let resp = app
        .post("/api/v1/projects")
        .bearer(token)
        .json(&json!({"name": "A", "billing_method": "fixed_fee", "fixed_fee": "-1"}))
        .expect(400)
        .await;
    assert_eq!(fields(&resp), ["fixed_fee"]);
    let fixed = app
        .post("/api/v1/projects")
        .bearer(token)
        .json(&json!({"name": "A", "billing_method": "fixed_fee", "fixed_fee": "12000"}))
        .expect(201)
        .await;
    assert_eq!(fixed.data()["fixed_fee"], "12000.00");
    let path = format!("/api/v1/projects/{}", fixed.str("/data/id"));
    let hourly = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"billing_method": "hourly", "fixed_fee": null, "hourly_rate": "80"}))
        .expect(200)
        .await;
    assert_eq!(hourly.data()["billing_method"], "hourly");
    assert!(hourly.data()["fixed_fee"].is_null());
    assert_eq!(hourly.data()["hourly_rate"], "80.00");
    app.patch(&path)
        .bearer(token)
        .json(&json!({"billing_method": "non_billable", "hourly_rate": null}))
        .expect(200)
        .await;
}

async fn projects_in_use_cannot_be_deleted_nor_their_client(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let client = create(&app, &org, "/api/v1/clients", json!({"name": "Globex"})).await;
    let other = create(&app, &org, "/api/v1/clients", json!({"name": "Initech"})).await;
    let project = create(
        &app,
        &org,
        "/api/v1/projects",
        json!({"name": "Site", "client_id": client}),
    )
    .await;
    let client_path = format!("/api/v1/clients/{client}");
    let project_path = format!("/api/v1/projects/{project}");

    // A client with a project is in use.
    app.delete(&client_path)
        .bearer(token)
        .expect(409)
        .await
        .assert_code("in_use");
    let task = create(
        &app,
        &org,
        "/api/v1/tasks",
        json!({"title": "Wireframes", "project_id": project}),
    )
    .await;
    app.delete(&project_path)
        .bearer(token)
        .expect(409)
        .await
        .assert_code("in_use");
    // Its tasks carry its client, so it cannot move to another one.
    let resp = app
        .patch(&project_path)
        .bearer(token)
        .json(&json!({"client_id": other}))
        .expect(409)
        .await;
    resp.assert_code("conflict");
    assert_eq!(fields(&resp), ["client_id"]);
    // Archiving is the way out, and other changes stay possible.
    app.patch(&project_path)
        .bearer(token)
        .json(&json!({"status": "archived", "name": "Old site"}))
        .expect(200)
        .await;

    app.delete(&format!("/api/v1/tasks/{task}"))
        .bearer(token)
        .expect(204)
        .await;
    app.patch(&project_path)
        .bearer(token)
        .json(&json!({"client_id": other}))
        .expect(200)
        .await;
    app.patch(&project_path)
        .bearer(token)
        .json(&json!({"client_id": client}))
        .expect(200)
        .await;
    app.delete(&client_path)
        .bearer(token)
        .expect(409)
        .await
        .assert_code("in_use");
    app.delete(&project_path).bearer(token).expect(204).await;
    app.delete(&client_path).bearer(token).expect(204).await;
    let types: Vec<String> = app.events(&org).await.into_iter().map(|(t, _)| t).collect();
    assert_eq!(
        types.iter().rev().take(2).collect::<Vec<_>>(),
        ["client.deleted", "project.deleted"]
    );
}

async fn project_if_match_guards_writes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let created = app
        .post("/api/v1/projects")
        .bearer(token)
        .json(&json!({"name": "A"}))
        .expect(201)
        .await;
    let path = format!("/api/v1/projects/{}", created.str("/data/id"));
    let etag = created.header("etag").unwrap().to_owned();
    let ok = app
        .patch(&path)
        .bearer(token)
        .header("if-match", &etag)
        .json(&json!({"name": "B"}))
        .expect(200)
        .await;
    app.patch(&path)
        .bearer(token)
        .header("if-match", &etag)
        .json(&json!({"name": "C"}))
        .expect(412)
        .await
        .assert_code("precondition_failed");
    app.put(&path)
        .bearer(token)
        .header("if-match", &etag)
        .json(&json!({"name": "C"}))
        .expect(412)
        .await;
    app.delete(&path)
        .bearer(token)
        .header("if-match", &etag)
        .expect(412)
        .await;
    assert_eq!(
        app.get(&path).bearer(token).expect(200).await.data()["name"],
        "B"
    );
    app.delete(&path)
        .bearer(token)
        .header("if-match", ok.header("etag").unwrap())
        .expect(204)
        .await;
}

async fn project_events_record_each_change_exactly_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let created = app
        .post("/api/v1/projects")
        .bearer(token)
        .json(&json!({"name": "Site", "hourly_rate": "90"}))
        .expect(201)
        .await;
    let id = created.str("/data/id");
    let path = format!("/api/v1/projects/{id}");
    app.patch(&path)
        .bearer(token)
        .json(&json!({"hourly_rate": "100", "member_ids": [org.owner.member_id]}))
        .expect(200)
        .await;
    app.patch(&path)
        .bearer(token)
        .json(&json!({"hourly_rate": "100.00"}))
        .expect(200)
        .await; // no change
    app.patch(&path)
        .bearer(token)
        .json(&json!({"budget_hours": "0.01"}))
        .expect(400)
        .await; // refused
    app.delete(&path).bearer(token).expect(204).await;
    let events = app.events(&org).await;
    let types: Vec<&str> = events.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types,
        ["project.created", "project.updated", "project.deleted"]
    );
    assert_eq!(events[0].1["object"], *created.data());
    assert_eq!(events[1].1["object"]["hourly_rate"], "100.00");
    assert_eq!(
        events[1].1["previous_attributes"],
        json!({"hourly_rate": "90.00", "member_ids": []})
    );
    assert_eq!(events[2].1["object"]["id"], id.as_str());
}
