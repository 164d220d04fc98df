//! The hourly quota of a caller: per API key by the organization's plan,
//! per user by `rate_limit.user_requests_per_hour`. Every authenticated
//! request counts, including ones that fail afterwards.

use crate::api::error::{ApiError, Code};
use crate::auth::{Actor, Ctx};
use crate::state::AppState;

use super::window::window;

const HOUR: i64 = 3600;

/// Where the caller stands after counting this request.
#[derive(Debug, Clone, Copy)]
pub struct Standing {
    pub limit: u64,
    pub remaining: u64,
    /// Seconds until the window ends.
    pub reset: i64,
    pub allowed: bool,
    /// "API key" or "user", for messages.
    pub what: &'static str,
}

/// Counts the request; `None` when the counter is unavailable and the
/// policy lets requests through.
pub async fn count(state: &AppState, ctx: &Ctx) -> Result<Option<Standing>, ApiError> {
    let (subject, limit, what) = match ctx.actor() {
        Actor::ApiKey { key, .. } => (
            format!("key:{key}"),
            state.settings.plan(ctx.plan()).requests_per_hour,
            "API key",
        ),
        Actor::User { user, .. } => (
            format!("user:{user}"),
            state.settings.rate_limit.user_requests_per_hour,
            "user",
        ),
    };
    let w = window(state.now(), HOUR);
    let count = state
        .limits
        .counter
        .hit(&subject, w.index, HOUR)
        .await
        .map_err(|_| {
            ApiError::new(
                Code::Unavailable,
                "Rate limiting is unavailable; retry shortly",
            )
        })?;
    let Some(count) = count else { return Ok(None) };
    Ok(Some(Standing {
        limit,
        remaining: limit.saturating_sub(count),
        reset: w.reset_seconds,
        allowed: count <= limit,
        what,
    }))
}

impl Standing {
    /// The 429 for a caller over its quota.
    pub fn exceeded(&self) -> ApiError {
        ApiError::new(
            Code::RateLimited,
            format!(
                "Rate limit of {} requests per hour exceeded for this {}; retry after {} seconds",
                self.limit, self.what, self.reset
            ),
        )
        .with_retry_after(u64::try_from(self.reset).unwrap_or(1))
    }
}
