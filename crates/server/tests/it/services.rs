//! `/services`: CRUD, defaults, validation naming fields, filters,
//! If-Match, events, roles (services and rates) and other organizations'
//! ids (services and rates). The rates themselves are tested in `rates`.

mod rates;

use serde_json::{Value, json};

use crate::both_backends;
use crate::support::fixtures::OrgFixture;
use crate::support::http::Resp;
use crate::support::{Backend, TestApp};

both_backends!(
    services_crud_round_trip,
    service_validation_names_fields,
    service_filters_and_paging,
    service_if_match_guards_writes,
    service_events_record_each_change_exactly_once,
    members_read_services_but_cannot_write,
    other_organizations_services_and_clients_answer_404,
);

fn fields(resp: &Resp) -> Vec<String> {
    let mut fields: Vec<String> = resp.body["details"]
        .as_array()
        .unwrap_or_else(|| panic!("no details: {}", resp.text))
        .iter()
        .map(|d| d["field"].as_str().unwrap().to_owned())
        .collect();
    fields.sort();
    fields
}

fn names(resp: &Resp) -> Vec<String> {
    resp.data()
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_owned())
        .collect()
}

pub(crate) async fn create_service(app: &TestApp, org: &OrgFixture, body: Value) -> String {
    app.post("/api/v1/services")
        .bearer(&org.owner.access)
        .json(&body)
        .expect(201)
        .await
        .str("/data/id")
}

pub(crate) async fn create_client(app: &TestApp, org: &OrgFixture, name: &str) -> String {
    app.post("/api/v1/clients")
        .bearer(&org.owner.access)
        .json(&json!({"name": name}))
        .expect(201)
        .await
        .str("/data/id")
}

async fn services_crud_round_trip(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let created = app
        .post("/api/v1/services")
        .bearer(token)
        .json(&json!({"name": "  Design ", "description": "UI work", "rate": "85.5"}))
        .expect(201)
        .await;
    let data = created.data();
    let id = data["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("svc_"));
    assert_eq!(
        created.header("location"),
        Some(format!("/api/v1/services/{id}").as_str())
    );
    assert_eq!(created.header("etag"), Some("\"1\""));
    assert_eq!(data["name"], "Design");
    assert_eq!(data["kind"], "hourly");
    assert_eq!(data["rate"], "85.50");
    assert_eq!(data["currency"], "EUR", "the organization's currency");
    assert_eq!(
        data["unit_code"], "HUR",
        "hourly services are sold by the hour"
    );
    assert_eq!(data["vat_rate"], "0.00");
    assert_eq!(data["rounding"], "none");
    assert_eq!(data["status"], "active");

    let fetched = app
        .get(&format!("/api/v1/services/{id}"))
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(fetched.data(), created.data());
    assert_eq!(fetched.header("etag"), Some("\"1\""));

    // PATCH changes only what is sent; rounding takes a number or a string.
    let path = format!("/api/v1/services/{id}");
    let patched = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"rate": 90, "rounding": 15, "vat_rate": "20", "unit_code": "DAY"}))
        .expect(200)
        .await;
    assert_eq!(patched.data()["rate"], "90.00");
    assert_eq!(patched.data()["rounding"], "15");
    assert_eq!(patched.data()["vat_rate"], "20.00");
    assert_eq!(patched.data()["unit_code"], "DAY");
    assert_eq!(patched.data()["description"], "UI work");
    assert_eq!(patched.header("etag"), Some("\"2\""));
    let patched = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"rounding": "30", "description": null, "unit_code": null}))
        .expect(200)
        .await;
    assert_eq!(patched.data()["rounding"], "30");
    assert!(patched.data()["description"].is_null());
    assert_eq!(
        patched.data()["unit_code"],
        "HUR",
        "null resets to the default"
    );
    let resp = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"name": null}))
        .expect(400)
        .await;
    assert_eq!(resp.body["details"][0]["field"], "name");

    // PUT replaces everything; a fixed service defaults to the unit "one".
    let replaced = app
        .put(&path)
        .bearer(token)
        .json(&json!({"name": "Logo", "kind": "fixed", "rate": "1200", "currency": "USD"}))
        .expect(200)
        .await;
    let data = replaced.data();
    assert_eq!(data["kind"], "fixed");
    assert_eq!(data["unit_code"], "C62");
    assert_eq!(data["rate"], "1200.00");
    assert_eq!(data["currency"], "USD");
    assert_eq!(data["vat_rate"], "0.00");
    assert_eq!(data["rounding"], "none");

    // A write that changes nothing keeps the version.
    let same = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"rate": "1200.00"}))
        .expect(200)
        .await;
    assert_eq!(same.header("etag"), replaced.header("etag"));

    // Archiving hides it from the default list.
    app.patch(&path)
        .bearer(token)
        .json(&json!({"status": "archived"}))
        .expect(200)
        .await;
    let list = app.get("/api/v1/services").bearer(token).expect(200).await;
    assert!(list.data().as_array().unwrap().is_empty());

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

