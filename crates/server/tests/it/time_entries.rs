//! `/time-entries`: the ways to record time, overlaps, CRUD with If-Match.
//! Refusals naming their field and client/project/task/service fitting
//! together are in `validation`, time zones and daylight saving are in `zones`, rates and
//! rounding in `rates`, list filters in `filters`, roles, locks, events,
//! archive-versus-delete and other organizations in `access`. The helpers
//! here serve the timer, expense and report tests too.

mod access;
mod filters;
mod rates;
mod tenancy;
mod validation;
mod zones;

use serde_json::{Value, json};
use stint_core::ids::{InvoiceId, OrgId, TimeEntryId};

use crate::both_backends;
use crate::projects::fields;
use crate::support::fixtures::{NowForTests, OrgFixture};
use crate::support::http::Resp;
use crate::support::{Backend, TestApp};

both_backends!(
    every_creation_form,
    overlaps_are_accepted_with_a_warning,
    time_entry_crud_round_trip,
);

pub const ENTRIES: &str = "/api/v1/time-entries";

/// A server whose sign-ins outlive the weeks these tests move the fake
/// clock by (access tokens last 30 minutes by default).
pub async fn spawn(backend: Backend) -> TestApp {
    TestApp::spawn_with(
        backend,
        &[
            ("auth.access_token_ttl", "365d"),
            ("auth.refresh_token_ttl", "365d"),
        ],
    )
    .await
}

pub fn entry_path(id: &str) -> String {
    format!("{ENTRIES}/{id}")
}

/// POSTs an entry that must be accepted; answers the whole response.
pub async fn record(app: &TestApp, token: &str, body: Value) -> Resp {
    app.post(ENTRIES)
        .bearer(token)
        .json(&body)
        .expect(201)
        .await
}

/// POSTs an entry and answers its id.
pub async fn record_id(app: &TestApp, token: &str, body: Value) -> String {
    record(app, token, body).await.str("/data/id")
}

/// POSTs an entry that must be refused; answers the fields named. The
/// status follows from the problems (`support::refusal_status`).
pub async fn refused(app: &TestApp, token: &str, body: Value) -> Vec<String> {
    let resp = app.post(ENTRIES).bearer(token).json(&body).send().await;
    let (status, code) = crate::support::refusal_status(&resp.body);
    assert_eq!(resp.status, status, "{body}: {}", resp.text);
    resp.assert_code(code);
    fields(&resp)
}

