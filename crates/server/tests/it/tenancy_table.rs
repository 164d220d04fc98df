//! The cross-organization table: one of every resource is created in
//! organization A, then every operation on it is tried with organization
//! B's credentials (its owner's token and its write API key). Every one
//! answers exactly as for an id that does not exist, A's records are left
//! untouched, B's lists never show them, and A's ids in B's bodies answer
//! 404 naming the field, as ids that do not exist do.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::both_backends;
use crate::support::{Backend, TestApp};

both_backends!(every_operation_refuses_another_organizations_ids);

/// Creates one of everything in an organization; answers their ids by name.
async fn populate(app: &TestApp, token: &str) -> HashMap<&'static str, String> {
    let mut ids = HashMap::new();
    let post = |path: &'static str, body: Value| {
        let path = path.to_owned();
        async move {
            app.post(&path)
                .bearer(token)
                .json(&body)
                .expect(201)
                .await
                .str("/data/id")
        }
    };
    let client = post("/api/v1/clients", json!({"name": "Client"})).await;
    ids.insert(
        "contact",
        post(
            "/api/v1/contacts",
            json!({"client_id": client, "name": "C", "email": "c@example.com"}),
        )
        .await,
    );
    ids.insert(
        "client_group",
        post("/api/v1/client-groups", json!({"name": "Group"})).await,
    );
    ids.insert(
        "custom_field",
        post(
            "/api/v1/custom-fields",
            json!({"entity": "client", "key": "tier", "label": "Tier", "type": "text"}),
        )
        .await,
    );
    ids.insert("member", post("/api/v1/members", json!({"email": format!("m-{}@example.com", uuid::Uuid::now_v7().simple()), "name": "M"})).await);
    ids.insert(
        "team",
        post("/api/v1/member-groups", json!({"name": "Team"})).await,
    );
    let project = post(
        "/api/v1/projects",
        json!({"name": "Project", "client_id": client, "hourly_rate": "80"}),
    )
    .await;
    ids.insert(
        "topic",
        post("/api/v1/topics", json!({"name": "Topic"})).await,
    );
    ids.insert(
        "task",
        post(
            "/api/v1/tasks",
            json!({"title": "Task", "project_id": project}),
        )
        .await,
    );
    let service = post("/api/v1/services", json!({"name": "Design", "rate": "90"})).await;
    app.put(&format!("/api/v1/clients/{client}/service-rates/{service}"))
        .bearer(token)
        .json(&json!({"rate": "95"}))
        .expect(201)
        .await;
    ids.insert(
        "product",
        post(
            "/api/v1/products",
            json!({"name": "Widget", "unit_price": "10", "vat_rate": "20"}),
        )
        .await,
    );
    ids.insert(
        "time_entry",
        post(
            "/api/v1/time-entries",
            json!({"client_id": client, "date": "2026-03-02", "duration_seconds": 3600}),
        )
        .await,
    );
    let timer = app
        .post("/api/v1/time-entries/start")
        .bearer(token)
        .json(&json!({"notes": "running"}))
        .expect(201)
        .await;
    ids.insert("timer", timer.str("/data/id"));
    let expense = post(
        "/api/v1/expenses",
        json!({"amount": "12.50", "client_id": client}),
    )
    .await;
    app.put(&format!("/api/v1/expenses/{expense}/receipt"))
        .bearer(token)
        .body("application/pdf", b"%PDF-1.4\n% receipt\n".to_vec())
        .expect(200)
        .await;
    ids.insert("expense", expense);
    ids.insert("client", client);
    ids.insert("project", project);
    ids.insert("service", service);
    ids
}

