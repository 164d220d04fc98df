//! `/clients`: CRUD, validation naming fields, filters, archive versus
//! delete, If-Match, Idempotency-Key and the event outbox.

use serde_json::json;

use crate::both_backends;
use crate::support::{Backend, TestApp};

both_backends!(
    clients_crud_round_trip,
    client_validation_names_fields,
    client_filters,
    client_custom_fields_are_validated_and_filterable,
    if_match_guards_writes,
    idempotency_keys_replay_the_first_response,
    events_record_each_change_exactly_once,
    members_read_clients_but_cannot_write,
);

async fn clients_crud_round_trip(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let created = app
        .post("/api/v1/clients")
        .bearer(token)
        .json(&json!({
            "name": "Globex Corporation",
            "email": "Billing@Globex.example",
            "address": {"street": "1 Main St", "city": "Springfield", "country_code": "US"},
            "payment_terms_days": 30,
        }))
        .expect(201)
        .await;
    let data = created.data();
    let id = data["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("cli_"));
    assert_eq!(
        created.header("location"),
        Some(format!("/api/v1/clients/{id}").as_str())
    );
    assert_eq!(created.header("etag"), Some("\"1\""));
    assert_eq!(data["initials"], "GC");
    assert_eq!(data["type"], "company");
    assert_eq!(data["email"], "billing@globex.example");
    assert_eq!(
        data["currency"], "EUR",
        "the organization's currency by default"
    );
    assert_eq!(data["address"]["country_code"], "US");
    assert_eq!(data["status"], "active");
    assert_eq!(data["group_ids"], json!([]));
    assert_eq!(data["custom_fields"], json!({}));

    let fetched = app
        .get(&format!("/api/v1/clients/{id}"))
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(fetched.data(), created.data());

    // PATCH changes only what is sent; nested address merges.
    let patched = app
        .patch(&format!("/api/v1/clients/{id}"))
        .bearer(token)
        .json(&json!({"phone": "+1 555 0100", "address": {"city": "Shelbyville"}}))
        .expect(200)
        .await;
    assert_eq!(patched.data()["phone"], "+1 555 0100");
    assert_eq!(patched.data()["address"]["city"], "Shelbyville");
    assert_eq!(patched.data()["address"]["street"], "1 Main St");
    assert_eq!(patched.data()["email"], "billing@globex.example");
    assert_eq!(patched.header("etag"), Some("\"2\""));

    // null clears; a required field cannot be cleared.
    let cleared = app
        .patch(&format!("/api/v1/clients/{id}"))
        .bearer(token)
        .json(&json!({"phone": null}))
        .expect(200)
        .await;
    assert!(cleared.data()["phone"].is_null());
    let resp = app
        .patch(&format!("/api/v1/clients/{id}"))
        .bearer(token)
        .json(&json!({"name": null}))
        .expect(400)
        .await;
    assert_eq!(resp.body["details"][0]["field"], "name");

    // PUT replaces everything: absent optional fields are cleared.
    let replaced = app
        .put(&format!("/api/v1/clients/{id}"))
        .bearer(token)
        .json(&json!({"name": "Globex", "type": "company", "currency": "USD"}))
        .expect(200)
        .await;
    assert_eq!(replaced.data()["name"], "Globex");
    assert!(replaced.data()["email"].is_null());
    assert!(replaced.data()["address"]["street"].is_null());
    assert_eq!(replaced.data()["currency"], "USD");

    // A write that changes nothing keeps the version.
    let same = app
        .patch(&format!("/api/v1/clients/{id}"))
        .bearer(token)
        .json(&json!({"name": "Globex"}))
        .expect(200)
        .await;
    assert_eq!(same.header("etag"), replaced.header("etag"));

    app.delete(&format!("/api/v1/clients/{id}"))
        .bearer(token)
        .expect(204)
        .await;
    app.get(&format!("/api/v1/clients/{id}"))
        .bearer(token)
        .expect(404)
        .await
        .assert_code("not_found");
    app.delete(&format!("/api/v1/clients/{id}"))
        .bearer(token)
        .expect(404)
        .await;
    app.patch(&format!("/api/v1/clients/{id}"))
        .bearer(token)
        .json(&json!({"name": "x"}))
        .expect(404)
        .await;
}

async fn client_validation_names_fields(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let resp = app
        .post("/api/v1/clients")
        .bearer(token)
        .json(&json!({
            "name": "",
            "email": "nope",
            "address": {"country_code": "XX"},
            "currency": "EURO",
            "locale": "French",
            "payment_terms_days": 400,
            "group_ids": ["cgr_01jd8x2k4m6n8p9q0r1s2t3v4w"],
        }))
        .expect(400)
        .await;
    resp.assert_code("validation_failed");
    let mut fields: Vec<&str> = resp.body["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "address.country_code",
            "currency",
            "email",
            "group_ids[0]",
            "locale",
            "name",
            "payment_terms_days"
        ]
    );

    // Codes and emails are taken exactly as the document lists them: a
    // lower-case code or a padded email is refused, not repaired.
    let resp = app
        .post("/api/v1/clients")
        .bearer(token)
        .json(&json!({
            "name": " \u{1}\t",
            "email": " ada@example.com",
            "address": {"country_code": "fr"},
            "currency": "eur",
        }))
        .expect(400)
        .await;
    let mut fields: Vec<&str> = resp.body["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        ["address.country_code", "currency", "email", "name"]
    );

    let resp = app
        .post("/api/v1/clients")
        .bearer(token)
        .json(&json!({"name": "A", "adress": {}}))
        .expect(400)
        .await;
    resp.assert_code("unknown_field");
    assert_eq!(resp.body["details"][0]["field"], "adress");
    let resp = app
        .post("/api/v1/clients")
        .bearer(token)
        .json(&json!({"name": "A", "address": {"town": "x"}}))
        .expect(400)
        .await;
    assert_eq!(resp.body["details"][0]["field"], "address.town");
    let resp = app
        .post("/api/v1/clients")
        .bearer(token)
        .json(&json!({"name": "A", "type": "robot"}))
        .expect(400)
        .await;
    assert_eq!(resp.body["details"][0]["field"], "type");
    let resp = app
        .post("/api/v1/clients")
        .bearer(token)
        .json(&json!({"name": 12}))
        .expect(400)
        .await;
    assert_eq!(resp.body["details"][0]["field"], "name");
    // A contact of nobody cannot be the default contact.
    let resp = app
        .post("/api/v1/clients")
        .bearer(token)
        .json(&json!({"name": "A", "default_contact_id": "con_01jd8x2k4m6n8p9q0r1s2t3v4w"}))
        .expect(404)
        .await;
    assert_eq!(resp.body["details"][0]["field"], "default_contact_id");
    // Nothing was written by any refused request.
    let list = app
        .get("/api/v1/clients?status=all")
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(list.data().as_array().unwrap().len(), 0);
    assert!(app.events(&org).await.is_empty());
}

