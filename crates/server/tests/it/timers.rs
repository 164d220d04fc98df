//! Running timers: start, the one-timer-per-member rule (409 naming the
//! running entry, `stop_running`, and concurrent starts of which exactly
//! one wins), stop (now or at a given instant), continue, the running
//! list for members and admins, and live durations on the fake clock.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::both_backends;
use crate::projects::{create, fields, listed};
use crate::support::Backend;
use crate::time_entries::{ENTRIES, entry_path, message_for, patch_member, record, spawn};

both_backends!(
    start_stop_and_continue,
    a_second_timer_is_refused_or_replaces_the_first,
    running_timers_are_listed_live,
    concurrent_starts_for_one_member_have_one_winner,
);

const START: &str = "/api/v1/time-entries/start";
const RUNNING: &str = "/api/v1/time-entries/running";

fn stop_path(id: &str) -> String {
    format!("{}/stop", entry_path(id))
}

fn continue_path(id: &str) -> String {
    format!("{}/continue", entry_path(id))
}

async fn start_stop_and_continue(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let globex = create(&app, &org, "/api/v1/clients", json!({"name": "Globex"})).await;
    let site = create(
        &app,
        &org,
        "/api/v1/projects",
        json!({"name": "Site", "client_id": globex, "hourly_rate": "100"}),
    )
    .await;
    let task = create(
        &app,
        &org,
        "/api/v1/tasks",
        json!({"title": "Mockups", "project_id": site}),
    )
    .await;
    let design = create(
        &app,
        &org,
        "/api/v1/services",
        json!({"name": "Design", "rate": "80", "rounding": "30"}),
    )
    .await;

    let started = app
        .post(START)
        .bearer(token)
        .json(&json!({"task_id": task, "service_id": design, "notes": "Mockups", "tags": ["ux"]}))
        .expect(201)
        .await;
    let id = started.str("/data/id");
    assert_eq!(started.header("location"), Some(entry_path(&id).as_str()));
    assert_eq!(started.header("etag"), Some("\"1\""));
    assert_eq!(started.body["warnings"], json!([]));
    let data = started.data();
    assert_eq!(data["status"], "running");
    assert_eq!(data["member_id"], org.owner.member_id.as_str());
    assert_eq!(data["started_at"], "2026-03-02T09:00:00Z", "now by default");
    assert!(data["ended_at"].is_null());
    assert_eq!(data["date"], "2026-03-02");
    assert_eq!(data["project_id"], site.as_str());
    assert_eq!(data["client_id"], globex.as_str());
    assert_eq!(data["duration_seconds"], 0);
    assert_eq!(data["billable"], true);
    assert_eq!(data["rate"], "100.00", "known already");
    assert_eq!(
        data["billable_seconds"], 0,
        "nothing billable until stopped"
    );
    assert_eq!(data["billable_amount"], "0.00");

    // The duration is live: it moves with the clock, the bill does not.
    app.advance(chrono::Duration::minutes(40));
    let live = app.get(&entry_path(&id)).bearer(token).expect(200).await;
    assert_eq!(live.data()["duration_seconds"], 2400);
    assert_eq!(live.data()["billable_seconds"], 0);
    assert_eq!(live.header("etag"), Some("\"1\""));
    let listed_live = app
        .get(&format!("{ENTRIES}?status=running"))
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(listed_live.data()[0]["duration_seconds"], 2400);

    // Stop now: the time is completed and billed, rounded up to the
    // service's 30 minutes.
    let stopped = app.post(&stop_path(&id)).bearer(token).expect(200).await;
    let data = stopped.data();
    assert_eq!(data["status"], "completed");
    assert_eq!(data["ended_at"], "2026-03-02T09:40:00Z");
    assert_eq!(data["duration_seconds"], 2400);
    assert_eq!(data["billable_seconds"], 3600);
    assert_eq!(data["billable_amount"], "100.00");
    assert_eq!(data["notes"], "Mockups");
    assert_eq!(stopped.header("etag"), Some("\"2\""));
    app.advance(chrono::Duration::minutes(5));
    let after = app.get(&entry_path(&id)).bearer(token).expect(200).await;
    assert_eq!(after.data()["duration_seconds"], 2400, "no longer live");
    app.post(&stop_path(&id))
        .bearer(token)
        .expect(409)
        .await
        .assert_code("timer_not_running");

    // Continue: a new timer with the same client, project, task, service,
    // notes and tags, starting now.
    let continued = app
        .post(&continue_path(&id))
        .bearer(token)
        .expect(201)
        .await;
    let next = continued.str("/data/id");
    assert_ne!(next, id);
    let data = continued.data();
    assert_eq!(data["status"], "running");
    assert_eq!(data["started_at"], "2026-03-02T09:45:00Z");
    for key in [
        "client_id",
        "project_id",
        "task_id",
        "service_id",
        "notes",
        "tags",
        "billable",
    ] {
        assert_eq!(data[key], stopped.data()[key], "{key}");
    }

    // Stop at a given instant (any offset), with new notes; an end before
    // the start, or without an offset, is refused.
    app.advance(chrono::Duration::minutes(60));
    let resp = app
        .post(&stop_path(&next))
        .bearer(token)
        .json(&json!({"ended_at": "2026-03-02T10:30:00+01:00"}))
        .expect(409)
        .await;
    assert_eq!(fields(&resp), ["ended_at"]);
    // Nor at its very start (a timer of no time is deleted, not stopped).
    let resp = app
        .post(&stop_path(&next))
        .bearer(token)
        .json(&json!({"ended_at": "2026-03-02T09:45:00.500Z"}))
        .expect(409)
        .await;
    resp.assert_code("conflict");
    let resp = app
        .post(&stop_path(&next))
        .bearer(token)
        .json(&json!({"ended_at": "2026-03-02T10:30:00"}))
        .expect(400)
        .await;
    assert!(message_for(&resp, "ended_at").contains("offset"));
    let resp = app
        .post(&stop_path(&next))
        .bearer(token)
        .json(&json!({"when": "now"}))
        .expect(400)
        .await;
    resp.assert_code("unknown_field");
    let data = app
        .post(&stop_path(&next))
        .bearer(token)
        .json(&json!({"ended_at": "2026-03-02T11:05:00+01:00", "notes": "Mockups v2"}))
        .expect(200)
        .await
        .data()
        .clone();
    assert_eq!(data["ended_at"], "2026-03-02T10:05:00Z");
    assert_eq!(data["duration_seconds"], 1200);
    assert_eq!(data["notes"], "Mockups v2");
    assert_eq!(data["billable_seconds"], 1800);

    // A timer started earlier than now (one forgot to start it), never in
    // the future.
    let resp = app
        .post(START)
        .bearer(token)
        .json(&json!({"started_at": "2026-03-02T10:46:00Z"}))
        .expect(400)
        .await;
    assert_eq!(fields(&resp), ["started_at"]);
    let data = app
        .post(START)
        .bearer(token)
        .json(&json!({"started_at": "2026-03-02T11:15:00+01:00"}))
        .expect(201)
        .await
        .data()
        .clone();
    assert_eq!(data["started_at"], "2026-03-02T10:15:00Z");
    assert_eq!(data["duration_seconds"], 1800);
    // Only running entries stop; unknown entries are 404.
    app.post(&stop_path(
        &stint_core::ids::TimeEntryId::generate().to_string(),
    ))
    .bearer(token)
    .expect(404)
    .await;
    // A running timer is stopped through /stop, not by a PATCH.
    let resp = app
        .patch(&entry_path(data["id"].as_str().unwrap()))
        .bearer(token)
        .json(&json!({"ended_at": "2026-03-02T10:40:00Z"}))
        .expect(409)
        .await;
    assert_eq!(fields(&resp), ["ended_at"]);
}

