//! Refusals of time entries, each naming its field (a time without an
//! offset, an end before the start, more than a day, nothing or both
//! duration forms, a date that is not the start's local date …), and the
//! client, project, task and service having to fit together.

use serde_json::{Value, json};
use stint_core::ids::{ClientId, ProjectId, ServiceId, TaskId};

use super::{ENTRIES, message_for, record, refused, spawn};
use crate::both_backends;
use crate::projects::{create, fields};
use crate::support::Backend;

both_backends!(refusals_name_the_field, references_must_fit_together);

async fn refusals_name_the_field(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;

    // A time without an offset is refused with a message that says so.
    let resp = app
        .post(ENTRIES)
        .bearer(token)
        .json(&json!({"started_at": "2026-03-02T09:00:00", "ended_at": "2026-03-02T10:00:00Z"}))
        .expect(400)
        .await;
    assert_eq!(fields(&resp), ["started_at"]);
    let message = message_for(&resp, "started_at");
    assert!(message.contains("no time zone offset"), "{message}");
    let resp = app
        .post(ENTRIES)
        .bearer(token)
        .json(&json!({"started_at": "2026-03-02T09:00:00Z", "ended_at": "2026-03-02 10:00:00"}))
        .expect(400)
        .await;
    assert!(message_for(&resp, "ended_at").contains("offset"));
    let resp = app
        .post(ENTRIES)
        .bearer(token)
        .json(&json!({"started_at": "tomorrow"}))
        .expect(400)
        .await;
    assert!(message_for(&resp, "started_at").contains("RFC 3339"));

    let start = "2026-03-01T09:00:00Z";
    let cases: Vec<(Value, Vec<&str>)> = vec![
        // The end must come after the start.
        (
            json!({"started_at": start, "ended_at": start}),
            vec!["ended_at"],
        ),
        (
            json!({"started_at": start, "ended_at": "2026-03-01T08:00:00Z"}),
            vec!["ended_at"],
        ),
        // At most 24 hours, whichever way it is given.
        (
            json!({"started_at": start, "ended_at": "2026-03-02T09:00:01Z"}),
            vec!["ended_at"],
        ),
        (
            json!({"date": "2026-03-01", "duration_seconds": 86_401}),
            vec!["duration_seconds"],
        ),
        (json!({"duration": "24:01"}), vec!["duration"]),
        (json!({"duration_seconds": 0}), vec!["duration_seconds"]),
        (json!({"duration_seconds": -60}), vec!["duration_seconds"]),
        (json!({"duration": "0:00"}), vec!["duration"]),
        (
            json!({"started_at": start, "duration_seconds": 90_000}),
            vec!["duration_seconds"],
        ),
        // Nothing that says how long: the message lists the three shapes.
        (json!({}), vec!["started_at"]),
        (json!({"notes": "forgot the time"}), vec!["started_at"]),
        (json!({"date": "2026-03-01"}), vec!["started_at"]),
        // An end without a start.
        (json!({"ended_at": start}), vec!["started_at"]),
        // Both duration forms.
        (
            json!({"date": "2026-03-01", "duration_seconds": 3600, "duration": "1:00"}),
            vec!["duration"],
        ),
        (json!({"duration": "1:75"}), vec!["duration"]),
        (json!({"duration": "90"}), vec!["duration"]),
        // A duration that disagrees with the clock times.
        (
            json!({"started_at": start, "ended_at": "2026-03-01T10:00:00Z", "duration_seconds": 60}),
            vec!["duration_seconds"],
        ),
        // A date that is not the local date of the start.
        (
            json!({"date": "2026-03-02", "started_at": start, "ended_at": "2026-03-01T10:00:00Z"}),
            vec!["date"],
        ),
        (
            json!({"date": "2026-03-03", "started_at": start}),
            vec!["date"],
        ),
        // A running timer cannot start in the future.
        (
            json!({"started_at": "2026-03-02T09:00:01Z"}),
            vec!["started_at"],
        ),
        // Tags and notes.
        (
            json!({"duration": "1:00", "tags": ["ok", "", "x".repeat(51)]}),
            vec!["tags[1]", "tags[2]"],
        ),
        (
            json!({"duration": "1:00", "notes": "n".repeat(10_001)}),
            vec!["notes"],
        ),
        // Every problem at once.
        (
            json!({"duration": "x", "tags": [""], "ended_at": start}),
            vec!["duration", "started_at", "tags[0]"],
        ),
    ];
    for (body, expected) in cases {
        assert_eq!(refused(&app, token, body.clone()).await, expected, "{body}");
    }
    let resp = app
        .post(ENTRIES)
        .bearer(token)
        .json(
            &json!({"date": "2026-03-02", "started_at": start, "ended_at": "2026-03-01T10:00:00Z"}),
        )
        .expect(400)
        .await;
    let message = message_for(&resp, "date");
    assert!(message.contains("2026-03-01"), "{message}");
    let resp = app
        .post(ENTRIES)
        .bearer(token)
        .json(&json!({}))
        .expect(400)
        .await;
    assert!(message_for(&resp, "started_at").contains("duration"));
    let resp = app
        .post(ENTRIES)
        .bearer(token)
        .json(&json!({"duration": "1:00", "minutes": 3}))
        .expect(400)
        .await;
    resp.assert_code("unknown_field");
    assert_eq!(resp.body["details"][0]["field"], "minutes");

    // Exactly 24 hours is allowed; refusals recorded nothing.
    record(
        &app,
        token,
        json!({"started_at": start, "ended_at": "2026-03-02T09:00:00Z"}),
    )
    .await;
    let events: Vec<String> = app
        .events(&org)
        .await
        .into_iter()
        .map(|(kind, _)| kind)
        .filter(|k| k.starts_with("time_entry."))
        .collect();
    assert_eq!(events, ["time_entry.created"]);
}

