//! Reports by client and month read whole months from the monthly rollup
//! that triggers keep (migration 0010). After every kind of change to
//! entries — create, stop, PATCH of date, client, duration and
//! billability, delete, invoicing — such reports must equal the sums this
//! test computes from the entries the API lists, for ranges of whole months,
//! ranges with days around them, no range at all, and the filters the
//! rollup keeps.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::{World, report};
use crate::both_backends;
use crate::projects::create;
use crate::support::Backend;
use crate::time_entries::{ENTRIES, entry_path, mark_invoiced, record_id, spawn};

both_backends!(client_and_month_reports_follow_every_change);

/// Every completed or invoiced entry, as the API lists it.
async fn listed(app: &crate::support::TestApp, token: &str) -> Vec<Value> {
    let resp = app
        .get(&format!(
            "{ENTRIES}?from=2025-01-01&to=2027-12-31&limit=100"
        ))
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(resp.body["meta"]["has_more"], false, "one page");
    resp.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["status"] != "running")
        .cloned()
        .collect()
}

async fn client_and_month_reports_follow_every_change(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let globex = create(&app, &org, "/api/v1/clients", json!({"name": "Globex"})).await;
    let initech = create(&app, &org, "/api/v1/clients", json!({"name": "Initech"})).await;
    let coding = create(
        &app,
        &org,
        "/api/v1/services",
        json!({"name": "Coding", "rate": "90", "rounding": "15"}),
    )
    .await;
    let mut ids = Vec::new();
    for (date, duration, client) in [
        ("2026-01-10", "1:00", Some(&globex)),
        ("2026-01-31", "0:40", Some(&initech)),
        ("2026-02-01", "2:00", Some(&globex)),
        ("2026-02-14", "0:20", None),
        ("2026-02-28", "3:10", Some(&initech)),
        ("2026-03-01", "1:05", Some(&globex)),
        ("2026-03-02", "0:05", None),
        ("2026-04-30", "4:00", Some(&initech)),
    ] {
        let mut body = json!({"date": date, "duration": duration, "service_id": coding});
        if let Some(client) = client {
            body["client_id"] = json!(client);
        }
        ids.push(record_id(&app, token, body).await);
    }
    // A timer counts once stopped, in the month it started.
    let timer = record_id(
        &app,
        token,
        json!({"started_at": "2026-03-02T07:00:00Z", "client_id": initech}),
    )
    .await;
    app.post(&format!("{}/stop", entry_path(&timer)))
        .bearer(token)
        .json(&json!({"ended_at": "2026-03-02T08:30:00Z"}))
        .expect(200)
        .await;
    // A running timer never counts.
    record_id(&app, token, json!({"started_at": "2026-03-02T08:45:00Z"})).await;
    let patch = |id: &str, body: Value| {
        app.patch(&entry_path(id))
            .bearer(token)
            .json(&body)
            .expect(200)
    };
    patch(&ids[0], json!({"date": "2026-02-03"})).await; // to another month
    patch(&ids[2], json!({"client_id": initech})).await; // to another client
    patch(&ids[3], json!({"duration": "2:30", "billable": false})).await;
    patch(&ids[6], json!({"client_id": globex})).await; // from no client
    app.delete(&entry_path(&ids[5]))
        .bearer(token)
        .expect(204)
        .await;
    mark_invoiced(&app, &org, &[&ids[4], &ids[7]]).await;

    let world = World {
        entries: listed(&app, token).await,
        topic_of: HashMap::new(),
        names: HashMap::from([
            (globex.clone(), "Globex".to_owned()),
            (initech.clone(), "Initech".to_owned()),
        ]),
    };
    assert_eq!(
        world.entries.len(),
        8,
        "eight entries and the stopped timer, one deleted"
    );
    let in_range = |from: &'static str, to: &'static str| {
        move |e: &Value| (from..=to).contains(&e["date"].as_str().unwrap())
    };
    fn and<'a>(
        a: impl Fn(&Value) -> bool + 'a,
        b: impl Fn(&Value) -> bool + 'a,
    ) -> super::Keep<'a> {
        Box::new(move |e| a(e) && b(e))
    }
    let cases: Vec<(&str, &[&str], super::Keep)> = vec![
        (
            "from=2026-01-01&to=2026-04-30",
            &["client", "month"],
            Box::new(in_range("2026-01-01", "2026-04-30")),
        ),
        (
            "from=2026-01-15&to=2026-04-10",
            &["month", "client"],
            Box::new(in_range("2026-01-15", "2026-04-10")),
        ),
        (
            "from=2026-01-31&to=2026-03-01",
            &["client"],
            Box::new(in_range("2026-01-31", "2026-03-01")),
        ),
        ("", &["client"], Box::new(|_: &Value| true)),
        (
            "to=2026-02-27",
            &["month"],
            Box::new(in_range("0000", "2026-02-27")),
        ),
        (
            "from=2026-02-02",
            &["month"],
            Box::new(in_range("2026-02-02", "9999")),
        ),
        (
            "from=2026-01-01&to=2026-06-30&billable=false",
            &["month"],
            Box::new(|e: &Value| e["billable"] == false),
        ),
        (
            "from=2026-02-01&to=2026-04-30&invoiced=true",
            &["client", "month"],
            and(in_range("2026-02-01", "2026-04-30"), |e| {
                e["status"] == "invoiced"
            }),
        ),
        (
            "from=2026-02-01&to=2026-03-31&status=completed",
            &["client"],
            and(in_range("2026-02-01", "2026-03-31"), |e| {
                e["status"] == "completed"
            }),
        ),
    ];
    for (range, group_by, keep) in cases {
        let filters: [(String, super::Keep); 2] = [
            (String::new(), Box::new(|_| true)),
            (
                format!("&client_id={globex}"),
                Box::new(|e: &Value| e["client_id"] == globex.as_str()),
            ),
        ];
        for (filter, keep_filter) in filters {
            let query = format!("{range}{filter}&group_by={}", group_by.join(","));
            let data = report(&app, token, &query).await;
            assert_eq!(
                world.actual(group_by, &data),
                world.expected(group_by, |e| keep(e) && keep_filter(e)),
                "{query}"
            );
        }
    }
}
