//! `/contacts` and `/clients/{id}/contacts`: CRUD, validation naming
//! fields, filters, If-Match, roles, events and another organization's ids.
//! How contacts relate to their client (primary, moves, default contact,
//! cascade) is in `contacts/relations.rs`.

use serde_json::{Value, json};

use crate::both_backends;
use crate::support::http::Resp;
use crate::support::{Backend, TestApp};

mod relations;

both_backends!(
    contacts_crud_round_trip,
    contact_validation_names_fields,
    contact_filters_and_client_scoped_list,
    contact_if_match_guards_writes,
    members_read_contacts_but_cannot_write,
    other_organizations_contacts_are_invisible,
);

/// Creates a client through the API and answers its id.
async fn new_client(app: &TestApp, token: &str, name: &str) -> String {
    app.post("/api/v1/clients")
        .bearer(token)
        .json(&json!({"name": name}))
        .expect(201)
        .await
        .str("/data/id")
}

/// Creates a contact through the API.
async fn new_contact(app: &TestApp, token: &str, body: Value) -> Resp {
    app.post("/api/v1/contacts")
        .bearer(token)
        .json(&body)
        .expect(201)
        .await
}

fn names(resp: &Resp) -> Vec<String> {
    resp.data()
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect()
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

async fn contacts_crud_round_trip(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let client = new_client(&app, token, "Globex").await;
    let created = new_contact(
        &app,
        token,
        json!({
            "client_id": client,
            "name": " Ada ",
            "surname": "Lovelace",
            "email": "Ada@Globex.EXAMPLE",
            "job_title": "CFO",
            "phone": "+33 1 23 45 67 89",
        }),
    )
    .await;
    let data = created.data();
    let id = data["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("con_"));
    assert_eq!(
        created.header("location"),
        Some(format!("/api/v1/contacts/{id}").as_str())
    );
    assert_eq!(created.header("etag"), Some("\"1\""));
    assert_eq!(data["client_id"], client.as_str());
    assert_eq!(data["name"], "Ada");
    assert_eq!(data["email"], "ada@globex.example", "lower-cased");
    assert_eq!(data["is_primary"], false);
    assert_eq!(data["status"], "active");
    assert!(data["mobile_phone"].is_null());

    let path = format!("/api/v1/contacts/{id}");
    let fetched = app.get(&path).bearer(token).expect(200).await;
    assert_eq!(fetched.data(), created.data());
    assert_eq!(fetched.header("etag"), Some("\"1\""));

    // PATCH changes only what is sent.
    let patched = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"mobile_phone": "+33 6 00 00 00 00", "job_title": "CEO"}))
        .expect(200)
        .await;
    assert_eq!(patched.data()["mobile_phone"], "+33 6 00 00 00 00");
    assert_eq!(patched.data()["job_title"], "CEO");
    assert_eq!(patched.data()["surname"], "Lovelace");
    assert_eq!(patched.data()["email"], "ada@globex.example");
    assert_eq!(patched.header("etag"), Some("\"2\""));

    // null clears; required fields cannot be cleared.
    let cleared = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"surname": null}))
        .expect(200)
        .await;
    assert!(cleared.data()["surname"].is_null());
    for field in ["name", "email", "client_id"] {
        let resp = app
            .patch(&path)
            .bearer(token)
            .json(&json!({ field: null }))
            .expect(400)
            .await;
        assert_eq!(resp.body["details"][0]["field"], field);
    }

    // PUT replaces everything: absent optional fields are cleared.
    let replaced = app
        .put(&path)
        .bearer(token)
        .json(&json!({"client_id": client, "name": "Ada", "email": "ada@globex.example"}))
        .expect(200)
        .await;
    assert!(replaced.data()["job_title"].is_null());
    assert!(replaced.data()["phone"].is_null());
    assert!(replaced.data()["mobile_phone"].is_null());

    // A write that changes nothing keeps the version.
    let same = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"email": "ADA@globex.example"}))
        .expect(200)
        .await;
    assert_eq!(same.header("etag"), replaced.header("etag"));

    // Archived contacts leave the default list but stay readable.
    app.patch(&path)
        .bearer(token)
        .json(&json!({"status": "archived"}))
        .expect(200)
        .await;
    let list = app.get("/api/v1/contacts").bearer(token).expect(200).await;
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
        .json(&json!({"client_id": client, "name": "Ada", "email": "ada@globex.example"}))
        .expect(404)
        .await;
}