async fn a_second_timer_is_refused_or_replaces_the_first(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let ann = app.add_member(&org, "member").await;
    let first = app
        .post(START)
        .bearer(token)
        .json(&json!({"notes": "first"}))
        .expect(201)
        .await
        .str("/data/id");
    app.advance(chrono::Duration::minutes(20));

    // A second start is a conflict naming the running entry, in the
    // message and in the details; so is a running entry made by POST.
    for resp in [
        app.post(START).bearer(token).expect(409).await,
        app.post(ENTRIES)
            .bearer(token)
            .json(&json!({"started_at": "2026-03-02T09:10:00Z"}))
            .expect(409)
            .await,
        app.post(&continue_path(&first))
            .bearer(token)
            .expect(409)
            .await,
    ] {
        resp.assert_code("timer_already_running");
        assert!(resp.body["error"].as_str().unwrap().contains(&first));
        assert_eq!(
            resp.body["details"][0],
            json!({"field": "running_time_entry_id", "message": first})
        );
    }
    // Another member's timer is no obstacle.
    app.post(START).bearer(&ann.access).expect(201).await;
    // Completed time alongside a running timer is fine.
    record(
        &app,
        token,
        json!({"started_at": "2026-03-02T07:00:00Z", "ended_at": "2026-03-02T08:00:00Z"}),
    )
    .await;

    // stop_running stops the first at the instant the second starts.
    let second = app
        .post(START)
        .bearer(token)
        .json(&json!({"notes": "second", "stop_running": true}))
        .expect(201)
        .await;
    assert_eq!(second.data()["started_at"], "2026-03-02T09:20:00Z");
    let stopped = app.get(&entry_path(&first)).bearer(token).expect(200).await;
    assert_eq!(stopped.data()["status"], "completed");
    assert_eq!(stopped.data()["ended_at"], "2026-03-02T09:20:00Z");
    assert_eq!(stopped.data()["duration_seconds"], 1200);
    // A given start is where the running one stops.
    app.advance(chrono::Duration::minutes(30));
    let third = app
        .post(START)
        .bearer(token)
        .json(&json!({"started_at": "2026-03-02T09:40:00Z", "stop_running": true}))
        .expect(201)
        .await;
    let second = app
        .get(&entry_path(&second.str("/data/id")))
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(second.data()["ended_at"], "2026-03-02T09:40:00Z");
    // …and continue takes stop_running too.
    let continued = app
        .post(&continue_path(&first))
        .bearer(token)
        .json(&json!({"stop_running": true}))
        .expect(201)
        .await;
    assert_eq!(continued.data()["notes"], "first");
    let third = app
        .get(&entry_path(&third.str("/data/id")))
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(third.data()["status"], "completed");
    assert_eq!(third.data()["ended_at"], "2026-03-02T09:50:00Z");
    // stop_running with nothing running simply starts.
    app.post(START)
        .bearer(&ann.access)
        .json(&json!({"stop_running": true}))
        .expect(201)
        .await;
    // One running timer per member, always.
    let running = app.get(RUNNING).bearer(token).expect(200).await;
    assert_eq!(listed(&running, "member_id").len(), 2);
}