async fn client_filters(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    for (name, country, email) in [
        ("Alpha Industries", "FR", "a@alpha.example"),
        ("Beta 100% Co", "DE", "b@beta.example"),
        ("Gamma_Labs", "FR", "hello@gamma.example"),
    ] {
        app.post("/api/v1/clients")
            .bearer(token)
            .json(&json!({"name": name, "email": email, "address": {"country_code": country}}))
            .expect(201)
            .await;
    }
    let archived = app
        .post("/api/v1/clients")
        .bearer(token)
        .json(&json!({"name": "Old Alpha", "status": "archived"}))
        .expect(201)
        .await;
    let names = |resp: &crate::support::http::Resp| -> Vec<String> {
        resp.data()
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let all_active = app.get("/api/v1/clients").bearer(token).expect(200).await;
    assert_eq!(
        names(&all_active),
        ["Alpha Industries", "Beta 100% Co", "Gamma_Labs"]
    );
    let archived_only = app
        .get("/api/v1/clients?status=archived")
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(names(&archived_only), ["Old Alpha"]);
    assert_eq!(archived_only.data()[0]["id"], archived.data()["id"]);
    let everything = app
        .get("/api/v1/clients?status=all")
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(names(&everything).len(), 4);
    let q = app
        .get("/api/v1/clients?q=ALPHA")
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(names(&q), ["Alpha Industries"]);
    let q = app
        .get("/api/v1/clients?q=gamma.example")
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(names(&q), ["Gamma_Labs"]);
    // LIKE wildcards are searched literally.
    let q = app
        .get("/api/v1/clients?q=100%25")
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(names(&q), ["Beta 100% Co"]);
    let q = app
        .get("/api/v1/clients?q=a_l")
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(names(&q), ["Gamma_Labs"]);
    let fr = app
        .get("/api/v1/clients?country_code=fr")
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(names(&fr), ["Alpha Industries", "Gamma_Labs"]);
    app.get("/api/v1/clients?status=bogus")
        .bearer(token)
        .expect(400)
        .await
        .assert_code("invalid_query");
    app.get("/api/v1/clients?group_id=nonsense")
        .bearer(token)
        .expect(400)
        .await
        .assert_code("invalid_query");
}

async fn client_custom_fields_are_validated_and_filterable(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    app.define_custom_field(
        &org,
        "client",
        "vat_group",
        "select",
        &["EU", "NON_EU"],
        true,
    )
    .await;
    app.define_custom_field(&org, "client", "tier", "number", &[], false)
        .await;
    app.define_custom_field(&org, "client", "vip", "boolean", &[], false)
        .await;
    app.define_custom_field(&org, "client", "since", "date", &[], false)
        .await;
    app.define_custom_field(
        &org,
        "client",
        "tags",
        "multi_select",
        &["a", "b", "c"],
        false,
    )
    .await;
    app.define_custom_field(&org, "client", "note", "text", &[], false)
        .await;

    let resp = app
        .post("/api/v1/clients")
        .bearer(token)
        .json(&json!({"name": "No group"}))
        .expect(409)
        .await;
    assert_eq!(resp.body["details"][0]["field"], "custom_fields.vat_group");
    let resp = app
        .post("/api/v1/clients")
        .bearer(token)
        .json(&json!({"name": "Bad", "custom_fields": {
            "vat_group": "MARS", "tier": "high", "vip": "yes", "since": "31/12/2025",
            "tags": ["a", "z"], "note": 5, "colour": "red"}}))
        .expect(409)
        .await;
    let mut fields: Vec<&str> = resp.body["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "custom_fields.colour",
            "custom_fields.note",
            "custom_fields.since",
            "custom_fields.tags",
            "custom_fields.tier",
            "custom_fields.vat_group",
            "custom_fields.vip"
        ]
    );

    let eu = app
        .post("/api/v1/clients")
        .bearer(token)
        .json(&json!({"name": "EU one", "custom_fields": {"vat_group": "EU", "tier": 2, "vip": true, "since": "2025-12-31", "tags": ["a", "b"], "note": "hi"}}))
        .expect(201)
        .await;
    assert_eq!(eu.data()["custom_fields"]["tier"], 2);
    app.post("/api/v1/clients")
        .bearer(token)
        .json(&json!({"name": "Non-EU one", "custom_fields": {"vat_group": "NON_EU", "tier": 3, "vip": false, "tags": ["c"]}}))
        .expect(201)
        .await;
    let names = |path: &str| {
        let app = &app;
        let path = path.to_owned();
        async move {
            let resp = app.get(&path).bearer(token).expect(200).await;
            resp.data()
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["name"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        names("/api/v1/clients?custom_fields[vat_group]=EU").await,
        ["EU one"]
    );
    assert_eq!(
        names("/api/v1/clients?custom_fields%5Bvat_group%5D=NON_EU").await,
        ["Non-EU one"]
    );
    assert_eq!(
        names("/api/v1/clients?custom_fields[tier]=3").await,
        ["Non-EU one"]
    );
    assert_eq!(
        names("/api/v1/clients?custom_fields[vip]=true").await,
        ["EU one"]
    );
    assert_eq!(
        names("/api/v1/clients?custom_fields[since]=2025-12-31").await,
        ["EU one"]
    );
    assert_eq!(
        names("/api/v1/clients?custom_fields[tags]=b").await,
        ["EU one"]
    );
    assert_eq!(
        names("/api/v1/clients?custom_fields[tags]=c&custom_fields[vip]=false").await,
        ["Non-EU one"]
    );
    // A well-formed key that names no field is a missing reference (404);
    // a key of the wrong shape is a malformed query (400).
    app.get("/api/v1/clients?custom_fields[nope]=1")
        .bearer(token)
        .expect(404)
        .await
        .assert_code("not_found");
    app.get("/api/v1/clients?custom_fields[No]=1")
        .bearer(token)
        .expect(400)
        .await
        .assert_code("invalid_query");
    // A value the field cannot hold matches nothing.
    assert!(
        names("/api/v1/clients?custom_fields[tier]=many")
            .await
            .is_empty()
    );

    // PATCH merges custom fields key by key; null removes one.
    let id = eu.data()["id"].as_str().unwrap();
    let patched = app
        .patch(&format!("/api/v1/clients/{id}"))
        .bearer(token)
        .json(&json!({"custom_fields": {"tier": 5, "note": null}}))
        .expect(200)
        .await;
    assert_eq!(patched.data()["custom_fields"]["tier"], 5);
    assert_eq!(patched.data()["custom_fields"]["vat_group"], "EU");
    assert!(patched.data()["custom_fields"].get("note").is_none());
}

async fn if_match_guards_writes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let created = app
        .post("/api/v1/clients")
        .bearer(token)
        .json(&json!({"name": "A"}))
        .expect(201)
        .await;
    let id = created.str("/data/id");
    let etag = created.header("etag").unwrap().to_owned();
    let path = format!("/api/v1/clients/{id}");
    let ok = app
        .patch(&path)
        .bearer(token)
        .header("if-match", &etag)
        .json(&json!({"name": "B"}))
        .expect(200)
        .await;
    // The old ETag is stale now, for PATCH, PUT and DELETE alike.
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
    app.delete(&path)
        .bearer(token)
        .header("if-match", "\"garbage\"")
        .expect(412)
        .await;
    let current = app.get(&path).bearer(token).expect(200).await;
    assert_eq!(current.data()["name"], "B");
    app.put(&path)
        .bearer(token)
        .header("if-match", ok.header("etag").unwrap())
        .json(&json!({"name": "C"}))
        .expect(200)
        .await;
    app.delete(&path)
        .bearer(token)
        .header("if-match", "*")
        .expect(204)
        .await;
}

async fn idempotency_keys_replay_the_first_response(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let first = app
        .post("/api/v1/clients")
        .bearer(token)
        .header("idempotency-key", "create-globex-1")
        .json(&json!({"name": "Globex"}))
        .expect(201)
        .await;
    let replay = app
        .post("/api/v1/clients")
        .bearer(token)
        .header("idempotency-key", "create-globex-1")
        .json(&json!({"name": "Globex"}))
        .expect(201)
        .await;
    assert_eq!(replay.body, first.body);
    assert_eq!(replay.header("location"), first.header("location"));
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    let list = app.get("/api/v1/clients").bearer(token).expect(200).await;
    assert_eq!(
        list.data().as_array().unwrap().len(),
        1,
        "the retry created a second client"
    );
    app.post("/api/v1/clients")
        .bearer(token)
        .header("idempotency-key", "create-globex-1")
        .json(&json!({"name": "Initech"}))
        .expect(409)
        .await
        .assert_code("idempotency_key_reused");
    // Keys are per caller: another organization may use the same key.
    let other = app.signup("Other").await;
    app.post("/api/v1/clients")
        .bearer(&other.owner.access)
        .header("idempotency-key", "create-globex-1")
        .json(&json!({"name": "Globex"}))
        .expect(201)
        .await;
    // Failed validations are replayed too (the request was answered).
    app.post("/api/v1/clients")
        .bearer(token)
        .header("idempotency-key", "bad-1")
        .json(&json!({"name": ""}))
        .expect(400)
        .await;
    let again = app
        .post("/api/v1/clients")
        .bearer(token)
        .header("idempotency-key", "bad-1")
        .json(&json!({"name": ""}))
        .expect(400)
        .await;
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    // After 24 hours a key may be used again.
    app.advance(chrono::Duration::hours(25));
    let fresh = app.sign_in(&org.owner.email, None).await;
    app.post("/api/v1/clients")
        .bearer(fresh["access"].as_str().unwrap())
        .header("idempotency-key", "create-globex-1")
        .json(&json!({"name": "Initech"}))
        .expect(201)
        .await;
    let long = "k".repeat(300);
    app.post("/api/v1/clients")
        .bearer(token)
        .header("idempotency-key", &long)
        .json(&json!({"name": "x"}))
        .expect(400)
        .await;
}

async fn events_record_each_change_exactly_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let created = app
        .post("/api/v1/clients")
        .bearer(token)
        .json(&json!({"name": "Globex", "email": "a@globex.example"}))
        .expect(201)
        .await;
    let id = created.str("/data/id");
    let path = format!("/api/v1/clients/{id}");
    app.patch(&path)
        .bearer(token)
        .json(&json!({"email": "b@globex.example", "notes": "VIP"}))
        .expect(200)
        .await;
    app.patch(&path)
        .bearer(token)
        .json(&json!({"email": "b@globex.example"}))
        .expect(200)
        .await; // no change
    app.patch(&path)
        .bearer(token)
        .json(&json!({"email": "not an email"}))
        .expect(400)
        .await; // refused
    app.delete(&path).bearer(token).expect(204).await;
    let events = app.events(&org).await;
    let types: Vec<&str> = events.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types,
        ["client.created", "client.updated", "client.deleted"]
    );
    assert_eq!(events[0].1["object"], *created.data());
    assert_eq!(events[1].1["object"]["email"], "b@globex.example");
    assert_eq!(
        events[1].1["previous_attributes"],
        json!({"email": "a@globex.example", "notes": null})
    );
    assert_eq!(events[2].1["object"]["id"], id.as_str());
}

