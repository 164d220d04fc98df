//! Client group use cases: create, replace, patch, delete — validated,
//! versioned and recorded in the event outbox in the same transaction.

use stint_core::Validation;
use stint_core::ids::ClientGroupId;
use stint_core::validation::{derive_initials, name_problem, optional_text};
use stint_store::client_groups::{ClientGroup, ClientGroupValues};
use stint_store::{Tenant, Tx};

use super::events;
use crate::api::conditional::{IfMatch, stale};
use crate::api::dto::client_groups::{ClientGroupIn, ClientGroupOut};
use crate::api::error::ApiError;
use crate::auth::Ctx;
use crate::state::AppState;

const RESOURCE: &str = "client_group";

fn not_found() -> ApiError {
    ApiError::not_found("client group")
}

/// Checks an input against the rules.
fn validate(input: ClientGroupIn) -> Result<ClientGroupValues, ApiError> {
    let mut v = Validation::new();
    v.check("name", name_problem(&input.name, 200));
    let name = input.name.trim().to_owned();
    let initials = match optional_text(&input.initials, 10) {
        Ok(initials) => initials,
        Err(e) => {
            v.add("initials", e);
            None
        }
    };
    v.finish().map_err(ApiError::validation)?;
    Ok(ClientGroupValues {
        initials: initials.unwrap_or_else(|| derive_initials(&name)),
        name,
        status: input.status.as_str().to_owned(),
    })
}

async fn reload(tx: &mut Tenant<Tx>, id: ClientGroupId) -> Result<ClientGroup, ApiError> {
    tx.client_group(id)
        .await?
        .ok_or_else(|| ApiError::internal(std::io::Error::other("client group vanished mid-write")))
}

pub async fn create(
    state: &AppState,
    ctx: &Ctx,
    input: ClientGroupIn,
) -> Result<ClientGroup, ApiError> {
    ctx.require_write()?;
    let now = state.now();
    let id = ClientGroupId::generate();
    let values = validate(input)?;
    let mut tx = ctx.write().await?;
    tx.insert_client_group(id, &values, now).await?;
    let group = reload(&mut tx, id).await?;
    events::created(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &ClientGroupOut::from(&group),
    )
    .await?;
    tx.commit().await?;
    Ok(group)
}

/// Replaces a group with the input `build` makes from the current one
/// (PUT ignores it; PATCH merges into it), all inside one transaction.
pub async fn update(
    state: &AppState,
    ctx: &Ctx,
    id: ClientGroupId,
    if_match: IfMatch,
    build: impl FnOnce(&ClientGroup) -> Result<ClientGroupIn, ApiError>,
) -> Result<ClientGroup, ApiError> {
    ctx.require_write()?;
    let now = state.now();
    let mut tx = ctx.write().await?;
    let current = tx.client_group(id).await?.ok_or_else(not_found)?;
    let values = validate(build(&current)?)?;
    // Preconditions count only for a request that is otherwise valid
    // (RFC 9110 13.2.1): a malformed body is 400 even when stale.
    if_match.check(current.version)?;
    if !tx
        .update_client_group(id, &values, current.version, now)
        .await?
    {
        return Err(stale());
    }
    let updated = reload(&mut tx, id).await?;
    if !events::updated(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &ClientGroupOut::from(&current),
        &ClientGroupOut::from(&updated),
    )
    .await?
    {
        // Nothing changed: keep the version, record nothing.
        return Ok(current);
    }
    tx.commit().await?;
    Ok(updated)
}

/// Deletes a group. Its clients stay; only their link to it goes (the
/// database cascades it), so a group is never "in use".
pub async fn delete(
    state: &AppState,
    ctx: &Ctx,
    id: ClientGroupId,
    if_match: IfMatch,
) -> Result<(), ApiError> {
    ctx.require_write()?;
    let now = state.now();
    let mut tx = ctx.write().await?;
    let current = tx.client_group(id).await?.ok_or_else(not_found)?;
    if_match.check(current.version)?;
    tx.delete_client_group(id).await?;
    events::deleted(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &ClientGroupOut::from(&current),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