async fn running_timers_are_listed_live(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Acme").await;
    let admin = app.add_member(&org, "admin").await;
    let ann = app.add_member(&org, "member").await;
    let bob = app.add_member(&org, "member").await;
    app.activate_public_api(&org).await;
    let key = app.create_key(&org, Some(&["read"])).await;

    let empty = app.get(RUNNING).bearer(&ann.access).expect(200).await;
    assert_eq!(empty.data(), &json!([]));
    let bobs = app
        .post(START)
        .bearer(&bob.access)
        .json(&json!({"started_at": "2026-03-02T08:00:00Z"}))
        .expect(201)
        .await
        .str("/data/id");
    let anns = app
        .post(START)
        .bearer(&ann.access)
        .expect(201)
        .await
        .str("/data/id");
    // Completed time is never listed as running.
    record(
        &app,
        &admin.access,
        json!({"date": "2026-03-02", "duration": "1:00"}),
    )
    .await;
    app.advance(chrono::Duration::minutes(15));

    // A member sees their own timer only, whatever they ask for.
    let own = app.get(RUNNING).bearer(&ann.access).expect(200).await;
    assert_eq!(listed(&own, "id"), [anns.as_str()]);
    assert_eq!(own.data()[0]["duration_seconds"], 900);
    let own = app
        .get(&format!("{RUNNING}?member_id={}", bob.member_id))
        .bearer(&ann.access)
        .expect(200)
        .await;
    assert_eq!(listed(&own, "id"), [anns.as_str()]);
    // Owners, admins and keys see everyone's, oldest first.
    for resp in [
        app.get(RUNNING).bearer(&org.owner.access).expect(200).await,
        app.get(RUNNING).bearer(&admin.access).expect(200).await,
        app.get(RUNNING).api_key(&key.token).expect(200).await,
    ] {
        assert_eq!(listed(&resp, "id"), [bobs.clone(), anns.clone()]);
        let seconds: Vec<Value> = resp
            .data()
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["duration_seconds"].clone())
            .collect();
        assert_eq!(seconds, [json!(4500), json!(900)]);
        assert_eq!(resp.body["meta"]["has_more"], false);
    }
    let only_bob = app
        .get(&format!("{RUNNING}?member_id={}", bob.member_id))
        .bearer(&admin.access)
        .expect(200)
        .await;
    assert_eq!(listed(&only_bob, "id"), [bobs.as_str()]);
    // The durations keep moving with the clock.
    app.advance(chrono::Duration::minutes(45));
    let resp = app.get(RUNNING).bearer(&admin.access).expect(200).await;
    assert_eq!(resp.data()[0]["duration_seconds"], 7200);
    assert_eq!(resp.data()[1]["duration_seconds"], 3600);
    // An admin stops a member's timer; it leaves the list.
    app.post(&stop_path(&bobs))
        .bearer(&admin.access)
        .expect(200)
        .await;
    let resp = app.get(RUNNING).bearer(&admin.access).expect(200).await;
    assert_eq!(listed(&resp, "id"), [anns.as_str()]);
    // A member cannot stop someone else's timer: it does not exist for them.
    app.post(&stop_path(&anns))
        .bearer(&bob.access)
        .expect(404)
        .await;
    app.get(&format!("{RUNNING}?member_id=nope"))
        .bearer(&admin.access)
        .expect(400)
        .await;
    // A member whose zone differs still sees the true live duration.
    patch_member(
        &app,
        &org,
        &ann.member_id,
        json!({"timezone": "Pacific/Auckland"}),
    )
    .await;
    let own = app.get(RUNNING).bearer(&ann.access).expect(200).await;
    assert_eq!(own.data()[0]["duration_seconds"], 3600);
}

