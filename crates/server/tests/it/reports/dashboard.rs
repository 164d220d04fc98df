//! `/reports/dashboard` (today, this week and this month for oneself and
//! everyone, running timers counted live, the top clients in order, the
//! daily series) and `/reports/uninvoiced` (billable, completed, not yet
//! invoiced time and expenses per client).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::both_backends;
use crate::expenses::{create_expense, mark_expenses_invoiced};
use crate::projects::create;
use crate::support::Backend;
use crate::time_entries::{mark_invoiced, patch_member, record, record_id, spawn};

both_backends!(
    the_dashboard_sums_the_callers_and_everyones_time,
    uninvoiced_time_and_expenses_per_client,
);

const DASHBOARD: &str = "/api/v1/reports/dashboard";
const UNINVOICED: &str = "/api/v1/reports/uninvoiced";

/// `(own, everyone)` of a period.
fn period(data: &Value, key: &str) -> (Value, Value) {
    (data[key]["own"].clone(), data[key]["everyone"].clone())
}

/// The non-zero days of the daily series, and its length.
fn daily(data: &Value) -> (BTreeMap<String, i64>, usize) {
    let days = data["daily_this_month"].as_array().unwrap();
    let busy = days
        .iter()
        .filter(|d| d["seconds"] != 0)
        .map(|d| {
            (
                d["date"].as_str().unwrap().to_owned(),
                d["seconds"].as_i64().unwrap(),
            )
        })
        .collect();
    (busy, days.len())
}

