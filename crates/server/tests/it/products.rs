//! `/products`: CRUD, defaults, validation naming fields (VAT rate against
//! its category), SKUs unique per organization, filters, If-Match, events,
//! roles and other organizations' ids.

use serde_json::{Value, json};

use crate::both_backends;
use crate::support::fixtures::OrgFixture;
use crate::support::http::Resp;
use crate::support::{Backend, TestApp};

both_backends!(
    products_crud_round_trip,
    product_validation_names_fields,
    vat_rate_must_match_the_category,
    skus_are_unique_per_organization,
    product_filters,
    product_if_match_guards_writes,
    product_events_record_each_change_exactly_once,
    members_read_products_but_cannot_write,
    other_organizations_products_answer_404,
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

async fn create_product(app: &TestApp, org: &OrgFixture, body: Value) -> String {
    app.post("/api/v1/products")
        .bearer(&org.owner.access)
        .json(&body)
        .expect(201)
        .await
        .str("/data/id")
}

async fn products_crud_round_trip(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let created = app
        .post("/api/v1/products")
        .bearer(token)
        .json(&json!({
            "name": "USB-C cable",
            "sku": " CAB-1 ",
            "description": "2 m",
            "unit_price": "12.5",
            "vat_rate": "20",
        }))
        .expect(201)
        .await;
    let data = created.data();
    let id = data["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("prd_"));
    assert_eq!(
        created.header("location"),
        Some(format!("/api/v1/products/{id}").as_str())
    );
    assert_eq!(created.header("etag"), Some("\"1\""));
    assert_eq!(data["sku"], "CAB-1");
    assert_eq!(data["unit_price"], "12.50");
    assert_eq!(data["currency"], "EUR", "the organization's currency");
    assert_eq!(data["unit_code"], "C62", "one, by default");
    assert_eq!(data["vat_rate"], "20.00");
    assert_eq!(data["vat_category"], "S");
    assert_eq!(data["status"], "active");

    let path = format!("/api/v1/products/{id}");
    let fetched = app.get(&path).bearer(token).expect(200).await;
    assert_eq!(fetched.data(), created.data());
    assert_eq!(fetched.header("etag"), Some("\"1\""));

    let patched = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"unit_price": 13, "unit_code": "H87", "description": null}))
        .expect(200)
        .await;
    assert_eq!(patched.data()["unit_price"], "13.00");
    assert_eq!(patched.data()["unit_code"], "H87");
    assert!(patched.data()["description"].is_null());
    assert_eq!(patched.data()["sku"], "CAB-1");
    assert_eq!(patched.header("etag"), Some("\"2\""));
    let resp = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"name": null}))
        .expect(400)
        .await;
    assert_eq!(resp.body["details"][0]["field"], "name");

    // PUT replaces everything: absent optional fields take their defaults.
    let replaced = app
        .put(&path)
        .bearer(token)
        .json(
            &json!({"name": "Export cable", "unit_price": "1500", "currency": "JPY",
            "vat_category": "G"}),
        )
        .expect(200)
        .await;
    let data = replaced.data();
    assert!(data["sku"].is_null());
    assert_eq!(data["unit_price"], "1500");
    assert_eq!(data["currency"], "JPY");
    assert_eq!(data["unit_code"], "C62");
    assert_eq!(data["vat_rate"], "0.00");
    assert_eq!(data["vat_category"], "G");

    let same = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"unit_price": "1500"}))
        .expect(200)
        .await;
    assert_eq!(same.header("etag"), replaced.header("etag"));
    // Category and rate go together: one sent alone is judged with the
    // stored other (409), both sent together as any body (400).
    let resp = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"vat_rate": "20"}))
        .expect(409)
        .await;
    resp.assert_code("conflict");
    app.patch(&path)
        .bearer(token)
        .json(&json!({"vat_category": "S", "vat_rate": "0"}))
        .expect(400)
        .await
        .assert_code("validation_failed");
    app.patch(&path)
        .bearer(token)
        .json(&json!({"vat_category": "S", "vat_rate": "20"}))
        .expect(200)
        .await;
    app.patch(&path)
        .bearer(token)
        .json(&json!({"vat_category": "G"}))
        .expect(409)
        .await;
    app.patch(&path)
        .bearer(token)
        .json(&json!({"vat_category": "G", "vat_rate": "0"}))
        .expect(200)
        .await;

    app.patch(&path)
        .bearer(token)
        .json(&json!({"status": "archived"}))
        .expect(200)
        .await;
    let list = app.get("/api/v1/products").bearer(token).expect(200).await;
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
        .json(&json!({"name": "x", "vat_category": "E"}))
        .expect(404)
        .await;
}

