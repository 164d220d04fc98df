//! `/expenses`: CRUD, defaults, validation naming fields, filters,
//! visibility (members their own), locks (invoiced, closed period),
//! If-Match and events. Lists are tested in `filters`, receipts in
//! `receipts`.

mod filters;
mod receipts;

use serde_json::{Value, json};
use stint_core::ids::{ExpenseId, InvoiceId, OrgId};

use crate::both_backends;
use crate::projects::{create, fields, listed};
use crate::support::fixtures::{NowForTests, OrgFixture};
use crate::support::{Backend, TestApp};
use crate::time_entries::{patch_settings, signup_in, spawn};

both_backends!(
    expenses_crud_round_trip,
    expense_validation_names_fields,
    members_see_and_touch_only_their_own_expenses,
    expenses_are_locked_when_invoiced_or_in_the_closed_period,
    expense_events_record_each_change_exactly_once,
);

pub const EXPENSES: &str = "/api/v1/expenses";

pub fn expense_path(id: &str) -> String {
    format!("{EXPENSES}/{id}")
}

pub async fn create_expense(app: &TestApp, token: &str, body: Value) -> String {
    app.post(EXPENSES)
        .bearer(token)
        .json(&body)
        .expect(201)
        .await
        .str("/data/id")
}

/// Marks expenses invoiced through the store, as invoicing will.
pub async fn mark_expenses_invoiced(app: &TestApp, org: &OrgFixture, ids: &[&str]) -> String {
    let invoice = InvoiceId::generate();
    let ids: Vec<ExpenseId> = ids.iter().map(|i| i.parse().unwrap()).collect();
    let org_id: OrgId = org.id.parse().unwrap();
    #[allow(clippy::disallowed_methods)] // a fixture acting as the organization itself
    let mut tx = app.state.store.scoped(org_id).write().await.unwrap();
    let changed = tx
        .mark_expenses_invoiced(&ids, invoice, app.clock.now_for_tests())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(changed as usize, ids.len());
    invoice.to_string()
}

