//! The results: a Markdown report for people, JSON for keeping, and the
//! issue's targets checked against this run (reported, never enforced).

use std::time::Duration;

use serde_json::{Value, json};

use crate::dataset::Sizes;
use crate::load::LoadResult;

pub struct Measured {
    pub id: &'static str,
    pub what: &'static str,
    pub concurrency: usize,
    pub result: LoadResult,
}

pub struct Run {
    pub backend: &'static str,
    pub quick: bool,
    pub sizes: Sizes,
    pub entries_total: u64,
    /// Time entries per second of bulk load.
    pub load_rate: f64,
    pub finish_time: Duration,
    pub db_bytes: i64,
    pub startup_empty: Duration,
    pub startup_loaded: Duration,
    pub rss_idle: u64,
    pub rss_peak: u64,
    /// RssAnon after the scenarios: the server's own memory, without mapped
    /// database pages.
    pub anon_after: u64,
    pub measured: Vec<Measured>,
    /// The authentication share from alternating slices (`auth_share`).
    pub auth_interleaved: Option<f64>,
    pub total: Duration,
    pub other_rows: u64,
}

/// The machine the run happened on.
fn machine() -> Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_default();
    let memory_kb: u64 = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0);
    let rustc = std::process::Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    json!({
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "cpu_model": cpu,
        "memory_gib": (memory_kb as f64 / 1024.0 / 1024.0 * 10.0).round() / 10.0,
        "rustc": rustc,
    })
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / 1024.0 / 1024.0
}

impl Run {
    fn find(&self, id: &str) -> Option<&LoadResult> {
        self.measured.iter().find(|m| m.id == id).map(|m| &m.result)
    }

    /// Share of an S1 request's cost spent on key authentication and rate
    /// limiting: (1/A1 − 1/A0) ÷ (1/S1), costs per request taken as the
    /// inverse of throughput on a saturated machine — here from the whole
    /// scenarios' runs, for comparison; the target is judged on
    /// `auth_interleaved`.
    fn auth_share_separate(&self) -> Option<f64> {
        let (s1, a0, a1) = (self.find("S1")?, self.find("A0")?, self.find("A1")?);
        Some((1.0 / a1.rps() - 1.0 / a0.rps()) / (1.0 / s1.rps()))
    }

    /// The targets: (what, measured, holds).
    fn targets(&self) -> Vec<(String, String, bool)> {
        let mut out = Vec::new();
        let s0 = self.find("S0").map(LoadResult::rps);
        if let (Some(s0), Some(s1)) = (s0, self.find("S1")) {
            let ratio = s1.rps() / s0;
            out.push((
                "S1 ≥ 40 % of S0 req/s".into(),
                format!("{:.0} %", ratio * 100.0),
                ratio >= 0.40,
            ));
        }
        if let Some(s2) = self.find("S2") {
            out.push((
                "S2 p99 ≤ 25 ms at 32 connections".into(),
                format!("{:.1} ms", s2.ms(0.99)),
                s2.ms(0.99) <= 25.0,
            ));
        }
        if let Some(s3) = self.find("S3") {
            out.push((
                "S3 ≥ 3,000 writes/s".into(),
                format!("{:.0}/s", s3.rps()),
                s3.rps() >= 3000.0,
            ));
        }
        if let Some(s4) = self.find("S4") {
            out.push((
                "S4 ≤ 200 ms (p99)".into(),
                format!("{:.1} ms", s4.ms(0.99)),
                s4.ms(0.99) <= 200.0,
            ));
        }
        if let Some(share) = self.auth_interleaved {
            let separate = self
                .auth_share_separate()
                .map(|s| format!(" (separate runs: {:.1} %)", s * 100.0))
                .unwrap_or_default();
            out.push((
                "API-key auth + rate limit < 5 % of S1 (alternating slices)".into(),
                format!("{:.1} %{separate}", share * 100.0),
                share < 0.05,
            ));
        }
        out
    }

