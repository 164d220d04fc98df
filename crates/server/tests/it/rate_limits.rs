//! Rate limits and plan limits: exactly N requests per hour per key (and
//! per user), honest headers, 429 with Retry-After, the hour boundary under
//! the fake clock, counting shared through Redis by two servers, the
//! per-address limit and back-off on sign-in, and the plans' count limits.

use chrono::Duration;
use serde_json::json;

use crate::both_backends;
use crate::support::{Backend, TestApp};

both_backends!(
    exactly_n_requests_per_hour_then_429,
    user_tokens_have_their_own_quota,
    two_servers_sharing_redis_allow_exactly_n_together,
    redis_outages_follow_the_configured_policy,
    sign_in_requests_are_limited_per_address,
    repeated_failures_back_off_without_revealing_accounts,
    plans_limit_keys_members_and_the_public_api,
);

fn header_number(resp: &crate::support::http::Resp, name: &str) -> i64 {
    resp.header(name)
        .unwrap_or_else(|| panic!("no {name} header: {:?}", resp.headers))
        .parse()
        .unwrap()
}

async fn exactly_n_requests_per_hour_then_429(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("plans.free.requests_per_hour", "5")]).await;
    let org = app.signup("Acme").await;
    app.activate_public_api(&org).await;
    let key = app.create_key(&org, None).await;
    // The fake clock starts at 09:00:00: an hour until the window ends.
    app.advance(Duration::minutes(20));
    for i in 0..5i64 {
        // Failures count too: every other request asks for nothing that exists.
        let path = if i % 2 == 0 {
            "/api/v1/me".to_owned()
        } else {
            format!("/api/v1/clients/{}", stint_core::ids::ClientId::generate())
        };
        let resp = app.get(&path).api_key(&key.token).send().await;
        assert!(resp.status == 200 || resp.status == 404, "{}", resp.text);
        assert_eq!(header_number(&resp, "ratelimit-limit"), 5);
        assert_eq!(header_number(&resp, "ratelimit-remaining"), 4 - i);
        assert_eq!(header_number(&resp, "ratelimit-reset"), 40 * 60);
    }
    let refused = app.get("/api/v1/me").api_key(&key.token).expect(429).await;
    refused.assert_code("rate_limited");
    assert_eq!(header_number(&refused, "retry-after"), 40 * 60);
    assert_eq!(header_number(&refused, "ratelimit-remaining"), 0);
    assert_eq!(
        refused.body["error"],
        "Rate limit of 5 requests per hour exceeded for this API key; retry after 2400 seconds"
    );
    // A JWT made from the same key shares its quota.
    let jwt = app
        .post("/api/v1/login")
        .json(&json!({"api_key": key.api_key, "api_secret": key.api_secret}))
        .expect(200)
        .await
        .str("/data/token");
    app.get("/api/v1/me").bearer(&jwt).expect(429).await;
    // Another key has its own count.
    let other = app.create_key(&org, None).await;
    app.get("/api/v1/me")
        .api_key(&other.token)
        .expect(200)
        .await;
    // The window resets at the top of the hour.
    app.advance(Duration::minutes(40));
    let fresh = app.get("/api/v1/me").api_key(&key.token).expect(200).await;
    assert_eq!(header_number(&fresh, "ratelimit-remaining"), 4);
    assert_eq!(header_number(&fresh, "ratelimit-reset"), 3600);
    // Unauthenticated requests carry no quota headers.
    let health = app.get("/healthz").expect(200).await;
    assert!(health.header("ratelimit-limit").is_none());
}