async fn contact_validation_names_fields(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let client = new_client(&app, token, "Globex").await;
    let resp = app
        .post("/api/v1/contacts")
        .bearer(token)
        .json(&json!({
            "client_id": "cli_01jd8x2k4m6n8p9q0r1s2t3v4w",
            "name": " ",
            "surname": "s".repeat(201),
            "email": "nope",
            "job_title": "j".repeat(201),
            "phone": "1".repeat(51),
            "mobile_phone": "2".repeat(51),
        }))
        .expect(400)
        .await;
    resp.assert_code("validation_failed");
    assert_eq!(
        fields(&resp),
        [
            "client_id",
            "email",
            "job_title",
            "mobile_phone",
            "name",
            "phone",
            "surname"
        ]
    );
    for (body, field, code) in [
        (
            json!({"name": "A", "email": "a@b.example"}),
            "client_id",
            "validation_failed",
        ),
        (
            json!({"client_id": client, "email": "a@b.example"}),
            "name",
            "validation_failed",
        ),
        (
            json!({"client_id": client, "name": "A"}),
            "email",
            "validation_failed",
        ),
        (
            json!({"client_id": client, "name": "A", "email": ""}),
            "email",
            "validation_failed",
        ),
        (
            json!({"client_id": "con_01jd8x2k4m6n8p9q0r1s2t3v4w", "name": "A", "email": "a@b.example"}),
            "client_id",
            "validation_failed",
        ),
        (
            json!({"client_id": client, "name": "A", "email": "a@b.example", "is_primary": "yes"}),
            "is_primary",
            "validation_failed",
        ),
        (
            json!({"client_id": client, "name": "A", "email": "a@b.example", "status": "gone"}),
            "status",
            "validation_failed",
        ),
        (
            json!({"client_id": client, "name": "A", "email": "a@b.example", "title": "Dr"}),
            "title",
            "unknown_field",
        ),
    ] {
        let resp = app
            .post("/api/v1/contacts")
            .bearer(token)
            .json(&body)
            .expect(400)
            .await;
        resp.assert_code(code);
        assert_eq!(resp.body["details"][0]["field"], field, "{body}");
    }
    // PATCH goes through the same rules.
    let id = new_contact(
        &app,
        token,
        json!({"client_id": client, "name": "A", "email": "a@b.example"}),
    )
    .await
    .str("/data/id");
    let resp = app
        .patch(&format!("/api/v1/contacts/{id}"))
        .bearer(token)
        .json(&json!({"email": "not an email", "name": ""}))
        .expect(400)
        .await;
    assert_eq!(fields(&resp), ["email", "name"]);
    let resp = app
        .patch(&format!("/api/v1/contacts/{id}"))
        .bearer(token)
        .json(&json!({"client_id": "cli_01jd8x2k4m6n8p9q0r1s2t3v4w"}))
        .expect(404)
        .await;
    assert_eq!(fields(&resp), ["client_id"]);
    // Only the client and the one contact were written.
    let types: Vec<String> = app.events(&org).await.into_iter().map(|e| e.0).collect();
    assert_eq!(types, ["client.created", "contact.created"]);
}

