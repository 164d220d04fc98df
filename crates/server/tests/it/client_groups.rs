//! `/client-groups`: CRUD, validation naming fields, filters, clients_count,
//! the clients list's `group_id` filter, deleting a group its clients are
//! in, If-Match, roles, events and another organization's ids.

use serde_json::{Value, json};

use crate::both_backends;
use crate::support::http::Resp;
use crate::support::{Backend, TestApp};

both_backends!(
    client_groups_crud_round_trip,
    client_group_validation_names_fields,
    client_group_filters,
    clients_count_and_the_clients_group_filter,
    deleting_a_group_removes_it_from_its_clients,
    client_group_if_match_guards_writes,
    members_read_client_groups_but_cannot_write,
    other_organizations_client_groups_are_invisible,
);

async fn new_group(app: &TestApp, token: &str, body: Value) -> Resp {
    app.post("/api/v1/client-groups")
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

async fn client_groups_crud_round_trip(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let created = new_group(&app, token, json!({"name": " Key accounts "})).await;
    let data = created.data();
    let id = data["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("cgr_"));
    assert_eq!(
        created.header("location"),
        Some(format!("/api/v1/client-groups/{id}").as_str())
    );
    assert_eq!(created.header("etag"), Some("\"1\""));
    assert_eq!(data["name"], "Key accounts");
    assert_eq!(data["initials"], "KA", "derived like a client's");
    assert_eq!(data["status"], "active");
    assert_eq!(data["clients_count"], 0);

    let path = format!("/api/v1/client-groups/{id}");
    let fetched = app.get(&path).bearer(token).expect(200).await;
    assert_eq!(fetched.data(), created.data());
    assert_eq!(fetched.header("etag"), Some("\"1\""));

    let patched = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"initials": "VIP"}))
        .expect(200)
        .await;
    assert_eq!(patched.data()["initials"], "VIP");
    assert_eq!(patched.data()["name"], "Key accounts");
    assert_eq!(patched.header("etag"), Some("\"2\""));
    let resp = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"name": null}))
        .expect(400)
        .await;
    assert_eq!(resp.body["details"][0]["field"], "name");

    // PUT replaces: absent initials are derived again.
    let replaced = app
        .put(&path)
        .bearer(token)
        .json(&json!({"name": "Small business", "status": "archived"}))
        .expect(200)
        .await;
    assert_eq!(replaced.data()["initials"], "SB");
    assert_eq!(replaced.data()["status"], "archived");

    let same = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"name": "Small business"}))
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

    let events = app.events(&org).await;
    let types: Vec<&str> = events.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types,
        [
            "client_group.created",
            "client_group.updated",
            "client_group.updated",
            "client_group.deleted"
        ]
    );
    assert_eq!(events[0].1["object"], *created.data());
    assert_eq!(
        events[1].1["previous_attributes"],
        json!({"initials": "KA"})
    );
    assert_eq!(
        events[2].1["previous_attributes"],
        json!({"name": "Key accounts", "initials": "VIP", "status": "active"})
    );
    assert_eq!(events[3].1["object"]["id"], id.as_str());
}

async fn client_group_validation_names_fields(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let resp = app
        .post("/api/v1/client-groups")
        .bearer(token)
        .json(&json!({"name": "", "initials": "ABCDEFGHIJK"}))
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
    assert_eq!(fields, ["initials", "name"]);
    for (body, field, code) in [
        (json!({}), "name", "validation_failed"),
        (
            json!({"name": "x".repeat(201)}),
            "name",
            "validation_failed",
        ),
        (json!({"name": 5}), "name", "validation_failed"),
        (
            json!({"name": "A", "status": "gone"}),
            "status",
            "validation_failed",
        ),
        (
            json!({"name": "A", "colour": "red"}),
            "colour",
            "unknown_field",
        ),
        (
            json!({"name": "A", "clients_count": 3}),
            "clients_count",
            "unknown_field",
        ),
    ] {
        let resp = app
            .post("/api/v1/client-groups")
            .bearer(token)
            .json(&body)
            .expect(400)
            .await;
        resp.assert_code(code);
        assert_eq!(resp.body["details"][0]["field"], field, "{body}");
    }
    assert!(app.events(&org).await.is_empty());
}

