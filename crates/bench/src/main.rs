//! `stint-bench`: how fast Stint is and how its cost grows, measured on
//! this machine in one run against a baseline of the same server.
//!
//! It signs up two organizations on a fresh database through the real
//! `stint serve`, bulk-loads them through the store, restarts the server
//! on the loaded database and drives load from this process. Results go
//! to stdout (Markdown) and `target/bench/*.json`. See docs/benchmarks.md.

mod auth_share;
mod dataset;
mod http;
mod load;
mod report;
mod rng;
mod scenarios;
mod server;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Parser;
use stint_core::Clock;
use stint_store::{ConnectOptions, Store};

use crate::dataset::Sizes;
use crate::http::Conn;
use crate::load::LoadPlan;
use crate::report::{Measured, Run};
use crate::server::Server;

#[derive(Debug, Parser)]
#[command(
    name = "stint-bench",
    about = "Benchmark the real Stint server on realistic data"
)]
struct Args {
    /// Small data and short runs (under a minute): proves the tool works.
    #[arg(long)]
    quick: bool,
    /// Run against PostgreSQL: a database `stint_bench` is dropped and
    /// created on the server of this URL.
    #[arg(long)]
    postgres: Option<String>,
    /// Time entries per organization [default: 1000000, quick 20000].
    #[arg(long)]
    entries: Option<usize>,
    /// Only these scenarios, comma-separated (e.g. S0,S2,S4).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Seconds of each timed run [default: 15, quick 2; S6 twice as long].
    #[arg(long)]
    seconds: Option<u64>,
    /// A name for the JSON file under target/bench/.
    #[arg(long)]
    name: Option<String>,
}

fn main() -> Result<()> {
    let args = Args::parse();
    // Two workers: the load generator should not outnumber the cores the
    // server runs on.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(run(args))
}

fn target_dir() -> Result<PathBuf> {
    let exe = std::env::current_exe()?;
    // target/release/stint-bench → target/
    let dir = exe
        .parent()
        .and_then(|p| p.parent())
        .context("cannot find the target directory")?;
    Ok(dir.to_path_buf())
}

async fn run(args: Args) -> Result<()> {
    let total = Instant::now();
    let stint = server::locate_stint()?;
    let bench_dir = target_dir()?.join("bench");
    let backend = if args.postgres.is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    let work = bench_dir.join(format!("db-{backend}"));
    if work.exists() {
        std::fs::remove_dir_all(&work)?;
    }
    std::fs::create_dir_all(&work)?;
    let sizes = Sizes {
        members: 50,
        clients: 2_000,
        projects: 5_000,
        tasks: 20_000,
        services: 20,
        entries: args
            .entries
            .unwrap_or(if args.quick { 20_000 } else { 1_000_000 }),
    };
    let (warmup, seconds) = if args.quick {
        (Duration::from_millis(500), args.seconds.unwrap_or(2))
    } else {
        (Duration::from_secs(3), args.seconds.unwrap_or(15))
    };
    let database_url = match &args.postgres {
        Some(url) => stint_store::bulk::recreate_postgres_database(url, "stint_bench").await?,
        None => format!("sqlite://{}", work.join("stint.db").display()),
    };

    // 1. Sign up the organizations through the real server.
    let server = Server::start(&stint, &database_url, &work.join("server-setup.log")).await?;
    let startup_empty = server.startup;
    let mut conn = Conn::open(server.addr).await?;
    let setup_a = dataset::sign_up(&mut conn, "Bench Agency", "owner-a@bench.example").await?;
    let setup_b = dataset::sign_up(&mut conn, "Other Agency", "owner-b@bench.example").await?;
    drop(conn);
    server.stop().await?;

    // 2. Bulk-load both through the store.
    let anchor = stint_core::SystemClock.now().date_naive();
    let store = Store::connect(&ConnectOptions::new(database_url.clone())).await?;
    eprintln!(
        "stint-bench: loading 2 organizations × {} time entries ({backend})",
        sizes.entries
    );
    let (org_a, stats_a) = dataset::load(&store, setup_a, sizes, anchor, "a", 1).await?;
    let (_org_b, stats_b) = dataset::load(&store, setup_b, sizes, anchor, "b", 2).await?;
    let finish = Instant::now();
    store.bulk_finish().await?;
    let finish_time = finish.elapsed();
    let db_bytes = store.bulk_database_size().await?;
    store.close().await;
    let entries_loaded = stats_a.entries + stats_b.entries;
    let load_secs = (stats_a.entries_time + stats_b.entries_time).as_secs_f64();

    // 3. The server on the loaded database, and the load.
    let server = Server::start(&stint, &database_url, &work.join("server.log")).await?;
    let startup_loaded = server.startup;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (rss_idle, _, _) = server.memory()?;
    let ctx = Arc::new(scenarios::Context {
        org: org_a,
        days: dataset::working_days(anchor),
        anchor,
    });
    let selected: Vec<_> = scenarios::all(&ctx)
        .into_iter()
        .filter(|s| args.only.is_empty() || args.only.iter().any(|o| o.eq_ignore_ascii_case(s.id)))
        .collect();
    let mut measured = Vec::new();
    for scenario in &selected {
        let plan = LoadPlan {
            concurrency: scenario.concurrency,
            warmup,
            duration: Duration::from_secs(if scenario.long { seconds * 2 } else { seconds }),
            ok_statuses: scenario.ok,
        };
        eprintln!("stint-bench: {} {}", scenario.id, scenario.what);
        let result = load::run(server.addr, &plan, scenario.make.clone(), 7).await?;
        if let Some(error) = &result.first_error {
            eprintln!(
                "stint-bench: {} had {} errors, first: {error}",
                scenario.id, result.errors
            );
        }
        measured.push(Measured {
            id: scenario.id,
            what: scenario.what,
            concurrency: scenario.concurrency,
            result,
        });
    }
    let (rounds, slice) = if args.quick {
        (2, Duration::from_secs(1))
    } else {
        (5, Duration::from_secs(3))
    };
    let auth_interleaved = auth_share::measure(
        server.addr,
        &selected,
        rounds,
        Duration::from_millis(500),
        slice,
    )
    .await?;
    let (_, rss_peak, anon_after) = server.memory()?;
    server.stop().await?;

    let run = Run {
        backend,
        quick: args.quick,
        sizes,
        entries_total: entries_loaded,
        load_rate: entries_loaded as f64 / load_secs.max(1e-9),
        finish_time,
        db_bytes,
        startup_empty,
        startup_loaded,
        rss_idle,
        rss_peak,
        anon_after,
        measured,
        auth_interleaved,
        total: total.elapsed(),
        other_rows: stats_a.other_rows + stats_b.other_rows,
    };
    print!("{}", run.markdown());
    let name = args.name.unwrap_or_else(|| {
        format!(
            "{}-{backend}-{}",
            stint_core::SystemClock.now().format("%Y%m%d-%H%M%S"),
            sizes.entries
        )
    });
    let path = bench_dir.join(format!("{name}.json"));
    std::fs::write(&path, serde_json::to_string_pretty(&run.json())?)?;
    eprintln!("stint-bench: wrote {}", path.display());
    Ok(())
}
