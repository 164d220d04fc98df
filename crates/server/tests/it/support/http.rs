//! A small HTTP client for tests: build a request, send it with the status
//! it must answer, get the parsed body back. A wrong status fails the test
//! with the body printed.

use reqwest::header::HeaderMap;
use serde_json::Value;

pub struct Req {
    inner: reqwest::RequestBuilder,
}

impl Req {
    pub fn new(inner: reqwest::RequestBuilder) -> Req {
        Req { inner }
    }

    pub fn bearer(self, token: &str) -> Req {
        self.header("authorization", &format!("Bearer {token}"))
    }

    pub fn api_key(self, token: &str) -> Req {
        self.header("x-api-key", token)
    }

    pub fn header(self, name: &str, value: &str) -> Req {
        Req {
            inner: self.inner.header(name, value),
        }
    }

    pub fn json(self, body: &Value) -> Req {
        Req {
            inner: self.inner.json(body),
        }
    }

    /// A raw body with a content type.
    pub fn body(self, content_type: &str, body: impl Into<reqwest::Body>) -> Req {
        Req {
            inner: self.inner.header("content-type", content_type).body(body),
        }
    }

    pub async fn send(self) -> Resp {
        let response = self.inner.send().await.expect("request failed to send");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("read body");
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            text,
            body,
        }
    }

    /// Sends and asserts the status.
    pub async fn expect(self, status: u16) -> Resp {
        let resp = self.send().await;
        assert_eq!(
            resp.status, status,
            "unexpected status; body: {}",
            resp.text
        );
        resp
    }
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
    pub body: Value,
}

impl Resp {
    /// `body.data`.
    pub fn data(&self) -> &Value {
        &self.body["data"]
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The error code of an error body.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or_default()
    }

    /// Asserts the error code (and that the body is our error shape).
    pub fn assert_code(&self, code: &str) -> &Self {
        assert_eq!(
            self.code(),
            code,
            "unexpected error code; body: {}",
            self.text
        );
        assert!(
            self.body["error"].as_str().is_some_and(|e| !e.is_empty()),
            "no message: {}",
            self.text
        );
        assert!(
            self.body["request_id"]
                .as_str()
                .is_some_and(|r| !r.is_empty()),
            "no request id: {}",
            self.text
        );
        self
    }

    pub fn str(&self, pointer: &str) -> String {
        self.body
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no string at {pointer} in {}", self.text))
            .to_owned()
    }
}
