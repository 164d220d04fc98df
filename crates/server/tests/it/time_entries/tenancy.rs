//! Another organization's time, timers, expenses, receipts and reports:
//! every endpoint answers A's ids to B's credentials exactly as unknown
//! ids (404), B's lists and reports never show A's data, and A's ids in
//! B's bodies are field errors (400 naming the field).

use serde_json::{Value, json};

use super::{ENTRIES, entry_path, record_id, spawn};
use crate::both_backends;
use crate::expenses::{EXPENSES, create_expense, expense_path};
use crate::projects::{create, fields};
use crate::support::Backend;

both_backends!(
    another_organizations_time_answers_404,
    another_organizations_ids_in_bodies_are_field_errors,
);

async fn another_organizations_time_answers_404(backend: Backend) {
    let app = spawn(backend).await;
    let a = app.signup("A").await;
    let b = app.signup("B").await;
    app.activate_public_api(&b).await;
    let b_key = app.create_key(&b, None).await;
    let client = create(&app, &a, "/api/v1/clients", json!({"name": "Globex"})).await;
    let entry = record_id(
        &app,
        &a.owner.access,
        json!({"date": "2026-03-02", "duration": "1:00", "client_id": client}),
    )
    .await;
    let timer = record_id(
        &app,
        &a.owner.access,
        json!({"started_at": "2026-03-02T08:00:00Z", "client_id": client}),
    )
    .await;
    let expense = create_expense(
        &app,
        &a.owner.access,
        json!({"amount": "10", "client_id": client, "billable": true}),
    )
    .await;
    let receipt = format!("{}/receipt", expense_path(&expense));
    app.put(&receipt)
        .bearer(&a.owner.access)
        .body("application/pdf", b"%PDF-1.7 a's".to_vec())
        .expect(200)
        .await;
    let before = app.events(&a).await.len();

    let day = json!({"date": "2026-03-02", "duration": "1:00"});
    let png = b"\x89PNG\r\n\x1a\nb's".to_vec();
    let made_up_entry = stint_core::ids::TimeEntryId::generate().to_string();
    for credential in [
        format!("Bearer {}", b.owner.access),
        format!("Token {}", b_key.token),
    ] {
        let auth = |req: crate::support::Req| req.header("authorization", &credential);
        for id in [&entry, &timer, &made_up_entry] {
            let path = entry_path(id);
            let responses = [
                auth(app.get(&path)).send().await,
                auth(app.patch(&path).json(&json!({"notes": "x"})))
                    .send()
                    .await,
                auth(app.put(&path).json(&day)).send().await,
                auth(app.delete(&path)).send().await,
                auth(app.post(&format!("{path}/stop"))).send().await,
                auth(app.post(&format!("{path}/continue"))).send().await,
            ];
            for resp in responses {
                assert_eq!(resp.status, 404, "{path}: {}", resp.text);
                resp.assert_code("not_found");
                assert_eq!(
                    resp.body["error"], "No such time entry in this organization",
                    "{}",
                    resp.text
                );
            }
        }
        let made_up_expense = stint_core::ids::ExpenseId::generate().to_string();
        let mut messages = Vec::new();
        for id in [&expense, &made_up_expense] {
            let path = expense_path(id);
            let receipt = format!("{path}/receipt");
            let responses = [
                auth(app.get(&path)).send().await,
                auth(app.patch(&path).json(&json!({"amount": "1"})))
                    .send()
                    .await,
                auth(app.put(&path).json(&json!({"amount": "1"})))
                    .send()
                    .await,
                auth(app.delete(&path)).send().await,
                auth(app.get(&receipt)).send().await,
                auth(app.put(&receipt).body("image/png", png.clone()))
                    .send()
                    .await,
                auth(app.delete(&receipt)).send().await,
            ];
            for resp in responses {
                assert_eq!(resp.status, 404, "{path}: {}", resp.text);
                messages.push(resp.body["error"].clone());
            }
        }
        let (foreign, unknown) = messages.split_at(messages.len() / 2);
        assert_eq!(foreign, unknown, "the same answers as for unknown ids");

        // B's lists and reports never show A's data, even filtered by A's ids.
        for path in [
            ENTRIES.to_owned(),
            format!("{ENTRIES}?client_id={client}"),
            format!("{ENTRIES}?member_id={}", a.owner.member_id),
            "/api/v1/time-entries/running".to_owned(),
            EXPENSES.to_owned(),
            format!("{EXPENSES}?client_id={client}"),
        ] {
            let resp = auth(app.get(&path)).send().await;
            assert_eq!(resp.status, 200, "{path}: {}", resp.text);
            assert_eq!(resp.data(), &json!([]), "{path}");
        }
        let resp = auth(app.get("/api/v1/reports/time?group_by=client,member"))
            .send()
            .await;
        assert_eq!(resp.data()["rows"], json!([]));
        let resp = auth(app.get(&format!(
            "/api/v1/reports/time?group_by=client&client_id={client}"
        )))
        .send()
        .await;
        assert_eq!(resp.data()["totals"]["entries"], 0);
        let resp = auth(app.get("/api/v1/reports/uninvoiced")).send().await;
        assert_eq!(resp.data(), &json!({"clients": [], "total": {}}));
        let resp = auth(app.get(&format!("/api/v1/reports/uninvoiced?client_id={client}")))
            .send()
            .await;
        assert_eq!(resp.data()["clients"], json!([]));
        let resp = auth(app.get("/api/v1/reports/dashboard")).send().await;
        assert_eq!(resp.status, 200, "{}", resp.text);
        assert_eq!(resp.data()["running_timers"], json!([]));
        assert_eq!(resp.data()["this_month_seconds"]["everyone"], 0);
        assert_eq!(resp.data()["top_clients_this_month"], json!([]));
    }

    // Nothing of A's changed.
    assert_eq!(app.events(&a).await.len(), before);
    let still = app
        .get(&entry_path(&timer))
        .bearer(&a.owner.access)
        .expect(200)
        .await;
    assert_eq!(still.data()["status"], "running");
    assert_eq!(still.header("etag"), Some("\"1\""));
    let bytes = app.get(&receipt).bearer(&a.owner.access).expect(200).await;
    assert_eq!(bytes.text, "%PDF-1.7 a's");
}