async fn service_validation_names_fields(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let resp = app
        .post("/api/v1/services")
        .bearer(token)
        .json(&json!({
            "name": " ",
            "rate": "-1",
            "unit_code": "HOURS",
            "vat_rate": "101",
            "description": "x".repeat(2001),
        }))
        .expect(400)
        .await;
    resp.assert_code("validation_failed");
    assert_eq!(
        fields(&resp),
        ["description", "name", "rate", "unit_code", "vat_rate"]
    );
    // Amounts follow the currency's decimals; percentages have two.
    let resp = app
        .post("/api/v1/services")
        .bearer(token)
        .json(&json!({"name": "A", "rate": "12.3450000000001", "vat_rate": "5.555"}))
        .expect(400)
        .await;
    assert_eq!(fields(&resp), ["rate", "vat_rate"]);
    let resp = app
        .post("/api/v1/services")
        .bearer(token)
        .json(&json!({"name": "A", "rate": "12.5", "currency": "JPY"}))
        .expect(201)
        .await;
    assert_eq!(resp.data()["rate"], "13");
    let resp = app
        .post("/api/v1/services")
        .bearer(token)
        .json(&json!({"name": "A", "rate": "10", "currency": "EURO"}))
        .expect(400)
        .await;
    assert_eq!(fields(&resp), ["currency"]);
    let resp = app
        .post("/api/v1/services")
        .bearer(token)
        .json(&json!({"name": "A", "rate": "ten"}))
        .expect(400)
        .await;
    assert_eq!(fields(&resp), ["rate"]);
    // Type errors name their field.
    for (body, field) in [
        (json!({"name": "A", "kind": "monthly"}), "kind"),
        (json!({"name": "A", "rounding": 10}), "rounding"),
        (json!({"name": "A", "rounding": "quarter"}), "rounding"),
        (json!({"name": "A", "rate": true}), "rate"),
        (json!({"name": "A", "status": "deleted"}), "status"),
        (json!({"rate": "1"}), "name"),
    ] {
        let resp = app
            .post("/api/v1/services")
            .bearer(token)
            .json(&body)
            .expect(400)
            .await;
        assert_eq!(resp.body["details"][0]["field"], field, "{body}");
    }
    let resp = app
        .post("/api/v1/services")
        .bearer(token)
        .json(&json!({"name": "A", "price": "1"}))
        .expect(400)
        .await;
    resp.assert_code("unknown_field");
    assert_eq!(resp.body["details"][0]["field"], "price");
    // Every Rec. 20 code of the list is accepted.
    for code in ["MIN", "MON", "WEE", "ANN", "E48", "LS", "XPP", "H87", "SET"] {
        app.post("/api/v1/services")
            .bearer(token)
            .json(&json!({"name": code, "kind": "fixed", "unit_code": code, "vat_rate": "5.5"}))
            .expect(201)
            .await;
    }
    // Nothing was written by any refused request (one yen rate was rounded
    // and accepted above).
    let events = app.events(&org).await;
    assert!(events.iter().all(|(t, _)| t == "service.created"));
    assert_eq!(events.len(), 10);
}

