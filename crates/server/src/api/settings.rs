//! `/settings`: the organization's profile, defaults and invoicing, one
//! object read with GET and changed with PATCH.

use axum::extract::State;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::conditional::IfMatch;
use super::dto::settings::{SettingsOut, SettingsPatch};
use super::error::{ApiError, ErrorBody};
use super::patch::PatchJson;
use super::response::{self, Data};
use crate::auth::Ctx;
use crate::services::settings;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_settings, patch_settings))
}

/// Show the settings
///
/// Owners and admins, and API keys of any scope, may read them; a member
/// gets `403 insufficient_role` (the profile holds bank details).
#[utoipa::path(get, path = "/settings", tag = "Settings",
    responses(
        (status = 200, description = "The settings", body = Data<SettingsOut>,
            headers(("ETag" = String, description = "The settings' version, for If-Match"))),
        (status = 403, description = "`insufficient_role`: members cannot see the settings", body = ErrorBody),
    ))]
pub async fn get_settings(ctx: Ctx) -> Result<Response, ApiError> {
    let current = settings::read(&ctx).await?;
    Ok(response::ok_versioned(
        settings::to_out(&current),
        current.version,
    ))
}

/// Update the settings
///
/// Only the fields sent change (a JSON merge patch, section by section;
/// `null` clears an optional field). Owners, admins and API keys with the
/// `write` scope may change them. `defaults.currency` also sets the
/// currency of members' hourly amounts: their values are kept (no exchange
/// rate), rounded when the new currency has fewer decimals. `profile.iban`
/// is checked (mod 97) and stored without spaces; `invoicing.number_format`
/// accepts `{prefix}`, `{yyyy}`, `{yy}`, `{mm}` and exactly one `{seq}` or
/// `{seq:N}`. Records `settings.updated` with the previous values of the
/// sections that changed.
#[utoipa::path(patch, path = "/settings", tag = "Settings",
    params(("If-Match" = Option<String>, Header, description = "Only apply if the settings are still at this ETag")),
    request_body = SettingsPatch,
    responses(
        (status = 200, description = "Updated", body = Data<SettingsOut>),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 412, description = "`precondition_failed`: the settings changed since that ETag", body = ErrorBody),
    ))]
pub async fn patch_settings(
    State(state): State<AppState>,
    ctx: Ctx,
    if_match: IfMatch,
    patch: PatchJson<SettingsPatch>,
) -> Result<Response, ApiError> {
    let updated = settings::update(&state, &ctx, if_match, &patch.raw).await?;
    Ok(response::ok_versioned(
        settings::to_out(&updated),
        updated.version,
    ))
}
