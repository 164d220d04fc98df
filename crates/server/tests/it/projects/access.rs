//! Who may touch projects: roles and scopes, and another organization's
//! ids answering like unknown ones.

use serde_json::json;

use super::{create, fields};
use crate::both_backends;
use crate::support::{Backend, TestApp};

both_backends!(
    members_read_projects_but_cannot_write,
    another_organizations_projects_are_invisible,
);

async fn members_read_projects_but_cannot_write(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let member = app.add_member(&org, "member").await;
    let id = create(&app, &org, "/api/v1/projects", json!({"name": "Site"})).await;
    let path = format!("/api/v1/projects/{id}");
    app.get("/api/v1/projects")
        .bearer(&member.access)
        .expect(200)
        .await;
    app.get(&path).bearer(&member.access).expect(200).await;
    app.post("/api/v1/projects")
        .bearer(&member.access)
        .json(&json!({"name": "x"}))
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
        .json(&json!({"name": "x"}))
        .expect(403)
        .await;
    app.delete(&path).bearer(&member.access).expect(403).await;
    let admin = app.add_member(&org, "admin").await;
    app.patch(&path)
        .bearer(&admin.access)
        .json(&json!({"name": "By admin"}))
        .expect(200)
        .await;
    app.activate_public_api(&org).await;
    let write = app.create_key(&org, None).await;
    let read = app.create_key(&org, Some(&["read"])).await;
    app.post("/api/v1/projects")
        .api_key(&write.token)
        .json(&json!({"name": "By key"}))
        .expect(201)
        .await;
    app.get(&path).api_key(&read.token).expect(200).await;
    app.post("/api/v1/projects")
        .api_key(&read.token)
        .json(&json!({"name": "x"}))
        .expect(403)
        .await
        .assert_code("insufficient_scope");
    app.delete(&path)
        .api_key(&read.token)
        .expect(403)
        .await
        .assert_code("insufficient_scope");
    let types: Vec<String> = app.events(&org).await.into_iter().map(|(t, _)| t).collect();
    assert_eq!(
        types,
        ["project.created", "project.updated", "project.created"]
    );
}

async fn another_organizations_projects_are_invisible(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let other = app.signup("Other").await;
    let token = &org.owner.access;
    let theirs_client = create(&app, &other, "/api/v1/clients", json!({"name": "Theirs"})).await;
    let theirs = create(
        &app,
        &other,
        "/api/v1/projects",
        json!({"name": "Theirs", "client_id": theirs_client}),
    )
    .await;
    let path = format!("/api/v1/projects/{theirs}");
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
        .get("/api/v1/projects?status=all")
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(list.data(), &json!([]));
    // Their client and their members cannot be referenced.
    let resp = app
        .post("/api/v1/projects")
        .bearer(token)
        .json(&json!({"name": "Mine", "client_id": theirs_client, "member_ids": [other.owner.member_id]}))
        .expect(404)
        .await;
    assert_eq!(fields(&resp), ["client_id", "member_ids[0]"]);
    // Filters naming their ids find nothing here.
    let list = app
        .get(&format!("/api/v1/projects?client_id={theirs_client}"))
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(list.data(), &json!([]));
    // Their project is untouched.
    let still = app.get(&path).bearer(&other.owner.access).expect(200).await;
    assert_eq!(still.data()["name"], "Theirs");
    assert!(app.events(&org).await.is_empty());
}