async fn service_filters_and_paging(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    create_service(
        &app,
        &org,
        json!({"name": "Design", "description": "Visual 100% work"}),
    )
    .await;
    create_service(&app, &org, json!({"name": "Development"})).await;
    create_service(&app, &org, json!({"name": "Logo pack", "kind": "fixed"})).await;
    app.advance(chrono::Duration::minutes(20));
    let late = create_service(
        &app,
        &org,
        json!({"name": "Old consulting", "status": "archived"}),
    )
    .await;
    let get = |path: &str| {
        let app = &app;
        let path = path.to_owned();
        async move { app.get(&path).bearer(token).expect(200).await }
    };
    assert_eq!(
        names(&get("/api/v1/services").await),
        ["Design", "Development", "Logo pack"]
    );
    assert_eq!(
        names(&get("/api/v1/services?status=archived").await),
        ["Old consulting"]
    );
    assert_eq!(names(&get("/api/v1/services?status=all").await).len(), 4);
    assert_eq!(names(&get("/api/v1/services?q=DEV").await), ["Development"]);
    assert_eq!(
        names(&get("/api/v1/services?q=100%25").await),
        ["Design"],
        "description is searched, wildcards literally"
    );
    assert_eq!(
        names(&get("/api/v1/services?kind=fixed").await),
        ["Logo pack"]
    );
    assert_eq!(
        names(&get("/api/v1/services?kind=hourly&status=all").await),
        ["Design", "Development", "Old consulting"]
    );
    assert_eq!(
        names(&get("/api/v1/services?status=all&updated_since=2026-03-02T09:10:00Z").await),
        ["Old consulting"]
    );
    // A change brings an old row into the incremental sync.
    let design = get("/api/v1/services?q=design").await.str("/data/0/id");
    app.patch(&format!("/api/v1/services/{design}"))
        .bearer(token)
        .json(&json!({"rate": "10"}))
        .expect(200)
        .await;
    assert_eq!(
        names(&get("/api/v1/services?status=all&updated_since=2026-03-02T09:10:00Z").await),
        ["Design", "Old consulting"]
    );
    // Keyset paging walks every row once.
    let first = get("/api/v1/services?status=all&limit=3").await;
    assert_eq!(first.body["meta"]["has_more"], true);
    let cursor = first.str("/meta/next_cursor");
    let second = get(&format!(
        "/api/v1/services?status=all&limit=3&cursor={cursor}"
    ))
    .await;
    assert_eq!(second.data()[0]["id"], late.as_str());
    assert_eq!(second.body["meta"]["has_more"], false);
    for bad in [
        "/api/v1/services?kind=monthly",
        "/api/v1/services?status=bogus",
        "/api/v1/services?colour=red",
    ] {
        app.get(bad)
            .bearer(token)
            .expect(400)
            .await
            .assert_code("invalid_query");
    }
}

async fn service_if_match_guards_writes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let created = app
        .post("/api/v1/services")
        .bearer(token)
        .json(&json!({"name": "A"}))
        .expect(201)
        .await;
    let path = format!("/api/v1/services/{}", created.str("/data/id"));
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
    let current = app.get(&path).bearer(token).expect(200).await;
    assert_eq!(current.data()["name"], "B");
    app.delete(&path)
        .bearer(token)
        .header("if-match", ok.header("etag").unwrap())
        .expect(204)
        .await;
}

async fn service_events_record_each_change_exactly_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let created = app
        .post("/api/v1/services")
        .bearer(token)
        .json(&json!({"name": "Design", "rate": "80"}))
        .expect(201)
        .await;
    let id = created.str("/data/id");
    let path = format!("/api/v1/services/{id}");
    app.patch(&path)
        .bearer(token)
        .json(&json!({"rate": "90", "rounding": "15"}))
        .expect(200)
        .await;
    app.patch(&path)
        .bearer(token)
        .json(&json!({"rate": "90.0"}))
        .expect(200)
        .await; // no change
    app.patch(&path)
        .bearer(token)
        .json(&json!({"vat_rate": "200"}))
        .expect(400)
        .await; // refused
    app.delete(&path).bearer(token).expect(204).await;
    let events = app.events(&org).await;
    let types: Vec<&str> = events.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types,
        ["service.created", "service.updated", "service.deleted"]
    );
    assert_eq!(events[0].1["object"], *created.data());
    assert_eq!(events[1].1["object"]["rate"], "90.00");
    assert_eq!(
        events[1].1["previous_attributes"],
        json!({"rate": "80.00", "rounding": "none"})
    );
    assert_eq!(events[2].1["object"]["id"], id.as_str());
}

