//! Local dates and true durations: the organization's time zone, a
//! member's own zone overriding it, dates near midnight, and entries and
//! timers across the 2026 Europe/Paris daylight-saving changes.

use chrono::TimeZone;
use serde_json::json;

use super::{ENTRIES, entry_path, message_for, patch_member, record, refused, signup_in, spawn};
use crate::both_backends;
use crate::projects::fields;
use crate::support::Backend;

both_backends!(
    the_organizations_time_zone_sets_local_dates,
    a_members_own_time_zone_overrides_the_organizations,
    daylight_saving_changes_give_true_durations,
    a_timer_running_across_a_daylight_saving_change,
);

async fn the_organizations_time_zone_sets_local_dates(backend: Backend) {
    let app = spawn(backend).await;
    let paris = signup_in(&app, "Europe/Paris", "EUR").await;
    let utc = app.signup("Everywhere").await;
    let late = json!({"started_at": "2026-03-02T23:30:00Z", "ended_at": "2026-03-02T23:45:00Z"});

    // 23:30 UTC is already tomorrow in Paris (UTC+1 in March), not in UTC.
    let data = record(&app, &paris.owner.access, late.clone())
        .await
        .data()
        .clone();
    assert_eq!(data["date"], "2026-03-03");
    assert_eq!(data["started_at"], "2026-03-02T23:30:00Z", "stored in UTC");
    let data = record(&app, &utc.owner.access, late).await.data().clone();
    assert_eq!(data["date"], "2026-03-02");
    // One minute before local midnight stays on the day.
    let data = record(
        &app,
        &paris.owner.access,
        json!({"started_at": "2026-03-02T22:59:00Z", "ended_at": "2026-03-02T23:10:00Z"}),
    )
    .await
    .data()
    .clone();
    assert_eq!(data["date"], "2026-03-02", "started 23:59 in Paris");
    // The same instant written with Paris's offset.
    let data = record(
        &app,
        &paris.owner.access,
        json!({"started_at": "2026-03-03T00:00:00+01:00", "ended_at": "2026-03-03T00:10:00+01:00"}),
    )
    .await
    .data()
    .clone();
    assert_eq!(data["date"], "2026-03-03");
    assert_eq!(data["started_at"], "2026-03-02T23:00:00Z");

    // A given date must be the start's local date, named in the message.
    let resp = app
        .post(ENTRIES)
        .bearer(&paris.owner.access)
        .json(
            &json!({"date": "2026-03-02", "started_at": "2026-03-02T23:30:00Z",
                      "ended_at": "2026-03-02T23:45:00Z"}),
        )
        .expect(400)
        .await;
    assert_eq!(fields(&resp), ["date"]);
    let message = message_for(&resp, "date");
    assert!(
        message.contains("2026-03-03") && message.contains("Europe/Paris"),
        "{message}"
    );
    record(
        &app,
        &paris.owner.access,
        json!({"date": "2026-03-03", "started_at": "2026-03-02T23:30:00Z",
               "ended_at": "2026-03-02T23:45:00Z"}),
    )
    .await;

    // "Today" for an entry without a date is the local date: at 23:30 UTC
    // it is already tomorrow in Paris.
    app.advance(chrono::Duration::minutes(14 * 60 + 30));
    let data = record(&app, &paris.owner.access, json!({"duration": "1:00"}))
        .await
        .data()
        .clone();
    assert_eq!(data["date"], "2026-03-03");
    let data = record(&app, &utc.owner.access, json!({"duration": "1:00"}))
        .await
        .data()
        .clone();
    assert_eq!(data["date"], "2026-03-02");
    // A timer started now is dated by the same rule.
    let data = app
        .post("/api/v1/time-entries/start")
        .bearer(&paris.owner.access)
        .expect(201)
        .await
        .data()
        .clone();
    assert_eq!(data["date"], "2026-03-03");
}

async fn a_members_own_time_zone_overrides_the_organizations(backend: Backend) {
    let app = spawn(backend).await;
    let org = signup_in(&app, "Europe/Paris", "EUR").await;
    let member = app.add_member(&org, "member").await;
    patch_member(
        &app,
        &org,
        &member.member_id,
        json!({"timezone": "America/New_York"}),
    )
    .await;
    // 03:00 UTC on 3 March: 04:00 in Paris, 22:00 the day before in New York.
    let body = json!({"started_at": "2026-03-03T03:00:00Z", "ended_at": "2026-03-03T04:00:00Z"});
    let own = record(&app, &member.access, body.clone()).await;
    assert_eq!(own.data()["date"], "2026-03-02");
    let owners = record(&app, &org.owner.access, body.clone()).await;
    assert_eq!(owners.data()["date"], "2026-03-03");
    // An owner recording for the member uses the member's zone.
    let mut for_member = body.clone();
    for_member["member_id"] = json!(member.member_id);
    let resp = record(&app, &org.owner.access, for_member).await;
    assert_eq!(resp.data()["date"], "2026-03-02");
    assert_eq!(resp.data()["member_id"], member.member_id.as_str());
    let mut dated = body.clone();
    dated["date"] = json!("2026-03-03");
    assert_eq!(refused(&app, &member.access, dated).await, ["date"]);
    // Today is the member's today as well.
    let data = record(&app, &member.access, json!({"duration": "0:30"}))
        .await
        .data()
        .clone();
    assert_eq!(data["date"], "2026-03-02", "04:00 in New York");

    // Moving the member to Tokyo moves the dates of what they record next;
    // what is recorded keeps its date until it is changed.
    patch_member(
        &app,
        &org,
        &member.member_id,
        json!({"timezone": "Asia/Tokyo"}),
    )
    .await;
    let data = record(
        &app,
        &member.access,
        json!({"started_at": "2026-03-03T16:00:00Z", "ended_at": "2026-03-03T16:30:00Z"}),
    )
    .await
    .data()
    .clone();
    assert_eq!(data["date"], "2026-03-04", "01:00 in Tokyo");
    let kept = app
        .get(&entry_path(own.data()["id"].as_str().unwrap()))
        .bearer(&member.access)
        .expect(200)
        .await;
    assert_eq!(kept.data()["date"], "2026-03-02");
    // Clearing it falls back to the organization's zone.
    patch_member(&app, &org, &member.member_id, json!({"timezone": null})).await;
    let data = record(&app, &member.access, body).await.data().clone();
    assert_eq!(data["date"], "2026-03-03");
}

