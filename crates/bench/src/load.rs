//! The load generator: a fixed number of keep-alive connections, each
//! sending its next request as soon as the last answer is read (closed
//! loop). A warm-up whose answers are not counted, then a timed run whose
//! latencies go into an HDR histogram (microseconds).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use hdrhistogram::Histogram;

use crate::http::{Conn, Req};
use crate::rng::Rng;

/// Builds the next request of a connection from its own random stream.
pub type MakeReq = Arc<dyn Fn(&mut Rng) -> Req + Send + Sync>;

#[derive(Debug, Clone)]
pub struct LoadPlan {
    pub concurrency: usize,
    pub warmup: Duration,
    pub duration: Duration,
    /// Answers counted as success (others are errors).
    pub ok_statuses: &'static [u16],
}

/// What a timed run measured.
#[derive(Debug, Clone)]
pub struct LoadResult {
    pub requests: u64,
    pub errors: u64,
    pub elapsed: Duration,
    pub latency: Histogram<u64>,
    /// Answers completed in each second of the timed run.
    pub per_second: Vec<u64>,
    /// The first unexpected answer, to show why errors happened.
    pub first_error: Option<String>,
}

impl LoadResult {
    pub fn rps(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
    pub fn ms(&self, quantile: f64) -> f64 {
        self.latency.value_at_quantile(quantile) as f64 / 1000.0
    }
    pub fn max_ms(&self) -> f64 {
        self.latency.max() as f64 / 1000.0
    }
}

struct Shared {
    measuring: AtomicBool,
    stop: AtomicBool,
    per_second: Vec<AtomicU64>,
    started: std::sync::OnceLock<Instant>,
}

pub async fn run(
    addr: SocketAddr,
    plan: &LoadPlan,
    make: MakeReq,
    seed: u64,
) -> Result<LoadResult> {
    let seconds = plan.duration.as_secs() as usize + 2;
    let shared = Arc::new(Shared {
        measuring: AtomicBool::new(false),
        stop: AtomicBool::new(false),
        per_second: (0..seconds).map(|_| AtomicU64::new(0)).collect(),
        started: std::sync::OnceLock::new(),
    });
    let mut conns = Vec::with_capacity(plan.concurrency);
    for _ in 0..plan.concurrency {
        conns.push(Conn::open(addr).await?);
    }
    let mut tasks = Vec::with_capacity(plan.concurrency);
    for (i, conn) in conns.into_iter().enumerate() {
        let shared = shared.clone();
        let make = make.clone();
        let ok = plan.ok_statuses;
        tasks.push(tokio::spawn(worker(
            conn,
            make,
            Rng::new(seed ^ ((i as u64 + 1) * 0x1000_0000_01B3)),
            shared,
            ok,
        )));
    }
    tokio::time::sleep(plan.warmup).await;
    let start = Instant::now();
    let _ = shared.started.set(start);
    shared.measuring.store(true, Ordering::SeqCst);
    tokio::time::sleep(plan.duration).await;
    shared.measuring.store(false, Ordering::SeqCst);
    let elapsed = start.elapsed();
    shared.stop.store(true, Ordering::SeqCst);

    let mut latency = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    let (mut requests, mut errors, mut first_error) = (0, 0, None);
    for task in tasks {
        let part = task.await??;
        latency.add(&part.latency)?;
        requests += part.requests;
        errors += part.errors;
        first_error = first_error.or(part.first_error);
    }
    if requests == 0 {
        bail!("no request completed during the timed run");
    }
    let per_second = shared
        .per_second
        .iter()
        .take(plan.duration.as_secs().max(1) as usize)
        .map(|c| c.load(Ordering::Relaxed))
        .collect();
    Ok(LoadResult {
        requests,
        errors,
        elapsed,
        latency,
        per_second,
        first_error,
    })
}

struct Part {
    latency: Histogram<u64>,
    requests: u64,
    errors: u64,
    first_error: Option<String>,
}

async fn worker(
    mut conn: Conn,
    make: MakeReq,
    mut rng: Rng,
    shared: Arc<Shared>,
    ok: &'static [u16],
) -> Result<Part> {
    let mut part = Part {
        latency: Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?,
        requests: 0,
        errors: 0,
        first_error: None,
    };
    while !shared.stop.load(Ordering::Relaxed) {
        let req = make(&mut rng);
        let sent = Instant::now();
        let (status, body) = conn.send(&req).await?;
        let took = sent.elapsed();
        if !shared.measuring.load(Ordering::Relaxed) {
            continue;
        }
        part.requests += 1;
        part.latency
            .saturating_record(took.as_micros().max(1) as u64);
        if !ok.contains(&status.as_u16()) {
            part.errors += 1;
            if part.first_error.is_none() {
                part.first_error = Some(format!(
                    "{} {} -> {status}: {}",
                    req.method,
                    req.path,
                    String::from_utf8_lossy(&body)
                        .chars()
                        .take(300)
                        .collect::<String>()
                ));
            }
        }
        if let Some(start) = shared.started.get() {
            let second = start.elapsed().as_secs() as usize;
            if let Some(slot) = shared.per_second.get(second) {
                slot.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    Ok(part)
}