/// (method, path, body) of every operation on A's records.
fn operations(
    a: &HashMap<&'static str, String>,
    b_client: &str,
) -> Vec<(&'static str, String, Option<Value>)> {
    let id = |k: &str| a[k].clone();
    let mut ops = Vec::new();
    // A body each resource's PUT accepts syntactically, so the answer is about the id.
    let put_bodies: [(&str, &str, Value); 13] = [
        ("client", "clients", json!({"name": "x"})),
        (
            "contact",
            "contacts",
            json!({"client_id": b_client, "name": "x", "email": "x@example.com"}),
        ),
        ("client_group", "client-groups", json!({"name": "x"})),
        (
            "custom_field",
            "custom-fields",
            json!({"entity": "client", "key": "tier", "label": "x", "type": "text"}),
        ),
        ("member", "members", json!({"name": "x", "role": "member"})),
        ("team", "member-groups", json!({"name": "x"})),
        ("project", "projects", json!({"name": "x"})),
        ("topic", "topics", json!({"name": "x"})),
        ("task", "tasks", json!({"title": "x"})),
        ("service", "services", json!({"name": "x"})),
        ("product", "products", json!({"name": "x"})),
        (
            "time_entry",
            "time-entries",
            json!({"date": "2026-03-02", "duration_seconds": 60}),
        ),
        ("expense", "expenses", json!({"amount": "1"})),
    ];
    for (key, collection, body) in put_bodies {
        let path = format!("/api/v1/{collection}/{}", id(key));
        ops.push(("GET", path.clone(), None));
        ops.push(("PATCH", path.clone(), Some(json!({}))));
        ops.push(("PUT", path.clone(), Some(body)));
        ops.push(("DELETE", path, None));
    }
    let (client, service, expense, timer, entry) = (
        id("client"),
        id("service"),
        id("expense"),
        id("timer"),
        id("time_entry"),
    );
    ops.extend([
        ("GET", format!("/api/v1/clients/{client}/contacts"), None),
        (
            "GET",
            format!("/api/v1/clients/{client}/service-rates"),
            None,
        ),
        (
            "GET",
            format!("/api/v1/clients/{client}/service-rates/{service}"),
            None,
        ),
        (
            "PUT",
            format!("/api/v1/clients/{client}/service-rates/{service}"),
            Some(json!({"rate": "1"})),
        ),
        (
            "DELETE",
            format!("/api/v1/clients/{client}/service-rates/{service}"),
            None,
        ),
        (
            "PUT",
            format!("/api/v1/clients/{b_client}/service-rates/{service}"),
            Some(json!({"rate": "1"})),
        ),
        ("POST", format!("/api/v1/time-entries/{timer}/stop"), None),
        (
            "POST",
            format!("/api/v1/time-entries/{entry}/continue"),
            None,
        ),
        ("GET", format!("/api/v1/expenses/{expense}/receipt"), None),
        (
            "DELETE",
            format!("/api/v1/expenses/{expense}/receipt"),
            None,
        ),
    ]);
    ops
}

