//! What time earns: the rate that applies (client's service rate > project
//! hourly rate > service rate > member default rate, each level winning
//! when present and falling through when absent), exact decimal amounts,
//! the currency of the chosen rate, and billable rounding up to the
//! service's block.

use serde_json::{Value, json};

use super::{entry_path, patch_member, patch_settings, record, signup_in, spawn};
use crate::both_backends;
use crate::projects::create;
use crate::support::{Backend, TestApp};

both_backends!(
    rates_resolve_in_order_and_fall_through,
    amounts_are_exact_decimals,
    the_currency_is_the_chosen_rates,
    billable_time_rounds_up_to_the_services_block,
);

/// Records `body` as `token` and answers (rate, rate_source, amount, currency).
async fn earned(app: &TestApp, token: &str, body: Value) -> (Value, Value, String, String) {
    let resp = record(app, token, body).await;
    let d = resp.data();
    (
        d["rate"].clone(),
        d["rate_source"].clone(),
        d["billable_amount"].as_str().unwrap().to_owned(),
        d["currency"].as_str().unwrap().to_owned(),
    )
}

fn ninety_minutes(extra: Value) -> Value {
    let mut body = json!({"date": "2026-03-02", "duration": "1:30"});
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    body
}

async fn rates_resolve_in_order_and_fall_through(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    patch_member(
        &app,
        &org,
        &org.owner.member_id,
        json!({"default_hourly_rate": "60"}),
    )
    .await;
    let globex = create(&app, &org, "/api/v1/clients", json!({"name": "Globex"})).await;
    let initech = create(&app, &org, "/api/v1/clients", json!({"name": "Initech"})).await;
    let design = create(
        &app,
        &org,
        "/api/v1/services",
        json!({"name": "Design", "rate": "80"}),
    )
    .await;
    let dev = create(
        &app,
        &org,
        "/api/v1/services",
        json!({"name": "Dev", "rate": "90"}),
    )
    .await;
    let logo = create(
        &app,
        &org,
        "/api/v1/services",
        json!({"name": "Logo", "kind": "fixed", "rate": "1200"}),
    )
    .await;
    let client_rate = format!("/api/v1/clients/{globex}/service-rates/{design}");
    app.put(&client_rate)
        .bearer(token)
        .json(&json!({"rate": "95"}))
        .expect(201)
        .await;
    let site = create(
        &app,
        &org,
        "/api/v1/projects",
        json!({"name": "Site", "client_id": globex, "hourly_rate": "100"}),
    )
    .await;
    let unrated = create(
        &app,
        &org,
        "/api/v1/projects",
        json!({"name": "Unrated", "client_id": globex}),
    )
    .await;
    let fixed = create(
        &app,
        &org,
        "/api/v1/projects",
        json!({"name": "Flat", "client_id": globex, "billing_method": "fixed_fee", "fixed_fee": "5000"}),
    )
    .await;
    let internal = create(
        &app,
        &org,
        "/api/v1/projects",
        json!({"name": "Internal", "billing_method": "non_billable"}),
    )
    .await;
    let e = |v: Value| ninety_minutes(v);

    // Every level present: the client's rate for the service wins.
    let first = record(
        &app,
        token,
        e(json!({"project_id": site, "service_id": design})),
    )
    .await;
    assert_eq!(first.data()["rate"], "95.00");
    assert_eq!(first.data()["rate_source"], "client_service_rate");
    assert_eq!(first.data()["billable_amount"], "142.50");
    assert_eq!(first.data()["billable_seconds"], 5400);
    let cases: Vec<(Value, Value, Value, &str)> = vec![
        // No client rate for this service: the project's.
        (
            e(json!({"project_id": site, "service_id": dev})),
            json!("100.00"),
            json!("project"),
            "150.00",
        ),
        // A project without a rate: the service's.
        (
            e(json!({"project_id": unrated, "service_id": dev})),
            json!("90.00"),
            json!("service"),
            "135.00",
        ),
        // The client's rate also applies through the project's client.
        (
            e(json!({"project_id": unrated, "service_id": design})),
            json!("95.00"),
            json!("client_service_rate"),
            "142.50",
        ),
        // Another client without its own rate: the service's.
        (
            e(json!({"client_id": initech, "service_id": design})),
            json!("80.00"),
            json!("service"),
            "120.00",
        ),
        (
            e(json!({"service_id": design})),
            json!("80.00"),
            json!("service"),
            "120.00",
        ),
        // No service: the member's default rate.
        (
            e(json!({"client_id": initech})),
            json!("60.00"),
            json!("member"),
            "90.00",
        ),
        (e(json!({})), json!("60.00"), json!("member"), "90.00"),
        // A fixed-price service has no hourly rate: the member's.
        (
            e(json!({"service_id": logo})),
            json!("60.00"),
            json!("member"),
            "90.00",
        ),
        // Fixed-fee projects have no hourly rate at all.
        (
            e(json!({"project_id": fixed, "service_id": design})),
            Value::Null,
            Value::Null,
            "0.00",
        ),
        // Not billable: no rate.
        (
            e(json!({"project_id": site, "billable": false})),
            Value::Null,
            Value::Null,
            "0.00",
        ),
        (
            e(json!({"project_id": internal})),
            Value::Null,
            Value::Null,
            "0.00",
        ),
    ];
    for (body, rate, source, amount) in cases {
        let (got_rate, got_source, got_amount, _) = earned(&app, token, body.clone()).await;
        assert_eq!(
            (got_rate, got_source, got_amount.as_str()),
            (rate, source, amount),
            "{body}"
        );
    }
    // Non-billable projects make entries non-billable by default; a
    // fixed-fee project's time stays billable (its seconds count).
    let data = record(&app, token, e(json!({"project_id": internal})))
        .await
        .data()
        .clone();
    assert_eq!(data["billable"], false);
    assert_eq!(data["billable_seconds"], 0);
    let data = record(&app, token, e(json!({"project_id": fixed})))
        .await
        .data()
        .clone();
    assert_eq!(data["billable"], true);
    assert_eq!(data["billable_seconds"], 5400);

    // Remove the levels one by one: each falls through to the next.
    app.delete(&client_rate).bearer(token).expect(204).await;
    let body = e(json!({"project_id": site, "service_id": design}));
    let (rate, source, amount, _) = earned(&app, token, body.clone()).await;
    assert_eq!(
        (rate, source, amount.as_str()),
        (json!("100.00"), json!("project"), "150.00")
    );
    app.patch(&format!("/api/v1/projects/{site}"))
        .bearer(token)
        .json(&json!({"hourly_rate": null}))
        .expect(200)
        .await;
    let (rate, source, amount, _) = earned(&app, token, body).await;
    assert_eq!(
        (rate, source, amount.as_str()),
        (json!("80.00"), json!("service"), "120.00")
    );
    let (rate, source, _, _) = earned(&app, token, e(json!({"project_id": site}))).await;
    assert_eq!((rate, source), (json!("60.00"), json!("member")));
    patch_member(
        &app,
        &org,
        &org.owner.member_id,
        json!({"default_hourly_rate": null}),
    )
    .await;
    let (rate, source, amount, currency) =
        earned(&app, token, e(json!({"project_id": site}))).await;
    assert!(rate.is_null() && source.is_null());
    assert_eq!((amount.as_str(), currency.as_str()), ("0.00", "EUR"));

    // What was recorded keeps the rate it was recorded with.
    let kept = app
        .get(&entry_path(first.data()["id"].as_str().unwrap()))
        .bearer(token)
        .expect(200)
        .await;
    assert_eq!(kept.data()["billable_amount"], "142.50");
    assert_eq!(kept.data()["rate_source"], "client_service_rate");
}

