//! The time-entry list: every filter (inclusive local dates, repeated
//! member ids, client/project/task/service/topic, billable, status,
//! invoiced, tag, q, updated_since), refusals of bad queries, and keyset
//! pagination.

use serde_json::json;

use super::{ENTRIES, mark_invoiced, record_id, spawn};
use crate::both_backends;
use crate::projects::{create, fields, listed};
use crate::support::Backend;

both_backends!(time_entry_filters, time_entry_pagination);

async fn time_entry_filters(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let ann = app.add_member(&org, "member").await;
    let bob = app.add_member(&org, "member").await;
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
    let design = create(&app, &org, "/api/v1/topics", json!({"name": "Design"})).await;
    let build = create(&app, &org, "/api/v1/topics", json!({"name": "Build"})).await;
    let mockups = create(
        &app,
        &org,
        "/api/v1/tasks",
        json!({"title": "Mockups", "project_id": site, "topic_id": design}),
    )
    .await;
    let api = create(
        &app,
        &org,
        "/api/v1/tasks",
        json!({"title": "API", "project_id": intranet, "topic_id": build}),
    )
    .await;
    let drawing = create(&app, &org, "/api/v1/services", json!({"name": "Drawing"})).await;
    let coding = create(&app, &org, "/api/v1/services", json!({"name": "Coding"})).await;

    // Labelled by their notes, in creation (= list) order.
    record_id(
        &app,
        token,
        json!({"date": "2026-02-23", "duration": "1:00", "task_id": mockups, "service_id": drawing,
               "tags": ["design"], "notes": "alpha Wireframes for the checkout"}),
    )
    .await;
    record_id(
        &app,
        token,
        json!({"member_id": ann.member_id, "date": "2026-02-24", "duration": "2:00", "task_id": api,
               "service_id": coding, "billable": false, "tags": ["dev"], "notes": "bravo API REVIEW"}),
    )
    .await;
    record_id(
        &app,
        token,
        json!({"member_id": bob.member_id, "started_at": "2026-02-25T09:00:00Z",
               "ended_at": "2026-02-25T10:00:00Z", "client_id": globex,
               "tags": ["design", "urgent"], "notes": "charlie 100% call"}),
    )
    .await;
    record_id(
        &app,
        token,
        json!({"date": "2026-02-26", "duration": "0:30", "notes": "delta admin"}),
    )
    .await;
    let echo = record_id(
        &app,
        token,
        json!({"date": "2026-02-27", "duration": "3:00", "client_id": initech, "notes": "echo invoiced"}),
    )
    .await;
    record_id(
        &app,
        &ann.access,
        json!({"started_at": "2026-03-02T08:00:00Z", "notes": "foxtrot running"}),
    )
    .await;
    mark_invoiced(&app, &org, &[&echo]).await;

    let labels = |query: String| {
        let app = &app;
        async move {
            let resp = app
                .get(&format!("{ENTRIES}{query}"))
                .bearer(token)
                .expect(200)
                .await;
            resp.data()
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    e["notes"]
                        .as_str()
                        .unwrap()
                        .split(' ')
                        .next()
                        .unwrap()
                        .to_owned()
                })
                .collect::<Vec<_>>()
        }
    };
    let all = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"];
    assert_eq!(labels(String::new()).await, all);
    let cases: Vec<(String, Vec<&str>)> = vec![
        // Local dates, both ends inclusive.
        (
            "?from=2026-02-24&to=2026-02-25".into(),
            vec!["bravo", "charlie"],
        ),
        ("?from=2026-02-26".into(), vec!["delta", "echo", "foxtrot"]),
        ("?to=2026-02-23".into(), vec!["alpha"]),
        ("?from=2026-02-24&to=2026-02-24".into(), vec!["bravo"]),
        // Members, repeatable.
        (
            format!("?member_id={}", ann.member_id),
            vec!["bravo", "foxtrot"],
        ),
        (
            format!("?member_id={}&member_id={}", ann.member_id, bob.member_id),
            vec!["bravo", "charlie", "foxtrot"],
        ),
        (
            format!("?member_id={}", org.owner.member_id),
            vec!["alpha", "delta", "echo"],
        ),
        // Records (a task's project and client count).
        (format!("?client_id={globex}"), vec!["alpha", "charlie"]),
        (format!("?client_id={initech}"), vec!["bravo", "echo"]),
        (format!("?project_id={site}"), vec!["alpha"]),
        (format!("?task_id={api}"), vec!["bravo"]),
        (format!("?service_id={drawing}"), vec!["alpha"]),
        (format!("?topic_id={design}"), vec!["alpha"]),
        (format!("?topic_id={build}"), vec!["bravo"]),
        // Billable, status, invoiced.
        ("?billable=false".into(), vec!["bravo"]),
        (
            "?billable=true".into(),
            vec!["alpha", "charlie", "delta", "echo", "foxtrot"],
        ),
        ("?status=running".into(), vec!["foxtrot"]),
        (
            "?status=completed".into(),
            vec!["alpha", "bravo", "charlie", "delta"],
        ),
        ("?status=invoiced".into(), vec!["echo"]),
        ("?status=running,invoiced".into(), vec!["echo", "foxtrot"]),
        ("?invoiced=true".into(), vec!["echo"]),
        (
            "?invoiced=false".into(),
            vec!["alpha", "bravo", "charlie", "delta", "foxtrot"],
        ),
        // Tags and text.
        ("?tag=design".into(), vec!["alpha", "charlie"]),
        ("?tag=urgent".into(), vec!["charlie"]),
        ("?tag=desi".into(), vec![]),
        ("?q=review".into(), vec!["bravo"]),
        ("?q=WIREFRAMES".into(), vec!["alpha"]),
        ("?q=100%25".into(), vec!["charlie"]),
        ("?q=0%25".into(), vec!["charlie"]),
        // Together.
        (
            format!(
                "?client_id={globex}&billable=true&member_id={}&tag=design",
                org.owner.member_id
            ),
            vec!["alpha"],
        ),
        (
            format!("?from=2026-02-24&client_id={initech}&invoiced=false"),
            vec!["bravo"],
        ),
    ];
    for (query, expected) in cases {
        assert_eq!(labels(query.clone()).await, expected, "{query}");
    }

    // Only what changed since an instant.
    app.advance(chrono::Duration::hours(1));
    let since = "2026-03-02T10:00:00Z";
    let delta = listed(
        &app.get(&format!("{ENTRIES}?q=delta"))
            .bearer(token)
            .expect(200)
            .await,
        "id",
    );
    app.patch(&format!("{ENTRIES}/{}", delta[0]))
        .bearer(token)
        .json(&json!({"notes": "delta changed"}))
        .expect(200)
        .await;
    assert_eq!(labels(format!("?updated_since={since}")).await, ["delta"]);
    assert_eq!(
        labels("?updated_since=2026-03-02T09:00:00Z".into()).await,
        all
    );

    // `to` before `from` is an empty range, not an error.
    assert!(
        labels("?from=2026-03-02&to=2026-03-01".into())
            .await
            .is_empty()
    );

    // Bad queries are refused; the ones checked after parsing name their
    // parameter.
    for (query, field) in [
        ("?status=paused", Some("status")),
        ("?status=running,paused", Some("status")),
        ("?limit=0", Some("limit")),
        ("?from=yesterday", None),
        ("?billable=maybe", None),
        ("?member_id=cli_01jd8x2k4m6n8p9q0r1s2t3v4w", None),
        ("?colour=red", None),
    ] {
        let resp = app
            .get(&format!("{ENTRIES}{query}"))
            .bearer(token)
            .expect(400)
            .await;
        resp.assert_code("invalid_query");
        if let Some(field) = field {
            assert_eq!(fields(&resp), [field], "{query}: {}", resp.text);
        }
    }
}