    pub fn markdown(&self) -> String {
        let m = machine();
        let mut s = String::new();
        s.push_str(&format!(
            "## stint-bench ({}{}): {} CPUs ({}), {} GiB, {}\n\n",
            self.backend,
            if self.quick { ", quick" } else { "" },
            m["cpus"],
            m["cpu_model"].as_str().unwrap_or(""),
            m["memory_gib"],
            m["rustc"].as_str().unwrap_or(""),
        ));
        s.push_str(&format!(
            "Data: 2 organizations × ({} members, {} clients, {} projects, {} tasks, {} services, {} time entries)\n\n",
            self.sizes.members,
            self.sizes.clients,
            self.sizes.projects,
            self.sizes.tasks,
            self.sizes.services,
            self.sizes.entries
        ));
        s.push_str("| Scenario | Conn. | req/s | p50 ms | p99 ms | max ms | vs S0 | errors |\n");
        s.push_str("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        let s0 = self.find("S0").map(LoadResult::rps);
        for measured in &self.measured {
            let r = &measured.result;
            let ratio = s0.map_or("–".into(), |s0| format!("{:.2}", r.rps() / s0));
            s.push_str(&format!(
                "| {} {} | {} | {:.0} | {:.2} | {:.2} | {:.1} | {} | {} |\n",
                measured.id,
                measured.what,
                measured.concurrency,
                r.rps(),
                r.ms(0.50),
                r.ms(0.99),
                r.max_ms(),
                ratio,
                r.errors
            ));
        }
        s.push_str(&format!(
            "\n| Process and data | |\n|---|---:|\n\
             | start-up to /readyz, empty database | {:.0} ms |\n\
             | start-up to /readyz, loaded database | {:.0} ms |\n\
             | resident memory idle (VmRSS) | {:.1} MiB |\n\
             | resident memory peak (VmHWM; counts mapped database pages per connection) | {:.1} MiB |\n\
             | own memory after the scenarios (RssAnon) | {:.1} MiB |\n\
             | database size | {:.1} MiB |\n\
             | database size per million entries | {:.1} MiB |\n\
             | bulk load | {:.0} entries/s |\n\
             | total run time | {:.0} s |\n\n",
            self.startup_empty.as_secs_f64() * 1000.0,
            self.startup_loaded.as_secs_f64() * 1000.0,
            mib(self.rss_idle),
            mib(self.rss_peak),
            mib(self.anon_after),
            mib(self.db_bytes.max(0) as u64),
            mib(self.db_bytes.max(0) as u64) / (self.entries_total.max(1) as f64 / 1e6),
            self.load_rate,
            self.total.as_secs_f64(),
        ));
        let targets = self.targets();
        if !targets.is_empty() {
            s.push_str("| Target | Measured | Holds |\n|---|---:|:---:|\n");
            for (what, value, holds) in targets {
                s.push_str(&format!(
                    "| {what} | {value} | {} |\n",
                    if holds { "yes" } else { "**no**" }
                ));
            }
            s.push('\n');
        }
        s
    }

    pub fn json(&self) -> Value {
        let scenarios: Vec<Value> = self
            .measured
            .iter()
            .map(|m| {
                let r = &m.result;
                json!({
                    "id": m.id,
                    "what": m.what,
                    "concurrency": m.concurrency,
                    "requests": r.requests,
                    "errors": r.errors,
                    "seconds": r.elapsed.as_secs_f64(),
                    "rps": r.rps(),
                    "p50_ms": r.ms(0.50),
                    "p90_ms": r.ms(0.90),
                    "p99_ms": r.ms(0.99),
                    "max_ms": r.max_ms(),
                    "per_second": r.per_second,
                    "first_error": r.first_error,
                })
            })
            .collect();
        let targets: Vec<Value> = self
            .targets()
            .into_iter()
            .map(|(what, value, holds)| json!({"target": what, "measured": value, "holds": holds}))
            .collect();
        json!({
            "backend": self.backend,
            "quick": self.quick,
            "machine": machine(),
            "sizes": {
                "organizations": 2,
                "members": self.sizes.members,
                "clients": self.sizes.clients,
                "projects": self.sizes.projects,
                "tasks": self.sizes.tasks,
                "services": self.sizes.services,
                "entries_per_organization": self.sizes.entries,
            },
            "entries_total": self.entries_total,
            "other_rows": self.other_rows,
            "bulk_load_entries_per_second": self.load_rate,
            "finish_seconds": self.finish_time.as_secs_f64(),
            "database_bytes": self.db_bytes,
            "startup_empty_ms": self.startup_empty.as_secs_f64() * 1000.0,
            "startup_loaded_ms": self.startup_loaded.as_secs_f64() * 1000.0,
            "rss_idle_bytes": self.rss_idle,
            "rss_peak_bytes": self.rss_peak,
            "anon_after_bytes": self.anon_after,
            "auth_share_of_s1": self.auth_interleaved,
            "auth_share_of_s1_separate_runs": self.auth_share_separate(),
            "scenarios": scenarios,
            "targets": targets,
            "total_seconds": self.total.as_secs_f64(),
        })
    }
}