async fn daylight_saving_changes_give_true_durations(backend: Backend) {
    let app = spawn(backend).await;
    let org = signup_in(&app, "Europe/Paris", "EUR").await;
    let token = &org.owner.access;
    patch_member(
        &app,
        &org,
        &org.owner.member_id,
        json!({"default_hourly_rate": "60"}),
    )
    .await;

    // Spring forward, 29 March 2026: 01:00 to 04:00 on the wall is two hours.
    let data = record(
        &app,
        token,
        json!({"started_at": "2026-03-29T01:00:00+01:00", "ended_at": "2026-03-29T04:00:00+02:00"}),
    )
    .await
    .data()
    .clone();
    assert_eq!(data["date"], "2026-03-29");
    assert_eq!(data["started_at"], "2026-03-29T00:00:00Z");
    assert_eq!(data["ended_at"], "2026-03-29T02:00:00Z");
    assert_eq!(data["duration_seconds"], 7200);
    assert_eq!(data["billable_amount"], "120.00", "paid for two hours");
    // Fall back, 25 October 2026: 01:00 to 04:00 on the wall is four hours.
    let data = record(
        &app,
        token,
        json!({"started_at": "2026-10-25T01:00:00+02:00", "ended_at": "2026-10-25T04:00:00+01:00"}),
    )
    .await
    .data()
    .clone();
    assert_eq!(data["date"], "2026-10-25");
    assert_eq!(data["duration_seconds"], 14_400);
    assert_eq!(data["billable_amount"], "240.00", "paid for four hours");

    // Noon to noon across the change is 23 hours in March (accepted) and
    // 25 hours in October (more than a day: refused on ended_at).
    let data = record(
        &app,
        token,
        json!({"started_at": "2026-03-28T12:00:00+01:00", "ended_at": "2026-03-29T12:00:00+02:00"}),
    )
    .await
    .data()
    .clone();
    assert_eq!(data["duration_seconds"], 23 * 3600);
    assert_eq!(data["date"], "2026-03-28");
    assert_eq!(
        refused(
            &app,
            token,
            json!({"started_at": "2026-10-24T12:00:00+02:00", "ended_at": "2026-10-25T12:00:00+01:00"}),
        )
        .await,
        ["ended_at"]
    );

    // Local midnight moves with the offset: 22:30 UTC is 00:30 the next day
    // in summer time (UTC+2) and 23:30 the same day in winter time (UTC+1).
    let data = record(
        &app,
        token,
        json!({"started_at": "2026-10-24T22:30:00Z", "ended_at": "2026-10-24T23:00:00Z"}),
    )
    .await
    .data()
    .clone();
    assert_eq!(data["date"], "2026-10-25");
    let data = record(
        &app,
        token,
        json!({"started_at": "2026-10-25T22:30:00Z", "ended_at": "2026-10-25T23:00:00Z"}),
    )
    .await
    .data()
    .clone();
    assert_eq!(data["date"], "2026-10-25");
}

async fn a_timer_running_across_a_daylight_saving_change(backend: Backend) {
    let app = spawn(backend).await;
    let org = signup_in(&app, "Europe/Paris", "EUR").await;
    let token = &org.owner.access;
    // Move the clock to 01:30 (UTC+1) on 29 March, start, and run until
    // 04:30 (UTC+2): three wall-clock hours are two real ones.
    let start = chrono::Utc.with_ymd_and_hms(2026, 3, 29, 0, 30, 0).unwrap();
    let now = chrono::Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    app.advance(start - now);
    let id = app
        .post("/api/v1/time-entries/start")
        .bearer(token)
        .expect(201)
        .await
        .str("/data/id");
    app.advance(chrono::Duration::minutes(120));
    let running = app.get(&entry_path(&id)).bearer(token).expect(200).await;
    assert_eq!(running.data()["duration_seconds"], 7200);
    assert_eq!(running.data()["date"], "2026-03-29");
    let stopped = app
        .post(&format!("{}/stop", entry_path(&id)))
        .bearer(token)
        .json(&json!({"ended_at": "2026-03-29T04:30:00+02:00"}))
        .expect(200)
        .await;
    assert_eq!(stopped.data()["ended_at"], "2026-03-29T02:30:00Z");
    assert_eq!(
        stopped.data()["duration_seconds"],
        7200,
        "01:30 CET to 04:30 CEST"
    );
}