async fn product_validation_names_fields(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let resp = app
        .post("/api/v1/products")
        .bearer(token)
        .json(&json!({
            "name": "",
            "sku": "S".repeat(101),
            "unit_price": "-0.01",
            "unit_code": "BOXES",
            "vat_rate": "abc",
        }))
        .expect(400)
        .await;
    resp.assert_code("validation_failed");
    assert_eq!(
        fields(&resp),
        ["name", "sku", "unit_code", "unit_price", "vat_rate"]
    );
    let resp = app
        .post("/api/v1/products")
        .bearer(token)
        .json(&json!({"name": "A", "unit_price": "1.0010000000000", "vat_rate": "20"}))
        .expect(400)
        .await;
    assert_eq!(fields(&resp), ["unit_price"]);
    let resp = app
        .post("/api/v1/products")
        .bearer(token)
        .json(&json!({"name": "A", "unit_price": "1", "currency": "XXX", "vat_rate": "20"}))
        .expect(400)
        .await;
    assert_eq!(fields(&resp), ["currency"]);
    for (body, field) in [
        (json!({"name": "A", "vat_category": "X"}), "vat_category"),
        (json!({"name": "A", "vat_category": "s"}), "vat_category"),
        (json!({"name": "A", "unit_price": [1]}), "unit_price"),
        (json!({"vat_rate": "20"}), "name"),
    ] {
        let resp = app
            .post("/api/v1/products")
            .bearer(token)
            .json(&body)
            .expect(400)
            .await;
        assert_eq!(resp.body["details"][0]["field"], field, "{body}");
    }
    let resp = app
        .post("/api/v1/products")
        .bearer(token)
        .json(&json!({"name": "A", "price": "1"}))
        .expect(400)
        .await;
    resp.assert_code("unknown_field");
    assert_eq!(resp.body["details"][0]["field"], "price");
    let list = app
        .get("/api/v1/products?status=all")
        .bearer(token)
        .expect(200)
        .await;
    assert!(list.data().as_array().unwrap().is_empty());
    assert!(app.events(&org).await.is_empty());
}

async fn vat_rate_must_match_the_category(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    // Standard rate needs a rate above 0, given or not.
    for body in [
        json!({"name": "A"}),
        json!({"name": "A", "vat_rate": "0"}),
        json!({"name": "A", "vat_category": "S", "vat_rate": "0.00"}),
    ] {
        let resp = app
            .post("/api/v1/products")
            .bearer(token)
            .json(&body)
            .expect(400)
            .await;
        assert_eq!(fields(&resp), ["vat_rate"], "{body}");
    }
    // Every other category needs 0, which is their default.
    for category in ["Z", "E", "AE", "K", "G", "O"] {
        let resp = app
            .post("/api/v1/products")
            .bearer(token)
            .json(&json!({"name": "A", "vat_category": category, "vat_rate": "5.5"}))
            .expect(400)
            .await;
        assert_eq!(fields(&resp), ["vat_rate"], "{category}");
        let ok = app
            .post("/api/v1/products")
            .bearer(token)
            .json(&json!({"name": category, "vat_category": category}))
            .expect(201)
            .await;
        assert_eq!(ok.data()["vat_rate"], "0.00");
        assert_eq!(ok.data()["vat_category"], category);
    }
    // A malformed rate is reported once, as malformed.
    let resp = app
        .post("/api/v1/products")
        .bearer(token)
        .json(&json!({"name": "A", "vat_rate": "150"}))
        .expect(400)
        .await;
    assert_eq!(resp.body["details"].as_array().unwrap().len(), 1);
    assert_eq!(
        resp.body["details"][0]["message"],
        "must be between 0 and 100"
    );
    // Switching category needs the matching rate in the same patch.
    let id = create_product(&app, &org, json!({"name": "Book", "vat_rate": "5.5"})).await;
    let path = format!("/api/v1/products/{id}");
    let resp = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"vat_category": "E"}))
        .expect(409)
        .await;
    assert_eq!(fields(&resp), ["vat_category"]);
    let switched = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"vat_category": "E", "vat_rate": "0"}))
        .expect(200)
        .await;
    assert_eq!(switched.data()["vat_category"], "E");
    assert_eq!(switched.data()["vat_rate"], "0.00");
}