async fn the_dashboard_sums_the_callers_and_everyones_time(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Acme").await;
    let owner = &org.owner.access;
    let ann = app.add_member(&org, "member").await;
    let admin = app.add_member(&org, "admin").await;
    app.activate_public_api(&org).await;
    let key = app.create_key(&org, Some(&["read"])).await;
    let rate = |r: &str| json!({"default_hourly_rate": r});
    patch_member(&app, &org, &org.owner.member_id, rate("100")).await;
    patch_member(&app, &org, &ann.member_id, rate("50")).await;
    let mut clients = Vec::new();
    for i in 1..=6 {
        clients.push(
            create(
                &app,
                &org,
                "/api/v1/clients",
                json!({"name": format!("Client {i}")}),
            )
            .await,
        );
    }
    // Wednesday 18 March 2026, noon: the week began on Monday the 16th.
    app.advance(chrono::Duration::days(16) + chrono::Duration::hours(3));
    let c = |i: usize| clients[i - 1].clone();
    let mine = [
        ("2026-03-18", "1:00", c(1), true),
        ("2026-03-16", "2:00", c(2), true),
        ("2026-03-05", "3:00", c(6), true),
        ("2026-03-11", "5:00", c(3), false),
        ("2026-02-27", "4:00", c(6), true),
    ];
    for (date, duration, client, billable) in mine {
        record(
            &app,
            owner,
            json!({"date": date, "duration": duration, "client_id": client, "billable": billable}),
        )
        .await;
    }
    let anns = [
        ("2026-03-18", "0:30", c(3)),
        ("2026-03-17", "1:30", c(4)),
        ("2026-03-02", "2:00", c(5)),
        ("2026-03-10", "3:00", c(5)),
    ];
    for (date, duration, client) in anns {
        record(
            &app,
            &ann.access,
            json!({"date": date, "duration": duration, "client_id": client}),
        )
        .await;
    }
    let running = app
        .post("/api/v1/time-entries/start")
        .bearer(&ann.access)
        .json(&json!({"started_at": "2026-03-18T11:00:00Z", "client_id": c(1)}))
        .expect(201)
        .await
        .str("/data/id");

    let dash = |token: &str, by_key: bool| {
        let app = &app;
        let req = if by_key {
            app.get(DASHBOARD).api_key(token)
        } else {
            app.get(DASHBOARD).bearer(token)
        };
        async move { req.expect(200).await.data().clone() }
    };

    // The owner: their own time and everyone's, running timers live.
    let data = dash(owner, false).await;
    assert_eq!(data["today"], "2026-03-18");
    assert_eq!(period(&data, "today_seconds"), (json!(3600), json!(9000)));
    assert_eq!(
        period(&data, "this_week_seconds"),
        (json!(10_800), json!(21_600))
    );
    assert_eq!(
        period(&data, "this_month_seconds"),
        (json!(39_600), json!(68_400))
    );
    assert_eq!(data["billable_amount_this_month"], json!({"EUR": "950.00"}));
    let timers = data["running_timers"].as_array().unwrap();
    assert_eq!(timers.len(), 1);
    assert_eq!(timers[0]["id"], running.as_str());
    assert_eq!(timers[0]["duration_seconds"], 3600);
    // Top five clients of the month by billable amount: 300, 250, 200,
    // 100, 75 (Client 3's 25.00 and its unbilled hours come sixth).
    let top: Vec<(Value, Value, Value, Value)> = data["top_clients_this_month"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["client"]["id"].clone(),
                t["client"]["name"].clone(),
                t["seconds"].clone(),
                t["billable_amount"].clone(),
            )
        })
        .collect();
    let expected: Vec<(Value, Value, Value, Value)> = [
        (6, 10_800, "300.00"),
        (5, 18_000, "250.00"),
        (2, 7200, "200.00"),
        (1, 3600, "100.00"),
        (4, 5400, "75.00"),
    ]
    .into_iter()
    .map(|(i, seconds, amount)| {
        (
            json!(c(i)),
            json!(format!("Client {i}")),
            json!(seconds),
            json!({"EUR": amount}),
        )
    })
    .collect();
    assert_eq!(top, expected);
    // Every day of the month so far, completed time only.
    let (busy, days) = daily(&data);
    assert_eq!(days, 18);
    assert_eq!(data["daily_this_month"][0]["date"], "2026-03-01");
    assert_eq!(data["daily_this_month"][17]["date"], "2026-03-18");
    let expected: BTreeMap<String, i64> = [
        ("2026-03-02", 7200),
        ("2026-03-05", 10_800),
        ("2026-03-10", 10_800),
        ("2026-03-11", 18_000),
        ("2026-03-16", 7200),
        ("2026-03-17", 5400),
        ("2026-03-18", 5400),
    ]
    .into_iter()
    .map(|(d, s)| (d.to_owned(), s))
    .collect();
    assert_eq!(busy, expected);

    // A member: their own time only.
    let data = dash(&ann.access, false).await;
    assert_eq!(period(&data, "today_seconds"), (json!(5400), Value::Null));
    assert_eq!(
        period(&data, "this_week_seconds"),
        (json!(10_800), Value::Null)
    );
    assert_eq!(
        period(&data, "this_month_seconds"),
        (json!(28_800), Value::Null)
    );
    assert_eq!(data["billable_amount_this_month"], json!({"EUR": "350.00"}));
    assert_eq!(data["running_timers"][0]["id"], running.as_str());
    let top: Vec<Value> = data["top_clients_this_month"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["client"]["id"].clone())
        .collect();
    assert_eq!(top, [json!(c(5)), json!(c(4)), json!(c(3))]);
    let (busy, _) = daily(&data);
    assert_eq!(
        busy.into_iter().collect::<Vec<_>>(),
        [
            ("2026-03-02".to_owned(), 7200),
            ("2026-03-10".to_owned(), 10_800),
            ("2026-03-17".to_owned(), 5400),
            ("2026-03-18".to_owned(), 1800),
        ]
    );
    // An admin without time of their own; a key has no own time at all.
    let data = dash(&admin.access, false).await;
    assert_eq!(period(&data, "today_seconds"), (json!(0), json!(9000)));
    assert_eq!(data["running_timers"].as_array().unwrap().len(), 1);
    let data = dash(&key.token, true).await;
    assert_eq!(
        period(&data, "this_month_seconds"),
        (Value::Null, json!(68_400))
    );
    assert_eq!(data["billable_amount_this_month"], json!({"EUR": "950.00"}));

    // Half an hour later the running timer has grown, nothing else.
    app.advance(chrono::Duration::minutes(30));
    let data = dash(owner, false).await;
    assert_eq!(period(&data, "today_seconds"), (json!(3600), json!(10_800)));
    assert_eq!(data["running_timers"][0]["duration_seconds"], 5400);
    let data = dash(&ann.access, false).await;
    assert_eq!(period(&data, "today_seconds"), (json!(7200), Value::Null));
    // Stopped, it counts as completed time, billed.
    app.post(&format!("/api/v1/time-entries/{running}/stop"))
        .bearer(&ann.access)
        .expect(200)
        .await;
    let data = dash(owner, false).await;
    assert_eq!(period(&data, "today_seconds"), (json!(3600), json!(10_800)));
    assert_eq!(data["running_timers"], json!([]));
    assert_eq!(
        data["billable_amount_this_month"],
        json!({"EUR": "1025.00"})
    );
    let (busy, _) = daily(&data);
    assert_eq!(busy["2026-03-18"], 10_800);
}

