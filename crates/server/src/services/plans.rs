//! The organization's plan as the API shows it: its limits and what is used.

use stint_store::{Exec, Tenant};

use crate::api::error::ApiError;
use crate::limits::plans::{PlanLimitsOut, PlanOut, PlanUsageOut};
use crate::state::AppState;

pub async fn plan_of<E: Exec>(state: &AppState, db: &mut Tenant<E>) -> Result<PlanOut, ApiError> {
    let organization = db.organization().await?;
    let settings = state.settings.plan(&organization.plan);
    Ok(PlanOut {
        limits: PlanLimitsOut::from(&settings),
        usage: PlanUsageOut {
            api_keys: db.count_api_keys().await?,
            webhooks: db.count_webhooks().await?,
            members: db.count_members_in_use().await?,
        },
        name: organization.plan,
    })
}