async fn amounts_are_exact_decimals(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    let rate = |r: &str| json!({"default_hourly_rate": r});
    patch_member(&app, &org, &org.owner.member_id, rate("85.50")).await;
    // 85.50 × 7/60 = 9.975 exactly: half rounds away from zero.
    let (_, _, amount, _) = earned(&app, token, json!({"duration": "0:07"})).await;
    assert_eq!(amount, "9.98");
    let (r, _, amount, _) = earned(&app, token, json!({"duration": "1:30"})).await;
    assert_eq!((r, amount.as_str()), (json!("85.50"), "128.25"));
    patch_member(&app, &org, &org.owner.member_id, rate("99.99")).await;
    let (_, _, amount, _) = earned(&app, token, json!({"duration": "0:20"})).await;
    assert_eq!(amount, "33.33");
    patch_member(&app, &org, &org.owner.member_id, rate("100")).await;
    // One second at 100.00 an hour is 0.0277…: 0.03.
    let (_, _, amount, _) = earned(
        &app,
        token,
        json!({"started_at": "2026-03-01T09:00:00Z", "ended_at": "2026-03-01T09:00:01Z"}),
    )
    .await;
    assert_eq!(amount, "0.03");
    let (_, _, amount, _) = earned(
        &app,
        token,
        json!({"started_at": "2026-03-01T10:00:00Z", "ended_at": "2026-03-01T10:00:59Z"}),
    )
    .await;
    assert_eq!(amount, "1.64", "59 s = 1.6388…");
    patch_member(&app, &org, &org.owner.member_id, rate("0.01")).await;
    let (_, _, amount, _) = earned(&app, token, json!({"duration": "0:30"})).await;
    assert_eq!(amount, "0.01", "0.005 rounds up");
    patch_member(&app, &org, &org.owner.member_id, rate("1234567.89")).await;
    let (_, _, amount, _) = earned(&app, token, json!({"duration": "23:59"})).await;
    assert_eq!(
        amount, "29609053.23",
        "1234567.89 × 1439/60 = 29609053.2285"
    );

    // A currency without minor units.
    let yen = create(
        &app,
        &org,
        "/api/v1/services",
        json!({"name": "Yen", "rate": "10000", "currency": "JPY"}),
    )
    .await;
    let (r, _, amount, currency) =
        earned(&app, token, json!({"duration": "0:30", "service_id": yen})).await;
    assert_eq!(
        (r, amount.as_str(), currency.as_str()),
        (json!("10000"), "5000", "JPY")
    );
    let (_, _, amount, _) =
        earned(&app, token, json!({"duration": "0:07", "service_id": yen})).await;
    assert_eq!(amount, "1167", "10000 × 7/60 = 1166.67");
}

