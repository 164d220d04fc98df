//! The outbound HTTP client of webhook delivery: one POST per connection,
//! over hyper with rustls (ring provider, Mozilla's roots from
//! `webpki-roots`), so neither OpenSSL nor aws-lc is built. The host is
//! resolved here, every address is checked against `target::refused_class`,
//! and the connection goes to an address that passed the check — there is
//! no second lookup between check and connect for DNS rebinding to exploit.
//! Redirects are never followed (a 3xx is a failed attempt) and no proxy
//! from the environment is used.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::header::{CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, HOST, HeaderValue, USER_AGENT};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use url::{Host, Url};

use super::target::refused_class;

/// How much of a receiver's answer is kept with the attempt.
pub const RESPONSE_BODY_LIMIT: usize = 1024;

/// What came of one attempt.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status_code: Option<u16>,
    /// The first KiB of the answer, as text.
    pub response_body: Option<String>,
    pub error: Option<String>,
    pub latency_ms: i64,
}

impl Outcome {
    pub fn succeeded(&self) -> bool {
        self.status_code.is_some_and(|s| (200..300).contains(&s))
    }
}

/// Sends signed deliveries; built once per worker.
pub struct Sender {
    tls: TlsConnector,
    allow_private: bool,
    timeout: Duration,
    user_agent: HeaderValue,
}

impl Sender {
    pub fn new(allow_private: bool, timeout: Duration) -> anyhow::Result<Sender> {
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Sender {
            tls: TlsConnector::from(Arc::new(config)),
            allow_private,
            timeout,
            user_agent: HeaderValue::from_str(&format!(
                "Stint-Webhooks/{}",
                env!("CARGO_PKG_VERSION")
            ))?,
        })
    }

    /// POSTs `body` with `headers` to `url`, within the timeout.
    pub async fn post(
        &self,
        url: &Url,
        headers: &[(&'static str, String)],
        body: Bytes,
    ) -> Outcome {
        let started = Instant::now();
        let result = tokio::time::timeout(self.timeout, self.exchange(url, headers, body)).await;
        let latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        match result {
            Err(_) => Outcome {
                status_code: None,
                response_body: None,
                error: Some(format!(
                    "timed out after {}",
                    humantime::format_duration(self.timeout)
                )),
                latency_ms,
            },
            Ok(Err(error)) => Outcome {
                status_code: None,
                response_body: None,
                error: Some(error),
                latency_ms,
            },
            Ok(Ok((status, text))) => {
                let error = match status {
                    200..=299 => None,
                    300..=399 => Some(format!("HTTP {status}: redirects are not followed")),
                    _ => Some(format!("HTTP {status}")),
                };
                Outcome {
                    status_code: Some(status),
                    response_body: Some(text),
                    error,
                    latency_ms,
                }
            }
        }
    }

    /// The addresses of the URL's host that may be contacted.
    async fn addresses(&self, url: &Url) -> Result<Vec<SocketAddr>, String> {
        let port = url
            .port_or_known_default()
            .ok_or_else(|| "the URL has no port".to_owned())?;
        let resolved: Vec<SocketAddr> = match url.host() {
            Some(Host::Ipv4(ip)) => vec![SocketAddr::new(IpAddr::V4(ip), port)],
            Some(Host::Ipv6(ip)) => vec![SocketAddr::new(IpAddr::V6(ip), port)],
            Some(Host::Domain(name)) => tokio::net::lookup_host((name, port))
                .await
                .map_err(|e| format!("could not resolve {name}: {e}"))?
                .collect(),
            None => return Err("the URL has no host".into()),
        };
        if self.allow_private {
            return Ok(resolved);
        }
        let allowed: Vec<SocketAddr> = resolved
            .iter()
            .copied()
            .filter(|a| refused_class(a.ip()).is_none())
            .collect();
        if allowed.is_empty() {
            let first = resolved.first().map(|a| a.ip());
            return Err(
                match first.and_then(|ip| refused_class(ip).map(|c| (ip, c))) {
                    Some((ip, class)) => format!(
                        "refused: {} resolves to {ip}, a {class} address (webhooks.allow_private_targets is off)",
                        url.host_str().unwrap_or_default()
                    ),
                    None => format!("could not resolve {}", url.host_str().unwrap_or_default()),
                },
            );
        }
        Ok(allowed)
    }

    async fn exchange(
        &self,
        url: &Url,
        headers: &[(&'static str, String)],
        body: Bytes,
    ) -> Result<(u16, String), String> {
        let addresses = self.addresses(url).await?;
        let mut last_error = String::from("no address to connect to");
        let mut stream = None;
        for address in &addresses {
            match TcpStream::connect(address).await {
                Ok(s) => {
                    stream = Some(s);
                    break;
                }
                Err(e) => last_error = format!("could not connect to {address}: {e}"),
            }
        }
        let stream = stream.ok_or(last_error)?;
        let _ = stream.set_nodelay(true);
        let request = build_request(url, headers, body, &self.user_agent)?;
        if url.scheme() == "https" {
            let name = match url.host() {
                Some(Host::Domain(d)) => ServerName::try_from(d.to_owned())
                    .map_err(|e| format!("invalid TLS server name: {e}"))?,
                Some(Host::Ipv4(ip)) => ServerName::from(IpAddr::V4(ip)),
                Some(Host::Ipv6(ip)) => ServerName::from(IpAddr::V6(ip)),
                None => return Err("the URL has no host".into()),
            };
            let tls = self
                .tls
                .connect(name, stream)
                .await
                .map_err(|e| format!("TLS handshake failed: {e}"))?;
            send_over(tls, request).await
        } else {
            send_over(stream, request).await
        }
    }
}

fn build_request(
    url: &Url,
    headers: &[(&'static str, String)],
    body: Bytes,
    user_agent: &HeaderValue,
) -> Result<Request<Full<Bytes>>, String> {
    let host = match url.port() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_owned(),
    };
    let path = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    };
    let mut builder = Request::post(path)
        .header(HOST, host)
        .header(CONTENT_TYPE, "application/json")
        .header(USER_AGENT, user_agent)
        .header(CONTENT_LENGTH, body.len())
        .header(CONNECTION, "close");
    for (name, value) in headers {
        builder = builder.header(*name, value);
    }
    builder
        .body(Full::new(body))
        .map_err(|e| format!("could not build the request: {e}"))
}

/// One request over a fresh connection; answers the status and the first
/// KiB of the body.
async fn send_over<IO>(io: IO, request: Request<Full<Bytes>>) -> Result<(u16, String), String>
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| format!("HTTP handshake failed: {e}"))?;
    let driver = tokio::spawn(connection);
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| format!("request failed: {e}"));
    let response = match response {
        Ok(r) => r,
        Err(e) => {
            driver.abort();
            return Err(e);
        }
    };
    let status = response.status().as_u16();
    let mut body = response.into_body();
    let mut kept: Vec<u8> = Vec::new();
    // Read only as much as is kept; a receiver's huge answer is not our load.
    while kept.len() < RESPONSE_BODY_LIMIT {
        match body.frame().await {
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    kept.extend_from_slice(&data);
                }
            }
            Some(Err(_)) | None => break,
        }
    }
    kept.truncate(RESPONSE_BODY_LIMIT);
    driver.abort();
    Ok((status, String::from_utf8_lossy(&kept).into_owned()))
}
