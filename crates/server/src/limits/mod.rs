//! Rate limits and plan limits: per-key (and per-user) hourly quotas with
//! honest `RateLimit-*` headers, a per-IP limit and growing back-off on the
//! unauthenticated credential endpoints, and the plans' count limits.

pub mod backoff;
pub mod counter;
pub mod middleware;
pub mod plans;
pub mod quota;
pub mod window;

use crate::config::RateLimitSettings;

/// The limiters of one process.
pub struct Limits {
    pub counter: counter::Counter,
    pub backoff: backoff::Backoff,
}

impl Limits {
    pub fn new(settings: &RateLimitSettings) -> Limits {
        Limits {
            counter: counter::Counter::new(settings),
            backoff: backoff::Backoff::new(settings),
        }
    }
}