async fn references_must_fit_together(backend: Backend) {
    let app = spawn(backend).await;
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
    let intranet = create(
        &app,
        &org,
        "/api/v1/projects",
        json!({"name": "Intranet", "client_id": initech}),
    )
    .await;
    let wireframes = create(
        &app,
        &org,
        "/api/v1/tasks",
        json!({"title": "Wireframes", "project_id": site}),
    )
    .await;
    let design = create(&app, &org, "/api/v1/services", json!({"name": "Design"})).await;
    let old = create(&app, &org, "/api/v1/services", json!({"name": "Old"})).await;
    app.patch(&format!("/api/v1/services/{old}"))
        .bearer(token)
        .json(&json!({"status": "archived"}))
        .expect(200)
        .await;
    let day = |extra: Value| {
        let mut body = json!({"date": "2026-03-02", "duration": "1:00"});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };

    // A project sets its client; a task its project and client.
    let data = record(&app, token, day(json!({"project_id": site})))
        .await
        .data()
        .clone();
    assert_eq!(data["client_id"], globex.as_str());
    let data = record(
        &app,
        token,
        day(json!({"task_id": wireframes, "service_id": design})),
    )
    .await
    .data()
    .clone();
    assert_eq!(data["project_id"], site.as_str());
    assert_eq!(data["client_id"], globex.as_str());
    assert_eq!(data["service_id"], design.as_str());
    record(
        &app,
        token,
        day(json!({"client_id": globex, "project_id": site, "task_id": wireframes})),
    )
    .await;

    let cases: Vec<(Value, Vec<&str>)> = vec![
        (
            day(json!({"client_id": initech, "project_id": site})),
            vec!["project_id"],
        ),
        (
            day(json!({"project_id": intranet, "task_id": wireframes})),
            vec!["task_id"],
        ),
        (
            day(json!({"client_id": initech, "task_id": wireframes})),
            vec!["task_id"],
        ),
        (day(json!({"service_id": old})), vec!["service_id"]),
        (
            day(json!({"client_id": ClientId::generate().to_string()})),
            vec!["client_id"],
        ),
        (
            day(json!({"project_id": ProjectId::generate().to_string()})),
            vec!["project_id"],
        ),
        (
            day(json!({"task_id": TaskId::generate().to_string()})),
            vec!["task_id"],
        ),
        (
            day(json!({"service_id": ServiceId::generate().to_string()})),
            vec!["service_id"],
        ),
        (
            day(
                json!({"client_id": initech, "project_id": site, "service_id": old, "duration": "25:00"}),
            ),
            vec!["duration", "project_id", "service_id"],
        ),
    ];
    for (body, expected) in cases {
        assert_eq!(refused(&app, token, body.clone()).await, expected, "{body}");
    }
    let resp = app
        .post(ENTRIES)
        .bearer(token)
        .json(&day(json!({"service_id": old})))
        .expect(409)
        .await;
    assert!(message_for(&resp, "service_id").contains("archived"));
    // An id of the wrong type is a type error on its field.
    let resp = app
        .post(ENTRIES)
        .bearer(token)
        .json(&day(json!({"client_id": site})))
        .expect(400)
        .await;
    assert_eq!(fields(&resp), ["client_id"]);
}