async fn members_read_services_but_cannot_write(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let member = app.add_member(&org, "member").await;
    let id = create_service(&app, &org, json!({"name": "Design"})).await;
    let client = create_client(&app, &org, "Globex").await;
    let rate_path = format!("/api/v1/clients/{client}/service-rates/{id}");
    app.put(&rate_path)
        .bearer(&org.owner.access)
        .json(&json!({"rate": "100"}))
        .expect(201)
        .await;
    app.get("/api/v1/services")
        .bearer(&member.access)
        .expect(200)
        .await;
    app.get(&format!("/api/v1/services/{id}"))
        .bearer(&member.access)
        .expect(200)
        .await;
    app.get(&format!("/api/v1/clients/{client}/service-rates"))
        .bearer(&member.access)
        .expect(200)
        .await;
    app.get(&rate_path).bearer(&member.access).expect(200).await;
    let writes = [
        ("POST", "/api/v1/services".to_owned(), json!({"name": "x"})),
        (
            "PATCH",
            format!("/api/v1/services/{id}"),
            json!({"name": "x"}),
        ),
        (
            "PUT",
            format!("/api/v1/services/{id}"),
            json!({"name": "x"}),
        ),
        ("DELETE", format!("/api/v1/services/{id}"), Value::Null),
        ("PUT", rate_path.clone(), json!({"rate": "1"})),
        ("DELETE", rate_path.clone(), Value::Null),
    ];
    for (method, path, body) in &writes {
        let mut req = app
            .req(method.parse().unwrap(), path)
            .bearer(&member.access);
        if !body.is_null() {
            req = req.json(body);
        }
        req.expect(403).await.assert_code("insufficient_role");
    }
    // A write key may; a read key may not.
    app.activate_public_api(&org).await;
    let write = app.create_key(&org, None).await;
    let read = app.create_key(&org, Some(&["read"])).await;
    for (method, path, body) in &writes {
        let mut req = app.req(method.parse().unwrap(), path).api_key(&read.token);
        if !body.is_null() {
            req = req.json(body);
        }
        req.expect(403).await.assert_code("insufficient_scope");
    }
    app.get(&rate_path).api_key(&read.token).expect(200).await;
    app.post("/api/v1/services")
        .api_key(&write.token)
        .json(&json!({"name": "By key"}))
        .expect(201)
        .await;
    app.put(&rate_path)
        .api_key(&write.token)
        .json(&json!({"rate": "110"}))
        .expect(200)
        .await;
    let types: Vec<String> = app.events(&org).await.into_iter().map(|e| e.0).collect();
    assert_eq!(
        types[types.len() - 3..],
        [
            "client_service_rate.created",
            "service.created",
            "client_service_rate.updated"
        ]
    );
}

async fn other_organizations_services_and_clients_answer_404(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let a = app.signup("A").await;
    let b = app.signup("B").await;
    let a_service = create_service(&app, &a, json!({"name": "A's"})).await;
    let a_client = create_client(&app, &a, "A's client").await;
    let b_service = create_service(&app, &b, json!({"name": "B's"})).await;
    let b_client = create_client(&app, &b, "B's client").await;
    app.put(&format!(
        "/api/v1/clients/{a_client}/service-rates/{a_service}"
    ))
    .bearer(&a.owner.access)
    .json(&json!({"rate": "10"}))
    .expect(201)
    .await;
    let token = &b.owner.access;
    let targets = [
        ("GET", format!("/api/v1/services/{a_service}"), Value::Null),
        (
            "PATCH",
            format!("/api/v1/services/{a_service}"),
            json!({"name": "x"}),
        ),
        (
            "PUT",
            format!("/api/v1/services/{a_service}"),
            json!({"name": "x"}),
        ),
        (
            "DELETE",
            format!("/api/v1/services/{a_service}"),
            Value::Null,
        ),
        (
            "GET",
            format!("/api/v1/clients/{a_client}/service-rates"),
            Value::Null,
        ),
        (
            "GET",
            format!("/api/v1/clients/{a_client}/service-rates/{a_service}"),
            Value::Null,
        ),
        (
            "PUT",
            format!("/api/v1/clients/{a_client}/service-rates/{a_service}"),
            json!({"rate": "1"}),
        ),
        (
            "DELETE",
            format!("/api/v1/clients/{a_client}/service-rates/{a_service}"),
            Value::Null,
        ),
        // Mixing one's own ids with another organization's.
        (
            "PUT",
            format!("/api/v1/clients/{b_client}/service-rates/{a_service}"),
            json!({"rate": "1"}),
        ),
        (
            "PUT",
            format!("/api/v1/clients/{a_client}/service-rates/{b_service}"),
            json!({"rate": "1"}),
        ),
        (
            "DELETE",
            format!("/api/v1/clients/{b_client}/service-rates/{a_service}"),
            Value::Null,
        ),
    ];
    for (method, path, body) in &targets {
        let mut req = app.req(method.parse().unwrap(), path).bearer(token);
        if !body.is_null() {
            req = req.json(body);
        }
        let resp = req.send().await;
        assert_eq!(resp.status, 404, "{method} {path}: {}", resp.text);
        resp.assert_code("not_found");
    }
    // B sees only its own; A's data is untouched and B recorded no rate.
    let list = app.get("/api/v1/services").bearer(token).expect(200).await;
    assert_eq!(names(&list), ["B's"]);
    let a_rate = app
        .get(&format!(
            "/api/v1/clients/{a_client}/service-rates/{a_service}"
        ))
        .bearer(&a.owner.access)
        .expect(200)
        .await;
    assert_eq!(a_rate.data()["rate"], "10.00");
    let a_svc = app
        .get(&format!("/api/v1/services/{a_service}"))
        .bearer(&a.owner.access)
        .expect(200)
        .await;
    assert_eq!(a_svc.data()["name"], "A's");
    let types: Vec<String> = app.events(&b).await.into_iter().map(|e| e.0).collect();
    assert_eq!(types, ["service.created", "client.created"]);
}