async fn the_currency_is_the_chosen_rates(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    patch_member(
        &app,
        &org,
        &org.owner.member_id,
        json!({"default_hourly_rate": "50"}),
    )
    .await;
    let globex = create(&app, &org, "/api/v1/clients", json!({"name": "Globex"})).await;
    let usd = create(
        &app,
        &org,
        "/api/v1/services",
        json!({"name": "US design", "rate": "80", "currency": "USD"}),
    )
    .await;
    let british = create(
        &app,
        &org,
        "/api/v1/projects",
        json!({"name": "London", "currency": "GBP", "hourly_rate": "70"}),
    )
    .await;
    app.put(&format!("/api/v1/clients/{globex}/service-rates/{usd}"))
        .bearer(token)
        .json(&json!({"rate": "95"}))
        .expect(201)
        .await;
    let e = |v: Value| ninety_minutes(v);
    let cases = [
        (e(json!({"service_id": usd})), "80.00", "120.00", "USD"),
        (
            e(json!({"client_id": globex, "service_id": usd})),
            "95.00",
            "142.50",
            "USD",
        ),
        (
            e(json!({"project_id": british, "service_id": usd})),
            "70.00",
            "105.00",
            "GBP",
        ),
        (e(json!({})), "50.00", "75.00", "EUR"),
    ];
    for (body, rate, amount, currency) in cases {
        let (r, _, a, c) = earned(&app, token, body.clone()).await;
        assert_eq!(
            (r, a.as_str(), c.as_str()),
            (json!(rate), amount, currency),
            "{body}"
        );
    }
    // The member's rate is in the organization's currency.
    let yen = signup_in(&app, "Asia/Tokyo", "JPY").await;
    patch_member(
        &app,
        &yen,
        &yen.owner.member_id,
        json!({"default_hourly_rate": "5000"}),
    )
    .await;
    let (r, source, amount, currency) =
        earned(&app, &yen.owner.access, json!({"duration": "0:30"})).await;
    assert_eq!(
        (r, source, amount.as_str(), currency.as_str()),
        (json!("5000"), json!("member"), "2500", "JPY")
    );
}

async fn billable_time_rounds_up_to_the_services_block(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    // (rounding, billable seconds of 15, 16 and 31 minutes and of 1 second)
    let expected: [(&str, [i64; 4]); 4] = [
        ("none", [900, 960, 1860, 1]),
        ("5", [900, 1200, 2100, 300]),
        ("15", [900, 1800, 2700, 900]),
        ("30", [1800, 1800, 3600, 1800]),
    ];
    for (rounding, billable) in expected {
        let service = create(
            &app,
            &org,
            "/api/v1/services",
            json!({"name": format!("Round {rounding}"), "rate": "60", "rounding": rounding}),
        )
        .await;
        let lengths = [
            json!({"duration": "0:15"}),
            json!({"duration_seconds": 960}),
            json!({"duration": "0:31"}),
            json!({"started_at": "2026-03-01T09:00:00Z", "ended_at": "2026-03-01T09:00:01Z"}),
        ];
        for (length, want) in lengths.into_iter().zip(billable) {
            let mut body = length.clone();
            body["service_id"] = json!(service);
            let data = record(&app, token, body).await.data().clone();
            assert_eq!(
                data["billable_seconds"], want,
                "rounding {rounding}, {length}"
            );
            // The duration itself is never rounded; the amount follows
            // the billable seconds (60.00 an hour is 1.00 a minute).
            assert_ne!(data["duration_seconds"], 0);
            let cents = (want * 100 + 30) / 60;
            assert_eq!(
                data["billable_amount"],
                format!("{}.{:02}", cents / 100, cents % 100),
                "rounding {rounding}, {length}"
            );
        }
    }
    // Not billable: nothing to round.
    let service = create(
        &app,
        &org,
        "/api/v1/services",
        json!({"name": "Quarter", "rate": "60", "rounding": "15"}),
    )
    .await;
    let data = record(
        &app,
        token,
        json!({"duration": "0:16", "service_id": service, "billable": false}),
    )
    .await
    .data()
    .clone();
    assert_eq!(data["billable_seconds"], 0);
    assert_eq!(data["duration_seconds"], 960);

    // The organization's default rounding applies to time without a
    // service; a service's own rounding (even none) wins.
    patch_settings(&app, &org, json!({"defaults": {"time_rounding": "15"}})).await;
    let data = record(&app, token, json!({"duration": "0:16"}))
        .await
        .data()
        .clone();
    assert_eq!(data["billable_seconds"], 1800);
    let plain = create(
        &app,
        &org,
        "/api/v1/services",
        json!({"name": "Plain", "rate": "60"}),
    )
    .await;
    let data = record(
        &app,
        token,
        json!({"duration": "0:16", "service_id": plain}),
    )
    .await
    .data()
    .clone();
    assert_eq!(data["billable_seconds"], 960);
}
