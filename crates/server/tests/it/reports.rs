//! `/reports/time`: every dimension alone and three-level groupings,
//! compared with totals this test computes itself from the entries it
//! recorded; the time-entry filters; members seeing their own time; and
//! `group_by` validation. The dashboard and the uninvoiced report are in
//! `dashboard`.

mod dashboard;
mod months;

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use serde_json::{Value, json};

use crate::both_backends;
use crate::projects::{create, fields};
use crate::support::{Backend, TestApp};
use crate::time_entries::{mark_invoiced, patch_member, record, spawn};

both_backends!(
    time_report_by_each_dimension,
    time_report_in_three_levels,
    time_report_takes_the_entry_filters,
    group_by_is_validated,
);

const ALL: [&str; 9] = [
    "client", "project", "member", "task", "service", "topic", "day", "week", "month",
];

/// Minor units of a two-decimal amount ("142.50" → 14250).
pub fn cents(text: &str) -> i64 {
    let (units, fraction) = text.split_once('.').unwrap_or((text, "00"));
    assert_eq!(fraction.len(), 2, "{text}");
    units.parse::<i64>().unwrap() * 100 + fraction.parse::<i64>().unwrap()
}

/// `{"EUR": "12.50", …}` from minor units per currency.
pub fn amounts(minor: &BTreeMap<String, i64>) -> Value {
    Value::Object(
        minor
            .iter()
            .map(|(c, m)| (c.clone(), json!(format!("{}.{:02}", m / 100, m % 100))))
            .collect(),
    )
}

/// What the test knows of the recorded world: every entry as the API
/// answered it, the topic of each task, and the name of every record.
struct World {
    entries: Vec<Value>,
    topic_of: HashMap<String, String>,
    names: HashMap<String, String>,
}

impl World {
    /// The key of `entry` in `dimension`, as the report shows it.
    fn key(&self, entry: &Value, dimension: &str) -> Value {
        let date =
            || NaiveDate::parse_from_str(entry["date"].as_str().unwrap(), "%Y-%m-%d").unwrap();
        match dimension {
            "topic" => entry["task_id"]
                .as_str()
                .and_then(|t| self.topic_of.get(t))
                .map_or(Value::Null, |t| json!(t)),
            "day" => entry["date"].clone(),
            "week" => {
                let week = date().iso_week();
                json!(format!("{}-W{:02}", week.year(), week.week()))
            }
            "month" => json!(format!("{}-{:02}", date().year(), date().month())),
            record => entry[format!("{record}_id")].clone(),
        }
    }

    /// The report this test expects: rows keyed by their group keys.
    fn expected(
        &self,
        group_by: &[&str],
        keep: impl Fn(&Value) -> bool,
    ) -> (BTreeMap<String, Value>, Value) {
        type Sums = (i64, i64, BTreeMap<String, i64>, i64);
        let mut groups: BTreeMap<String, Sums> = BTreeMap::new();
        let mut total: Sums = Default::default();
        for entry in self.entries.iter().filter(|e| keep(e)) {
            let key: Vec<Value> = group_by.iter().map(|d| self.key(entry, d)).collect();
            let key = serde_json::to_string(&key).unwrap();
            for sums in [groups.entry(key).or_default(), &mut total] {
                sums.0 += entry["duration_seconds"].as_i64().unwrap();
                sums.1 += entry["billable_seconds"].as_i64().unwrap();
                *sums
                    .2
                    .entry(entry["currency"].as_str().unwrap().to_owned())
                    .or_default() += cents(entry["billable_amount"].as_str().unwrap());
                sums.3 += 1;
            }
        }
        let shape = |(seconds, billable, minor, entries): &Sums| {
            json!({"seconds": seconds, "billable_seconds": billable,
                   "billable_amount": amounts(minor), "entries": entries})
        };
        (
            groups.iter().map(|(k, s)| (k.clone(), shape(s))).collect(),
            shape(&total),
        )
    }