async fn skus_are_unique_per_organization(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let other = app.signup("Other").await;
    let token = &org.owner.access;
    let first = create_product(
        &app,
        &org,
        json!({"name": "Cable", "sku": "CAB-1", "vat_rate": "20"}),
    )
    .await;
    let second = create_product(
        &app,
        &org,
        json!({"name": "Plug", "sku": "PLG-1", "vat_rate": "20"}),
    )
    .await;
    // Products without a SKU never collide.
    create_product(&app, &org, json!({"name": "Misc 1", "vat_rate": "20"})).await;
    create_product(
        &app,
        &org,
        json!({"name": "Misc 2", "sku": " ", "vat_rate": "20"}),
    )
    .await;
    let before = app.events(&org).await.len();

    let resp = app
        .post("/api/v1/products")
        .bearer(token)
        .json(&json!({"name": "Cable again", "sku": " CAB-1", "vat_rate": "20"}))
        .expect(409)
        .await;
    resp.assert_code("conflict");
    assert!(resp.body["error"].as_str().unwrap().contains("CAB-1"));
    assert_eq!(resp.body["details"][0]["field"], "sku");
    let second_path = format!("/api/v1/products/{second}");
    app.patch(&second_path)
        .bearer(token)
        .json(&json!({"sku": "CAB-1"}))
        .expect(409)
        .await
        .assert_code("conflict");
    app.put(&second_path)
        .bearer(token)
        .json(&json!({"name": "Plug", "sku": "CAB-1", "vat_rate": "20"}))
        .expect(409)
        .await
        .assert_code("conflict");
    // Nothing changed and nothing was recorded.
    let plug = app.get(&second_path).bearer(token).expect(200).await;
    assert_eq!(plug.data()["sku"], "PLG-1");
    assert_eq!(plug.header("etag"), Some("\"1\""));
    assert_eq!(app.events(&org).await.len(), before);
    let list = app
        .get("/api/v1/products?status=all")
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(list.data().as_array().unwrap().len(), 4);

    // A product keeps its own SKU on update; another organization may use it.
    app.patch(&format!("/api/v1/products/{first}"))
        .bearer(token)
        .json(&json!({"sku": "CAB-1", "name": "Cable, 2 m"}))
        .expect(200)
        .await;
    create_product(
        &app,
        &other,
        json!({"name": "Their cable", "sku": "CAB-1", "vat_rate": "20"}),
    )
    .await;
    // A deleted product's SKU is free again.
    app.delete(&format!("/api/v1/products/{first}"))
        .bearer(token)
        .expect(204)
        .await;
    app.patch(&second_path)
        .bearer(token)
        .json(&json!({"sku": "CAB-1"}))
        .expect(200)
        .await;
}

async fn product_filters(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    create_product(
        &app,
        &org,
        json!({"name": "Cable", "sku": "CAB_1", "vat_rate": "20"}),
    )
    .await;
    create_product(
        &app,
        &org,
        json!({"name": "Plug", "description": "Fits every cable", "vat_rate": "20"}),
    )
    .await;
    app.advance(chrono::Duration::minutes(20));
    let late = create_product(
        &app,
        &org,
        json!({"name": "Old lamp", "sku": "LMP-9", "vat_rate": "20", "status": "archived"}),
    )
    .await;
    let get = |path: &str| {
        let app = &app;
        let path = path.to_owned();
        async move { app.get(&path).bearer(token).expect(200).await }
    };
    assert_eq!(names(&get("/api/v1/products").await), ["Cable", "Plug"]);
    assert_eq!(
        names(&get("/api/v1/products?status=archived").await),
        ["Old lamp"]
    );
    assert_eq!(names(&get("/api/v1/products?status=all").await).len(), 3);
    assert_eq!(
        names(&get("/api/v1/products?q=CABLE").await),
        ["Cable", "Plug"],
        "name and description"
    );
    assert_eq!(
        names(&get("/api/v1/products?q=b_1").await),
        ["Cable"],
        "SKU, with wildcards searched literally"
    );
    assert_eq!(
        names(&get("/api/v1/products?q=lmp&status=all").await),
        ["Old lamp"]
    );
    assert!(
        names(&get("/api/v1/products?q=lmp").await).is_empty(),
        "archived rows stay hidden"
    );
    let recent = get("/api/v1/products?status=all&updated_since=2026-03-02T09:10:00Z").await;
    assert_eq!(names(&recent), ["Old lamp"]);
    assert_eq!(recent.data()[0]["id"], late.as_str());
    let first = get("/api/v1/products?status=all&limit=2").await;
    assert_eq!(first.body["meta"]["has_more"], true);
    let cursor = first.str("/meta/next_cursor");
    let second = get(&format!(
        "/api/v1/products?status=all&limit=2&cursor={cursor}"
    ))
    .await;
    assert_eq!(names(&second), ["Old lamp"]);
    for bad in [
        "/api/v1/products?status=bogus",
        "/api/v1/products?sku=CAB",
        "/api/v1/products?limit=0",
    ] {
        app.get(bad)
            .bearer(token)
            .expect(400)
            .await
            .assert_code("invalid_query");
    }
}

async fn product_if_match_guards_writes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let created = app
        .post("/api/v1/products")
        .bearer(token)
        .json(&json!({"name": "A", "vat_category": "O"}))
        .expect(201)
        .await;
    let path = format!("/api/v1/products/{}", created.str("/data/id"));
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
        .json(&json!({"name": "C", "vat_category": "O"}))
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