/// The message of the error detail about `field`.
pub fn message_for(resp: &Resp, field: &str) -> String {
    resp.body["details"]
        .as_array()
        .unwrap_or_else(|| panic!("no details: {}", resp.text))
        .iter()
        .find(|d| d["field"] == field)
        .unwrap_or_else(|| panic!("no detail for {field}: {}", resp.text))["message"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// PATCHes the organization's settings as its owner.
pub async fn patch_settings(app: &TestApp, org: &OrgFixture, body: Value) {
    app.patch("/api/v1/settings")
        .bearer(&org.owner.access)
        .json(&body)
        .expect(200)
        .await;
}

/// PATCHes a member as the organization's owner.
pub async fn patch_member(app: &TestApp, org: &OrgFixture, member: &str, body: Value) {
    app.patch(&format!("/api/v1/members/{member}"))
        .bearer(&org.owner.access)
        .json(&body)
        .expect(200)
        .await;
}

/// Signs up an organization in a time zone (and currency).
pub async fn signup_in(app: &TestApp, timezone: &str, currency: &str) -> OrgFixture {
    let email = format!("owner-{}@example.com", uuid::Uuid::now_v7().simple());
    let resp = app
        .post("/api/v1/signup")
        .json(
            &json!({"organization_name": "Zoned", "name": "Olive Owner", "email": email,
                      "password": crate::support::fixtures::PASSWORD,
                      "timezone": timezone, "currency": currency}),
        )
        .expect(201)
        .await;
    assert_eq!(resp.data()["organization"]["timezone"], timezone);
    let owner = crate::support::fixtures::UserFixture {
        email,
        password: crate::support::fixtures::PASSWORD.into(),
        user_id: resp.str("/data/user/id"),
        member_id: resp.str("/data/member/id"),
        org_id: resp.str("/data/organization/id"),
        access: resp.str("/data/access"),
        refresh: resp.str("/data/refresh"),
    };
    OrgFixture {
        id: owner.org_id.clone(),
        owner,
    }
}

/// Marks entries invoiced through the store, as invoicing will.
pub async fn mark_invoiced(app: &TestApp, org: &OrgFixture, ids: &[&str]) -> String {
    let invoice = InvoiceId::generate();
    let ids: Vec<TimeEntryId> = ids.iter().map(|i| i.parse().unwrap()).collect();
    let org_id: OrgId = org.id.parse().unwrap();
    #[allow(clippy::disallowed_methods)] // a fixture acting as the organization itself
    let mut tx = app.state.store.scoped(org_id).write().await.unwrap();
    let changed = tx
        .mark_time_entries_invoiced(&ids, invoice, app.clock.now_for_tests())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(changed as usize, ids.len());
    invoice.to_string()
}

async fn every_creation_form(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;

    // (a) Clock times, in any offset; stored and shown in UTC.
    let resp = record(
        &app,
        token,
        json!({"started_at": "2026-02-23T09:00:00+01:00", "ended_at": "2026-02-23T10:30:00+01:00",
               "notes": "Wireframes", "tags": ["design", " design ", "ux"]}),
    )
    .await;
    let data = resp.data().clone();
    let id = data["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("te_"), "{id}");
    assert_eq!(resp.header("location"), Some(entry_path(&id).as_str()));
    assert_eq!(resp.header("etag"), Some("\"1\""));
    assert_eq!(resp.body["warnings"], json!([]));
    assert_eq!(data["member_id"], org.owner.member_id.as_str());
    assert_eq!(data["started_at"], "2026-02-23T08:00:00Z");
    assert_eq!(data["ended_at"], "2026-02-23T09:30:00Z");
    assert_eq!(data["date"], "2026-02-23");
    assert_eq!(data["duration_seconds"], 5400);
    assert_eq!(data["status"], "completed");
    assert_eq!(data["billable"], true, "billable without a project");
    assert_eq!(data["notes"], "Wireframes");
    assert_eq!(
        data["tags"],
        json!(["design", "ux"]),
        "trimmed, deduplicated"
    );
    assert!(data["client_id"].is_null() && data["invoice_id"].is_null());
    assert!(data["rate"].is_null() && data["rate_source"].is_null());
    assert_eq!(data["billable_seconds"], 5400);
    assert_eq!(data["billable_amount"], "0.00");
    assert_eq!(data["currency"], "EUR");
    let fetched = app.get(&entry_path(&id)).bearer(token).expect(200).await;
    assert_eq!(fetched.data(), &data);
    assert_eq!(fetched.header("etag"), Some("\"1\""));

    // (b) A date and a duration, without clock times.
    let data = record(
        &app,
        token,
        json!({"date": "2026-02-27", "duration_seconds": 3600}),
    )
    .await
    .data()
    .clone();
    assert_eq!(data["date"], "2026-02-27");
    assert_eq!(data["duration_seconds"], 3600);
    assert!(data["started_at"].is_null() && data["ended_at"].is_null());
    assert_eq!(data["status"], "completed");
    // … or `duration` as "H:MM"; the date defaults to today.
    let data = record(
        &app,
        token,
        json!({"date": "2026-02-26", "duration": "1:45"}),
    )
    .await
    .data()
    .clone();
    assert_eq!(data["duration_seconds"], 6300);
    assert_eq!(data["billable_seconds"], 6300);
    let data = record(&app, token, json!({"duration": "0:30"}))
        .await
        .data()
        .clone();
    assert_eq!(data["date"], "2026-03-02");
    assert_eq!(data["duration_seconds"], 1800);
    let data = record(&app, token, json!({"duration": "12:00"}))
        .await
        .data()
        .clone();
    assert_eq!(data["duration_seconds"], 43_200);

    // A start and a duration: the end follows.
    let data = record(
        &app,
        token,
        json!({"started_at": "2026-02-24T14:00:00Z", "duration_seconds": 1800}),
    )
    .await
    .data()
    .clone();
    assert_eq!(data["ended_at"], "2026-02-24T14:30:00Z");
    assert_eq!(data["duration_seconds"], 1800);

    // (c) A start alone starts a running timer, its duration live.
    let resp = record(&app, token, json!({"started_at": "2026-03-02T08:50:00Z"})).await;
    let running = resp.data().clone();
    let running_id = running["id"].as_str().unwrap();
    assert_eq!(running["status"], "running");
    assert!(running["ended_at"].is_null());
    assert_eq!(running["duration_seconds"], 600, "09:00 − 08:50");
    assert_eq!(running["billable_seconds"], 0);
    assert_eq!(running["billable_amount"], "0.00");
    assert_eq!(running["date"], "2026-03-02");
    app.advance(chrono::Duration::minutes(5));
    let later = app
        .get(&entry_path(running_id))
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(later.data()["duration_seconds"], 900);
    assert_eq!(later.data()["status"], "running");
}

async fn overlaps_are_accepted_with_a_warning(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let other = app.add_member(&org, "member").await;
    let at = |h: u32, m: u32| format!("2026-02-23T{h:02}:{m:02}:00Z");

    let first = record_id(
        &app,
        token,
        json!({"started_at": at(9, 0), "ended_at": at(10, 0)}),
    )
    .await;
    let resp = record(
        &app,
        token,
        json!({"started_at": at(9, 30), "ended_at": at(10, 30)}),
    )
    .await;
    let second = resp.str("/data/id");
    let warnings = resp.body["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{}", resp.text);
    assert_eq!(warnings[0]["code"], "time_entry_overlap");
    assert_eq!(warnings[0]["time_entry_ids"], json!([first]));
    assert!(
        warnings[0]["message"]
            .as_str()
            .unwrap()
            .contains("overlaps 1 other entry")
    );
    // Touching is not overlapping; another member's time never overlaps;
    // entries without clock times neither.
    let resp = record(
        &app,
        token,
        json!({"started_at": at(10, 30), "ended_at": at(11, 0)}),
    )
    .await;
    assert_eq!(resp.body["warnings"], json!([]));
    let third = resp.str("/data/id");
    let resp = record(
        &app,
        token,
        json!({"member_id": other.member_id, "started_at": at(9, 0), "ended_at": at(11, 0)}),
    )
    .await;
    assert_eq!(resp.body["warnings"], json!([]));
    let resp = record(
        &app,
        token,
        json!({"date": "2026-02-23", "duration": "8:00"}),
    )
    .await;
    assert_eq!(resp.body["warnings"], json!([]));

    // Updates warn too, and never about the entry itself.
    let resp = app
        .patch(&entry_path(&third))
        .bearer(token)
        .json(&json!({"started_at": at(8, 0)}))
        .expect(200)
        .await;
    let mut expected = vec![first.clone(), second.clone()];
    expected.sort();
    assert_eq!(resp.body["warnings"][0]["time_entry_ids"], json!(expected));
    assert!(
        resp.body["warnings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("2 other entries")
    );
    let resp = app
        .patch(&entry_path(&first))
        .bearer(token)
        .json(&json!({"started_at": at(11, 0), "ended_at": at(12, 0)}))
        .expect(200)
        .await;
    assert_eq!(resp.body["warnings"], json!([]));

    // A running timer overlaps what it covers so far.
    app.post("/api/v1/time-entries/start")
        .bearer(token)
        .expect(201)
        .await;
    app.advance(chrono::Duration::minutes(10));
    let resp = record(
        &app,
        token,
        json!({"started_at": "2026-03-02T08:30:00Z", "ended_at": "2026-03-02T09:05:00Z"}),
    )
    .await;
    assert_eq!(resp.body["warnings"][0]["code"], "time_entry_overlap");
    let resp = record(
        &app,
        token,
        json!({"started_at": "2026-03-02T08:00:00Z", "ended_at": "2026-03-02T08:30:00Z"}),
    )
    .await;
    assert_eq!(
        resp.body["warnings"],
        json!([]),
        "touches, does not overlap"
    );
}

async fn time_entry_crud_round_trip(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let created = record(
        &app,
        token,
        json!({"started_at": "2026-02-23T09:00:00Z", "ended_at": "2026-02-23T10:00:00Z",
               "notes": "Kick-off", "tags": ["meeting"]}),
    )
    .await;
    let id = created.str("/data/id");
    let path = entry_path(&id);

    // PATCH changes only what is sent; the duration follows the times.
    let patched = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"ended_at": "2026-02-23T10:15:00Z"}))
        .expect(200)
        .await;
    assert_eq!(patched.header("etag"), Some("\"2\""));
    assert_eq!(patched.data()["duration_seconds"], 4500);
    assert_eq!(patched.data()["notes"], "Kick-off");
    assert_eq!(patched.data()["tags"], json!(["meeting"]));
    assert_eq!(patched.body["warnings"], json!([]));
    let patched = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"notes": null, "tags": ["a", "b"], "billable": false}))
        .expect(200)
        .await;
    assert!(patched.data()["notes"].is_null());
    assert_eq!(patched.data()["tags"], json!(["a", "b"]));
    assert_eq!(patched.data()["billable"], false);
    assert_eq!(patched.data()["billable_seconds"], 0);
    // A write that changes nothing keeps the version.
    let same = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"billable": false}))
        .expect(200)
        .await;
    assert_eq!(same.header("etag"), Some("\"3\""));

    // Clock times become a date and a duration, and back.
    let patched = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"started_at": null, "ended_at": null, "date": "2026-02-20", "duration_seconds": 600}))
        .expect(200)
        .await;
    assert!(patched.data()["started_at"].is_null());
    assert_eq!(patched.data()["date"], "2026-02-20");
    assert_eq!(patched.data()["duration_seconds"], 600);
    // On an entry without clock times, either duration form can change it.
    let patched = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"duration": "2:00"}))
        .expect(200)
        .await;
    assert_eq!(patched.data()["duration_seconds"], 7200);
    let patched = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"duration_seconds": 5400}))
        .expect(200)
        .await;
    assert_eq!(patched.data()["duration_seconds"], 5400);
    // Clock times given to it place it: a start alone keeps its length…
    let patched = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"started_at": "2026-02-21T10:00:00Z"}))
        .expect(200)
        .await;
    assert_eq!(patched.data()["date"], "2026-02-21");
    assert_eq!(patched.data()["ended_at"], "2026-02-21T11:30:00Z");
    assert_eq!(patched.data()["duration_seconds"], 5400);
    app.patch(&path)
        .bearer(token)
        .json(&json!({"started_at": null, "ended_at": null, "date": "2026-02-20", "duration": "0:10"}))
        .expect(200)
        .await;
    // …a start and an end set both.
    let patched = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"started_at": "2026-02-21T10:00:00Z", "ended_at": "2026-02-21T11:00:00Z"}))
        .expect(200)
        .await;
    assert_eq!(patched.data()["date"], "2026-02-21");
    assert_eq!(patched.data()["duration_seconds"], 3600);
    // A PATCH is validated like a PUT.
    let resp = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"ended_at": "2026-02-21T09:00:00Z"}))
        // The stored start is after it: a conflict with the entry.
        .expect(409)
        .await;
    assert_eq!(fields(&resp), ["ended_at"]);
    // A new length for an entry with clock times keeps the start and
    // moves the end.
    let patched = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"duration": "1:30"}))
        .expect(200)
        .await;
    assert_eq!(patched.data()["started_at"], "2026-02-21T10:00:00Z");
    assert_eq!(patched.data()["ended_at"], "2026-02-21T11:30:00Z");
    // A new date moves the clock times to that day.
    let patched = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"date": "2026-02-20"}))
        .expect(200)
        .await;
    assert_eq!(patched.data()["started_at"], "2026-02-20T10:00:00Z");
    assert_eq!(patched.data()["ended_at"], "2026-02-20T11:30:00Z");
    // An end for an entry without a start needs the start too.
    app.patch(&path)
        .bearer(token)
        .json(&json!({"started_at": null, "ended_at": null, "date": "2026-02-21", "duration": "1:00"}))
        .expect(200)
        .await;
    let resp = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"ended_at": "2026-02-21T11:00:00Z"}))
        .expect(409)
        .await;
    assert_eq!(fields(&resp), ["ended_at"]);
    let resp = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"status": "invoiced"}))
        .expect(400)
        .await;
    resp.assert_code("unknown_field");

    // PUT replaces: what is not sent is cleared.
    let put = app
        .put(&path)
        .bearer(token)
        .json(&json!({"date": "2026-02-19", "duration": "0:45"}))
        .expect(200)
        .await;
    let version = put.header("etag").unwrap().to_owned();
    assert!(put.data()["started_at"].is_null());
    assert_eq!(put.data()["tags"], json!([]));
    assert_eq!(put.data()["billable"], true);
    assert_eq!(put.data()["duration_seconds"], 2700);
    assert_eq!(put.body["warnings"], json!([]));

    // If-Match guards every write.
    for req in [
        app.patch(&path).json(&json!({"notes": "x"})),
        app.put(&path)
            .json(&json!({"date": "2026-02-19", "duration": "1:00"})),
        app.delete(&path),
    ] {
        req.bearer(token)
            .header("if-match", "\"1\"")
            .expect(412)
            .await
            .assert_code("precondition_failed");
    }
    let patched = app
        .patch(&path)
        .bearer(token)
        .header("if-match", &version)
        .json(&json!({"notes": "matched"}))
        .expect(200)
        .await;
    let version = patched.header("etag").unwrap().to_owned();

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
        .json(&json!({"notes": "x"}))
        .expect(404)
        .await;
    app.get(&entry_path(&TimeEntryId::generate().to_string()))
        .bearer(token)
        .expect(404)
        .await;
    // An id of another type is no time entry either.
    app.get(&entry_path("cli_01jd8x2k4m6n8p9q0r1s2t3v4w"))
        .bearer(token)
        .expect(404)
        .await;
}