async fn time_entry_pagination(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let mut ids = Vec::new();
    for day in 1..=7 {
        ids.push(
            record_id(
                &app,
                token,
                json!({"date": format!("2026-02-{day:02}"), "duration": "1:00"}),
            )
            .await,
        );
    }
    let mut seen = Vec::new();
    let mut path = format!("{ENTRIES}?limit=3");
    loop {
        let page = app.get(&path).bearer(token).expect(200).await;
        assert_eq!(page.body["meta"]["limit"], 3);
        seen.extend(listed(&page, "id"));
        if page.body["meta"]["has_more"] == false {
            assert!(page.body["meta"]["next_cursor"].is_null());
            break;
        }
        let cursor = page.str("/meta/next_cursor");
        path = format!("{ENTRIES}?limit=3&cursor={cursor}");
    }
    assert_eq!(seen, ids, "every entry once, in order");
    // Filters and pages together.
    let page = app
        .get(&format!("{ENTRIES}?limit=2&from=2026-02-03"))
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(listed(&page, "id"), ids[2..4]);
    let cursor = page.str("/meta/next_cursor");
    let next = app
        .get(&format!(
            "{ENTRIES}?limit=2&from=2026-02-03&to=2026-02-05&cursor={cursor}"
        ))
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(listed(&next, "id"), ids[4..5]);
    assert_eq!(next.body["meta"]["has_more"], false);
    app.get(&format!("{ENTRIES}?cursor=garbage"))
        .bearer(token)
        .expect(400)
        .await;
}
