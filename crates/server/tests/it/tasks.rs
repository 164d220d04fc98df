//! `/tasks`: CRUD, the client following the project, validation naming
//! fields, If-Match, events, roles and another organization's ids; lists
//! (statuses, due dates, assignees …) are tested in `filters`.

use serde_json::json;

use crate::both_backends;
use crate::projects::{create, fields};
use crate::support::{Backend, TestApp};

mod filters;

both_backends!(
    tasks_crud_round_trip,
    task_client_follows_its_project,
    task_validation_names_fields,
    task_if_match_guards_writes,
    task_events_record_each_change_exactly_once,
    members_read_tasks_but_cannot_write,
    another_organizations_tasks_are_invisible,
);

async fn tasks_crud_round_trip(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let member = app.add_member(&org, "member").await;
    let topic = create(&app, &org, "/api/v1/topics", json!({"name": "Design"})).await;
    let created = app
        .post("/api/v1/tasks")
        .bearer(token)
        .json(&json!({
            "title": " Wireframes ",
            "description": "Two variants",
            "topic_id": topic,
            "assignee_ids": [member.member_id, member.member_id],
            "due_on": "2026-03-31",
            "estimate_minutes": 90,
        }))
        .expect(201)
        .await;
    let data = created.data().clone();
    let id = data["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("tsk_"));
    assert_eq!(
        created.header("location"),
        Some(format!("/api/v1/tasks/{id}").as_str())
    );
    assert_eq!(created.header("etag"), Some("\"1\""));
    assert_eq!(data["title"], "Wireframes");
    assert_eq!(data["status"], "open");
    assert_eq!(data["topic_id"], topic.as_str());
    assert!(data["client_id"].is_null());
    assert!(data["project_id"].is_null());
    assert_eq!(data["assignee_ids"], json!([member.member_id]));
    assert_eq!(data["due_on"], "2026-03-31");
    assert_eq!(data["estimate_minutes"], 90);
    assert_eq!(data["custom_fields"], json!({}));
    let path = format!("/api/v1/tasks/{id}");
    let fetched = app.get(&path).bearer(token).expect(200).await;
    assert_eq!(fetched.data(), &data);
    assert_eq!(fetched.header("etag"), Some("\"1\""));

    let patched = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"status": "in_progress", "assignee_ids": [org.owner.member_id, member.member_id], "description": null}))
        .expect(200)
        .await;
    let mut both = vec![org.owner.member_id.clone(), member.member_id.clone()];
    both.sort();
    assert_eq!(patched.data()["status"], "in_progress");
    assert_eq!(patched.data()["assignee_ids"], json!(both));
    assert!(patched.data()["description"].is_null());
    assert_eq!(patched.data()["due_on"], "2026-03-31");
    assert_eq!(patched.header("etag"), Some("\"2\""));

    let replaced = app
        .put(&path)
        .bearer(token)
        .json(&json!({"title": "Wireframes v2", "status": "done"}))
        .expect(200)
        .await;
    let data = replaced.data();
    assert_eq!(data["title"], "Wireframes v2");
    assert_eq!(data["status"], "done");
    assert!(data["topic_id"].is_null());
    assert!(data["due_on"].is_null());
    assert!(data["estimate_minutes"].is_null());
    assert_eq!(data["assignee_ids"], json!([]));
    let same = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"status": "done"}))
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
    app.put(&path)
        .bearer(token)
        .json(&json!({"title": "x"}))
        .expect(404)
        .await;
}

async fn task_client_follows_its_project(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let globex = create(&app, &org, "/api/v1/clients", json!({"name": "Globex"})).await;
    let initech = create(&app, &org, "/api/v1/clients", json!({"name": "Initech"})).await;
    let site = create(
        &app,
        &org,
        "/api/v1/projects",
        json!({"name": "Site", "client_id": globex}),
    )
    .await;
    let app_project = create(
        &app,
        &org,
        "/api/v1/projects",
        json!({"name": "App", "client_id": initech}),
    )
    .await;
    let internal = create(&app, &org, "/api/v1/projects", json!({"name": "Internal"})).await;

    // Only the project: the client is the project's.
    let task = app
        .post("/api/v1/tasks")
        .bearer(token)
        .json(&json!({"title": "A", "project_id": site}))
        .expect(201)
        .await;
    assert_eq!(task.data()["client_id"], globex.as_str());
    // Both, matching.
    app.post("/api/v1/tasks")
        .bearer(token)
        .json(&json!({"title": "B", "project_id": site, "client_id": globex}))
        .expect(201)
        .await;
    // Both, not matching; an internal project is nobody's.
    for project in [&app_project, &internal] {
        let resp = app
            .post("/api/v1/tasks")
            .bearer(token)
            .json(&json!({"title": "C", "project_id": project, "client_id": globex}))
            .expect(404)
            .await;
        resp.assert_code("not_found");
        assert_eq!(fields(&resp), ["project_id"]);
    }
    // Only a client.
    let client_only = app
        .post("/api/v1/tasks")
        .bearer(token)
        .json(&json!({"title": "D", "client_id": initech}))
        .expect(201)
        .await;
    assert!(client_only.data()["project_id"].is_null());

    // PATCH to another project without a client moves the task to that
    // project's client.
    let path = format!("/api/v1/tasks/{}", task.str("/data/id"));
    let moved = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"project_id": app_project}))
        .expect(200)
        .await;
    assert_eq!(moved.data()["client_id"], initech.as_str());
    let moved = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"project_id": internal}))
        .expect(200)
        .await;
    assert!(moved.data()["client_id"].is_null());
    // Naming a client that is not the project's is refused.
    let resp = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"project_id": site, "client_id": initech}))
        .expect(404)
        .await;
    assert_eq!(fields(&resp), ["project_id"]);
    // Setting only the client keeps the project, which must then match.
    let resp = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"client_id": globex}))
        .expect(404)
        .await;
    assert_eq!(fields(&resp), ["project_id"]);
    // Leaving the project keeps the client.
    app.patch(&path)
        .bearer(token)
        .json(&json!({"project_id": site}))
        .expect(200)
        .await;
    let left = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"project_id": null}))
        .expect(200)
        .await;
    assert!(left.data()["project_id"].is_null());
    assert_eq!(left.data()["client_id"], globex.as_str());
}

