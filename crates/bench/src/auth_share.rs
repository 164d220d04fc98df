//! The cost of API-key authentication plus rate limiting, measured in
//! alternating slices.
//!
//! The share is (1/A1 − 1/A0) ÷ (1/S1): A0 and A1 differ only in the
//! authentication and the rate-limit count, and the machine is saturated in
//! both, so the cost of a request is the inverse of throughput. It is a
//! difference of two throughputs a few percent apart, and measured as whole
//! scenarios 15 s apart the host's drift in between was larger than that
//! difference (2.6–10.8 % from binaries with the same request path on one
//! host, docs/benchmarks.md). Here S1, A0 and A1 take turns in short slices,
//! so that drift falls on all three alike, and each throughput is the total
//! of its slices.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Result;

use crate::load::{self, LoadPlan};
use crate::scenarios::Scenario;

/// The order of a round: the denominator first, then the pair.
const IDS: [&str; 3] = ["S1", "A0", "A1"];

/// Requests and seconds summed over one scenario's slices.
#[derive(Default, Clone, Copy)]
struct Total {
    requests: u64,
    seconds: f64,
}

impl Total {
    fn rps(self) -> f64 {
        self.requests as f64 / self.seconds.max(1e-9)
    }
}

/// `rounds` rounds of S1, A0, A1, each a `slice` after a `warmup`; the
/// share, or `None` when one of the three is not among `scenarios`.
pub async fn measure(
    addr: SocketAddr,
    scenarios: &[Scenario],
    rounds: u32,
    warmup: Duration,
    slice: Duration,
) -> Result<Option<f64>> {
    let Some(picked) = IDS
        .iter()
        .map(|id| scenarios.iter().find(|s| s.id == *id))
        .collect::<Option<Vec<_>>>()
    else {
        return Ok(None);
    };
    eprintln!("stint-bench: S1, A0, A1 in {rounds} alternating rounds (auth share)");
    let mut totals = [Total::default(); 3];
    for round in 0..rounds {
        for (total, scenario) in totals.iter_mut().zip(&picked) {
            let plan = LoadPlan {
                concurrency: scenario.concurrency,
                warmup,
                duration: slice,
                ok_statuses: scenario.ok,
            };
            let result =
                load::run(addr, &plan, scenario.make.clone(), 11 + u64::from(round)).await?;
            total.requests += result.requests;
            total.seconds += result.elapsed.as_secs_f64();
        }
    }
    let [s1, a0, a1] = totals.map(Total::rps);
    Ok(Some((1.0 / a1 - 1.0 / a0) / (1.0 / s1)))
}
