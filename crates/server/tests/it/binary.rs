//! The `stint` binary as an operator runs it: first start on the embedded
//! default, settings refused with a clear message, operators' commands,
//! JSON logs without secrets, restarts that keep everyone signed in, and a
//! graceful stop on SIGTERM that finishes in-flight requests.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::both_backends;
use crate::support::{Backend, TestDb};

const BIN: &str = env!("CARGO_BIN_EXE_stint");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn stint(cwd: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env_clear().current_dir(cwd);
    cmd
}

/// A `stint serve` child process, killed if the test fails.
struct Server {
    child: Option<Child>,
    base: String,
    log: std::path::PathBuf,
}

impl Server {
    fn start(cwd: &Path, database_url: Option<&str>, extra: &[&str]) -> Server {
        let port = free_port();
        let log = cwd.join(format!("serve-{port}.log"));
        let mut cmd = stint(cwd);
        cmd.args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(extra);
        if let Some(url) = database_url {
            cmd.args(["--database-url", url]);
        }
        let child = cmd
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start stint serve");
        let server = Server {
            child: Some(child),
            base: format!("http://127.0.0.1:{port}"),
            log,
        };
        server.wait_ready();
        server
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(resp) = ureq_get(&format!("{}/readyz", self.base))
                && resp.0 == 200
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "server never became ready; log:\n{}",
            std::fs::read_to_string(&self.log).unwrap_or_default()
        );
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    fn terminate(&mut self) -> std::process::ExitStatus {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let mut child = self.child.take().unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "server did not stop after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Minimal blocking HTTP/1.1 over a raw socket, so these tests exercise the
/// real process without another client runtime: (status, body).
fn request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> std::io::Result<(u16, Value)> {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest
        .split_once('/')
        .map(|(h, p)| (h, format!("/{p}")))
        .unwrap();
    let mut stream = TcpStream::connect(host)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let payload = body.map(|b| b.to_string()).unwrap_or_default();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nhost: {host}\r\nconnection: close\r\ncontent-length: {}\r\n",
        payload.len()
    );
    if body.is_some() {
        head.push_str("content-type: application/json\r\n");
    }
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(payload.as_bytes())?;
    read_response(stream)
}

fn read_response(stream: TcpStream) -> std::io::Result<(u16, Value)> {
    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line)?;
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        if line.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body)?;
    Ok((status, serde_json::from_slice(&body).unwrap_or(Value::Null)))
}

fn ureq_get(url: &str) -> std::io::Result<(u16, Value)> {
    request("GET", url, &[], None)
}

fn signup(base: &str, email: &str) -> Value {
    let (status, body) = request(
        "POST",
        &format!("{base}/api/v1/signup"),
        &[],
        Some(&json!({"organization_name": "Proc Org", "name": "P", "email": email, "password": "correct horse battery"})),
    )
    .unwrap();
    assert_eq!(status, 201, "{body}");
    body
}

both_backends!(restarts_keep_tokens_valid_and_sigterm_exits_cleanly);

async fn restarts_keep_tokens_valid_and_sigterm_exits_cleanly(backend: Backend) {
    let db = TestDb::new(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let url = db.url.clone();
    tokio::task::spawn_blocking(move || {
        let mut first = Server::start(dir.path(), Some(&url), &[]);
        let body = signup(&first.base, "restart@example.com");
        let access = body["data"]["access"].as_str().unwrap().to_owned();
        assert!(first.terminate().success());

        let mut second = Server::start(dir.path(), Some(&url), &[]);
        let (status, me) = request(
            "GET",
            &format!("{}/api/v1/me", second.base),
            &[("authorization", &format!("Bearer {access}"))],
            None,
        )
        .unwrap();
        assert_eq!(status, 200, "a restart signed the user out: {me}");
        assert!(second.terminate().success());
    })
    .await
    .unwrap();
}

#[test]
fn first_start_creates_the_default_database_and_explains_the_first_step() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), None, &[]);
    assert!(
        dir.path().join("stint-data/stint.db").exists(),
        "the default SQLite file was not created"
    );
    let log = server.log_text();
    assert!(
        log.contains("stint admin create-organization"),
        "no first-start hint in:\n{log}"
    );
    assert!(server.terminate().success());
}

#[test]
fn sigterm_lets_in_flight_requests_finish() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), None, &[]);
    let host = server.base.strip_prefix("http://").unwrap().to_owned();
    // Start a request whose body has not fully arrived yet.
    let body =
        json!({"email": "nobody@example.com", "password": "correct horse battery"}).to_string();
    let mut stream = TcpStream::connect(&host).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "POST /api/v1/token-auth HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    stream.write_all(&body.as_bytes()[..10]).unwrap();
    stream.flush().unwrap();
    std::thread::sleep(Duration::from_millis(200));

    let pid = server.pid();
    Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    // New connections are refused while the old one is served.
    assert!(
        TcpStream::connect(&host).is_err() || ureq_get(&format!("http://{host}/healthz")).is_err()
    );
    stream.write_all(&body.as_bytes()[10..]).unwrap();
    let (status, response) = read_response(stream).unwrap();
    assert_eq!(
        status, 401,
        "the in-flight request was not answered: {response}"
    );
    assert_eq!(response["code"], "invalid_credentials");
    let status = server.terminate();
    assert!(status.success(), "exit status {status}");
}