async fn task_validation_names_fields(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let resp = app
        .post("/api/v1/tasks")
        .bearer(token)
        .json(&json!({
            "title": " ",
            "description": "d".repeat(10_001),
            "client_id": "cli_01jd8x2k4m6n8p9q0r1s2t3v4w",
            "project_id": "prj_01jd8x2k4m6n8p9q0r1s2t3v4w",
            "topic_id": "top_01jd8x2k4m6n8p9q0r1s2t3v4w",
            "assignee_ids": [org.owner.member_id, "mem_01jd8x2k4m6n8p9q0r1s2t3v4w"],
            "estimate_minutes": -1,
        }))
        .expect(400)
        .await;
    resp.assert_code("validation_failed");
    assert_eq!(
        fields(&resp),
        [
            "assignee_ids[1]",
            "client_id",
            "description",
            "estimate_minutes",
            "project_id",
            "title",
            "topic_id"
        ]
    );
    for (body, field, code) in [
        (
            json!({"title": "A", "colour": "red"}),
            "colour",
            "unknown_field",
        ),
        (
            json!({"title": "A", "status": "blocked"}),
            "status",
            "validation_failed",
        ),
        (
            json!({"title": "A", "due_on": "2026-02-30"}),
            "due_on",
            "validation_failed",
        ),
        (
            json!({"title": "A", "estimate_minutes": 1.5}),
            "estimate_minutes",
            "validation_failed",
        ),
        (
            json!({"title": "A", "estimate_minutes": 1_000_001}),
            "estimate_minutes",
            "validation_failed",
        ),
        (
            json!({"title": "A", "assignee_ids": ["cli_01jd8x2k4m6n8p9q0r1s2t3v4w"]}),
            "assignee_ids[0]",
            "validation_failed",
        ),
        (json!({"description": "A"}), "title", "validation_failed"),
    ] {
        let resp = app
            .post("/api/v1/tasks")
            .bearer(token)
            .json(&body)
            .expect(400)
            .await;
        resp.assert_code(code);
        assert_eq!(resp.body["details"][0]["field"], field, "{body}");
    }
    let ok = app
        .post("/api/v1/tasks")
        .bearer(token)
        .json(&json!({"title": "Zero", "estimate_minutes": 0}))
        .expect(201)
        .await;
    assert_eq!(ok.data()["estimate_minutes"], 0);
    let list = app
        .get("/api/v1/tasks?status=all")
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(list.data().as_array().unwrap().len(), 1);
    assert_eq!(app.events(&org).await.len(), 1);
}

async fn task_if_match_guards_writes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let created = app
        .post("/api/v1/tasks")
        .bearer(token)
        .json(&json!({"title": "A"}))
        .expect(201)
        .await;
    let path = format!("/api/v1/tasks/{}", created.str("/data/id"));
    let etag = created.header("etag").unwrap().to_owned();
    let ok = app
        .patch(&path)
        .bearer(token)
        .header("if-match", &etag)
        .json(&json!({"title": "B"}))
        .expect(200)
        .await;
    app.patch(&path)
        .bearer(token)
        .header("if-match", &etag)
        .json(&json!({"title": "C"}))
        .expect(412)
        .await
        .assert_code("precondition_failed");
    app.put(&path)
        .bearer(token)
        .header("if-match", &etag)
        .json(&json!({"title": "C"}))
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