    /// The report's rows keyed the same way, checking names and that only
    /// the grouped dimensions appear.
    fn actual(&self, group_by: &[&str], report: &Value) -> (BTreeMap<String, Value>, Value) {
        assert_eq!(report["group_by"], json!(group_by));
        let mut rows = BTreeMap::new();
        for row in report["rows"].as_array().unwrap() {
            for dimension in ALL {
                assert_eq!(
                    row.get(dimension).is_some(),
                    group_by.contains(&dimension),
                    "{dimension} in {row}"
                );
            }
            let key: Vec<Value> = group_by
                .iter()
                .map(|d| match &row[*d] {
                    Value::Object(named) => {
                        let id = named["id"].as_str().unwrap();
                        assert_eq!(
                            named["name"].as_str(),
                            self.names.get(id).map(String::as_str),
                            "name of {id}"
                        );
                        json!(id)
                    }
                    other => other.clone(),
                })
                .collect();
            let key = serde_json::to_string(&key).unwrap();
            let sums = json!({"seconds": row["seconds"], "billable_seconds": row["billable_seconds"],
                              "billable_amount": row["billable_amount"], "entries": row["entries"]});
            assert!(rows.insert(key, sums).is_none(), "one row per group");
        }
        (rows, report["totals"].clone())
    }
}

/// Records a varied month of time for three members and answers what was
/// recorded (running and out-of-range time included, to be left out).
/// Also answers the three members' ids (owner, Ann, Bob) and Ann's token.
async fn a_month_of_time(
    app: &TestApp,
) -> (
    crate::support::fixtures::OrgFixture,
    World,
    Vec<String>,
    String,
) {
    let org = app.signup("Acme").await;
    let ann = app.add_member(&org, "member").await;
    let bob = app.add_member(&org, "member").await;
    patch_member(
        app,
        &org,
        &org.owner.member_id,
        json!({"default_hourly_rate": "100", "name": "Olive", "surname": "Owner"}),
    )
    .await;
    patch_member(
        app,
        &org,
        &ann.member_id,
        json!({"default_hourly_rate": "50", "name": "Ann"}),
    )
    .await;
    let mut names = HashMap::new();
    names.insert(org.owner.member_id.clone(), "Olive Owner".to_owned());
    names.insert(ann.member_id.clone(), "Ann".to_owned());
    names.insert(bob.member_id.clone(), "member person".to_owned());
    let mut named = |id: String, name: &str| {
        names.insert(id.clone(), name.to_owned());
        id
    };
    let globex = named(
        create(app, &org, "/api/v1/clients", json!({"name": "Globex"})).await,
        "Globex",
    );
    let initech = named(
        create(app, &org, "/api/v1/clients", json!({"name": "Initech"})).await,
        "Initech",
    );
    let site = named(
        create(
            app,
            &org,
            "/api/v1/projects",
            json!({"name": "Site", "client_id": globex, "hourly_rate": "120"}),
        )
        .await,
        "Site",
    );
    let intranet = named(
        create(
            app,
            &org,
            "/api/v1/projects",
            json!({"name": "Intranet", "client_id": initech}),
        )
        .await,
        "Intranet",
    );
    let design = named(
        create(app, &org, "/api/v1/topics", json!({"name": "Design"})).await,
        "Design",
    );
    let build = named(
        create(app, &org, "/api/v1/topics", json!({"name": "Build"})).await,
        "Build",
    );
    let mockups = named(
        create(
            app,
            &org,
            "/api/v1/tasks",
            json!({"title": "Mockups", "project_id": site, "topic_id": design}),
        )
        .await,
        "Mockups",
    );
    let api = named(
        create(
            app,
            &org,
            "/api/v1/tasks",
            json!({"title": "API", "project_id": intranet, "topic_id": build}),
        )
        .await,
        "API",
    );
    let loose = named(
        create(
            app,
            &org,
            "/api/v1/tasks",
            json!({"title": "Loose ends", "topic_id": design}),
        )
        .await,
        "Loose ends",
    );
    let drawing = named(
        create(
            app,
            &org,
            "/api/v1/services",
            json!({"name": "Drawing", "rate": "80", "rounding": "15"}),
        )
        .await,
        "Drawing",
    );
    let coding = named(
        create(
            app,
            &org,
            "/api/v1/services",
            json!({"name": "Coding", "rate": "90", "currency": "USD"}),
        )
        .await,
        "Coding",
    );
    let topic_of = HashMap::from([
        (mockups.clone(), design.clone()),
        (api.clone(), build.clone()),
        (loose.clone(), design.clone()),
    ]);
    let o = &org.owner.access;
    let bodies: Vec<(&str, Value)> = vec![
        (
            o,
            json!({"date": "2026-02-23", "duration": "1:20", "task_id": mockups, "service_id": drawing, "tags": ["design"], "notes": "wireframes"}),
        ),
        (
            o,
            json!({"date": "2026-02-24", "duration": "0:50", "project_id": intranet, "service_id": coding}),
        ),
        (
            &ann.access,
            json!({"date": "2026-02-24", "duration": "2:00", "task_id": api, "notes": "api review"}),
        ),
        (
            &ann.access,
            json!({"date": "2026-03-01", "duration": "1:10", "client_id": globex, "service_id": coding, "billable": false}),
        ),
        (
            o,
            json!({"started_at": "2026-03-02T07:00:00Z", "ended_at": "2026-03-02T07:20:00Z", "tags": ["design", "x"]}),
        ),
        (
            o,
            json!({"member_id": bob.member_id, "date": "2026-02-28", "duration": "3:00", "task_id": loose}),
        ),
        (
            o,
            json!({"date": "2026-02-25", "duration": "0:45", "task_id": mockups, "service_id": drawing}),
        ),
        (
            o,
            json!({"date": "2026-02-09", "duration": "0:07", "project_id": site}),
        ),
        (
            o,
            json!({"date": "2026-02-16", "duration": "1:01", "client_id": initech, "service_id": drawing}),
        ),
    ];
    let mut entries = Vec::new();
    for (token, body) in bodies {
        entries.push(record(app, token, body).await.data().clone());
    }
    let invoiced = entries[6]["id"].as_str().unwrap().to_owned();
    mark_invoiced(app, &org, &[&invoiced]).await;
    entries[6]["status"] = json!("invoiced");
    // Left out of every report: running, and outside the dates asked for.
    record(
        app,
        &ann.access,
        json!({"started_at": "2026-03-02T08:00:00Z", "task_id": api}),
    )
    .await;
    record(
        app,
        o,
        json!({"date": "2026-01-30", "duration": "1:00", "client_id": globex}),
    )
    .await;
    let members = vec![
        org.owner.member_id.clone(),
        ann.member_id.clone(),
        bob.member_id.clone(),
    ];
    let world = World {
        entries,
        topic_of,
        names,
    };
    (org, world, members, ann.access)
}

