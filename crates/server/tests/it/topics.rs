//! `/topics`: CRUD, validation, filters, delete versus in-use, If-Match,
//! events, roles and another organization's ids.

use serde_json::json;

use crate::both_backends;
use crate::projects::{create, fields, listed};
use crate::support::{Backend, TestApp};

both_backends!(
    topics_crud_round_trip,
    topic_validation_names_fields,
    topic_filters,
    topics_used_by_tasks_cannot_be_deleted,
    topic_if_match_guards_writes,
    topic_events_record_each_change_exactly_once,
    members_read_topics_but_cannot_write,
    another_organizations_topics_are_invisible,
);

async fn topics_crud_round_trip(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let created = app
        .post("/api/v1/topics")
        .bearer(token)
        .json(&json!({"name": " Accounting "}))
        .expect(201)
        .await;
    let id = created.str("/data/id");
    assert!(id.starts_with("top_"));
    assert_eq!(
        created.header("location"),
        Some(format!("/api/v1/topics/{id}").as_str())
    );
    assert_eq!(created.header("etag"), Some("\"1\""));
    assert_eq!(created.data()["name"], "Accounting");
    assert_eq!(created.data()["status"], "active");
    let path = format!("/api/v1/topics/{id}");
    let fetched = app.get(&path).bearer(token).expect(200).await;
    assert_eq!(fetched.data(), created.data());
    assert_eq!(fetched.header("etag"), Some("\"1\""));
    let patched = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"status": "archived"}))
        .expect(200)
        .await;
    assert_eq!(patched.data()["status"], "archived");
    assert_eq!(patched.data()["name"], "Accounting");
    assert_eq!(patched.header("etag"), Some("\"2\""));
    // PUT replaces: an absent status is active again.
    let replaced = app
        .put(&path)
        .bearer(token)
        .json(&json!({"name": "Bookkeeping"}))
        .expect(200)
        .await;
    assert_eq!(replaced.data()["name"], "Bookkeeping");
    assert_eq!(replaced.data()["status"], "active");
    let same = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"name": "Bookkeeping"}))
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
}

async fn topic_validation_names_fields(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    for (body, field, code) in [
        (json!({"name": ""}), "name", "validation_failed"),
        (
            json!({"name": "x".repeat(201)}),
            "name",
            "validation_failed",
        ),
        (json!({}), "name", "validation_failed"),
        (
            json!({"name": "A", "status": "paused"}),
            "status",
            "validation_failed",
        ),
        (
            json!({"name": "A", "colour": "red"}),
            "colour",
            "unknown_field",
        ),
    ] {
        let resp = app
            .post("/api/v1/topics")
            .bearer(token)
            .json(&body)
            .expect(400)
            .await;
        resp.assert_code(code);
        assert_eq!(fields(&resp), [field], "{body}");
    }
    let id = create(&app, &org, "/api/v1/topics", json!({"name": "A"})).await;
    let resp = app
        .patch(&format!("/api/v1/topics/{id}"))
        .bearer(token)
        .json(&json!({"name": null}))
        .expect(400)
        .await;
    assert_eq!(fields(&resp), ["name"]);
    assert_eq!(app.events(&org).await.len(), 1);
}

async fn topic_filters(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    for (name, status) in [
        ("Accounting", "active"),
        ("Payroll 100%", "active"),
        ("Old accounts", "archived"),
    ] {
        create(
            &app,
            &org,
            "/api/v1/topics",
            json!({"name": name, "status": status}),
        )
        .await;
    }
    let names = |query: &str| {
        let app = &app;
        let path = format!("/api/v1/topics{query}");
        async move { listed(&app.get(&path).bearer(token).expect(200).await, "name") }
    };
    assert_eq!(names("").await, ["Accounting", "Payroll 100%"]);
    assert_eq!(names("?status=archived").await, ["Old accounts"]);
    assert_eq!(names("?status=all").await.len(), 3);
    assert_eq!(names("?q=ACCOUNT").await, ["Accounting"]);
    assert_eq!(
        names("?q=account&status=all").await,
        ["Accounting", "Old accounts"]
    );
    assert_eq!(names("?q=100%25").await, ["Payroll 100%"]);
    assert_eq!(names("?limit=1").await, ["Accounting"]);
    let first = app
        .get("/api/v1/topics?limit=1")
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(first.body["meta"]["has_more"], true);
    let cursor = first.body["meta"]["next_cursor"].as_str().unwrap();
    assert_eq!(
        names(&format!("?limit=1&cursor={cursor}")).await,
        ["Payroll 100%"]
    );
    app.advance(chrono::Duration::minutes(20));
    let payroll = app
        .get("/api/v1/topics?q=payroll")
        .bearer(token)
        .expect(200)
        .await
        .str("/data/0/id");
    app.patch(&format!("/api/v1/topics/{payroll}"))
        .bearer(token)
        .json(&json!({"name": "Payroll"}))
        .expect(200)
        .await;
    assert_eq!(
        names("?updated_since=2026-03-02T09:10:00Z").await,
        ["Payroll"]
    );
    for bad in ["?status=open", "?client_id=x", "?limit=0"] {
        app.get(&format!("/api/v1/topics{bad}"))
            .bearer(token)
            .expect(400)
            .await
            .assert_code("invalid_query");
    }
}