async fn members_read_clients_but_cannot_write(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let member = app.add_member(&org, "member").await;
    let created = app
        .post("/api/v1/clients")
        .bearer(&org.owner.access)
        .json(&json!({"name": "Globex"}))
        .expect(201)
        .await;
    let id = created.str("/data/id");
    app.get("/api/v1/clients")
        .bearer(&member.access)
        .expect(200)
        .await;
    app.get(&format!("/api/v1/clients/{id}"))
        .bearer(&member.access)
        .expect(200)
        .await;
    app.post("/api/v1/clients")
        .bearer(&member.access)
        .json(&json!({"name": "x"}))
        .expect(403)
        .await
        .assert_code("insufficient_role");
    app.patch(&format!("/api/v1/clients/{id}"))
        .bearer(&member.access)
        .json(&json!({"name": "x"}))
        .expect(403)
        .await;
    app.delete(&format!("/api/v1/clients/{id}"))
        .bearer(&member.access)
        .expect(403)
        .await;
    // A write key may; a read key may not.
    app.activate_public_api(&org).await;
    let write = app.create_key(&org, None).await;
    let read = app.create_key(&org, Some(&["read"])).await;
    app.post("/api/v1/clients")
        .api_key(&write.token)
        .json(&json!({"name": "By key"}))
        .expect(201)
        .await;
    app.post("/api/v1/clients")
        .api_key(&read.token)
        .json(&json!({"name": "x"}))
        .expect(403)
        .await
        .assert_code("insufficient_scope");
    let events = app.events(&org).await;
    assert_eq!(events.last().unwrap().0, "client.created");
}