async fn expenses_crud_round_trip(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let globex = create(&app, &org, "/api/v1/clients", json!({"name": "Globex"})).await;
    let site = create(
        &app,
        &org,
        "/api/v1/projects",
        json!({"name": "Site", "client_id": globex}),
    )
    .await;
    let created = app
        .post(EXPENSES)
        .bearer(token)
        .json(&json!({
            "date": "2026-02-27", "project_id": site, "category": " Travel ",
            "description": "Train to the client", "amount": "42.5", "currency": "EUR",
            "vat_rate": "10", "billable": true, "reimbursable": true,
        }))
        .expect(201)
        .await;
    let data = created.data().clone();
    let id = data["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("exp_"), "{id}");
    assert_eq!(created.header("location"), Some(expense_path(&id).as_str()));
    assert_eq!(created.header("etag"), Some("\"1\""));
    assert_eq!(data["member_id"], org.owner.member_id.as_str());
    assert_eq!(data["date"], "2026-02-27");
    assert_eq!(data["client_id"], globex.as_str(), "the project's client");
    assert_eq!(data["project_id"], site.as_str());
    assert_eq!(data["category"], "Travel");
    assert_eq!(data["amount"], "42.50");
    assert_eq!(data["currency"], "EUR");
    assert_eq!(data["vat_rate"], "10.00");
    assert_eq!(data["billable"], true);
    assert_eq!(data["reimbursable"], true);
    assert_eq!(data["status"], "open");
    assert!(data["invoice_id"].is_null() && data["receipt"].is_null());
    let path = expense_path(&id);
    let fetched = app.get(&path).bearer(token).expect(200).await;
    assert_eq!(fetched.data(), &data);
    assert_eq!(fetched.header("etag"), Some("\"1\""));

    // Defaults: today (in the organization's zone), its currency, no VAT,
    // neither billable nor reimbursable.
    let data = app
        .post(EXPENSES)
        .bearer(token)
        .json(&json!({"amount": 12}))
        .expect(201)
        .await
        .data()
        .clone();
    assert_eq!(data["date"], "2026-03-02");
    assert_eq!(data["amount"], "12.00");
    assert_eq!(data["currency"], "EUR");
    assert_eq!(data["vat_rate"], "0.00");
    assert_eq!(data["billable"], false);
    assert_eq!(data["reimbursable"], false);
    assert!(data["client_id"].is_null());
    let tokyo = signup_in(&app, "Pacific/Kiritimati", "JPY").await;
    let data = app
        .post(EXPENSES)
        .bearer(&tokyo.owner.access)
        .json(&json!({"amount": "1500"}))
        .expect(201)
        .await
        .data()
        .clone();
    assert_eq!(data["date"], "2026-03-02", "23:00 in Kiritimati (UTC+14)");
    assert_eq!(
        (&data["amount"], &data["currency"]),
        (&json!("1500"), &json!("JPY"))
    );
    app.advance(chrono::Duration::hours(1));
    let data = app
        .post(EXPENSES)
        .bearer(&tokyo.owner.access)
        .json(&json!({"amount": "1500"}))
        .expect(201)
        .await
        .data()
        .clone();
    assert_eq!(data["date"], "2026-03-03");

    // PATCH changes only what is sent.
    let patched = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"description": "Return train", "amount": "85"}))
        .expect(200)
        .await;
    assert_eq!(patched.header("etag"), Some("\"2\""));
    assert_eq!(patched.data()["description"], "Return train");
    assert_eq!(patched.data()["amount"], "85.00");
    assert_eq!(patched.data()["category"], "Travel");
    assert_eq!(patched.data()["vat_rate"], "10.00");
    let same = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"amount": "85.00"}))
        .expect(200)
        .await;
    assert_eq!(same.header("etag"), Some("\"2\""), "nothing changed");
    // PUT replaces: absent fields go back to their defaults.
    let put = app
        .put(&path)
        .bearer(token)
        .json(&json!({"date": "2026-02-28", "amount": "10", "currency": "USD"}))
        .expect(200)
        .await;
    let data = put.data();
    assert_eq!(data["currency"], "USD");
    assert!(data["project_id"].is_null() && data["category"].is_null());
    assert_eq!(data["billable"], false);
    let version = put.header("etag").unwrap().to_owned();

    // If-Match guards every write.
    for req in [
        app.patch(&path).json(&json!({"amount": "1"})),
        app.put(&path).json(&json!({"amount": "1"})),
        app.delete(&path),
    ] {
        req.bearer(token)
            .header("if-match", "\"1\"")
            .expect(412)
            .await
            .assert_code("precondition_failed");
    }
    app.delete(&path)
        .bearer(token)
        .header("if-match", &version)
        .expect(204)
        .await;
    app.get(&path)
        .bearer(token)
        .expect(404)
        .await
        .assert_code("not_found");
    app.delete(&path).bearer(token).expect(404).await;
    app.patch(&path)
        .bearer(token)
        .json(&json!({"amount": "1"}))
        .expect(404)
        .await;
}

async fn expense_validation_names_fields(backend: Backend) {
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
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({"amount": "0"}), vec!["amount"]),
        (json!({"amount": "-5"}), vec!["amount"]),
        (json!({"amount": "abc"}), vec!["amount"]),
        (json!({"amount": "1.2340000000000"}), vec!["amount"]),
        (json!({"amount": "0.000"}), vec!["amount"]),
        (json!({"amount": "-0"}), vec!["amount"]),
        (
            json!({"amount": "10.5", "currency": "JPY", "date": "x"}),
            vec!["date"],
        ),
        (
            json!({"amount": "10", "currency": "EURO"}),
            vec!["currency"],
        ),
        (json!({"amount": "10", "vat_rate": "abc"}), vec!["vat_rate"]),
        (
            json!({"amount": "10", "category": "c".repeat(101)}),
            vec!["category"],
        ),
        (
            json!({"amount": "10", "description": "d".repeat(10_001)}),
            vec!["description"],
        ),
        (
            json!({"amount": "10", "client_id": initech, "project_id": site}),
            vec!["project_id"],
        ),
        (
            json!({"amount": "10", "client_id": stint_core::ids::ClientId::generate().to_string()}),
            vec!["client_id"],
        ),
        (
            json!({"amount": "10", "project_id": stint_core::ids::ProjectId::generate().to_string()}),
            vec!["project_id"],
        ),
        (json!({}), vec!["amount"]),
        (json!({"amount": "10", "date": "2026-02-30"}), vec!["date"]),
        (json!({"amount": "10", "billable": "yes"}), vec!["billable"]),
        (
            json!({"amount": "0", "currency": "EURO", "vat_rate": "x", "category": ""}),
            vec!["amount", "currency", "vat_rate"],
        ),
    ];
    for (body, expected) in cases {
        let resp = app.post(EXPENSES).bearer(token).json(&body).send().await;
        let (status, _) = crate::support::refusal_status(&resp.body);
        assert_eq!(resp.status, status, "{body}: {}", resp.text);
        assert_eq!(fields(&resp), expected, "{body}: {}", resp.text);
    }
    // A member that does not exist is a missing reference: 404, named.
    let resp = app
        .post(EXPENSES)
        .bearer(token)
        .json(&json!({"amount": "10", "member_id": stint_core::ids::MemberId::generate().to_string()}))
        .expect(404)
        .await;
    resp.assert_code("not_found");
    assert_eq!(fields(&resp), ["member_id"]);
    let resp = app
        .post(EXPENSES)
        .bearer(token)
        .json(&json!({"amount": "1", "status": "invoiced"}))
        .expect(400)
        .await;
    resp.assert_code("unknown_field");
    let listed = app.get(EXPENSES).bearer(token).expect(200).await;
    assert_eq!(listed.data(), &json!([]), "nothing was stored");
}