async fn another_organizations_ids_in_bodies_are_field_errors(backend: Backend) {
    let app = spawn(backend).await;
    let a = app.signup("A").await;
    let b = app.signup("B").await;
    app.activate_public_api(&b).await;
    let b_key = app.create_key(&b, None).await;
    let a_client = create(&app, &a, "/api/v1/clients", json!({"name": "Globex"})).await;
    let a_project = create(
        &app,
        &a,
        "/api/v1/projects",
        json!({"name": "Site", "client_id": a_client}),
    )
    .await;
    let a_task = create(
        &app,
        &a,
        "/api/v1/tasks",
        json!({"title": "Mockups", "project_id": a_project}),
    )
    .await;
    let a_service = create(&app, &a, "/api/v1/services", json!({"name": "Design"})).await;
    let a_member = a.owner.member_id.clone();
    let b_entry = record_id(
        &app,
        &b.owner.access,
        json!({"date": "2026-03-02", "duration": "1:00"}),
    )
    .await;
    let b_expense = create_expense(&app, &b.owner.access, json!({"amount": "5"})).await;

    let with = |base: Value, field: &str, id: &str| {
        let mut body = base;
        body[field] = json!(id);
        body
    };
    let day = json!({"date": "2026-03-02", "duration": "1:00"});
    let entry_fields = [
        ("client_id", &a_client),
        ("project_id", &a_project),
        ("task_id", &a_task),
        ("service_id", &a_service),
        ("member_id", &a_member),
    ];
    for (field, id) in entry_fields {
        let body = with(day.clone(), field, id);
        // Creating, replacing and patching B's entry, as B's owner…
        for req in [
            app.post(ENTRIES).json(&body),
            app.put(&entry_path(&b_entry)).json(&body),
            app.patch(&entry_path(&b_entry)).json(&json!({field: id})),
            app.post("/api/v1/time-entries/start")
                .json(&json!({field: id})),
        ] {
            let resp = req.bearer(&b.owner.access).expect(404).await;
            assert_eq!(fields(&resp), [field], "{body}: {}", resp.text);
        }
        // …and with B's key (which must name a member of its own).
        let mut keyed = body.clone();
        if field != "member_id" {
            keyed["member_id"] = json!(b.owner.member_id);
        }
        let resp = app
            .post(ENTRIES)
            .api_key(&b_key.token)
            .json(&keyed)
            .expect(404)
            .await;
        assert_eq!(fields(&resp), [field], "{keyed}");
    }
    // Every foreign id at once: every field named.
    let resp = app
        .post(ENTRIES)
        .bearer(&b.owner.access)
        .json(
            &json!({"date": "2026-03-02", "duration": "1:00", "client_id": a_client,
                      "project_id": a_project, "service_id": a_service}),
        )
        .expect(404)
        .await;
    assert_eq!(fields(&resp), ["client_id", "project_id", "service_id"]);
    for (field, id) in [
        ("client_id", &a_client),
        ("project_id", &a_project),
        ("member_id", &a_member),
    ] {
        let body = json!({"amount": "5", field: id});
        for req in [
            app.post(EXPENSES).json(&body),
            app.put(&expense_path(&b_expense)).json(&body),
            app.patch(&expense_path(&b_expense))
                .json(&json!({field: id})),
        ] {
            let resp = req.bearer(&b.owner.access).expect(404).await;
            assert_eq!(fields(&resp), [field], "{body}: {}", resp.text);
        }
    }
    // Nothing was written on either side.
    let entries = app.get(ENTRIES).bearer(&b.owner.access).expect(200).await;
    assert_eq!(entries.data().as_array().unwrap().len(), 1);
    let a_entries = app.get(ENTRIES).bearer(&a.owner.access).expect(200).await;
    assert_eq!(a_entries.data(), &json!([]));
}
