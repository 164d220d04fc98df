//! Real `stint serve` processes for tests that need separate processes
//! (crashes, restarts, several processes sharing a database or Redis).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_stint");

/// A `stint serve` child process; killed (SIGKILL) when dropped.
pub struct Process {
    child: Option<Child>,
    pub base: String,
    pub log: PathBuf,
    pub http: reqwest::Client,
}

impl Process {
    pub async fn start(dir: &Path, database_url: &str, env: &[(&str, &str)]) -> Process {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = dir.join(format!("serve-{port}.log"));
        let child = Command::new(BIN)
            .env_clear()
            .env(
                "STINT_LOG_LEVEL",
                "warn,stint_server::services::webhooks=debug",
            )
            .envs(env.iter().copied())
            .current_dir(dir)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--database-url", database_url])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start stint serve");
        let process = Process {
            child: Some(child),
            base: format!("http://127.0.0.1:{port}"),
            log,
            http: reqwest::Client::builder().no_proxy().build().unwrap(),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(resp) = process.http.get(process.url("/readyz")).send().await
                && resp.status() == 200
            {
                return process;
            }
            assert!(
                Instant::now() < deadline,
                "stint never became ready:\n{}",
                std::fs::read_to_string(&process.log).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn call(&self, method: &str, path: &str, token: &str, body: Option<Value>) -> Value {
        let mut req = self
            .http
            .request(method.parse().unwrap(), self.url(path))
            .bearer_auth(token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{method} {path}: {status} {body}");
        body
    }

    pub async fn signup(&self) -> (String, String) {
        let resp = self
            .http
            .post(self.url("/api/v1/signup"))
            .json(&json!({"organization_name": "Crashy", "name": "Olive", "email": format!("o-{}@example.com", uuid::Uuid::now_v7().simple()), "password": "correct horse battery staple"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
        let body: Value = resp.json().await.unwrap();
        (
            body["data"]["access"].as_str().unwrap().to_owned(),
            body["data"]["organization"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        )
    }

    /// `kill -9`: no shutdown, no lease released.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}