async fn members_see_and_touch_only_their_own_expenses(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Acme").await;
    let owner = &org.owner.access;
    let ann = app.add_member(&org, "member").await;
    let bob = app.add_member(&org, "member").await;
    app.activate_public_api(&org).await;
    let key = app.create_key(&org, None).await;

    let anns = create_expense(&app, &ann.access, json!({"amount": "5"})).await;
    let bobs = create_expense(
        &app,
        owner,
        json!({"amount": "6", "member_id": bob.member_id}),
    )
    .await;
    let own = app
        .get(&expense_path(&anns))
        .bearer(&ann.access)
        .expect(200)
        .await;
    assert_eq!(own.data()["member_id"], ann.member_id.as_str());
    app.post(EXPENSES)
        .bearer(&ann.access)
        .json(&json!({"amount": "7", "member_id": bob.member_id}))
        .expect(403)
        .await
        .assert_code("insufficient_role");
    let bobs_path = expense_path(&bobs);
    app.get(&bobs_path).bearer(&ann.access).expect(404).await;
    app.patch(&bobs_path)
        .bearer(&ann.access)
        .json(&json!({"amount": "1"}))
        .expect(404)
        .await;
    app.put(&bobs_path)
        .bearer(&ann.access)
        .json(&json!({"amount": "1"}))
        .expect(404)
        .await;
    app.delete(&bobs_path).bearer(&ann.access).expect(404).await;
    let list = app
        .get(&format!("{EXPENSES}?member_id={}", bob.member_id))
        .bearer(&ann.access)
        .expect(200)
        .await;
    assert_eq!(listed(&list, "id"), [anns.as_str()]);
    let list = app.get(EXPENSES).bearer(owner).expect(200).await;
    assert_eq!(listed(&list, "id").len(), 2);
    app.patch(&expense_path(&anns))
        .bearer(&ann.access)
        .json(&json!({"amount": "9"}))
        .expect(200)
        .await;

    // A key records for the member who created it unless told whom, and
    // sees everyone's.
    let resp = app
        .post(EXPENSES)
        .api_key(&key.token)
        .json(&json!({"amount": "5"}))
        .expect(201)
        .await;
    assert_eq!(resp.data()["member_id"], org.owner.member_id.as_str());
    app.post(EXPENSES)
        .api_key(&key.token)
        .json(&json!({"amount": "5", "member_id": ann.member_id}))
        .expect(201)
        .await;
    let list = app.get(EXPENSES).api_key(&key.token).expect(200).await;
    assert_eq!(listed(&list, "id").len(), 4);
    app.patch(&bobs_path)
        .api_key(&key.token)
        .json(&json!({"category": "Books"}))
        .expect(200)
        .await;
    app.delete(&expense_path(&anns))
        .bearer(&ann.access)
        .expect(204)
        .await;
}