async fn topics_used_by_tasks_cannot_be_deleted(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let topic = create(&app, &org, "/api/v1/topics", json!({"name": "Accounting"})).await;
    let task = create(
        &app,
        &org,
        "/api/v1/tasks",
        json!({"title": "Close March", "topic_id": topic}),
    )
    .await;
    let path = format!("/api/v1/topics/{topic}");
    app.delete(&path)
        .bearer(token)
        .expect(409)
        .await
        .assert_code("in_use");
    app.patch(&path)
        .bearer(token)
        .json(&json!({"status": "archived"}))
        .expect(200)
        .await;
    app.delete(&format!("/api/v1/tasks/{task}"))
        .bearer(token)
        .expect(204)
        .await;
    app.delete(&path).bearer(token).expect(204).await;
}

async fn topic_if_match_guards_writes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let created = app
        .post("/api/v1/topics")
        .bearer(token)
        .json(&json!({"name": "A"}))
        .expect(201)
        .await;
    let path = format!("/api/v1/topics/{}", created.str("/data/id"));
    let etag = created.header("etag").unwrap().to_owned();
    let ok = app
        .put(&path)
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
    app.delete(&path)
        .bearer(token)
        .header("if-match", ok.header("etag").unwrap())
        .expect(204)
        .await;
}

async fn topic_events_record_each_change_exactly_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let created = app
        .post("/api/v1/topics")
        .bearer(token)
        .json(&json!({"name": "A"}))
        .expect(201)
        .await;
    let id = created.str("/data/id");
    let path = format!("/api/v1/topics/{id}");
    app.patch(&path)
        .bearer(token)
        .json(&json!({"name": "B", "status": "archived"}))
        .expect(200)
        .await;
    app.patch(&path)
        .bearer(token)
        .json(&json!({"name": "B"}))
        .expect(200)
        .await; // no change
    app.patch(&path)
        .bearer(token)
        .json(&json!({"name": ""}))
        .expect(400)
        .await; // refused
    app.delete(&path).bearer(token).expect(204).await;
    let events = app.events(&org).await;
    let types: Vec<&str> = events.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(types, ["topic.created", "topic.updated", "topic.deleted"]);
    assert_eq!(events[0].1["object"], *created.data());
    assert_eq!(
        events[1].1["previous_attributes"],
        json!({"name": "A", "status": "active"})
    );
    assert_eq!(events[2].1["object"]["id"], id.as_str());
}

async fn members_read_topics_but_cannot_write(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let member = app.add_member(&org, "member").await;
    let id = create(&app, &org, "/api/v1/topics", json!({"name": "A"})).await;
    let path = format!("/api/v1/topics/{id}");
    app.get("/api/v1/topics")
        .bearer(&member.access)
        .expect(200)
        .await;
    app.get(&path).bearer(&member.access).expect(200).await;
    app.post("/api/v1/topics")
        .bearer(&member.access)
        .json(&json!({"name": "x"}))
        .expect(403)
        .await
        .assert_code("insufficient_role");
    app.put(&path)
        .bearer(&member.access)
        .json(&json!({"name": "x"}))
        .expect(403)
        .await
        .assert_code("insufficient_role");
    app.patch(&path)
        .bearer(&member.access)
        .json(&json!({"name": "x"}))
        .expect(403)
        .await;
    app.delete(&path).bearer(&member.access).expect(403).await;
    app.activate_public_api(&org).await;
    let read = app.create_key(&org, Some(&["read"])).await;
    app.get(&path).api_key(&read.token).expect(200).await;
    app.post("/api/v1/topics")
        .api_key(&read.token)
        .json(&json!({"name": "x"}))
        .expect(403)
        .await
        .assert_code("insufficient_scope");
    app.patch(&path)
        .api_key(&read.token)
        .json(&json!({"name": "x"}))
        .expect(403)
        .await
        .assert_code("insufficient_scope");
    assert_eq!(app.events(&org).await.len(), 1);
}

async fn another_organizations_topics_are_invisible(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let other = app.signup("Other").await;
    let token = &org.owner.access;
    let theirs = create(&app, &other, "/api/v1/topics", json!({"name": "Theirs"})).await;
    let path = format!("/api/v1/topics/{theirs}");
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
    let list = app
        .get("/api/v1/topics?status=all")
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(list.data(), &json!([]));
    // Their topic cannot be referenced by our tasks.
    let resp = app
        .post("/api/v1/tasks")
        .bearer(token)
        .json(&json!({"title": "Mine", "topic_id": theirs}))
        .expect(404)
        .await;
    assert_eq!(fields(&resp), ["topic_id"]);
    assert_eq!(
        app.get(&path)
            .bearer(&other.owner.access)
            .expect(200)
            .await
            .data()["name"],
        "Theirs"
    );
    assert!(app.events(&org).await.is_empty());
}
