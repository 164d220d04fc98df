//! Schemathesis, a property-based API tester we did not write, runs every
//! operation of the served OpenAPI document against a real server (SQLite,
//! a seeded organization) with all its checks, a fixed seed and a bounded
//! number of examples, and must find nothing. It runs once with an API key
//! and once with the owner's token (for the operations only users may do).
//!
//! Needs the `schemathesis` command (PyPI). Without it the test is skipped
//! with a notice, unless `STINT_TEST_REQUIRE_EXTERNAL=1` (CI).

use std::path::Path;
use std::time::Duration;

use stint_core::Clock;

use crate::support::{Backend, TestApp};

fn repository() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// Whether an external checker is installed; skipping is refused in CI.
pub fn external_available(command: &str) -> bool {
    let found = std::process::Command::new(command)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        if std::env::var("STINT_TEST_REQUIRE_EXTERNAL").is_ok_and(|v| v == "1") {
            panic!("`{command}` is not installed but STINT_TEST_REQUIRE_EXTERNAL=1");
        }
        eprintln!("notice: `{command}` is not installed; its conformance test is skipped");
    }
    found
}

async fn run_schemathesis(app: &TestApp, header: &str, extra: &[&str]) -> (bool, String) {
    let base = &app.base;
    let config = repository().join("schemathesis.toml");
    let mut command = tokio::process::Command::new("schemathesis");
    command
        .arg("--config-file")
        .arg(&config)
        .arg("run")
        .arg(format!("{base}/api/v1/openapi.json"))
        .args([
            "--url",
            base,
            "-H",
            header,
            "--checks",
            "all",
            "--seed",
            "42",
            "--max-examples",
            "10",
        ])
        .args(["--generation-deterministic", "--no-color"])
        .args(extra)
        .env("NO_COLOR", "1")
        // Relations between values the document cannot state; see the file.
        .env("SCHEMATHESIS_HOOKS", "schemathesis_hooks")
        .env("PYTHONPATH", repository().join("crates/server/tests/it"))
        // The server runs on a fake clock; the hooks place timers by it.
        .env("STINT_SERVER_NOW", app.clock.now().to_rfc3339())
        .kill_on_drop(true);
    let output = tokio::time::timeout(Duration::from_secs(900), command.output())
        .await
        .expect("schemathesis took more than 15 minutes")
        .expect("schemathesis did not start");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_nothing() {
    if !external_available("schemathesis") {
        return;
    }
    let app = TestApp::spawn(Backend::Sqlite).await;
    let org = app.signup("Schemathesis").await;
    app.activate_public_api(&org).await;
    let key = app.create_key(&org, None).await;

    let (ok, output) = run_schemathesis(&app, &format!("X-Api-Key: {}", key.token), &[]).await;
    assert!(ok, "schemathesis found problems with an API key:\n{output}");
    // The owner's token reaches what keys may not (API keys, the Public API
    // app); signing out would end the run's session, so it is left to the key run.
    let (ok, output) = run_schemathesis(
        &app,
        &format!("Authorization: Bearer {}", org.owner.access),
        &["--exclude-path", "/api/v1/logout"],
    )
    .await;
    assert!(
        ok,
        "schemathesis found problems with the owner's token:\n{output}"
    );
}