async fn every_operation_refuses_another_organizations_ids(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let a = app.signup("A").await;
    let b = app.signup("B").await;
    app.activate_public_api(&b).await;
    let b_key = app.create_key(&b, None).await;
    let a_ids = populate(&app, &a.owner.access).await;
    let b_ids = populate(&app, &b.owner.access).await;

    // ETags of A's records before B tries anything.
    let readable = |k: &str| match k {
        "client" => "clients",
        "contact" => "contacts",
        "client_group" => "client-groups",
        "custom_field" => "custom-fields",
        "member" => "members",
        "team" => "member-groups",
        "project" => "projects",
        "topic" => "topics",
        "task" => "tasks",
        "service" => "services",
        "product" => "products",
        "time_entry" | "timer" => "time-entries",
        _ => "expenses",
    };
    let mut before = HashMap::new();
    for (k, id) in &a_ids {
        let resp = app
            .get(&format!("/api/v1/{}/{id}", readable(k)))
            .bearer(&a.owner.access)
            .expect(200)
            .await;
        before.insert(*k, resp.header("etag").map(str::to_owned));
    }

    let credentials = [
        ("owner", format!("Bearer {}", b.owner.access)),
        ("api key", format!("Token {}", b_key.token)),
    ];
    for (who, credential) in &credentials {
        for (method, path, body) in operations(&a_ids, &b_ids["client"]) {
            let mut req = app
                .req(method.parse().unwrap(), &path)
                .header("authorization", credential);
            if let Some(body) = &body {
                req = req.json(body);
            }
            let resp = req.send().await;
            assert_eq!(
                resp.status, 404,
                "{method} {path} as B's {who}: {}",
                resp.text
            );
            assert_eq!(
                resp.body["code"], "not_found",
                "{method} {path} as B's {who}"
            );
        }
    }

    // Nothing of A changed.
    for (k, id) in &a_ids {
        let resp = app
            .get(&format!("/api/v1/{}/{id}", readable(k)))
            .bearer(&a.owner.access)
            .expect(200)
            .await;
        assert_eq!(
            resp.header("etag").map(str::to_owned),
            before[k],
            "A's {k} changed"
        );
    }
    let receipt = app
        .get(&format!("/api/v1/expenses/{}/receipt", a_ids["expense"]))
        .bearer(&a.owner.access)
        .expect(200)
        .await;
    assert_eq!(receipt.text, "%PDF-1.4\n% receipt\n");

    // B's lists never show A's records.
    for list in [
        "clients?status=all",
        "contacts?status=all",
        "client-groups?status=all",
        "custom-fields?status=all",
        "members?status=all",
        "member-groups?status=all",
        "projects?status=all",
        "topics?status=all",
        "tasks?status=all",
        "services?status=all",
        "products?status=all",
        "time-entries",
        "time-entries/running",
        "expenses",
        "api-keys",
    ] {
        let resp = app
            .get(&format!("/api/v1/{list}"))
            .bearer(&b.owner.access)
            .expect(200)
            .await;
        for id in a_ids.values() {
            assert!(
                !resp.text.contains(id.as_str()),
                "B's {list} shows A's {id}"
            );
        }
    }
    for report in [
        "reports/time?group_by=client,project,member",
        "reports/uninvoiced",
        "reports/dashboard",
    ] {
        let resp = app
            .get(&format!("/api/v1/{report}"))
            .bearer(&b.owner.access)
            .expect(200)
            .await;
        for id in a_ids.values() {
            assert!(
                !resp.text.contains(id.as_str()),
                "B's {report} shows A's {id}"
            );
        }
    }

    // A's ids in B's bodies are references to nothing: 404, naming the field.
    let refused: [(&str, Value, &str); 9] = [
        (
            "/api/v1/contacts",
            json!({"client_id": a_ids["client"], "name": "x", "email": "x@example.com"}),
            "client_id",
        ),
        (
            "/api/v1/projects",
            json!({"name": "x", "client_id": a_ids["client"]}),
            "client_id",
        ),
        (
            "/api/v1/tasks",
            json!({"title": "x", "project_id": a_ids["project"]}),
            "project_id",
        ),
        (
            "/api/v1/clients",
            json!({"name": "x", "group_ids": [a_ids["client_group"]]}),
            "group_ids[0]",
        ),
        (
            "/api/v1/member-groups",
            json!({"name": "x", "member_ids": [a_ids["member"]]}),
            "member_ids[0]",
        ),
        (
            "/api/v1/time-entries",
            json!({"date": "2026-03-02", "duration_seconds": 60, "client_id": a_ids["client"]}),
            "client_id",
        ),
        (
            "/api/v1/time-entries",
            json!({"date": "2026-03-02", "duration_seconds": 60, "service_id": a_ids["service"]}),
            "service_id",
        ),
        (
            "/api/v1/time-entries",
            json!({"date": "2026-03-02", "duration_seconds": 60, "member_id": a_ids["member"]}),
            "member_id",
        ),
        (
            "/api/v1/expenses",
            json!({"amount": "1", "project_id": a_ids["project"]}),
            "project_id",
        ),
    ];
    for (path, body, field) in refused {
        let resp = app
            .post(path)
            .bearer(&b.owner.access)
            .json(&body)
            .expect(404)
            .await;
        let fields: Vec<&str> = resp.body["details"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["field"].as_str().unwrap())
            .collect();
        assert!(
            fields.contains(&field),
            "POST {path} named {fields:?}, not {field}"
        );
    }
}