async fn user_tokens_have_their_own_quota(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("rate_limit.user_requests_per_hour", "3")]).await;
    let org = app.signup("Acme").await;
    for remaining in [2, 1, 0] {
        let resp = app
            .get("/api/v1/me")
            .bearer(&org.owner.access)
            .expect(200)
            .await;
        assert_eq!(header_number(&resp, "ratelimit-remaining"), remaining);
        assert_eq!(header_number(&resp, "ratelimit-limit"), 3);
    }
    let refused = app
        .get("/api/v1/members")
        .bearer(&org.owner.access)
        .expect(429)
        .await;
    assert!(
        refused.body["error"]
            .as_str()
            .unwrap()
            .contains("for this user"),
        "{}",
        refused.text
    );
    // Another session of the same user shares the user's quota.
    let again = app.sign_in(&org.owner.email, None).await;
    app.get("/api/v1/me")
        .bearer(again["access"].as_str().unwrap())
        .expect(429)
        .await;
}

fn redis_url() -> String {
    std::env::var("STINT_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

async fn two_servers_sharing_redis_allow_exactly_n_together(backend: Backend) {
    if !crate::support::redis_enabled() {
        return;
    }
    let url = redis_url();
    let settings = [
        ("rate_limit.backend", "redis"),
        ("rate_limit.redis_url", url.as_str()),
        ("plans.free.requests_per_hour", "10"),
    ];
    let first = TestApp::spawn_with(backend, &settings).await;
    let second = first.spawn_sharing(&settings).await;
    let org = first.signup("Acme").await;
    first.activate_public_api(&org).await;
    let key = first.create_key(&org, None).await;
    // 30 requests spread over both servers, concurrently.
    let mut tasks = Vec::new();
    for i in 0..30 {
        let base = if i % 2 == 0 {
            first.base.clone()
        } else {
            second.base.clone()
        };
        let token = key.token.clone();
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::builder().no_proxy().build().unwrap();
            let resp = client
                .get(format!("{base}/api/v1/me"))
                .header("x-api-key", token)
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            if status == 503 {
                eprintln!("503: {}", resp.text().await.unwrap_or_default());
            }
            status
        }));
    }
    let mut ok = 0;
    let mut limited = 0;
    for task in tasks {
        match task.await.unwrap() {
            200 => ok += 1,
            429 => limited += 1,
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(
        (ok, limited),
        (10, 20),
        "the two servers together allowed {ok}"
    );
}

async fn redis_outages_follow_the_configured_policy(backend: Backend) {
    // Nothing listens on this port: Redis is "down".
    let down = "redis://127.0.0.1:1";
    let open = TestApp::spawn_with(
        backend,
        &[
            ("rate_limit.backend", "redis"),
            ("rate_limit.redis_url", down),
        ],
    )
    .await;
    let org = open.signup("Acme").await;
    let resp = open
        .get("/api/v1/me")
        .bearer(&org.owner.access)
        .expect(200)
        .await;
    assert!(
        resp.header("ratelimit-limit").is_none(),
        "no quota could be counted"
    );
    let metrics = open.get("/metrics").expect(200).await;
    let errors: u64 = metrics
        .text
        .lines()
        .find_map(|l| l.strip_prefix("stint_rate_limit_backend_errors_total "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(errors >= 1, "the failure was not counted: {}", metrics.text);

    let closed = TestApp::spawn_with(
        backend,
        &[
            ("rate_limit.backend", "redis"),
            ("rate_limit.redis_url", down),
            ("rate_limit.on_redis_error", "fail_closed"),
        ],
    )
    .await;
    // Sign-up itself is limited per address, so it is refused too.
    let refused = closed
        .post("/api/v1/signup")
        .json(&json!({"organization_name": "A", "name": "B", "email": "b@example.com", "password": "correct horse battery"}))
        .expect(503)
        .await;
    refused.assert_code("unavailable");
}

async fn sign_in_requests_are_limited_per_address(backend: Backend) {
    let app = TestApp::spawn_with(
        backend,
        &[("rate_limit.credential_requests_per_minute", "4")],
    )
    .await;
    let org = app.signup("Acme").await; // 1
    for _ in 0..3 {
        app.sign_in(&org.owner.email, None).await; // 2, 3, 4
    }
    let refused = app
        .post("/api/v1/token-auth")
        .json(&json!({"email": org.owner.email, "password": org.owner.password}))
        .expect(429)
        .await;
    refused.assert_code("rate_limited");
    assert!(header_number(&refused, "retry-after") <= 60);
    app.post("/api/v1/login")
        .json(&json!({"api_key": "pk_x", "api_secret": "sk_y"}))
        .expect(429)
        .await;
    // Authenticated requests are not affected by the per-address limit.
    app.get("/api/v1/me")
        .bearer(&org.owner.access)
        .expect(200)
        .await;
    // A new minute, a new allowance.
    app.advance(Duration::minutes(1));
    app.sign_in(&org.owner.email, None).await;
}

async fn repeated_failures_back_off_without_revealing_accounts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let attempt = |email: String, password: &'static str| {
        let app = &app;
        async move {
            app.post("/api/v1/token-auth")
                .json(&json!({"email": email, "password": password}))
                .send()
                .await
        }
    };
    for email in [
        org.owner.email.clone(),
        "nobody-here@example.com".to_owned(),
    ] {
        for _ in 0..5 {
            assert_eq!(attempt(email.clone(), "wrong password").await.status, 401);
        }
        // The sixth failure is still answered, then waits begin and grow.
        assert_eq!(attempt(email.clone(), "wrong password").await.status, 401);
        let waiting = attempt(email.clone(), "wrong password").await;
        assert_eq!(waiting.status, 429, "{}", waiting.text);
        assert_eq!(
            waiting.body["error"],
            "Too many failed attempts; retry after 1 seconds"
        );
        app.advance(Duration::seconds(1));
        assert_eq!(attempt(email.clone(), "wrong password").await.status, 401);
        let longer = attempt(email.clone(), "wrong password").await;
        assert_eq!(longer.status, 429);
        assert_eq!(longer.header("retry-after"), Some("2"));
    }
    // Even the right password waits until the back-off ends; then it works
    // and the count starts again.
    assert_eq!(
        attempt(org.owner.email.clone(), "correct horse battery staple")
            .await
            .status,
        429
    );
    app.advance(Duration::seconds(2));
    assert_eq!(
        attempt(org.owner.email.clone(), "correct horse battery staple")
            .await
            .status,
        200
    );
    assert_eq!(
        attempt(org.owner.email.clone(), "wrong password")
            .await
            .status,
        401
    );

    // The same for API key pairs.
    app.activate_public_api(&org).await;
    let key = app.create_key(&org, None).await;
    for _ in 0..6 {
        app.post("/api/v1/login")
            .json(&json!({"api_key": key.api_key, "api_secret": "sk_wrong"}))
            .expect(401)
            .await;
    }
    app.post("/api/v1/login")
        .json(&json!({"api_key": key.api_key, "api_secret": key.api_secret}))
        .expect(429)
        .await;
}

async fn plans_limit_keys_members_and_the_public_api(backend: Backend) {
    let app = TestApp::spawn_with(
        backend,
        &[
            ("plans.free.max_api_keys", "2"),
            ("plans.free.max_members", "2"),
            ("plans.pro.public_api", "false"),
        ],
    )
    .await;
    let org = app.signup("Acme").await;
    app.activate_public_api(&org).await;
    app.create_key(&org, None).await;
    let second = app.create_key(&org, None).await;
    let refused = app
        .post("/api/v1/api-keys")
        .bearer(&org.owner.access)
        .json(&json!({"name": "third"}))
        .expect(403)
        .await;
    refused.assert_code("plan_limit_reached");
    assert_eq!(
        refused.body["error"],
        "The free plan allows at most 2 API keys; this organization has 2"
    );
    // Deleting one makes room again.
    app.delete(&format!("/api/v1/api-keys/{}", second.id))
        .bearer(&org.owner.access)
        .expect(204)
        .await;
    app.create_key(&org, None).await;

    app.post("/api/v1/members")
        .bearer(&org.owner.access)
        .json(&json!({"email": "two@example.com", "name": "Two"}))
        .expect(201)
        .await;
    let refused = app
        .post("/api/v1/members")
        .bearer(&org.owner.access)
        .json(&json!({"email": "three@example.com", "name": "Three"}))
        .expect(403)
        .await;
    refused.assert_code("plan_limit_reached");
    assert!(
        refused.body["error"]
            .as_str()
            .unwrap()
            .contains("2 members")
    );

    let me = app
        .get("/api/v1/me")
        .bearer(&org.owner.access)
        .expect(200)
        .await;
    assert_eq!(me.data()["plan"]["name"], "free");
    assert_eq!(me.data()["plan"]["limits"]["max_api_keys"], 2);
    assert_eq!(me.data()["plan"]["usage"]["api_keys"], 2);
    assert_eq!(me.data()["plan"]["usage"]["members"], 2);
    let app_state = app
        .get("/api/v1/apps/public-api")
        .bearer(&org.owner.access)
        .expect(200)
        .await;
    assert_eq!(
        app_state.data()["plan"]["limits"]["requests_per_hour"],
        1_000_000
    );

    // An operator moves the organization to a plan without the Public API.
    let mut tx = app.state.store.system().write().await.unwrap();
    let now = stint_core::Clock::now(app.clock.as_ref());
    assert!(
        tx.set_plan(org.id.parse().unwrap(), "pro", now)
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    app.post("/api/v1/apps/public-api/deactivate")
        .bearer(&org.owner.access)
        .expect(200)
        .await;
    app.post("/api/v1/apps/public-api/activate")
        .bearer(&org.owner.access)
        .expect(403)
        .await
        .assert_code("plan_feature_unavailable");
}

both_backends!(two_server_processes_sharing_redis_allow_exactly_n_together);

/// The same with real processes: two `stint serve` on one database, each
/// with its own memory, sharing only Redis.
async fn two_server_processes_sharing_redis_allow_exactly_n_together(backend: Backend) {
    if !crate::support::redis_enabled() {
        return;
    }
    let db = crate::support::TestDb::new(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let url = redis_url();
    let env = [
        ("STINT_RATE_LIMIT__BACKEND", "redis"),
        ("STINT_RATE_LIMIT__REDIS_URL", url.as_str()),
        ("STINT_PLANS__FREE__REQUESTS_PER_HOUR", "12"),
    ];
    let a = crate::support::process::Process::start(dir.path(), &db.url, &env).await;
    let b = crate::support::process::Process::start(dir.path(), &db.url, &env).await;
    let (access, _) = a.signup().await;
    a.call("POST", "/api/v1/apps/public-api/activate", &access, None)
        .await;
    let key = a
        .call(
            "POST",
            "/api/v1/api-keys",
            &access,
            Some(json!({"name": "shared"})),
        )
        .await;
    let token = key["data"]["token"].as_str().unwrap().to_owned();
    // The real clock: stay clear of the top of the hour, when the window rolls.
    let first = a
        .http
        .get(a.url("/api/v1/me"))
        .header("x-api-key", &token)
        .send()
        .await
        .unwrap();
    let reset: u64 = first.headers()["ratelimit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let mut ok = 1;
    if reset < 30 {
        tokio::time::sleep(std::time::Duration::from_secs(reset + 1)).await;
        ok = 0;
    }
    let mut limited = 0;
    for i in 0..40 {
        let process = if i % 2 == 0 { &a } else { &b };
        let status = process
            .http
            .get(process.url("/api/v1/me"))
            .header("x-api-key", &token)
            .send()
            .await
            .unwrap()
            .status();
        match status.as_u16() {
            200 => ok += 1,
            429 => limited += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(
        ok, 12,
        "the two processes together allowed {ok} of 12 ({limited} refused)"
    );
}