async fn client_group_filters(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    new_group(&app, token, json!({"name": "Key accounts"})).await;
    let smb = new_group(
        &app,
        token,
        json!({"name": "Small business", "initials": "SMB"}),
    )
    .await
    .str("/data/id");
    new_group(
        &app,
        token,
        json!({"name": "Old 100%", "status": "archived"}),
    )
    .await;
    let get = |path: String| {
        let app = &app;
        async move { app.get(&path).bearer(token).expect(200).await }
    };
    assert_eq!(
        names(&get("/api/v1/client-groups".into()).await),
        ["Key accounts", "Small business"]
    );
    assert_eq!(
        names(&get("/api/v1/client-groups?status=archived".into()).await),
        ["Old 100%"]
    );
    assert_eq!(
        names(&get("/api/v1/client-groups?status=all".into()).await).len(),
        3
    );
    assert_eq!(
        names(&get("/api/v1/client-groups?q=KEY".into()).await),
        ["Key accounts"]
    );
    assert_eq!(
        names(&get("/api/v1/client-groups?q=smb".into()).await),
        ["Small business"],
        "q searches initials"
    );
    assert_eq!(
        names(&get("/api/v1/client-groups?q=100%25&status=all".into()).await),
        ["Old 100%"]
    );
    app.advance(chrono::Duration::minutes(10));
    app.patch(&format!("/api/v1/client-groups/{smb}"))
        .bearer(token)
        .json(&json!({"name": "SMB"}))
        .expect(200)
        .await;
    assert_eq!(
        names(&get("/api/v1/client-groups?updated_since=2026-03-02T09:05:00Z".into()).await),
        ["SMB"]
    );
    let page = get("/api/v1/client-groups?limit=1".into()).await;
    assert_eq!(names(&page), ["Key accounts"]);
    let cursor = page.body["meta"]["next_cursor"].as_str().unwrap();
    assert_eq!(
        names(&get(format!("/api/v1/client-groups?limit=1&cursor={cursor}")).await),
        ["SMB"]
    );
    app.get("/api/v1/client-groups?status=bogus")
        .bearer(token)
        .expect(400)
        .await
        .assert_code("invalid_query");
    app.get("/api/v1/client-groups?group=1")
        .bearer(token)
        .expect(400)
        .await
        .assert_code("invalid_query");
}

async fn clients_count_and_the_clients_group_filter(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let key = new_group(&app, token, json!({"name": "Key accounts"}))
        .await
        .str("/data/id");
    let smb = new_group(&app, token, json!({"name": "Small business"}))
        .await
        .str("/data/id");
    let empty = new_group(&app, token, json!({"name": "Empty"}))
        .await
        .str("/data/id");
    for (name, groups, status) in [
        ("Globex", json!([key]), "active"),
        ("Initech", json!([key, smb]), "active"),
        ("Hooli", json!([smb]), "active"),
        ("Old Co", json!([key]), "archived"),
        ("Loner", json!([]), "active"),
    ] {
        app.post("/api/v1/clients")
            .bearer(token)
            .json(&json!({"name": name, "group_ids": groups, "status": status}))
            .expect(201)
            .await;
    }
    let list = app
        .get("/api/v1/client-groups")
        .bearer(token)
        .expect(200)
        .await;
    let counts: Vec<(String, i64)> = list
        .data()
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["name"].as_str().unwrap().to_owned(),
                g["clients_count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [
            ("Key accounts".to_owned(), 3),
            ("Small business".to_owned(), 2),
            ("Empty".to_owned(), 0)
        ],
        "archived clients count too"
    );
    let one = app
        .get(&format!("/api/v1/client-groups/{smb}"))
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(one.data()["clients_count"], 2);

    let clients = |path: String| {
        let app = &app;
        async move { names(&app.get(&path).bearer(token).expect(200).await) }
    };
    assert_eq!(
        clients(format!("/api/v1/clients?group_id={key}")).await,
        ["Globex", "Initech"]
    );
    assert_eq!(
        clients(format!("/api/v1/clients?group_id={key}&status=all")).await,
        ["Globex", "Initech", "Old Co"]
    );
    assert_eq!(
        clients(format!("/api/v1/clients?group_id={smb}")).await,
        ["Initech", "Hooli"]
    );
    assert!(
        clients(format!("/api/v1/clients?group_id={empty}"))
            .await
            .is_empty()
    );
    // Moving a client between groups shows in both counts and filters.
    let hooli = app
        .get("/api/v1/clients?q=hooli")
        .bearer(token)
        .expect(200)
        .await
        .data()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.patch(&format!("/api/v1/clients/{hooli}"))
        .bearer(token)
        .json(&json!({"group_ids": [empty]}))
        .expect(200)
        .await;
    assert_eq!(
        clients(format!("/api/v1/clients?group_id={empty}")).await,
        ["Hooli"]
    );
    let smb_now = app
        .get(&format!("/api/v1/client-groups/{smb}"))
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(smb_now.data()["clients_count"], 1);
}

