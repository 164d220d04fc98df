//! Real `stint serve` processes: an event written before a `kill -9` is
//! delivered after a restart, a delivery cut short by a crash is taken over
//! when its lease expires, and on PostgreSQL two processes sharing one
//! database deliver 1,000 events to each endpoint exactly once.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{signed_by, verify_with_standardwebhooks};
use crate::both_backends;
use crate::support::process::Process;
use crate::support::receiver::{Receiver, Reply};
use crate::support::{Backend, TestDb, postgres_enabled};

both_backends!(an_event_written_before_a_crash_is_delivered_after_restart);

async fn an_event_written_before_a_crash_is_delivered_after_restart(backend: Backend) {
    let db = TestDb::new(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let receiver = Receiver::start().await;
    let base_env = [
        ("STINT_WEBHOOKS__ALLOW_PRIVATE_TARGETS", "true"),
        ("STINT_WEBHOOKS__TIMEOUT", "2s"),
        ("STINT_WEBHOOKS__LEASE", "3s"),
        ("STINT_WEBHOOKS__RETRY_SCHEDULE", "1s"),
    ];
    let with = |poll: &'static str| {
        let mut env = base_env.to_vec();
        env.push(("STINT_WEBHOOKS__POLL_INTERVAL", poll));
        env
    };

    // 1. The worker of this process never gets to run: the event stays in
    //    the outbox when the process is killed.
    let mut first = Process::start(dir.path(), &db.url, &with("1h")).await;
    let (token, org) = first.signup().await;
    let created = first
        .call(
            "POST",
            "/api/v1/webhooks",
            &token,
            Some(json!({"url": receiver.url("/crash"), "events": ["client.*"]})),
        )
        .await;
    let secret = created["data"]["secret"].as_str().unwrap().to_owned();
    let webhook = created["data"]["id"].as_str().unwrap().to_owned();
    let client = first
        .call(
            "POST",
            "/api/v1/clients",
            &token,
            Some(json!({"name": "Written before the crash"})),
        )
        .await;
    let client_id = client["data"]["id"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.count(), 0);
    first.kill();

    // 2. After a restart the event is fanned out and sent; this process is
    //    killed while the receiver holds the request, before it answers.
    receiver.script(&[Reply::Hang]);
    let mut second = Process::start(dir.path(), &db.url, &with("100ms")).await;
    let got = receiver.wait_for(1, Duration::from_secs(30)).await;
    second.kill();
    let body = got[0].json();
    assert_eq!(body["type"], "client.created");
    assert_eq!(body["organization_id"], org.as_str());
    assert_eq!(body["data"]["object"]["id"], client_id.as_str());

    // 3. The next process takes the endpoint over once the dead one's lease
    //    expires, and delivers again with the same webhook-id.
    let third = Process::start(dir.path(), &db.url, &with("100ms")).await;
    let got = receiver.wait_for(2, Duration::from_secs(30)).await;
    assert_eq!(got[1].header("webhook-id"), got[0].header("webhook-id"));
    assert!(signed_by(&got[1], &secret));
    verify_with_standardwebhooks(&[(&got[1], &secret, true)]);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let list = third
            .call(
                "GET",
                &format!("/api/v1/webhooks/{webhook}/deliveries"),
                &token,
                None,
            )
            .await;
        let list = list["data"].as_array().unwrap().clone();
        if list.len() == 1 && list[0]["status"] == "succeeded" {
            // The attempt cut short by the crash was never recorded.
            assert_eq!(list[0]["attempt_count"], 1);
            break;
        }
        assert!(Instant::now() < deadline, "not delivered: {list:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_postgresql_deliver_each_event_exactly_once() {
    if !postgres_enabled() {
        return;
    }
    const EVENTS: usize = 1000;
    const ENDPOINTS: usize = 4;
    let started = Instant::now();
    let db = TestDb::new(Backend::Postgres).await;
    let dir = tempfile::tempdir().unwrap();
    let receiver = Receiver::start().await;
    let env = [
        ("STINT_WEBHOOKS__ALLOW_PRIVATE_TARGETS", "true"),
        ("STINT_WEBHOOKS__POLL_INTERVAL", "50ms"),
        // Two endpoints at a time per process, four endpoints: both must work.
        ("STINT_WEBHOOKS__CONCURRENCY", "2"),
        ("STINT_WEBHOOKS__LEASE", "30s"),
        ("STINT_PLANS__FREE__MAX_WEBHOOKS", "10"),
    ];
    let a = Process::start(dir.path(), &db.url, &env).await;
    let b = Process::start(dir.path(), &db.url, &env).await;
    let (token, _) = a.signup().await;
    for i in 0..ENDPOINTS {
        a.call(
            "POST",
            "/api/v1/webhooks",
            &token,
            Some(json!({"url": receiver.url(&format!("/endpoint-{i}")), "events": ["client.created"]})),
        )
        .await;
    }
    // 1,000 events written through both processes, sixteen at a time.
    let mut written: HashSet<String> = HashSet::new();
    for chunk in (0..EVENTS).collect::<Vec<_>>().chunks(16) {
        let mut calls = tokio::task::JoinSet::new();
        for i in chunk {
            let process = if i % 2 == 0 { &a } else { &b };
            let request = process
                .http
                .post(process.url("/api/v1/clients"))
                .bearer_auth(&token)
                .json(&json!({"name": format!("Client {i}")}));
            calls.spawn(async move {
                let resp = request.send().await.expect("create a client");
                assert_eq!(resp.status(), 201);
                let body: Value = resp.json().await.unwrap();
                body["data"]["id"].as_str().unwrap().to_owned()
            });
        }
        while let Some(id) = calls.join_next().await {
            written.insert(id.unwrap());
        }
    }
    assert_eq!(written.len(), EVENTS);

    let expected = EVENTS * ENDPOINTS;
    receiver.wait_for(expected, Duration::from_secs(60)).await;
    // Nothing is sent twice, even a little later.
    receiver
        .assert_no_more_than(expected, Duration::from_millis(500))
        .await;
    let mut per_endpoint: HashMap<String, HashSet<String>> = HashMap::new();
    for r in receiver.received() {
        let client = r.json()["data"]["object"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(
            per_endpoint
                .entry(r.path.clone())
                .or_default()
                .insert(client),
            "{} got an event twice",
            r.path
        );
    }
    assert_eq!(per_endpoint.len(), ENDPOINTS);
    for clients in per_endpoint.values() {
        assert_eq!(clients, &written);
    }

    // Each delivery was attempted exactly once.
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&db.url)
        .await
        .unwrap();
    let (attempts, deliveries, succeeded): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM webhook_attempts), (SELECT count(*) FROM webhook_deliveries), \
         (SELECT count(*) FROM webhook_deliveries WHERE status = 'succeeded' AND attempt_count = 1)",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(
        (attempts, deliveries, succeeded),
        (expected as i64, expected as i64, expected as i64)
    );
    // Both processes made attempts (each logs its own).
    for process in [&a, &b] {
        let log = std::fs::read_to_string(&process.log).unwrap();
        let attempts = log.matches("webhook attempt").count();
        assert!(attempts > 0, "a process made no attempt; log:\n{log}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(90),
        "took {:?}",
        started.elapsed()
    );
    drop((a, b));
}