async fn task_events_record_each_change_exactly_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let created = app
        .post("/api/v1/tasks")
        .bearer(token)
        .json(&json!({"title": "A", "due_on": "2026-03-31"}))
        .expect(201)
        .await;
    let id = created.str("/data/id");
    let path = format!("/api/v1/tasks/{id}");
    app.patch(&path)
        .bearer(token)
        .json(&json!({"status": "done", "assignee_ids": [org.owner.member_id], "due_on": null}))
        .expect(200)
        .await;
    app.patch(&path)
        .bearer(token)
        .json(&json!({"status": "done"}))
        .expect(200)
        .await; // no change
    app.patch(&path)
        .bearer(token)
        .json(&json!({"estimate_minutes": -5}))
        .expect(400)
        .await; // refused
    app.delete(&path).bearer(token).expect(204).await;
    let events = app.events(&org).await;
    let types: Vec<&str> = events.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(types, ["task.created", "task.updated", "task.deleted"]);
    assert_eq!(events[0].1["object"], *created.data());
    assert_eq!(events[1].1["object"]["status"], "done");
    assert_eq!(
        events[1].1["previous_attributes"],
        json!({"status": "open", "assignee_ids": [], "due_on": "2026-03-31"})
    );
    assert_eq!(events[2].1["object"]["id"], id.as_str());
}

async fn members_read_tasks_but_cannot_write(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let member = app.add_member(&org, "member").await;
    let id = create(
        &app,
        &org,
        "/api/v1/tasks",
        json!({"title": "A", "assignee_ids": [member.member_id]}),
    )
    .await;
    let path = format!("/api/v1/tasks/{id}");
    app.get("/api/v1/tasks")
        .bearer(&member.access)
        .expect(200)
        .await;
    app.get(&path).bearer(&member.access).expect(200).await;
    app.post("/api/v1/tasks")
        .bearer(&member.access)
        .json(&json!({"title": "x"}))
        .expect(403)
        .await
        .assert_code("insufficient_role");
    // Even their own task.
    app.patch(&path)
        .bearer(&member.access)
        .json(&json!({"status": "done"}))
        .expect(403)
        .await
        .assert_code("insufficient_role");
    app.put(&path)
        .bearer(&member.access)
        .json(&json!({"title": "x"}))
        .expect(403)
        .await;
    app.delete(&path).bearer(&member.access).expect(403).await;
    app.activate_public_api(&org).await;
    let write = app.create_key(&org, None).await;
    let read = app.create_key(&org, Some(&["read"])).await;
    app.patch(&path)
        .api_key(&write.token)
        .json(&json!({"status": "done"}))
        .expect(200)
        .await;
    app.get(&path).api_key(&read.token).expect(200).await;
    app.post("/api/v1/tasks")
        .api_key(&read.token)
        .json(&json!({"title": "x"}))
        .expect(403)
        .await
        .assert_code("insufficient_scope");
    app.delete(&path)
        .api_key(&read.token)
        .expect(403)
        .await
        .assert_code("insufficient_scope");
    let types: Vec<String> = app.events(&org).await.into_iter().map(|(t, _)| t).collect();
    assert_eq!(types, ["task.created", "task.updated"]);
}

async fn another_organizations_tasks_are_invisible(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let other = app.signup("Other").await;
    let token = &org.owner.access;
    let their_client = create(&app, &other, "/api/v1/clients", json!({"name": "C"})).await;
    let their_project = create(&app, &other, "/api/v1/projects", json!({"name": "P"})).await;
    let their_topic = create(&app, &other, "/api/v1/topics", json!({"name": "T"})).await;
    let theirs = create(
        &app,
        &other,
        "/api/v1/tasks",
        json!({"title": "Theirs", "project_id": their_project}),
    )
    .await;
    let path = format!("/api/v1/tasks/{theirs}");
    app.get(&path)
        .bearer(token)
        .expect(404)
        .await
        .assert_code("not_found");
    app.patch(&path)
        .bearer(token)
        .json(&json!({"title": "x"}))
        .expect(404)
        .await;
    app.put(&path)
        .bearer(token)
        .json(&json!({"title": "x"}))
        .expect(404)
        .await;
    app.delete(&path).bearer(token).expect(404).await;
    let list = app
        .get("/api/v1/tasks?status=all")
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(list.data(), &json!([]));
    let resp = app
        .post("/api/v1/tasks")
        .bearer(token)
        .json(&json!({
            "title": "Mine",
            "client_id": their_client,
            "project_id": their_project,
            "topic_id": their_topic,
            "assignee_ids": [other.owner.member_id],
        }))
        .expect(404)
        .await;
    assert_eq!(
        fields(&resp),
        ["assignee_ids[0]", "client_id", "project_id", "topic_id"]
    );
    let list = app
        .get(&format!("/api/v1/tasks?project_id={their_project}"))
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(list.data(), &json!([]));
    assert_eq!(
        app.get(&path)
            .bearer(&other.owner.access)
            .expect(200)
            .await
            .data()["title"],
        "Theirs"
    );
    assert!(app.events(&org).await.is_empty());
}