async fn contact_filters_and_client_scoped_list(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let globex = new_client(&app, token, "Globex").await;
    let initech = new_client(&app, token, "Initech").await;
    let empty = new_client(&app, token, "Nobody Inc").await;
    for (client, name, surname, email) in [
        (&globex, "Ada", "Lovelace", "ada@globex.example"),
        (&globex, "Grace", "Hopper", "grace@globex.example"),
        (&initech, "Alan", "Turing", "alan@initech.example"),
        (&initech, "Ada", "Byron", "ada@initech.example"),
    ] {
        new_contact(
            &app,
            token,
            json!({"client_id": client, "name": name, "surname": surname, "email": email}),
        )
        .await;
    }
    let archived = new_contact(
        &app,
        token,
        json!({"client_id": globex, "name": "Old", "email": "old@globex.example", "status": "archived"}),
    )
    .await;
    let get = |path: String| {
        let app = &app;
        async move { app.get(&path).bearer(token).expect(200).await }
    };
    assert_eq!(
        names(&get("/api/v1/contacts".into()).await),
        ["Ada", "Grace", "Alan", "Ada"]
    );
    assert_eq!(
        names(&get(format!("/api/v1/contacts?client_id={initech}")).await),
        ["Alan", "Ada"]
    );
    assert_eq!(
        names(&get("/api/v1/contacts?email=GRACE@globex.example".into()).await),
        ["Grace"]
    );
    assert_eq!(
        names(&get("/api/v1/contacts?q=ADA".into()).await),
        ["Ada", "Ada"]
    );
    assert_eq!(
        names(&get("/api/v1/contacts?q=hopp".into()).await),
        ["Grace"],
        "q searches surnames"
    );
    assert_eq!(
        names(&get("/api/v1/contacts?q=initech.example".into()).await),
        ["Alan", "Ada"],
        "q searches emails"
    );
    let only_archived = get("/api/v1/contacts?status=archived".into()).await;
    assert_eq!(names(&only_archived), ["Old"]);
    assert_eq!(only_archived.data()[0]["id"], archived.data()["id"]);
    assert_eq!(
        names(&get("/api/v1/contacts?status=all".into()).await).len(),
        5
    );

    // updated_since picks up changes after an instant.
    app.advance(chrono::Duration::minutes(5));
    let since = "2026-03-02T09:01:00Z";
    assert!(names(&get(format!("/api/v1/contacts?updated_since={since}")).await).is_empty());
    let alan = get("/api/v1/contacts?q=alan".into()).await.data()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.patch(&format!("/api/v1/contacts/{alan}"))
        .bearer(token)
        .json(&json!({"job_title": "Mathematician"}))
        .expect(200)
        .await;
    assert_eq!(
        names(&get(format!("/api/v1/contacts?updated_since={since}")).await),
        ["Alan"]
    );

    // Pagination walks every row once.
    let first = get("/api/v1/contacts?limit=3".into()).await;
    assert_eq!(first.body["meta"]["has_more"], true);
    let cursor = first.body["meta"]["next_cursor"].as_str().unwrap();
    let second = get(format!("/api/v1/contacts?limit=3&cursor={cursor}")).await;
    assert_eq!(names(&second), ["Ada"]);
    assert_eq!(second.body["meta"]["has_more"], false);

    // The client-scoped list takes the same filters.
    assert_eq!(
        names(&get(format!("/api/v1/clients/{globex}/contacts")).await),
        ["Ada", "Grace"]
    );
    assert_eq!(
        names(&get(format!("/api/v1/clients/{globex}/contacts?q=grace")).await),
        ["Grace"]
    );
    assert_eq!(
        names(&get(format!("/api/v1/clients/{globex}/contacts?status=all")).await),
        ["Ada", "Grace", "Old"]
    );
    assert_eq!(
        names(
            &get(format!(
                "/api/v1/clients/{initech}/contacts?email=ada@initech.example"
            ))
            .await
        ),
        ["Ada"]
    );
    assert!(names(&get(format!("/api/v1/clients/{empty}/contacts")).await).is_empty());
    let made_up = stint_core::ids::ClientId::generate();
    app.get(&format!("/api/v1/clients/{made_up}/contacts"))
        .bearer(token)
        .expect(404)
        .await
        .assert_code("not_found");
    app.get(&format!(
        "/api/v1/clients/{globex}/contacts?client_id={initech}"
    ))
    .bearer(token)
    .expect(400)
    .await
    .assert_code("invalid_query");
    app.get("/api/v1/contacts?status=bogus")
        .bearer(token)
        .expect(400)
        .await
        .assert_code("invalid_query");
    app.get("/api/v1/contacts?client_id=nonsense")
        .bearer(token)
        .expect(400)
        .await
        .assert_code("invalid_query");
}

async fn contact_if_match_guards_writes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let client = new_client(&app, token, "Globex").await;
    let created = new_contact(
        &app,
        token,
        json!({"client_id": client, "name": "Ada", "email": "ada@x.example"}),
    )
    .await;
    let path = format!("/api/v1/contacts/{}", created.str("/data/id"));
    let etag = created.header("etag").unwrap().to_owned();
    let ok = app
        .patch(&path)
        .bearer(token)
        .header("if-match", &etag)
        .json(&json!({"name": "Ada B"}))
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
        .json(&json!({"client_id": client, "name": "C", "email": "c@x.example"}))
        .expect(412)
        .await;
    app.delete(&path)
        .bearer(token)
        .header("if-match", &etag)
        .expect(412)
        .await;
    assert_eq!(
        app.get(&path).bearer(token).expect(200).await.data()["name"],
        "Ada B"
    );
    app.delete(&path)
        .bearer(token)
        .header("if-match", ok.header("etag").unwrap())
        .expect(204)
        .await;
    let types: Vec<String> = app.events(&org).await.into_iter().map(|e| e.0).collect();
    assert_eq!(
        types,
        [
            "client.created",
            "contact.created",
            "contact.updated",
            "contact.deleted"
        ]
    );
}