/// Which recorded entries a filtered report must count.
type Keep<'a> = Box<dyn Fn(&Value) -> bool + 'a>;

const RANGE: &str = "from=2026-02-01&to=2026-03-31";

async fn report(app: &TestApp, token: &str, query: &str) -> Value {
    app.get(&format!("/api/v1/reports/time?{query}"))
        .bearer(token)
        .expect(200)
        .await
        .data()
        .clone()
}

async fn time_report_by_each_dimension(backend: Backend) {
    let app = spawn(backend).await;
    let (org, world, _, _) = a_month_of_time(&app).await;
    for dimension in ALL {
        let data = report(
            &app,
            &org.owner.access,
            &format!("{RANGE}&group_by={dimension}"),
        )
        .await;
        let expected = world.expected(&[dimension], |_| true);
        assert_eq!(
            world.actual(&[dimension], &data),
            expected,
            "group_by={dimension}"
        );
    }
    // Sanity of the independent computation itself: nine entries, two
    // currencies, rounding and the project rate in there.
    let (_, totals) = world.expected(&["client"], |_| true);
    assert_eq!(totals["entries"], 9);
    assert_eq!(
        totals["seconds"],
        (80 + 50 + 120 + 70 + 20 + 180 + 45 + 7 + 61) * 60
    );
    // 180 (1:20 → 1:30 at the project's 120) + 100 (Ann's 50) + 33.33
    // (20 min at 100) + 90 + 14 (7 min at 120) + 100 (1:01 → 1:15 at 80).
    assert_eq!(
        totals["billable_amount"],
        json!({"EUR": "517.33", "USD": "75.00"})
    );
}

async fn time_report_in_three_levels(backend: Backend) {
    let app = spawn(backend).await;
    let (org, world, _, _) = a_month_of_time(&app).await;
    for group_by in [
        ["client", "project", "month"],
        ["member", "service", "week"],
        ["topic", "day", "task"],
        ["month", "client", "member"],
    ] {
        let data = report(
            &app,
            &org.owner.access,
            &format!("{RANGE}&group_by={}", group_by.join(",")),
        )
        .await;
        assert_eq!(
            world.actual(&group_by, &data),
            world.expected(&group_by, |_| true),
            "{group_by:?}"
        );
    }
    // Exactly the documented list: an empty item is refused.
    app.get(&format!(
        "/api/v1/reports/time?{RANGE}&group_by=project,,day"
    ))
    .bearer(&org.owner.access)
    .expect(400)
    .await
    .assert_code("invalid_query");
}

