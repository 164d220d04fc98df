//! The plans' count limits and features. Plans are configuration
//! (`plans.<name>.*`); an organization's plan is set by the operator
//! (`stint admin set-plan`), never through the API.

use serde::Serialize;
use utoipa::ToSchema;

use crate::api::error::{ApiError, Code};
use crate::config::PlanSettings;

/// One more of `what` would exceed the plan when `current` already exist.
pub fn check_count(plan: &str, what: &str, current: i64, max: u64) -> Result<(), ApiError> {
    if u64::try_from(current).unwrap_or(0) >= max {
        return Err(ApiError::new(
            Code::PlanLimitReached,
            format!("The {plan} plan allows at most {max} {what}; this organization has {current}"),
        ));
    }
    Ok(())
}

/// Activating the Public API app needs a plan that includes it.
pub fn require_public_api(plan: &str, settings: &PlanSettings) -> Result<(), ApiError> {
    if !settings.public_api {
        return Err(ApiError::new(
            Code::PlanFeatureUnavailable,
            format!("The {plan} plan does not include the Public API app"),
        ));
    }
    Ok(())
}

/// A plan's limits as the API shows them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanLimitsOut {
    #[schema(example = 100)]
    pub requests_per_hour: u64,
    #[schema(example = 2)]
    pub max_api_keys: u64,
    #[schema(example = 2)]
    pub max_webhooks: u64,
    #[schema(example = 5)]
    pub max_members: u64,
    pub public_api: bool,
}

impl From<&PlanSettings> for PlanLimitsOut {
    fn from(p: &PlanSettings) -> Self {
        PlanLimitsOut {
            requests_per_hour: p.requests_per_hour,
            max_api_keys: p.max_api_keys,
            max_webhooks: p.max_webhooks,
            max_members: p.max_members,
            public_api: p.public_api,
        }
    }
}

/// What the organization uses of its plan.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanUsageOut {
    #[schema(example = 1)]
    pub api_keys: i64,
    #[schema(example = 0)]
    pub webhooks: i64,
    /// Active and invited members.
    #[schema(example = 3)]
    pub members: i64,
}

/// The organization's plan, its limits and its usage.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanOut {
    #[schema(example = "free")]
    pub name: String,
    pub limits: PlanLimitsOut,
    pub usage: PlanUsageOut,
}