async fn expenses_are_locked_when_invoiced_or_in_the_closed_period(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let billed = create_expense(
        &app,
        token,
        json!({"date": "2026-03-02", "amount": "10", "billable": true}),
    )
    .await;
    let old = create_expense(&app, token, json!({"date": "2026-02-20", "amount": "10"})).await;
    let invoice = mark_expenses_invoiced(&app, &org, &[&billed]).await;
    let path = expense_path(&billed);
    let fetched = app.get(&path).bearer(token).expect(200).await;
    assert_eq!(fetched.data()["status"], "invoiced");
    assert_eq!(fetched.data()["invoice_id"], invoice.as_str());
    let png = b"\x89PNG\r\n\x1a\nreceipt".to_vec();
    for resp in [
        app.patch(&path)
            .bearer(token)
            .json(&json!({"amount": "1"}))
            .expect(409)
            .await,
        app.put(&path)
            .bearer(token)
            .json(&json!({"amount": "1"}))
            .expect(409)
            .await,
        app.delete(&path).bearer(token).expect(409).await,
        app.put(&format!("{path}/receipt"))
            .bearer(token)
            .body("image/png", png.clone())
            .expect(409)
            .await,
    ] {
        resp.assert_code("time_entry_locked");
    }

    patch_settings(
        &app,
        &org,
        json!({"time_tracking": {"lock_before": "2026-03-01"}}),
    )
    .await;
    let old_path = expense_path(&old);
    for resp in [
        app.patch(&old_path)
            .bearer(token)
            .json(&json!({"amount": "1"}))
            .expect(409)
            .await,
        app.delete(&old_path).bearer(token).expect(409).await,
        app.put(&format!("{old_path}/receipt"))
            .bearer(token)
            .body("image/png", png.clone())
            .expect(409)
            .await,
        app.post(EXPENSES)
            .bearer(token)
            .json(&json!({"date": "2026-02-28", "amount": "1"}))
            .expect(409)
            .await,
    ] {
        resp.assert_code("period_locked");
    }
    // Moving an open expense into the closed period is refused too.
    let open = create_expense(&app, token, json!({"date": "2026-03-01", "amount": "3"})).await;
    app.patch(&expense_path(&open))
        .bearer(token)
        .json(&json!({"date": "2026-02-28"}))
        .expect(409)
        .await
        .assert_code("period_locked");
    patch_settings(&app, &org, json!({"time_tracking": {"lock_before": null}})).await;
    app.delete(&old_path).bearer(token).expect(204).await;
}

async fn expense_events_record_each_change_exactly_once(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let created = app
        .post(EXPENSES)
        .bearer(token)
        .json(&json!({"date": "2026-03-01", "amount": "10", "category": "Travel"}))
        .expect(201)
        .await;
    let id = created.str("/data/id");
    let path = expense_path(&id);
    app.patch(&path)
        .bearer(token)
        .json(&json!({"amount": "12.5", "category": "Taxi"}))
        .expect(200)
        .await;
    app.patch(&path)
        .bearer(token)
        .json(&json!({"amount": "12.50"}))
        .expect(200)
        .await;
    app.patch(&path)
        .bearer(token)
        .json(&json!({"amount": "0"}))
        .expect(400)
        .await;
    app.put(&format!("{path}/receipt"))
        .bearer(token)
        .body("application/pdf", b"%PDF-1.4 receipt".to_vec())
        .expect(200)
        .await;
    app.put(&format!("{path}/receipt"))
        .bearer(token)
        .body("text/plain", b"not a receipt".to_vec())
        .expect(415)
        .await;
    app.delete(&format!("{path}/receipt"))
        .bearer(token)
        .expect(204)
        .await;
    app.delete(&path).bearer(token).expect(204).await;
    let events: Vec<(String, Value)> = app
        .events(&org)
        .await
        .into_iter()
        .filter(|(kind, _)| kind.starts_with("expense."))
        .collect();
    let kinds: Vec<&str> = events.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "expense.created",
            "expense.updated",
            "expense.updated",
            "expense.updated",
            "expense.deleted"
        ]
    );
    assert_eq!(events[0].1["object"], *created.data());
    assert_eq!(
        events[1].1["previous_attributes"],
        json!({"amount": "10.00", "category": "Travel"})
    );
    let receipt = &events[2].1;
    assert!(receipt["previous_attributes"]["receipt"].is_null());
    assert_eq!(
        receipt["object"]["receipt"]["content_type"],
        "application/pdf"
    );
    assert_eq!(
        events[3].1["previous_attributes"]["receipt"]["content_type"],
        "application/pdf"
    );
    assert!(events[3].1["object"]["receipt"].is_null());
    assert_eq!(events[4].1["object"]["id"], id.as_str());
}
