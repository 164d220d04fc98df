//! The measured scenarios: what each connection sends, how many
//! connections, and which answers count as success.

use std::sync::Arc;

use chrono::NaiveDate;
use serde_json::json;

use crate::dataset::Org;
use crate::http::Req;
use crate::load::MakeReq;

pub struct Scenario {
    pub id: &'static str,
    pub what: &'static str,
    pub concurrency: usize,
    pub ok: &'static [u16],
    pub make: MakeReq,
    /// Longer than the others (the time-over-load picture).
    pub long: bool,
}

/// Everything requests pick from.
pub struct Context {
    pub org: Org,
    /// Working days of the loaded history.
    pub days: Vec<NaiveDate>,
    pub anchor: NaiveDate,
}

fn with_key(req: Req, org: &Org) -> Req {
    req.header("x-api-key", org.setup.key_token.clone())
}

fn s1(ctx: &Arc<Context>) -> MakeReq {
    let ctx = ctx.clone();
    Arc::new(move |rng| {
        let id = rng.pick(&ctx.org.clients);
        with_key(Req::get(format!("/api/v1/clients/{id}")), &ctx.org)
    })
}

fn s2(ctx: &Arc<Context>) -> MakeReq {
    let ctx = ctx.clone();
    Arc::new(move |rng| {
        let member = rng.pick(&ctx.org.members);
        // A month of one member's time, anywhere in the history.
        let from = ctx.days[rng.below(ctx.days.len().saturating_sub(22).max(1))];
        let to = from + chrono::Days::new(30);
        with_key(
            Req::get(format!(
                "/api/v1/time-entries?from={from}&to={to}&member_id={member}&limit=100"
            )),
            &ctx.org,
        )
    })
}

fn s3(ctx: &Arc<Context>) -> MakeReq {
    let ctx = ctx.clone();
    Arc::new(move |rng| {
        let minutes = 15 + 5 * rng.below(46);
        let body = json!({
            "member_id": rng.pick(&ctx.org.members),
            "task_id": rng.pick(&ctx.org.tasks),
            "service_id": rng.pick(&ctx.org.services),
            "date": rng.pick(&ctx.days).to_string(),
            "duration_seconds": minutes * 60,
            "notes": "Benchmark entry",
            "tags": ["development"],
        });
        with_key(Req::post_json("/api/v1/time-entries", &body), &ctx.org)
    })
}

fn s4(ctx: &Arc<Context>) -> MakeReq {
    let ctx = ctx.clone();
    let to = ctx.anchor - chrono::Days::new(1);
    let from = ctx.anchor - chrono::Days::new(365);
    Arc::new(move |_| {
        with_key(
            Req::get(format!(
                "/api/v1/reports/time?group_by=client,month&from={from}&to={to}"
            )),
            &ctx.org,
        )
    })
}

fn s5(ctx: &Arc<Context>) -> MakeReq {
    let body = json!({"api_key": ctx.org.setup.api_key, "api_secret": ctx.org.setup.api_secret});
    Arc::new(move |_| Req::post_json("/api/v1/login", &body))
}

fn s6(ctx: &Arc<Context>) -> MakeReq {
    let (read_one, read_list, write) = (s1(ctx), s2(ctx), s3(ctx));
    Arc::new(move |rng| {
        let roll = rng.below(10);
        if roll < 4 {
            read_one(rng)
        } else if roll < 8 {
            read_list(rng)
        } else {
            write(rng)
        }
    })
}

/// Every scenario, in the order they run.
pub fn all(ctx: &Arc<Context>) -> Vec<Scenario> {
    let key = ctx.org.setup.key_token.clone();
    vec![
        Scenario {
            id: "S0",
            what: "GET /healthz (no database: the HTTP ceiling)",
            concurrency: 32,
            ok: &[200],
            make: Arc::new(|_| Req::get("/healthz")),
            long: false,
        },
        Scenario {
            id: "S1",
            what: "GET /api/v1/clients/{id}, X-Api-Key",
            concurrency: 32,
            ok: &[200],
            make: s1(ctx),
            long: false,
        },
        Scenario {
            id: "S2",
            what: "GET /api/v1/time-entries (a member's month, limit=100)",
            concurrency: 32,
            ok: &[200],
            make: s2(ctx),
            long: false,
        },
        Scenario {
            id: "S3",
            what: "POST /api/v1/time-entries (+ event row)",
            concurrency: 32,
            ok: &[201],
            make: s3(ctx),
            long: false,
        },
        Scenario {
            id: "S4",
            what: "GET /api/v1/reports/time?group_by=client,month (a year), one request at a time",
            concurrency: 1,
            ok: &[200],
            make: s4(ctx),
            long: false,
        },
        Scenario {
            id: "S5",
            what: "POST /api/v1/login (key + secret exchange)",
            concurrency: 32,
            ok: &[200],
            make: s5(ctx),
            long: false,
        },
        Scenario {
            id: "S6",
            what: "mixed: 40 % S1, 40 % S2, 20 % S3",
            concurrency: 32,
            ok: &[200, 201],
            make: s6(ctx),
            long: true,
        },
        // The cost of API-key authentication plus rate limiting: the same
        // route with a malformed id, so the handler answers without the
        // database; with the key the middleware authenticates and counts
        // first, without it nothing does (A1 − A0).
        Scenario {
            id: "A0",
            what: "GET /api/v1/clients/not-an-id, no credentials (401 before any work)",
            concurrency: 32,
            ok: &[401],
            make: Arc::new(|_| Req::get("/api/v1/clients/not-an-id")),
            long: false,
        },
        Scenario {
            id: "A1",
            what: "GET /api/v1/clients/not-an-id, X-Api-Key (auth + rate limit, then 4xx)",
            concurrency: 32,
            ok: &[400, 404],
            make: Arc::new(move |_| {
                Req::get("/api/v1/clients/not-an-id").header("x-api-key", key.clone())
            }),
            long: false,
        },
    ]
}
