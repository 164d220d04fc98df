//! Liveness and readiness probes for load balancers and orchestrators.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use super::error::{ApiError, Code};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct HealthOut {
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// Process is up.
#[utoipa::path(get, path = "/healthz", tag = "Health", security(()),
    responses((status = 200, description = "The process is running", body = HealthOut)))]
pub async fn healthz() -> Response {
    axum::Json(HealthOut { status: "ok" }).into_response()
}

/// Database is reachable.
#[utoipa::path(get, path = "/readyz", tag = "Health", security(()),
    responses(
        (status = 200, description = "The database answers", body = HealthOut),
        (status = 503, description = "The database is unreachable", body = super::error::ErrorBody),
    ))]
pub async fn readyz(State(state): State<AppState>) -> Result<Response, ApiError> {
    state
        .store
        .ping()
        .await
        .map_err(|_| ApiError::new(Code::Unavailable, "The database is unreachable"))?;
    Ok(axum::Json(HealthOut { status: "ready" }).into_response())
}