async fn time_report_takes_the_entry_filters(backend: Backend) {
    let app = spawn(backend).await;
    let (org, world, members, ann) = a_month_of_time(&app).await;
    let token = &org.owner.access;
    let s = |v: &Value, k: &str| v[k].as_str().unwrap_or_default().to_owned();
    let client = s(&world.entries[0], "client_id");
    let task = s(&world.entries[2], "task_id");
    let cases: Vec<(String, Keep)> = vec![
        (
            format!("member_id={}", members[1]),
            Box::new(|e: &Value| e["member_id"] == members[1]),
        ),
        (
            format!("member_id={}&member_id={}", members[1], members[2]),
            Box::new(|e: &Value| e["member_id"] != members[0]),
        ),
        (
            format!("client_id={client}"),
            Box::new(move |e: &Value| e["client_id"] == client.as_str()),
        ),
        (
            format!("task_id={task}"),
            Box::new(move |e: &Value| e["task_id"] == task.as_str()),
        ),
        (
            "billable=false".into(),
            Box::new(|e: &Value| e["billable"] == false),
        ),
        (
            "tag=design".into(),
            Box::new(|e: &Value| e["tags"].as_array().unwrap().contains(&json!("design"))),
        ),
        (
            "q=REVIEW".into(),
            Box::new(|e: &Value| e["notes"] == "api review"),
        ),
        (
            "status=invoiced".into(),
            Box::new(|e: &Value| e["status"] == "invoiced"),
        ),
        (
            "invoiced=false".into(),
            Box::new(|e: &Value| e["status"] != "invoiced"),
        ),
        (
            "from=2026-02-24&to=2026-02-28".into(),
            Box::new(|e: &Value| {
                let d = e["date"].as_str().unwrap();
                ("2026-02-24"..="2026-02-28").contains(&d)
            }),
        ),
    ];
    for (query, keep) in cases {
        let from = if query.starts_with("from") {
            String::new()
        } else {
            format!("{RANGE}&")
        };
        let data = report(
            &app,
            token,
            &format!("{from}{query}&group_by=member,client"),
        )
        .await;
        let group_by = ["member", "client"];
        assert_eq!(
            world.actual(&group_by, &data),
            world.expected(&group_by, &keep),
            "{query}"
        );
    }
    // Running timers are never counted, even when asked for.
    let data = report(
        &app,
        token,
        &format!("{RANGE}&status=running&group_by=member"),
    )
    .await;
    assert_eq!(data["rows"], json!([]));
    assert_eq!(
        data["totals"],
        json!({"seconds": 0, "billable_seconds": 0, "billable_amount": {}, "entries": 0})
    );
    // A member's report is their own time, whatever they ask for.
    let data = report(
        &app,
        &ann,
        &format!("{RANGE}&group_by=client&member_id={}", members[0]),
    )
    .await;
    let own = |e: &Value| e["member_id"] == members[1];
    assert_eq!(
        world.actual(&["client"], &data),
        world.expected(&["client"], own)
    );
}

async fn group_by_is_validated(backend: Backend) {
    let app = spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = &org.owner.access;
    for (query, mentions) in [
        ("group_by=colour", "colour"),
        ("group_by=client,client", "twice"),
        ("group_by=", "one to three"),
        ("group_by=,", "one to three"),
        ("group_by=client,project,member,task", "one to three"),
        ("group_by=Client", "Client"),
    ] {
        let resp = app
            .get(&format!("/api/v1/reports/time?{query}"))
            .bearer(token)
            .expect(400)
            .await;
        resp.assert_code("invalid_query");
        assert_eq!(fields(&resp), ["group_by"], "{query}");
        assert!(resp.text.contains(mentions), "{query}: {}", resp.text);
    }
    let resp = app
        .get("/api/v1/reports/time")
        .bearer(token)
        .expect(400)
        .await;
    assert_eq!(fields(&resp), ["group_by"]);
    // `to` before `from` is an empty range.
    let empty = report(&app, token, "group_by=client&to=2026-01-01&from=2026-02-01").await;
    assert_eq!(empty["rows"], json!([]));
    for query in ["group_by=client&status=paused", "group_by=day&colour=red"] {
        app.get(&format!("/api/v1/reports/time?{query}"))
            .bearer(token)
            .expect(400)
            .await;
    }
    let data = report(&app, token, "group_by=client").await;
    assert_eq!(
        data,
        json!({"group_by": ["client"], "rows": [],
        "totals": {"seconds": 0, "billable_seconds": 0, "billable_amount": {}, "entries": 0}})
    );
}