async fn product_events_record_each_change_exactly_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let created = app
        .post("/api/v1/products")
        .bearer(token)
        .json(&json!({"name": "Cable", "unit_price": "10", "vat_rate": "20"}))
        .expect(201)
        .await;
    let id = created.str("/data/id");
    let path = format!("/api/v1/products/{id}");
    app.patch(&path)
        .bearer(token)
        .json(&json!({"unit_price": "12", "sku": "CAB-1"}))
        .expect(200)
        .await;
    app.patch(&path)
        .bearer(token)
        .json(&json!({"unit_price": "12.00"}))
        .expect(200)
        .await; // no change
    app.patch(&path)
        .bearer(token)
        .json(&json!({"vat_rate": "0"}))
        .expect(409)
        .await; // refused
    app.delete(&path).bearer(token).expect(204).await;
    let events = app.events(&org).await;
    let types: Vec<&str> = events.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types,
        ["product.created", "product.updated", "product.deleted"]
    );
    assert_eq!(events[0].1["object"], *created.data());
    assert_eq!(events[1].1["object"]["unit_price"], "12.00");
    assert_eq!(
        events[1].1["previous_attributes"],
        json!({"unit_price": "10.00", "sku": null})
    );
    assert_eq!(events[2].1["object"]["id"], id.as_str());
}

async fn members_read_products_but_cannot_write(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let member = app.add_member(&org, "member").await;
    let id = create_product(&app, &org, json!({"name": "Cable", "vat_rate": "20"})).await;
    let path = format!("/api/v1/products/{id}");
    app.get("/api/v1/products")
        .bearer(&member.access)
        .expect(200)
        .await;
    app.get(&path).bearer(&member.access).expect(200).await;
    let writes = [
        (
            "POST",
            "/api/v1/products".to_owned(),
            json!({"name": "x", "vat_rate": "20"}),
        ),
        ("PATCH", path.clone(), json!({"name": "x"})),
        ("PUT", path.clone(), json!({"name": "x", "vat_rate": "20"})),
        ("DELETE", path.clone(), Value::Null),
    ];
    for (method, target, body) in &writes {
        let mut req = app
            .req(method.parse().unwrap(), target)
            .bearer(&member.access);
        if !body.is_null() {
            req = req.json(body);
        }
        req.expect(403).await.assert_code("insufficient_role");
    }
    app.activate_public_api(&org).await;
    let write = app.create_key(&org, None).await;
    let read = app.create_key(&org, Some(&["read"])).await;
    for (method, target, body) in &writes {
        let mut req = app
            .req(method.parse().unwrap(), target)
            .api_key(&read.token);
        if !body.is_null() {
            req = req.json(body);
        }
        req.expect(403).await.assert_code("insufficient_scope");
    }
    app.get(&path).api_key(&read.token).expect(200).await;
    app.patch(&path)
        .api_key(&write.token)
        .json(&json!({"name": "By key"}))
        .expect(200)
        .await;
    let types: Vec<String> = app.events(&org).await.into_iter().map(|e| e.0).collect();
    assert_eq!(types, ["product.created", "product.updated"]);
}

async fn other_organizations_products_answer_404(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let a = app.signup("A").await;
    let b = app.signup("B").await;
    let a_product = create_product(&app, &a, json!({"name": "A's", "vat_rate": "20"})).await;
    let path = format!("/api/v1/products/{a_product}");
    let token = &b.owner.access;
    for (method, body) in [
        ("GET", Value::Null),
        ("PATCH", json!({"name": "x"})),
        ("PUT", json!({"name": "x", "vat_rate": "20"})),
        ("DELETE", Value::Null),
    ] {
        let mut req = app.req(method.parse().unwrap(), &path).bearer(token);
        if !body.is_null() {
            req = req.json(&body);
        }
        let resp = req.send().await;
        assert_eq!(resp.status, 404, "{method}: {}", resp.text);
        resp.assert_code("not_found");
    }
    let made_up = stint_core::ids::ProductId::generate();
    let unknown = app
        .get(&format!("/api/v1/products/{made_up}"))
        .bearer(token)
        .expect(404)
        .await;
    let foreign = app.get(&path).bearer(token).expect(404).await;
    assert_eq!(unknown.body["error"], foreign.body["error"]);
    let list = app.get("/api/v1/products").bearer(token).expect(200).await;
    assert!(list.data().as_array().unwrap().is_empty());
    let still = app.get(&path).bearer(&a.owner.access).expect(200).await;
    assert_eq!(still.data()["name"], "A's");
    assert!(app.events(&b).await.is_empty());
}