#[test]
fn invalid_settings_are_refused_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = stint(dir.path())
        .args(["serve"])
        .env("STINT_HTTP__REQUEST_TIMEOUT", "soon")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("http.request_timeout"), "{stderr}");

    let out = stint(dir.path())
        .args(["serve", "--database-url", "mysql://localhost/x"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("database_url"));

    let out = stint(dir.path())
        .args(["serve"])
        .env("STINT_LISTN", "x")
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "a misspelt variable must not be ignored"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("listn"));

    std::fs::write(
        dir.path().join("stint.toml"),
        "[signup]\nenabled = \"perhaps\"\n",
    )
    .unwrap();
    let out = stint(dir.path()).args(["serve"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("signup.enabled"));

    let help = stint(dir.path())
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for key in [
        "STINT_LISTEN",
        "STINT_DATABASE_URL",
        "STINT_AUTH__JWT_SECRET",
        "STINT_HTTP__BODY_LIMIT",
    ] {
        assert!(help.contains(key), "--help does not document {key}");
    }
}

#[test]
fn operators_create_organizations_and_migrate_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/ops.db", dir.path().display());
    let out = stint(dir.path())
        .args(["migrate", "--database-url", &url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = stint(dir.path())
        .args([
            "admin",
            "create-organization",
            "--database-url",
            &url,
            "--name",
            "Ops Org",
        ])
        .args([
            "--owner-email",
            "Ops@Example.com",
            "--owner-password",
            "correct horse battery",
            "--timezone",
            "Europe/Berlin",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(stdout.contains("created organization Ops Org"), "{stdout}");
    let org_id = stdout.split(['(', ')']).nth(1).unwrap().to_owned();
    let set = stint(dir.path())
        .args([
            "admin",
            "set-plan",
            "--database-url",
            &url,
            "--organization",
            &org_id,
            "--plan",
            "business",
        ])
        .output()
        .unwrap();
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    let unknown = stint(dir.path())
        .args([
            "admin",
            "set-plan",
            "--database-url",
            &url,
            "--organization",
            &org_id,
            "--plan",
            "platinum",
        ])
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("unknown plan"));

    let bad = stint(dir.path())
        .args([
            "admin",
            "create-organization",
            "--database-url",
            &url,
            "--name",
            "X",
        ])
        .args([
            "--owner-email",
            "x@example.com",
            "--owner-password",
            "short",
        ])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("password"));

    let mut server = Server::start(dir.path(), Some(&url), &[]);
    let (status, body) = request(
        "POST",
        &format!("{}/api/v1/token-auth", server.base),
        &[],
        Some(&json!({"email": "ops@example.com", "password": "correct horse battery"})),
    )
    .unwrap();
    assert_eq!(status, 200, "{body}");
    let access = body["data"]["access"].as_str().unwrap().to_owned();
    let (status, me) = request(
        "GET",
        &format!("{}/api/v1/me", server.base),
        &[("authorization", &format!("Bearer {access}"))],
        None,
    )
    .unwrap();
    assert_eq!(status, 200);
    assert_eq!(me["data"]["plan"]["name"], "business");
    assert_eq!(me["data"]["plan"]["limits"]["requests_per_hour"], 5000);
    let out = stint(dir.path())
        .args([
            "admin",
            "reset-password",
            "--database-url",
            &url,
            "--email",
            "ops@example.com",
            "--password",
            "a brand new password",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (status, _) = request(
        "POST",
        &format!("{}/api/v1/token-auth", server.base),
        &[],
        Some(&json!({"email": "ops@example.com", "password": "a brand new password"})),
    )
    .unwrap();
    assert_eq!(status, 200);
    assert!(server.terminate().success());
}

#[test]
fn json_logs_have_one_line_per_request_and_no_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), None, &["--log-format", "json"]);
    let body = signup(&server.base, "logs@example.com");
    let access = body["data"]["access"].as_str().unwrap();
    let refresh = body["data"]["refresh"].as_str().unwrap();
    let (status, _) = request(
        "GET",
        &format!("{}/api/v1/me", server.base),
        &[
            ("authorization", &format!("Bearer {access}")),
            ("x-request-id", "trace-me-42"),
        ],
        None,
    )
    .unwrap();
    assert_eq!(status, 200);
    assert!(server.terminate().success());
    let log = server.log_text();
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
        .collect();
    let me_line = lines
        .iter()
        .find(|l| l["request_id"] == "trace-me-42")
        .unwrap_or_else(|| panic!("no line for the request in:\n{log}"));
    assert_eq!(me_line["method"], "GET");
    assert_eq!(me_line["route"], "/api/v1/me");
    assert_eq!(me_line["status"], 200);
    assert!(me_line["latency_ms"].is_number());
    for secret in [access, refresh, "correct horse battery"] {
        assert!(!log.contains(secret), "a secret reached the log");
    }
}