async fn deleting_a_group_removes_it_from_its_clients(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let key = new_group(&app, token, json!({"name": "Key accounts"}))
        .await
        .str("/data/id");
    let smb = new_group(&app, token, json!({"name": "Small business"}))
        .await
        .str("/data/id");
    let client = app
        .post("/api/v1/clients")
        .bearer(token)
        .json(&json!({"name": "Globex", "group_ids": [key, smb]}))
        .expect(201)
        .await
        .str("/data/id");
    let before = app.events(&org).await.len();
    app.delete(&format!("/api/v1/client-groups/{key}"))
        .bearer(token)
        .expect(204)
        .await;
    let now = app
        .get(&format!("/api/v1/clients/{client}"))
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(now.data()["group_ids"], json!([smb]));
    // The client can still be written with its remaining groups.
    app.patch(&format!("/api/v1/clients/{client}"))
        .bearer(token)
        .json(&json!({"notes": "still fine"}))
        .expect(200)
        .await;
    let listed = app
        .get(&format!("/api/v1/clients?group_id={key}"))
        .bearer(token)
        .expect(200)
        .await;
    assert!(names(&listed).is_empty());
    let events = app.events(&org).await;
    let tail: Vec<&str> = events[before..].iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(tail, ["client_group.deleted", "client.updated"]);
    assert_eq!(events[before].1["object"]["clients_count"], 1);
    // A deleted group can no longer be named by a client.
    let resp = app
        .patch(&format!("/api/v1/clients/{client}"))
        .bearer(token)
        .json(&json!({"group_ids": [smb, key]}))
        .expect(404)
        .await;
    assert_eq!(resp.body["details"][0]["field"], "group_ids[1]");
}

async fn client_group_if_match_guards_writes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let created = new_group(&app, token, json!({"name": "A"})).await;
    let path = format!("/api/v1/client-groups/{}", created.str("/data/id"));
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
    app.put(&path)
        .bearer(token)
        .header("if-match", ok.header("etag").unwrap())
        .json(&json!({"name": "C"}))
        .expect(200)
        .await;
    app.delete(&path)
        .bearer(token)
        .header("if-match", "\"3\"")
        .expect(204)
        .await;
}

async fn members_read_client_groups_but_cannot_write(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let member = app.add_member(&org, "member").await;
    let id = new_group(&app, &org.owner.access, json!({"name": "Key accounts"}))
        .await
        .str("/data/id");
    let path = format!("/api/v1/client-groups/{id}");
    app.get("/api/v1/client-groups")
        .bearer(&member.access)
        .expect(200)
        .await;
    app.get(&path).bearer(&member.access).expect(200).await;
    for req in [
        app.post("/api/v1/client-groups")
            .json(&json!({"name": "x"})),
        app.patch(&path).json(&json!({"name": "x"})),
        app.put(&path).json(&json!({"name": "x"})),
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
        app.post("/api/v1/client-groups")
            .json(&json!({"name": "x"})),
        app.patch(&path).json(&json!({"name": "x"})),
        app.delete(&path),
    ] {
        req.api_key(&read.token)
            .expect(403)
            .await
            .assert_code("insufficient_scope");
    }
    app.patch(&path)
        .api_key(&write.token)
        .json(&json!({"name": "By key"}))
        .expect(200)
        .await;
    let types: Vec<String> = app.events(&org).await.into_iter().map(|e| e.0).collect();
    assert_eq!(types, ["client_group.created", "client_group.updated"]);
}

async fn other_organizations_client_groups_are_invisible(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let a = app.signup("A").await;
    let b = app.signup("B").await;
    let a_group = new_group(&app, &a.owner.access, json!({"name": "A's group"}))
        .await
        .str("/data/id");
    app.post("/api/v1/clients")
        .bearer(&a.owner.access)
        .json(&json!({"name": "A's client", "group_ids": [a_group]}))
        .expect(201)
        .await;
    let token = &b.owner.access;
    let path = format!("/api/v1/client-groups/{a_group}");
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
        .json(&json!({"name": "x"}))
        .expect(404)
        .await;
    app.delete(&path).bearer(token).expect(404).await;
    // Naming A's group in B's client is naming an unknown group.
    let resp = app
        .post("/api/v1/clients")
        .bearer(token)
        .json(&json!({"name": "B's client", "group_ids": [a_group]}))
        .expect(404)
        .await;
    assert_eq!(resp.body["details"][0]["field"], "group_ids[0]");
    let list = app
        .get("/api/v1/client-groups?status=all")
        .bearer(token)
        .expect(200)
        .await;
    assert!(names(&list).is_empty());
    let clients = app
        .get(&format!("/api/v1/clients?group_id={a_group}"))
        .bearer(token)
        .expect(200)
        .await;
    assert!(names(&clients).is_empty());
    let still = app.get(&path).bearer(&a.owner.access).expect(200).await;
    assert_eq!(still.data()["name"], "A's group");
    assert_eq!(still.data()["clients_count"], 1);
}