async fn concurrent_starts_for_one_member_have_one_winner(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Acme").await;
    let ann = app.add_member(&org, "member").await;
    let bob = app.add_member(&org, "member").await;

    // Eight starts for one member at once, released together.
    const RACERS: usize = 8;
    let barrier = Arc::new(tokio::sync::Barrier::new(RACERS));
    let mut handles = Vec::new();
    for i in 0..RACERS {
        let req = app
            .post(START)
            .bearer(&ann.access)
            .json(&json!({"notes": format!("racer {i}")}));
        let barrier = barrier.clone();
        handles.push(tokio::spawn(async move {
            barrier.wait().await;
            req.send().await
        }));
    }
    let mut responses = Vec::new();
    for handle in handles {
        responses.push(handle.await.expect("request task"));
    }
    let winners: Vec<_> = responses.iter().filter(|r| r.status == 201).collect();
    assert_eq!(
        winners.len(),
        1,
        "{:?}",
        responses.iter().map(|r| &r.text).collect::<Vec<_>>()
    );
    let winner = winners[0].str("/data/id");
    for loser in responses.iter().filter(|r| r.status != 201) {
        assert_eq!(loser.status, 409, "{}", loser.text);
        loser.assert_code("timer_already_running");
        assert_eq!(
            loser.body["details"][0]["message"], winner,
            "names the winner: {}",
            loser.text
        );
    }
    let running = app.get(RUNNING).bearer(&ann.access).expect(200).await;
    assert_eq!(listed(&running, "id"), [winner.as_str()]);
    let started: Vec<String> = app
        .events(&org)
        .await
        .into_iter()
        .filter(|(kind, _)| kind == "time_entry.timer_started")
        .map(|(_, data)| data["object"]["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(started, [winner.as_str()], "one event, the winner's");

    // The same race through POST /time-entries, and starts for two
    // members at once (both win).
    let mut handles = Vec::new();
    for (token, body) in [
        (&bob.access, json!({"started_at": "2026-03-02T08:59:00Z"})),
        (&bob.access, json!({"started_at": "2026-03-02T08:58:00Z"})),
        (&bob.access, json!({})),
        (&org.owner.access, json!({})),
    ] {
        let path = if body.as_object().unwrap().is_empty() {
            START
        } else {
            ENTRIES
        };
        let req = app.post(path).bearer(token).json(&body);
        handles.push(tokio::spawn(async move { req.send().await }));
    }
    let mut statuses = Vec::new();
    for handle in handles {
        statuses.push(handle.await.expect("request task").status);
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        2,
        "{statuses:?}"
    );
    assert_eq!(statuses[3], 201, "the owner's own start");
    let running = app.get(RUNNING).bearer(&org.owner.access).expect(200).await;
    let mut members = listed(&running, "member_id");
    members.sort();
    let mut expected = vec![
        ann.member_id.clone(),
        bob.member_id.clone(),
        org.owner.member_id.clone(),
    ];
    expected.sort();
    assert_eq!(members, expected);
}
