//! Who may record and see time (members their own, owners, admins and API
//! keys everyone's), the locks (invoiced entries, the closed period), the
//! exact events of each change, and archive versus delete of the records
//! time points at.

use serde_json::json;

use super::{ENTRIES, entry_path, mark_invoiced, patch_settings, record, record_id, spawn};
use crate::both_backends;
use crate::projects::{create, fields, listed};
use crate::support::Backend;

both_backends!(
    members_see_and_touch_only_their_own_time,
    api_keys_record_for_their_creator_unless_told_whom,
    invoiced_entries_are_locked,
    the_closed_period_is_locked,
    events_record_each_change_exactly_once,
    records_with_time_are_archived_not_deleted,
);

async fn members_see_and_touch_only_their_own_time(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Acme").await;
    let owner = &org.owner.access;
    let admin = app.add_member(&org, "admin").await;
    let ann = app.add_member(&org, "member").await;
    let bob = app.add_member(&org, "member").await;
    let day = json!({"date": "2026-03-02", "duration": "1:00"});

    // Members record their own time (by default or by naming themselves)…
    let anns = record(&app, &ann.access, day.clone()).await;
    assert_eq!(anns.data()["member_id"], ann.member_id.as_str());
    let anns = anns.str("/data/id");
    let mut named = day.clone();
    named["member_id"] = json!(ann.member_id);
    record(&app, &ann.access, named).await;
    // …never anyone else's.
    let mut for_bob = day.clone();
    for_bob["member_id"] = json!(bob.member_id);
    app.post(ENTRIES)
        .bearer(&ann.access)
        .json(&for_bob)
        .expect(403)
        .await
        .assert_code("insufficient_role");
    app.post("/api/v1/time-entries/start")
        .bearer(&ann.access)
        .json(&json!({"member_id": bob.member_id}))
        .expect(403)
        .await
        .assert_code("insufficient_role");
    // Owners and admins record for anyone.
    let bobs = record_id(&app, owner, for_bob.clone()).await;
    let mut for_ann = day.clone();
    for_ann["member_id"] = json!(ann.member_id);
    let by_admin = record(&app, &admin.access, for_ann).await;
    assert_eq!(by_admin.data()["member_id"], ann.member_id.as_str());

    // Another member's entry is invisible to a member: 404 everywhere.
    let bobs_path = entry_path(&bobs);
    app.get(&bobs_path)
        .bearer(&ann.access)
        .expect(404)
        .await
        .assert_code("not_found");
    app.patch(&bobs_path)
        .bearer(&ann.access)
        .json(&json!({"notes": "x"}))
        .expect(404)
        .await;
    app.put(&bobs_path)
        .bearer(&ann.access)
        .json(&day)
        .expect(404)
        .await;
    app.delete(&bobs_path).bearer(&ann.access).expect(404).await;
    app.post(&format!("{bobs_path}/continue"))
        .bearer(&ann.access)
        .expect(404)
        .await;
    // Lists: members see their own, whatever they ask for.
    let list = |token: &str, query: &str| {
        let app = &app;
        let token = token.to_owned();
        let path = format!("{ENTRIES}{query}");
        async move {
            let resp = app.get(&path).bearer(&token).expect(200).await;
            resp.data()
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["member_id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(list(&ann.access, "").await, vec![ann.member_id.clone(); 3]);
    assert_eq!(
        list(&ann.access, &format!("?member_id={}", bob.member_id)).await,
        vec![ann.member_id.clone(); 3]
    );
    assert_eq!(list(&bob.access, "").await, [bob.member_id.as_str()]);
    assert_eq!(list(owner, "").await.len(), 4);
    assert_eq!(list(&admin.access, "").await.len(), 4);

    // A member changes and deletes their own time, but cannot give it away.
    let path = entry_path(&anns);
    app.patch(&path)
        .bearer(&ann.access)
        .json(&json!({"notes": "mine"}))
        .expect(200)
        .await;
    app.patch(&path)
        .bearer(&ann.access)
        .json(&json!({"member_id": bob.member_id}))
        .expect(403)
        .await
        .assert_code("insufficient_role");
    // An admin may move it, and change anyone's entries.
    let moved = app
        .patch(&path)
        .bearer(&admin.access)
        .json(&json!({"member_id": bob.member_id}))
        .expect(200)
        .await;
    assert_eq!(moved.data()["member_id"], bob.member_id.as_str());
    app.get(&path).bearer(&ann.access).expect(404).await;
    app.delete(&path).bearer(&bob.access).expect(204).await;
    // Deactivated members cannot be given new time.
    app.delete(&format!("/api/v1/members/{}", bob.member_id))
        .bearer(owner)
        .expect(204)
        .await;
    let resp = app
        .post(ENTRIES)
        .bearer(owner)
        .json(&for_bob)
        .expect(409)
        .await;
    assert_eq!(fields(&resp), ["member_id"]);
    // An unknown member is a 404 naming the field.
    let mut unknown = day.clone();
    unknown["member_id"] = json!(stint_core::ids::MemberId::generate().to_string());
    let resp = app
        .post(ENTRIES)
        .bearer(owner)
        .json(&unknown)
        .expect(404)
        .await;
    assert_eq!(fields(&resp), ["member_id"]);
}

async fn api_keys_record_for_their_creator_unless_told_whom(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Acme").await;
    app.activate_public_api(&org).await;
    let key = app.create_key(&org, None).await;
    let read_only = app.create_key(&org, Some(&["read"])).await;
    let ann = app.add_member(&org, "member").await;
    record(
        &app,
        &ann.access,
        json!({"date": "2026-03-02", "duration": "1:00"}),
    )
    .await;

    // Without a member, a key records for the member who created it (the
    // owner here), for every kind of write.
    let day = json!({"date": "2026-03-02", "duration": "1:00"});
    let resp = app
        .post(ENTRIES)
        .api_key(&key.token)
        .json(&day)
        .expect(201)
        .await;
    assert_eq!(resp.data()["member_id"], org.owner.member_id.as_str());
    let resp = app
        .post("/api/v1/time-entries/start")
        .api_key(&key.token)
        .expect(201)
        .await;
    assert_eq!(resp.data()["member_id"], org.owner.member_id.as_str());
    // With one, for anyone; and keys see everyone's time.
    let mut for_ann = day.clone();
    for_ann["member_id"] = json!(ann.member_id);
    let resp = app
        .post(ENTRIES)
        .api_key(&key.token)
        .json(&for_ann)
        .expect(201)
        .await;
    assert_eq!(resp.data()["member_id"], ann.member_id.as_str());
    let id = resp.str("/data/id");
    let list = app.get(ENTRIES).api_key(&key.token).expect(200).await;
    assert_eq!(listed(&list, "id").len(), 4);
    app.patch(&entry_path(&id))
        .api_key(&key.token)
        .json(&json!({"notes": "via key"}))
        .expect(200)
        .await;
    let started = app
        .post("/api/v1/time-entries/start")
        .api_key(&key.token)
        .json(&json!({"member_id": ann.member_id}))
        .expect(201)
        .await;
    assert_eq!(started.data()["member_id"], ann.member_id.as_str());

    // A read-only key reads, and nothing else.
    let list = app.get(ENTRIES).api_key(&read_only.token).expect(200).await;
    assert_eq!(listed(&list, "id").len(), 5);
    app.get(&entry_path(&id))
        .api_key(&read_only.token)
        .expect(200)
        .await;
    app.get("/api/v1/time-entries/running")
        .api_key(&read_only.token)
        .expect(200)
        .await;
    for req in [
        app.post(ENTRIES).json(&for_ann),
        app.patch(&entry_path(&id)).json(&json!({"notes": "x"})),
        app.delete(&entry_path(&id)),
        app.post("/api/v1/time-entries/start")
            .json(&json!({"member_id": ann.member_id})),
        app.post(&format!("{}/stop", entry_path(&started.str("/data/id")))),
    ] {
        req.api_key(&read_only.token)
            .expect(403)
            .await
            .assert_code("insufficient_scope");
    }
}

async fn invoiced_entries_are_locked(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let ann = app.add_member(&org, "member").await;
    let billed = record_id(
        &app,
        &ann.access,
        json!({"started_at": "2026-02-23T09:00:00Z", "ended_at": "2026-02-23T10:00:00Z"}),
    )
    .await;
    let open = record_id(
        &app,
        &ann.access,
        json!({"date": "2026-02-23", "duration": "1:00"}),
    )
    .await;
    let invoice = mark_invoiced(&app, &org, &[&billed]).await;
    let before = app.events(&org).await.len();

    let path = entry_path(&billed);
    let fetched = app.get(&path).bearer(token).expect(200).await;
    assert_eq!(fetched.data()["status"], "invoiced");
    assert_eq!(fetched.data()["invoice_id"], invoice.as_str());
    assert_eq!(fetched.header("etag"), Some("\"2\""));
    for token in [token, &ann.access] {
        app.patch(&path)
            .bearer(token)
            .json(&json!({"notes": "too late"}))
            .expect(409)
            .await
            .assert_code("time_entry_locked");
        app.put(&path)
            .bearer(token)
            .json(&json!({"date": "2026-02-23", "duration": "1:00"}))
            .expect(409)
            .await
            .assert_code("time_entry_locked");
        app.delete(&path)
            .bearer(token)
            .expect(409)
            .await
            .assert_code("time_entry_locked");
    }
    app.post(&format!("{path}/stop"))
        .bearer(token)
        .expect(409)
        .await
        .assert_code("timer_not_running");
    // It can still be continued as new, unlocked time.
    let next = app
        .post(&format!("{path}/continue"))
        .bearer(&ann.access)
        .expect(201)
        .await;
    assert_eq!(next.data()["status"], "running");
    // Its neighbour is not locked.
    app.patch(&entry_path(&open))
        .bearer(token)
        .json(&json!({"notes": "still open"}))
        .expect(200)
        .await;
    let after = app.events(&org).await;
    assert_eq!(
        after[before..]
            .iter()
            .map(|(k, _)| k.as_str())
            .collect::<Vec<_>>(),
        ["time_entry.timer_started", "time_entry.updated"],
        "refused writes record nothing"
    );
    let unchanged = app.get(&path).bearer(token).expect(200).await;
    assert_eq!(unchanged.data(), fetched.data());
}

async fn the_closed_period_is_locked(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let old = record_id(
        &app,
        token,
        json!({"date": "2026-02-27", "duration": "1:00"}),
    )
    .await;
    let edge = record_id(
        &app,
        token,
        json!({"date": "2026-03-01", "duration": "1:00"}),
    )
    .await;
    patch_settings(
        &app,
        &org,
        json!({"time_tracking": {"lock_before": "2026-03-01"}}),
    )
    .await;

    // Entries dated before the lock cannot change, nor be deleted…
    let path = entry_path(&old);
    let resp = app
        .patch(&path)
        .bearer(token)
        .json(&json!({"notes": "x"}))
        .expect(409)
        .await;
    resp.assert_code("period_locked");
    assert!(resp.body["error"].as_str().unwrap().contains("2026-03-01"));
    app.put(&path)
        .bearer(token)
        .json(&json!({"date": "2026-03-02", "duration": "1:00"}))
        .expect(409)
        .await
        .assert_code("period_locked");
    app.delete(&path)
        .bearer(token)
        .expect(409)
        .await
        .assert_code("period_locked");
    // …none can be recorded there, in any shape, nor moved into it.
    for body in [
        json!({"date": "2026-02-28", "duration": "1:00"}),
        json!({"started_at": "2026-02-28T23:00:00Z", "ended_at": "2026-02-28T23:30:00Z"}),
        json!({"started_at": "2026-02-28T23:00:00Z"}),
    ] {
        app.post(ENTRIES)
            .bearer(token)
            .json(&body)
            .expect(409)
            .await
            .assert_code("period_locked");
    }
    app.post("/api/v1/time-entries/start")
        .bearer(token)
        .json(&json!({"started_at": "2026-02-28T23:00:00Z"}))
        .expect(409)
        .await
        .assert_code("period_locked");
    app.patch(&entry_path(&edge))
        .bearer(token)
        .json(&json!({"date": "2026-02-28"}))
        .expect(409)
        .await
        .assert_code("period_locked");
    // The lock date itself is open.
    app.patch(&entry_path(&edge))
        .bearer(token)
        .json(&json!({"notes": "on the edge"}))
        .expect(200)
        .await;
    record(
        &app,
        token,
        json!({"date": "2026-03-01", "duration": "0:30"}),
    )
    .await;
    // Reopening the period unlocks it.
    patch_settings(&app, &org, json!({"time_tracking": {"lock_before": null}})).await;
    app.patch(&path)
        .bearer(token)
        .json(&json!({"notes": "reopened"}))
        .expect(200)
        .await;
    app.delete(&path).bearer(token).expect(204).await;
}

async fn events_record_each_change_exactly_once(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let created = record(
        &app,
        token,
        json!({"started_at": "2026-02-23T09:00:00Z", "ended_at": "2026-02-23T10:00:00Z", "notes": "Kick-off"}),
    )
    .await;
    let id = created.str("/data/id");
    let path = entry_path(&id);
    app.patch(&path)
        .bearer(token)
        .json(&json!({"notes": "Kick-off call", "ended_at": "2026-02-23T10:30:00Z"}))
        .expect(200)
        .await;
    // Nothing changed: no event.
    app.patch(&path)
        .bearer(token)
        .json(&json!({"notes": "Kick-off call"}))
        .expect(200)
        .await;
    // Refused: no event.
    app.patch(&path)
        .bearer(token)
        .json(&json!({"ended_at": "2026-02-23T08:00:00Z"}))
        .expect(409)
        .await;
    app.delete(&path).bearer(token).expect(204).await;

    // A timer: started (by either endpoint), changed, stopped, continued,
    // replaced by stop_running, deleted.
    let timer = app
        .post("/api/v1/time-entries/start")
        .bearer(token)
        .json(&json!({"notes": "focus"}))
        .expect(201)
        .await
        .str("/data/id");
    app.advance(chrono::Duration::minutes(30));
    app.patch(&entry_path(&timer))
        .bearer(token)
        .json(&json!({"notes": "deep focus"}))
        .expect(200)
        .await;
    app.post(&format!("{}/stop", entry_path(&timer)))
        .bearer(token)
        .expect(200)
        .await;
    let continued = app
        .post(&format!("{}/continue", entry_path(&timer)))
        .bearer(token)
        .expect(201)
        .await
        .str("/data/id");
    app.advance(chrono::Duration::minutes(10));
    let replacing = app
        .post("/api/v1/time-entries/start")
        .bearer(token)
        .json(&json!({"stop_running": true}))
        .expect(201)
        .await
        .str("/data/id");
    app.delete(&entry_path(&replacing))
        .bearer(token)
        .expect(204)
        .await;
    let direct = record_id(&app, token, json!({"started_at": "2026-03-02T09:30:00Z"})).await;

    let events: Vec<(String, serde_json::Value)> = app
        .events(&org)
        .await
        .into_iter()
        .filter(|(kind, _)| kind.starts_with("time_entry."))
        .collect();
    let sequence: Vec<(&str, &str)> = events
        .iter()
        .map(|(kind, data)| (kind.as_str(), data["object"]["id"].as_str().unwrap()))
        .collect();
    assert_eq!(
        sequence,
        [
            ("time_entry.created", id.as_str()),
            ("time_entry.updated", id.as_str()),
            ("time_entry.deleted", id.as_str()),
            ("time_entry.timer_started", timer.as_str()),
            ("time_entry.updated", timer.as_str()),
            ("time_entry.timer_stopped", timer.as_str()),
            ("time_entry.timer_started", continued.as_str()),
            ("time_entry.timer_stopped", continued.as_str()),
            ("time_entry.timer_started", replacing.as_str()),
            ("time_entry.deleted", replacing.as_str()),
            ("time_entry.timer_started", direct.as_str()),
        ]
    );
    // Payloads: the object as the API shows it, and what changed.
    assert_eq!(events[0].1["object"], *created.data());
    assert_eq!(
        events[1].1["previous_attributes"],
        json!({"notes": "Kick-off", "ended_at": "2026-02-23T10:00:00Z",
               "duration_seconds": 3600, "billable_seconds": 3600})
    );
    assert_eq!(events[1].1["object"]["duration_seconds"], 5400);
    assert_eq!(events[2].1["object"]["notes"], "Kick-off call");
    assert_eq!(events[3].1["object"]["status"], "running");
    assert_eq!(events[4].1["previous_attributes"]["notes"], "focus");
    let stopped = &events[5].1;
    assert_eq!(stopped["object"]["status"], "completed");
    assert_eq!(stopped["object"]["ended_at"], "2026-03-02T09:30:00Z");
    assert_eq!(stopped["object"]["duration_seconds"], 1800);
    assert_eq!(stopped["previous_attributes"]["status"], "running");
    assert!(stopped["previous_attributes"]["ended_at"].is_null());
    assert_eq!(stopped["previous_attributes"]["billable_seconds"], 0);
    assert_eq!(events[6].1["object"]["notes"], "deep focus");
    assert_eq!(
        events[7].1["object"]["ended_at"], "2026-03-02T09:40:00Z",
        "stopped at the instant the next one started"
    );
    assert_eq!(events[8].1["object"]["started_at"], "2026-03-02T09:40:00Z");
}

async fn records_with_time_are_archived_not_deleted(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let client = create(&app, &org, "/api/v1/clients", json!({"name": "Globex"})).await;
    let project = create(
        &app,
        &org,
        "/api/v1/projects",
        json!({"name": "Site", "client_id": client}),
    )
    .await;
    let task = create(
        &app,
        &org,
        "/api/v1/tasks",
        json!({"title": "Mockups", "project_id": project}),
    )
    .await;
    let service = create(&app, &org, "/api/v1/services", json!({"name": "Design"})).await;
    let entry = record_id(
        &app,
        token,
        json!({"date": "2026-03-02", "duration": "1:00", "task_id": task, "service_id": service}),
    )
    .await;
    let paths = [
        format!("/api/v1/tasks/{task}"),
        format!("/api/v1/projects/{project}"),
        format!("/api/v1/clients/{client}"),
        format!("/api/v1/services/{service}"),
    ];
    for path in &paths {
        let resp = app.delete(path).bearer(token).expect(409).await;
        resp.assert_code("in_use");
    }
    let resp = app.delete(&paths[3]).bearer(token).expect(409).await;
    assert!(
        resp.body["error"].as_str().unwrap().contains("time entr"),
        "{}",
        resp.text
    );
    // Archiving works, and the entry keeps pointing at the records.
    for path in &paths {
        let resp = app
            .patch(path)
            .bearer(token)
            .json(&json!({"status": "archived"}))
            .expect(200)
            .await;
        assert_eq!(resp.data()["status"], "archived");
    }
    let kept = app.get(&entry_path(&entry)).bearer(token).expect(200).await;
    assert_eq!(kept.data()["service_id"], service.as_str());
    // An archived service takes no new time.
    let resp = app
        .post(ENTRIES)
        .bearer(token)
        .json(&json!({"duration": "1:00", "service_id": service}))
        .expect(409)
        .await;
    assert_eq!(fields(&resp), ["service_id"]);
    // Once the time is gone, the records can go too.
    app.delete(&entry_path(&entry))
        .bearer(token)
        .expect(204)
        .await;
    for path in &paths {
        app.delete(path).bearer(token).expect(204).await;
        app.get(path).bearer(token).expect(404).await;
    }
}
