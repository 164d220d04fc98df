//! The Public API app: whether the organization's API keys work.

use axum::extract::State;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, ErrorBody};
use super::response::{self, Data};
use super::views::{AppStatus, PublicApiOut};
use crate::auth::Ctx;
use crate::limits::plans::PlanOut;
use crate::services::plans::plan_of;
use crate::services::public_api;
use crate::state::AppState;

/// The Public API app with the organization's plan.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct PublicApiAppOut {
    /// `active`: API keys work. `inactive`: every API key and every JWT made from one is refused.
    pub status: AppStatus,
    /// When it was last switched on; null if never.
    pub activated_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The plan: its request quota and count limits, and current usage.
    pub plan: PlanOut,
}

async fn app_out(
    state: &AppState,
    ctx: &Ctx,
    app: PublicApiOut,
) -> Result<PublicApiAppOut, ApiError> {
    let plan = plan_of(state, &mut ctx.read().await?).await?;
    Ok(PublicApiAppOut {
        status: app.status,
        activated_at: app.activated_at,
        plan,
    })
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_public_api))
        .routes(routes!(activate))
        .routes(routes!(deactivate))
}

/// Show the Public API app
#[utoipa::path(get, path = "/apps/public-api", tag = "Public API app",
    responses((status = 200, description = "The app's state and the plan", body = Data<PublicApiAppOut>)))]
pub async fn get_public_api(State(state): State<AppState>, ctx: Ctx) -> Result<Response, ApiError> {
    let org = ctx.read().await?.organization().await?;
    Ok(response::ok(
        app_out(&state, &ctx, PublicApiOut::from_org(&org)).await?,
    ))
}

/// Activate the Public API app
///
/// API keys of the organization work again, the same keys as before it was
/// switched off. Owners and admins, signed in as users.
#[utoipa::path(post, path = "/apps/public-api/activate", tag = "Public API app",
    responses(
        (status = 200, description = "Active", body = Data<PublicApiAppOut>),
        (status = 403, description = "`insufficient_role`, or `plan_feature_unavailable` when the plan lacks the Public API", body = ErrorBody),
    ))]
pub async fn activate(State(state): State<AppState>, ctx: Ctx) -> Result<Response, ApiError> {
    let org = public_api::set_active(&state, &ctx, true).await?;
    Ok(response::ok(
        app_out(&state, &ctx, PublicApiOut::from_org(&org)).await?,
    ))
}

/// Deactivate the Public API app
///
/// Every API key of the organization, and every JWT made from one, is
/// refused from the next request on (`public_api_inactive`).
#[utoipa::path(post, path = "/apps/public-api/deactivate", tag = "Public API app",
    responses(
        (status = 200, description = "Inactive", body = Data<PublicApiAppOut>),
        (status = 403, description = "`insufficient_role`", body = ErrorBody),
    ))]
pub async fn deactivate(State(state): State<AppState>, ctx: Ctx) -> Result<Response, ApiError> {
    let org = public_api::set_active(&state, &ctx, false).await?;
    Ok(response::ok(
        app_out(&state, &ctx, PublicApiOut::from_org(&org)).await?,
    ))
}
