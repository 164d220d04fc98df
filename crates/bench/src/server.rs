//! The real `stint serve` as a child process: found next to this binary
//! (built when missing), started on the bench's database with limits
//! raised so the load is never answered 429, and watched through /proc.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use tokio::process::{Child, Command};

use crate::http::{Conn, Req};

/// The release `stint` binary: next to our own executable, else built.
pub fn locate_stint() -> Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let dir = exe.parent().context("executable without a directory")?;
    let candidate = dir.join("stint");
    if candidate.exists() {
        return Ok(candidate);
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    eprintln!("stint-bench: building the release `stint` binary");
    let status = std::process::Command::new(env!("CARGO"))
        .args(["build", "--release", "-p", "stint-server", "--bin", "stint"])
        .current_dir(&workspace)
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!("cargo build of stint failed");
    }
    let built = workspace.join("target/release/stint");
    if built.exists() {
        Ok(built)
    } else if candidate.exists() {
        Ok(candidate)
    } else {
        bail!("stint was built but not found at {}", built.display())
    }
}

/// A running server.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    /// From spawning the process to the first 200 from /readyz.
    pub startup: Duration,
}

fn free_port() -> Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?)
}

impl Server {
    pub async fn start(stint: &Path, database_url: &str, log: &Path) -> Result<Server> {
        let addr = free_port()?;
        let log_file = std::fs::File::create(log)?;
        let started = Instant::now();
        let mut child = Command::new(stint)
            .arg("serve")
            .arg("--listen")
            .arg(addr.to_string())
            .arg("--database-url")
            .arg(database_url)
            // No stint.toml or STINT_* of the caller's: only ours.
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("STINT_CONFIG", "/dev/null")
            // The bench's key must never be answered 429, nor its
            // key-login and signup requests (one client address).
            .env("STINT_PLANS__FREE__REQUESTS_PER_HOUR", "1000000000000")
            .env(
                "STINT_RATE_LIMIT__CREDENTIAL_REQUESTS_PER_MINUTE",
                "1000000000000",
            )
            .env("STINT_RATE_LIMIT__USER_REQUESTS_PER_HOUR", "1000000000000")
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", stint.display()))?;
        let deadline = started + Duration::from_secs(120);
        loop {
            if let Some(status) = child.try_wait()? {
                bail!(
                    "stint serve exited with {status} before it was ready; see {}",
                    log.display()
                );
            }
            if let Ok(mut conn) = Conn::open(addr).await
                && let Ok((status, _)) = conn.send(&Req::get("/readyz")).await
                && status.is_success()
            {
                break;
            }
            if Instant::now() > deadline {
                bail!(
                    "stint serve was not ready within 120 s; see {}",
                    log.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        Ok(Server {
            startup: started.elapsed(),
            child,
            addr,
        })
    }

    /// (VmRSS, VmHWM, RssAnon) in bytes. RssAnon is the process's own
    /// memory: VmRSS also counts the database pages SQLite maps
    /// (`mmap_size`), once per connection that touched them.
    pub fn memory(&self) -> Result<(u64, u64, u64)> {
        let pid = self.child.id().context("server already exited")?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        let field = |name: &str| -> Option<u64> {
            let line = status.lines().find(|l| l.starts_with(name))?;
            let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kb * 1024)
        };
        Ok((
            field("VmRSS:").unwrap_or(0),
            field("VmHWM:").unwrap_or(0),
            field("RssAnon:").unwrap_or(0),
        ))
    }

    /// Asks the server to shut down (SIGTERM) and waits for it.
    pub async fn stop(mut self) -> Result<()> {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
        }
        match tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await {
            Ok(status) => {
                status?;
            }
            Err(_) => self.child.kill().await?,
        }
        Ok(())
    }
}
