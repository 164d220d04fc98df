//! `/tasks` lists: every filter, statuses and comma lists, inclusive due
//! dates, `q`, `updated_since` and custom-field conditions.

use serde_json::json;

use crate::both_backends;
use crate::projects::{create, fields, listed};
use crate::support::{Backend, TestApp};

both_backends!(
    task_filters,
    task_custom_fields_are_validated_and_filterable,
);

async fn task_filters(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let member = app.add_member(&org, "member").await;
    let globex = create(&app, &org, "/api/v1/clients", json!({"name": "Globex"})).await;
    let site = create(
        &app,
        &org,
        "/api/v1/projects",
        json!({"name": "Site", "client_id": globex}),
    )
    .await;
    let topic = create(&app, &org, "/api/v1/topics", json!({"name": "Design"})).await;
    for body in [
        json!({"title": "Wireframes", "project_id": site, "due_on": "2026-03-10", "assignee_ids": [member.member_id]}),
        json!({"title": "Logo", "description": "Vector 100%", "client_id": globex, "topic_id": topic, "status": "in_progress", "due_on": "2026-03-20"}),
        json!({"title": "Invoice_run", "status": "done", "due_on": "2026-03-31", "assignee_ids": [member.member_id, org.owner.member_id]}),
        json!({"title": "Dropped", "status": "cancelled"}),
        json!({"title": "Ancient", "status": "archived", "project_id": site, "due_on": "2026-03-10"}),
    ] {
        create(&app, &org, "/api/v1/tasks", body).await;
    }
    let titles = |query: &str| {
        let app = &app;
        let path = format!("/api/v1/tasks{query}");
        async move { listed(&app.get(&path).bearer(token).expect(200).await, "title") }
    };
    assert_eq!(
        titles("").await,
        ["Wireframes", "Logo", "Invoice_run", "Dropped"]
    );
    assert_eq!(titles("?status=archived").await, ["Ancient"]);
    assert_eq!(titles("?status=all").await.len(), 5);
    assert_eq!(titles("?status=open").await, ["Wireframes"]);
    assert_eq!(
        titles("?status=open,in_progress").await,
        ["Wireframes", "Logo"]
    );
    assert_eq!(
        titles("?status=done,cancelled,archived").await,
        ["Invoice_run", "Dropped", "Ancient"]
    );
    assert_eq!(
        titles(&format!("?client_id={globex}")).await,
        ["Wireframes", "Logo"]
    );
    assert_eq!(titles(&format!("?project_id={site}")).await, ["Wireframes"]);
    assert_eq!(
        titles(&format!("?project_id={site}&status=all")).await,
        ["Wireframes", "Ancient"]
    );
    assert_eq!(titles(&format!("?topic_id={topic}")).await, ["Logo"]);
    assert_eq!(
        titles(&format!("?assignee_id={}", member.member_id)).await,
        ["Wireframes", "Invoice_run"]
    );
    assert_eq!(
        titles(&format!("?assignee_id={}", org.owner.member_id)).await,
        ["Invoice_run"]
    );
    // Due-date bounds are inclusive; undated tasks never match.
    assert_eq!(
        titles("?due_before=2026-03-20").await,
        ["Wireframes", "Logo"]
    );
    assert_eq!(
        titles("?due_after=2026-03-20").await,
        ["Logo", "Invoice_run"]
    );
    assert_eq!(
        titles("?due_after=2026-03-10&due_before=2026-03-10").await,
        ["Wireframes"]
    );
    assert_eq!(titles("?q=WIRE").await, ["Wireframes"]);
    assert_eq!(titles("?q=vector").await, ["Logo"], "description");
    assert_eq!(titles("?q=100%25").await, ["Logo"]);
    assert_eq!(titles("?q=e_r").await, ["Invoice_run"]);
    assert_eq!(titles("?limit=2").await, ["Wireframes", "Logo"]);

    app.advance(chrono::Duration::minutes(20));
    let dropped = app
        .get("/api/v1/tasks?q=dropped")
        .bearer(token)
        .expect(200)
        .await
        .str("/data/0/id");
    app.patch(&format!("/api/v1/tasks/{dropped}"))
        .bearer(token)
        .json(&json!({"status": "open"}))
        .expect(200)
        .await;
    assert_eq!(
        titles("?updated_since=2026-03-02T09:10:00Z").await,
        ["Dropped"]
    );

    for bad in [
        "?status=blocked",
        "?status=open,blocked",
        "?due_before=tomorrow",
        "?due_after=2026-02-30",
        "?assignee_id=cli_01jd8x2k4m6n8p9q0r1s2t3v4w",
        "?member_id=x",
    ] {
        app.get(&format!("/api/v1/tasks{bad}"))
            .bearer(token)
            .expect(400)
            .await
            .assert_code("invalid_query");
    }
}

async fn task_custom_fields_are_validated_and_filterable(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    app.define_custom_field(&org, "task", "priority", "select", &["low", "high"], false)
        .await;
    app.define_custom_field(&org, "task", "billable", "boolean", &[], false)
        .await;
    app.define_custom_field(&org, "task", "labels", "multi_select", &["a", "b"], false)
        .await;
    let resp = app
        .post("/api/v1/tasks")
        .bearer(token)
        .json(&json!({"title": "A", "custom_fields": {"priority": "urgent", "billable": "yes", "labels": ["z"], "colour": 1}}))
        // Values the stored definitions refuse, and a key none defines.
        .expect(409)
        .await;
    assert_eq!(
        fields(&resp),
        [
            "custom_fields.billable",
            "custom_fields.colour",
            "custom_fields.labels",
            "custom_fields.priority"
        ]
    );
    let high = create(
        &app,
        &org,
        "/api/v1/tasks",
        json!({"title": "High", "custom_fields": {"priority": "high", "billable": true, "labels": ["a", "b"]}}),
    )
    .await;
    create(
        &app,
        &org,
        "/api/v1/tasks",
        json!({"title": "Low", "custom_fields": {"priority": "low", "billable": false, "labels": ["b"]}}),
    )
    .await;
    let titles = |query: &str| {
        let app = &app;
        let path = format!("/api/v1/tasks{query}");
        async move { listed(&app.get(&path).bearer(token).expect(200).await, "title") }
    };
    assert_eq!(titles("?custom_fields[priority]=high").await, ["High"]);
    assert_eq!(titles("?custom_fields[billable]=false").await, ["Low"]);
    assert_eq!(titles("?custom_fields[labels]=b").await, ["High", "Low"]);
    assert_eq!(
        titles("?custom_fields[labels]=a&custom_fields[billable]=true").await,
        ["High"]
    );
    // A key that names no field of this entity: a missing reference.
    app.get("/api/v1/tasks?custom_fields[nope]=1")
        .bearer(token)
        .expect(404)
        .await
        .assert_code("not_found");
    let patched = app
        .patch(&format!("/api/v1/tasks/{high}"))
        .bearer(token)
        .json(&json!({"custom_fields": {"labels": null, "priority": "low"}}))
        .expect(200)
        .await;
    assert_eq!(
        patched.data()["custom_fields"],
        json!({"priority": "low", "billable": true})
    );
}