/// The uninvoiced report's clients keyed by client id ("none" for time and
/// expenses without a client).
fn by_client(data: &Value) -> BTreeMap<String, Value> {
    data["clients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let id = c["client"]["id"].as_str().unwrap_or("none").to_owned();
            let mut rest = c.clone();
            rest.as_object_mut().unwrap().remove("client");
            (id, rest)
        })
        .collect()
}

async fn uninvoiced_time_and_expenses_per_client(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Acme").await;
    let owner = &org.owner.access;
    let ann = app.add_member(&org, "member").await;
    patch_member(
        &app,
        &org,
        &org.owner.member_id,
        json!({"default_hourly_rate": "100"}),
    )
    .await;
    let globex = create(&app, &org, "/api/v1/clients", json!({"name": "Globex"})).await;
    let initech = create(&app, &org, "/api/v1/clients", json!({"name": "Initech"})).await;
    let time = |date: &str, duration: &str, client: Option<&str>, billable: bool| {
        let mut body = json!({"date": date, "duration": duration, "billable": billable});
        if let Some(client) = client {
            body["client_id"] = json!(client);
        }
        body
    };
    // Globex: two billable entries count; invoiced, unbilled and running
    // time does not.
    record(&app, owner, time("2026-02-20", "1:00", Some(&globex), true)).await;
    record(&app, owner, time("2026-03-01", "2:00", Some(&globex), true)).await;
    let invoiced = record_id(&app, owner, time("2026-02-21", "0:30", Some(&globex), true)).await;
    mark_invoiced(&app, &org, &[&invoiced]).await;
    record(
        &app,
        owner,
        time("2026-02-22", "4:00", Some(&globex), false),
    )
    .await;
    app.post("/api/v1/time-entries/start")
        .bearer(owner)
        .json(&json!({"client_id": globex}))
        .expect(201)
        .await;
    // Ann's time, without a rate: counted, for nothing.
    record(
        &app,
        &ann.access,
        time("2026-02-23", "0:45", Some(&globex), true),
    )
    .await;
    // Time without a client.
    record(&app, owner, time("2026-02-20", "1:00", None, true)).await;
    // Expenses: billable open ones count, in their own currencies.
    let expense =
        |date: &str, amount: &str, currency: &str, client: Option<&str>, billable: bool| {
            let mut body =
                json!({"date": date, "amount": amount, "currency": currency, "billable": billable});
            if let Some(client) = client {
                body["client_id"] = json!(client);
            }
            body
        };
    create_expense(
        &app,
        owner,
        expense("2026-02-20", "40", "EUR", Some(&globex), true),
    )
    .await;
    create_expense(
        &app,
        &ann.access,
        expense("2026-02-22", "15", "USD", Some(&globex), true),
    )
    .await;
    create_expense(
        &app,
        owner,
        expense("2026-02-22", "99", "EUR", Some(&globex), false),
    )
    .await;
    let billed = create_expense(
        &app,
        owner,
        expense("2026-02-22", "60", "EUR", Some(&globex), true),
    )
    .await;
    mark_expenses_invoiced(&app, &org, &[&billed]).await;
    create_expense(
        &app,
        owner,
        expense("2026-02-25", "12.5", "EUR", Some(&initech), true),
    )
    .await;
    create_expense(&app, owner, expense("2026-03-02", "7", "EUR", None, true)).await;

    let get = |query: &str, token: &str| {
        let app = &app;
        let req = app.get(&format!("{UNINVOICED}{query}")).bearer(token);
        async move { req.expect(200).await.data().clone() }
    };
    let data = get("", owner).await;
    let clients = by_client(&data);
    assert_eq!(clients.keys().cloned().collect::<Vec<_>>(), {
        let mut keys = vec![globex.clone(), initech.clone(), "none".to_owned()];
        keys.sort();
        keys
    });
    assert_eq!(
        clients[&globex],
        json!({
            "time": {"entries": 3, "seconds": 13_500, "billable_seconds": 13_500,
                     "billable_amount": {"EUR": "300.00"}},
            "expenses": {"expenses": 2, "amount": {"EUR": "40.00", "USD": "15.00"}},
            "total": {"EUR": "340.00", "USD": "15.00"},
        })
    );
    assert_eq!(
        clients[&initech],
        json!({
            "time": {"entries": 0, "seconds": 0, "billable_seconds": 0, "billable_amount": {}},
            "expenses": {"expenses": 1, "amount": {"EUR": "12.50"}},
            "total": {"EUR": "12.50"},
        })
    );
    assert_eq!(
        clients["none"],
        json!({
            "time": {"entries": 1, "seconds": 3600, "billable_seconds": 3600,
                     "billable_amount": {"EUR": "100.00"}},
            "expenses": {"expenses": 1, "amount": {"EUR": "7.00"}},
            "total": {"EUR": "107.00"},
        })
    );
    assert_eq!(data["total"], json!({"EUR": "459.50", "USD": "15.00"}));
    let names: Vec<Value> = data["clients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["client"]["name"].clone())
        .filter(|n| !n.is_null())
        .collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&json!("Globex")) && names.contains(&json!("Initech")));

    // Up to a date, inclusive.
    let data = get("?to=2026-02-28", owner).await;
    let clients = by_client(&data);
    assert_eq!(clients[&globex]["time"]["entries"], 2);
    assert_eq!(
        clients[&globex]["total"],
        json!({"EUR": "140.00", "USD": "15.00"})
    );
    assert_eq!(clients["none"]["expenses"]["expenses"], 0);
    assert_eq!(clients["none"]["total"], json!({"EUR": "100.00"}));
    assert_eq!(data["total"], json!({"EUR": "252.50", "USD": "15.00"}));
    // One client.
    let data = get(&format!("?client_id={initech}"), owner).await;
    assert_eq!(by_client(&data).keys().collect::<Vec<_>>(), [&initech]);
    assert_eq!(data["total"], json!({"EUR": "12.50"}));
    // A member sees their own.
    let data = get("", &ann.access).await;
    let clients = by_client(&data);
    assert_eq!(clients.keys().collect::<Vec<_>>(), [&globex]);
    assert_eq!(clients[&globex]["time"]["entries"], 1);
    assert_eq!(
        clients[&globex]["expenses"]["amount"],
        json!({"USD": "15.00"})
    );
    assert_eq!(data["total"], json!({"EUR": "0.00", "USD": "15.00"}));
    // A date must be a date.
    app.get(&format!("{UNINVOICED}?to=someday"))
        .bearer(owner)
        .expect(400)
        .await;
}
