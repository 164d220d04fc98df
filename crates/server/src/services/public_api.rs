//! Switching the Public API app on and off. While it is off, every API key
//! of the organization and every JWT made from one is refused; switching it
//! back on restores the same keys.

use stint_store::organizations::Organization;

use crate::api::error::ApiError;
use crate::auth::Ctx;
use crate::state::AppState;

pub async fn set_active(
    state: &AppState,
    ctx: &Ctx,
    active: bool,
) -> Result<Organization, ApiError> {
    ctx.require_admin_user()?;
    let mut tx = ctx.write().await?;
    let current = tx.organization().await?;
    if current.public_api_active() == active {
        // Already in that state: keep the original activation time.
        return Ok(current);
    }
    if active {
        crate::limits::plans::require_public_api(
            &current.plan,
            &state.settings.plan(&current.plan),
        )?;
    }
    let updated = tx.set_public_api(active, state.now()).await?;
    tx.commit().await?;
    // After the commit: cached keys carry the app's state.
    state.credentials.forget_organization(ctx.org());
    Ok(updated)
}
