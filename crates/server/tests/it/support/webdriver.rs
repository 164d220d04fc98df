//! A minimal W3C WebDriver client for browser tests: a real `chromedriver`
//! process on 127.0.0.1 driving Debian's headless Chromium. Only what the
//! tests use — navigate, find, click, type, wait — over plain HTTP, so no
//! browser-automation crate enters the build.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The key W3C WebDriver uses for element references in JSON.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A `chromedriver` process and one browser session; both end when dropped.
pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::Client,
}

/// A reference to an element on the current page.
#[derive(Debug, Clone)]
pub struct Element(String);

impl Browser {
    /// Starts chromedriver on a free port and opens a headless Chromium
    /// whose profile lives in `profile_dir` (fresh per test).
    pub async fn start(profile_dir: &Path) -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while http.get(format!("{base}/status")).send().await.is_err() {
            assert!(Instant::now() < deadline, "chromedriver never answered");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let binary =
            std::env::var("STINT_TEST_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        // Headless, no sandbox (CI runs as root), and nothing that would make
        // the browser talk to any host but the test server.
        let args = [
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-default-apps".to_owned(),
            "--disable-extensions".to_owned(),
            "--disable-sync".to_owned(),
            "--no-first-run".to_owned(),
            "--window-size=1400,1000".to_owned(),
            format!("--user-data-dir={}", profile_dir.display()),
        ];
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": binary, "args": args},
        }}});
        let resp: Value = http
            .post(format!("{base}/session"))
            .json(&capabilities)
            .send()
            .await
            .expect("create a browser session")
            .json()
            .await
            .unwrap();
        let session = resp["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no browser session: {resp}"))
            .to_owned();
        Browser {
            driver,
            base,
            session,
            http,
        }
    }

    async fn command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut req = self.http.request(method, url);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp: Value = req.send().await.expect("webdriver").json().await.unwrap();
        resp["value"].clone()
    }

    async fn try_command(&self, path: &str, body: Value) -> Result<Value, String> {
        let value = self.command(reqwest::Method::POST, path, Some(body)).await;
        match value.get("error").and_then(Value::as_str) {
            Some(error) => Err(format!("{error}: {}", value["message"])),
            None => Ok(value),
        }
    }

    pub async fn goto(&self, url: &str) {
        self.try_command("/url", json!({"url": url}))
            .await
            .unwrap_or_else(|e| panic!("navigate to {url}: {e}"));
    }

    /// Runs a script in the page and returns its result.
    pub async fn script(&self, script: &str, args: Vec<Value>) -> Value {
        self.try_command("/execute/sync", json!({"script": script, "args": args}))
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Waits up to 20 s for a script to return an element (or a truthy
    /// value), so tests follow the page instead of sleeping.
    pub async fn wait_for(&self, what: &str, script: &str, args: Vec<Value>) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let value = self.script(script, args.clone()).await;
            if !(value.is_null() || value == json!(false) || value == json!("")) {
                return value;
            }
            if Instant::now() > deadline {
                let text = self
                    .script("return document.body.innerText.slice(0, 3000)", vec![])
                    .await;
                panic!("waited 20 s for {what}; the page shows:\n{text}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits for the first element matching `css` (inside `within`, or the
    /// document) whose text contains `text`.
    pub async fn element(&self, css: &str, text: &str, within: Option<&Element>) -> Element {
        let script = "const root = arguments[2] || document;\
             return [...root.querySelectorAll(arguments[0])]\
               .find(e => e.textContent.includes(arguments[1])) || null;";
        let root = within.map_or(Value::Null, Element::as_json);
        let value = self
            .wait_for(
                &format!("`{css}` containing {text:?}"),
                script,
                vec![json!(css), json!(text), root],
            )
            .await;
        Element::from_json(&value)
    }

    /// Clicks like a user: scrolled into view, then a real pointer click.
    pub async fn click(&self, element: &Element) {
        self.script(
            "arguments[0].scrollIntoView({block: 'center'})",
            vec![element.as_json()],
        )
        .await;
        self.try_command(&format!("/element/{}/click", element.0), json!({}))
            .await
            .unwrap_or_else(|e| panic!("click failed: {e}"));
    }

    /// Types into an input with real key events (React sees them).
    pub async fn type_into(&self, element: &Element, text: &str) {
        self.try_command(
            &format!("/element/{}/value", element.0),
            json!({"text": text}),
        )
        .await
        .unwrap_or_else(|e| panic!("typing failed: {e}"));
    }
}

impl Element {
    pub fn from_json(value: &Value) -> Element {
        Element(
            value[ELEMENT_KEY]
                .as_str()
                .unwrap_or_else(|| panic!("not an element: {value}"))
                .to_owned(),
        )
    }

    pub fn as_json(&self) -> Value {
        json!({ ELEMENT_KEY: self.0 })
    }
}

impl Browser {
    /// Ends the session, which closes Chromium, then stops the driver.
    pub async fn quit(self) {
        let _ = self.command(reqwest::Method::DELETE, "", None).await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // After `quit` Chromium is gone; after a failed test the driver still
        // goes, and Chromium exits when its driver connection closes.
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
