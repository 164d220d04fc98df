//! The expense list: dates, members, client, project, billable,
//! reimbursable, invoiced, category, q, updated_since, pages, and bad
//! queries.

use serde_json::json;

use super::{EXPENSES, create_expense, expense_path, mark_expenses_invoiced};
use crate::both_backends;
use crate::projects::{create, listed};
use crate::support::Backend;
use crate::time_entries::spawn;

both_backends!(expense_filters_and_pages);

async fn expense_filters_and_pages(backend: Backend) {
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
    let mut ids = Vec::new();
    for body in [
        json!({"date": "2026-02-23", "amount": "10", "project_id": site, "category": "Travel",
               "description": "alpha train", "billable": true}),
        json!({"member_id": ann.member_id, "date": "2026-02-24", "amount": "20", "client_id": initech,
               "category": "Meals", "description": "bravo lunch", "reimbursable": true}),
        json!({"member_id": bob.member_id, "date": "2026-02-25", "amount": "30", "client_id": globex,
               "category": "Travel", "description": "charlie taxi", "billable": true, "reimbursable": true}),
        json!({"date": "2026-02-26", "amount": "40", "description": "delta SOFTWARE_licence"}),
    ] {
        ids.push(create_expense(&app, token, body).await);
    }
    mark_expenses_invoiced(&app, &org, &[&ids[2]]).await;
    let labels = |query: String| {
        let app = &app;
        async move {
            let resp = app
                .get(&format!("{EXPENSES}{query}"))
                .bearer(token)
                .expect(200)
                .await;
            resp.data()
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    let text = e["description"].as_str().unwrap();
                    text.split(' ').next().unwrap().to_owned()
                })
                .collect::<Vec<_>>()
        }
    };
    let cases: Vec<(String, Vec<&str>)> = vec![
        ("".into(), vec!["alpha", "bravo", "charlie", "delta"]),
        (
            "?from=2026-02-24&to=2026-02-25".into(),
            vec!["bravo", "charlie"],
        ),
        ("?to=2026-02-23".into(), vec!["alpha"]),
        ("?from=2026-02-26".into(), vec!["delta"]),
        (format!("?member_id={}", ann.member_id), vec!["bravo"]),
        (
            format!("?member_id={}&member_id={}", ann.member_id, bob.member_id),
            vec!["bravo", "charlie"],
        ),
        (format!("?client_id={globex}"), vec!["alpha", "charlie"]),
        (format!("?project_id={site}"), vec!["alpha"]),
        ("?billable=true".into(), vec!["alpha", "charlie"]),
        ("?billable=false".into(), vec!["bravo", "delta"]),
        ("?reimbursable=true".into(), vec!["bravo", "charlie"]),
        ("?invoiced=true".into(), vec!["charlie"]),
        ("?invoiced=false".into(), vec!["alpha", "bravo", "delta"]),
        ("?category=Travel".into(), vec!["alpha", "charlie"]),
        ("?q=software_".into(), vec!["delta"]),
        ("?q=meals".into(), vec!["bravo"]),
        (
            format!("?client_id={globex}&billable=true&invoiced=false"),
            vec!["alpha"],
        ),
    ];
    for (query, expected) in cases {
        assert_eq!(labels(query.clone()).await, expected, "{query}");
    }
    // Updated since, and pages.
    app.advance(chrono::Duration::hours(1));
    app.patch(&expense_path(&ids[3]))
        .bearer(token)
        .json(&json!({"amount": "41"}))
        .expect(200)
        .await;
    assert_eq!(
        labels("?updated_since=2026-03-02T10:00:00Z".into()).await,
        ["delta"]
    );
    let first = app
        .get(&format!("{EXPENSES}?limit=3"))
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(listed(&first, "id"), ids[..3]);
    assert_eq!(first.body["meta"]["has_more"], true);
    let cursor = first.str("/meta/next_cursor");
    let next = app
        .get(&format!("{EXPENSES}?limit=3&cursor={cursor}"))
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(listed(&next, "id"), ids[3..]);
    assert_eq!(next.body["meta"]["has_more"], false);
    for query in [
        "?billable=perhaps",
        "?from=soon",
        "?limit=1001",
        "?status=open",
    ] {
        app.get(&format!("{EXPENSES}{query}"))
            .bearer(token)
            .expect(400)
            .await;
    }
}
