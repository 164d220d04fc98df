//! The test harness: a real server on 127.0.0.1 over a fresh SQLite file or
//! a fresh PostgreSQL schema, a fake clock, an HTTP client that asserts the
//! status inside the call, and fixtures for organizations, members and keys.

// Helpers serve the whole suite; not every one is used by every module yet.
#![allow(dead_code)]

pub mod fixtures;
pub mod http;
pub mod process;
pub mod receiver;
pub mod webdriver;

use std::sync::{Arc, Once};

use chrono::TimeZone;
use stint_core::FakeClock;
use stint_server::app::{self, RunningServer};
use stint_server::config::Settings;
use stint_server::state::AppState;

pub use http::Req;

pub const PG_ENV: &str = "STINT_TEST_POSTGRES_URL";

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Whether the PostgreSQL half runs. Without the URL it is skipped with a
/// notice, unless `STINT_TEST_REQUIRE_POSTGRES=1` (CI) makes that a failure.
pub fn postgres_enabled() -> bool {
    static NOTICE: Once = Once::new();
    let enabled = std::env::var(PG_ENV).is_ok_and(|v| !v.is_empty());
    if !enabled {
        if std::env::var("STINT_TEST_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
            panic!("{PG_ENV} is not set but STINT_TEST_REQUIRE_POSTGRES=1");
        }
        NOTICE.call_once(|| {
            eprintln!("notice: {PG_ENV} is not set; the PostgreSQL half of the suite is skipped");
        });
    }
    enabled
}

/// Whether a Redis answers at `STINT_TEST_REDIS_URL` (default
/// 127.0.0.1:6379). Without one, Redis tests are skipped with a notice,
/// unless `STINT_TEST_REQUIRE_REDIS=1` (CI) makes that a failure.
pub fn redis_enabled() -> bool {
    static NOTICE: Once = Once::new();
    let url = std::env::var("STINT_TEST_REDIS_URL")
        .unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    let address = url
        .trim_start_matches("redis://")
        .trim_end_matches('/')
        .to_owned();
    let up = std::net::TcpStream::connect_timeout(
        &address
            .parse()
            .unwrap_or_else(|_| std::net::SocketAddr::from(([127, 0, 0, 1], 6379))),
        std::time::Duration::from_millis(500),
    )
    .is_ok();
    if !up {
        if std::env::var("STINT_TEST_REQUIRE_REDIS").is_ok_and(|v| v == "1") {
            panic!("no Redis at {url} but STINT_TEST_REQUIRE_REDIS=1");
        }
        NOTICE.call_once(|| eprintln!("notice: no Redis at {url}; the Redis tests are skipped"));
    }
    up
}

/// A database prepared for one test: a temp SQLite file or a PostgreSQL schema.
pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}/stint.db", dir.path().display());
                TestDb {
                    url,
                    backend,
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => {
                let base = std::env::var(PG_ENV).expect("postgres url");
                let schema = format!("t_{}", uuid::Uuid::now_v7().simple());
                let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&base)
                    .await
                    .expect("connect to PostgreSQL");
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                    .execute(&mut conn)
                    .await
                    .expect("create schema");
                let sep = if base.contains('?') { '&' } else { '?' };
                let url = format!("{base}{sep}options[search_path]={schema}");
                TestDb {
                    url,
                    backend,
                    _dir: None,
                }
            }
        }
    }
}