async fn members_read_contacts_but_cannot_write(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let member = app.add_member(&org, "member").await;
    let client = new_client(&app, token, "Globex").await;
    let id = new_contact(
        &app,
        token,
        json!({"client_id": client, "name": "Ada", "email": "ada@x.example"}),
    )
    .await
    .str("/data/id");
    let path = format!("/api/v1/contacts/{id}");
    app.get("/api/v1/contacts")
        .bearer(&member.access)
        .expect(200)
        .await;
    app.get(&format!("/api/v1/clients/{client}/contacts"))
        .bearer(&member.access)
        .expect(200)
        .await;
    app.get(&path).bearer(&member.access).expect(200).await;
    let body = json!({"client_id": client, "name": "X", "email": "x@x.example"});
    app.post("/api/v1/contacts")
        .bearer(&member.access)
        .json(&body)
        .expect(403)
        .await
        .assert_code("insufficient_role");
    app.patch(&path)
        .bearer(&member.access)
        .json(&json!({"name": "x"}))
        .expect(403)
        .await
        .assert_code("insufficient_role");
    app.put(&path)
        .bearer(&member.access)
        .json(&body)
        .expect(403)
        .await
        .assert_code("insufficient_role");
    app.delete(&path)
        .bearer(&member.access)
        .expect(403)
        .await
        .assert_code("insufficient_role");

    app.activate_public_api(&org).await;
    let write = app.create_key(&org, None).await;
    let read = app.create_key(&org, Some(&["read"])).await;
    app.get(&path).api_key(&read.token).expect(200).await;
    for req in [
        app.post("/api/v1/contacts").json(&body),
        app.patch(&path).json(&json!({"name": "x"})),
        app.delete(&path),
    ] {
        req.api_key(&read.token)
            .expect(403)
            .await
            .assert_code("insufficient_scope");
    }
    app.post("/api/v1/contacts")
        .api_key(&write.token)
        .json(&body)
        .expect(201)
        .await;
    let types: Vec<String> = app.events(&org).await.into_iter().map(|e| e.0).collect();
    assert_eq!(
        types,
        ["client.created", "contact.created", "contact.created"]
    );
}

async fn other_organizations_contacts_are_invisible(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let a = app.signup("A").await;
    let b = app.signup("B").await;
    let a_client = new_client(&app, &a.owner.access, "A's client").await;
    let a_contact = new_contact(
        &app,
        &a.owner.access,
        json!({"client_id": a_client, "name": "Ada", "email": "ada@a.example"}),
    )
    .await
    .str("/data/id");
    let token = &b.owner.access;
    let b_client = new_client(&app, token, "B's client").await;
    let path = format!("/api/v1/contacts/{a_contact}");
    app.get(&path)
        .bearer(token)
        .expect(404)
        .await
        .assert_code("not_found");
    app.patch(&path)
        .bearer(token)
        .json(&json!({"name": "x"}))
        .expect(404)
        .await;
    app.put(&path)
        .bearer(token)
        .json(&json!({"client_id": b_client, "name": "x", "email": "x@b.example"}))
        .expect(404)
        .await;
    app.delete(&path).bearer(token).expect(404).await;
    app.get(&format!("/api/v1/clients/{a_client}/contacts"))
        .bearer(token)
        .expect(404)
        .await;
    // A's client named in B's body is unknown to B.
    let resp = app
        .post("/api/v1/contacts")
        .bearer(token)
        .json(&json!({"client_id": a_client, "name": "x", "email": "x@b.example"}))
        .expect(404)
        .await;
    assert_eq!(fields(&resp), ["client_id"]);
    let b_contact = new_contact(
        &app,
        token,
        json!({"client_id": b_client, "name": "Bea", "email": "bea@b.example"}),
    )
    .await
    .str("/data/id");
    let resp = app
        .patch(&format!("/api/v1/contacts/{b_contact}"))
        .bearer(token)
        .json(&json!({"client_id": a_client}))
        .expect(404)
        .await;
    assert_eq!(fields(&resp), ["client_id"]);
    // A's contact cannot be B's client's default contact either.
    let resp = app
        .patch(&format!("/api/v1/clients/{b_client}"))
        .bearer(token)
        .json(&json!({"default_contact_id": a_contact}))
        .expect(404)
        .await;
    assert_eq!(fields(&resp), ["default_contact_id"]);
    // Lists only show one's own rows.
    let list = app.get("/api/v1/contacts").bearer(token).expect(200).await;
    assert_eq!(names(&list), ["Bea"]);
    let list = app
        .get(&format!("/api/v1/contacts?client_id={a_client}"))
        .bearer(token)
        .expect(200)
        .await;
    assert!(names(&list).is_empty());
    // A's contact is untouched.
    let still = app.get(&path).bearer(&a.owner.access).expect(200).await;
    assert_eq!(still.data()["name"], "Ada");
    assert_eq!(still.header("etag"), Some("\"1\""));
}