/// A running server and what a test needs to drive it.
pub struct TestApp {
    pub base: String,
    pub clock: Arc<FakeClock>,
    pub state: AppState,
    pub db: TestDb,
    client: reqwest::Client,
    server: Option<RunningServer>,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, &[]).await
    }

    /// A server with some settings changed (`("signup.enabled", "false")`).
    pub async fn spawn_with(backend: Backend, overrides: &[(&str, &str)]) -> TestApp {
        let db = TestDb::new(backend).await;
        Self::spawn_on(db, overrides).await
    }

    pub async fn spawn_on(db: TestDb, overrides: &[(&str, &str)]) -> TestApp {
        // Server errors (with their causes) show in a failing test's output;
        // STINT_TEST_LOG=debug shows more.
        static LOGS: Once = Once::new();
        LOGS.call_once(|| {
            let filter = std::env::var("STINT_TEST_LOG").unwrap_or_else(|_| "error".to_owned());
            let _ = tracing_subscriber::fmt()
                .with_test_writer()
                .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
                .try_init();
        });
        // Generous limits by default (every test signs up from 127.0.0.1);
        // the limit tests set their own.
        let mut all = vec![
            ("database_url", db.url.as_str()),
            ("database.max_connections", "4"),
            ("rate_limit.credential_requests_per_minute", "1000000"),
            ("plans.free.requests_per_hour", "1000000"),
            ("plans.free.max_api_keys", "1000"),
            ("plans.free.max_members", "1000"),
            ("plans.free.max_webhooks", "1000"),
        ];
        all.extend_from_slice(overrides);
        let settings = Settings::from_overrides(&all).expect("test settings");
        let clock = Arc::new(FakeClock::new(
            chrono::Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap(),
        ));
        let store = app::open_store(&settings).await.expect("open store");
        let state = app::build_state(store, settings, clock.clone())
            .await
            .expect("state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let server = app::spawn(listener, state.clone()).expect("spawn server");
        let base = format!("http://{}", server.addr);
        let client = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client");
        TestApp {
            base,
            clock,
            state,
            db,
            client,
            server: Some(server),
        }
    }

    /// A second server over the same database (another instance, as a
    /// second process would be: it shares only the database, and Redis
    /// when configured).
    pub async fn spawn_sharing(&self, overrides: &[(&str, &str)]) -> TestApp {
        let db = TestDb {
            url: self.db.url.clone(),
            backend: self.db.backend,
            _dir: None,
        };
        Self::spawn_on(db, overrides).await
    }

    pub fn backend(&self) -> Backend {
        self.db.backend
    }

    pub fn req(&self, method: reqwest::Method, path: &str) -> Req {
        Req::new(
            self.client
                .request(method, format!("{}{}", self.base, path)),
        )
    }

    pub fn get(&self, path: &str) -> Req {
        self.req(reqwest::Method::GET, path)
    }

    pub fn post(&self, path: &str) -> Req {
        self.req(reqwest::Method::POST, path)
    }

    pub fn put(&self, path: &str) -> Req {
        self.req(reqwest::Method::PUT, path)
    }

    pub fn patch(&self, path: &str) -> Req {
        self.req(reqwest::Method::PATCH, path)
    }

    pub fn delete(&self, path: &str) -> Req {
        self.req(reqwest::Method::DELETE, path)
    }

    pub fn advance(&self, by: chrono::Duration) {
        self.clock.advance(by);
    }

    /// Stops the server, draining in-flight requests.
    pub async fn stop(mut self) -> TestDb {
        if let Some(server) = self.server.take() {
            server.shutdown(std::time::Duration::from_secs(5)).await;
        }
        self.state.store.close().await;
        let TestApp { db, .. } = self;
        db
    }
}

/// Runs each listed `async fn name(backend: Backend)` once on SQLite and
/// once on PostgreSQL, as `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::support::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if $crate::support::postgres_enabled() {
                    super::$name($crate::support::Backend::Postgres).await
                }
            }
        }
    )*};
}

/// The status and code a refused write answers, from its `details`, by the
/// server's own classification of each problem (`stint_core::FieldError`):
/// 404 `not_found` when every problem names a record that does not exist,
/// 409 `conflict` when every problem is about stored records (missing, or
/// existing but not fitting), else 400.
pub fn refusal_status(body: &serde_json::Value) -> (u16, &'static str) {
    let problems: Vec<stint_core::FieldError> = body["details"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| stint_core::FieldError {
            field: d["field"].as_str().unwrap_or_default().to_owned(),
            message: d["message"].as_str().unwrap_or_default().to_owned(),
        })
        .collect();
    let about_stored =
        |p: &stint_core::FieldError| p.is_missing_reference() || p.is_reference_conflict();
    if problems.is_empty() || !problems.iter().all(about_stored) {
        (400, "validation_failed")
    } else if problems
        .iter()
        .all(stint_core::FieldError::is_missing_reference)
    {
        (404, "not_found")
    } else {
        (409, "conflict")
    }
}
