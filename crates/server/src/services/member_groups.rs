//! Team (member group) use cases: create, replace, patch, delete —
//! validated, versioned, and recorded as `member_group.*` events in the
//! same transaction. Nothing refers to a team but its membership links, so
//! a team can always be deleted; archiving keeps it out of lists and `/me`.

use stint_core::Validation;
use stint_core::ids::MemberGroupId;
use stint_core::validation::name_problem;
use stint_store::member_groups::{MemberGroup, MemberGroupValues};
use stint_store::{Tenant, Tx};

use super::events;
use crate::api::conditional::{IfMatch, stale};
use crate::api::dto::member_groups::{MemberGroupIn, MemberGroupOut};
use crate::api::error::ApiError;
use crate::auth::Ctx;
use crate::state::AppState;

const RESOURCE: &str = "member_group";

fn not_found() -> ApiError {
    ApiError::not_found("team")
}

async fn validate(
    tx: &mut Tenant<Tx>,
    input: MemberGroupIn,
) -> Result<MemberGroupValues, ApiError> {
    let mut v = Validation::new();
    v.check("name", name_problem(&input.name, 100));
    let mut member_ids = input.member_ids.clone();
    member_ids.sort();
    member_ids.dedup();
    let missing = tx.missing(&member_ids).await?;
    // In the order sent, each unknown id once (at its first place).
    for (index, id) in input.member_ids.iter().enumerate() {
        if missing.contains(id) && !input.member_ids[..index].contains(id) {
            v.missing(format!("member_ids[{index}]"), "member");
        }
    }
    v.finish().map_err(ApiError::validation)?;
    Ok(MemberGroupValues {
        name: input.name.trim().to_owned(),
        status: input.status.as_str().to_owned(),
        member_ids,
    })
}

async fn reload(tx: &mut Tenant<Tx>, id: MemberGroupId) -> Result<MemberGroup, ApiError> {
    tx.member_group(id)
        .await?
        .ok_or_else(|| ApiError::internal(std::io::Error::other("team vanished mid-write")))
}

pub async fn create(
    state: &AppState,
    ctx: &Ctx,
    input: MemberGroupIn,
) -> Result<MemberGroup, ApiError> {
    ctx.require_write()?;
    let now = state.now();
    let id = MemberGroupId::generate();
    let mut tx = ctx.write().await?;
    let values = validate(&mut tx, input).await?;
    tx.insert_member_group_values(id, &values, now).await?;
    let group = reload(&mut tx, id).await?;
    events::created(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &MemberGroupOut::from(&group),
    )
    .await?;
    tx.commit().await?;
    Ok(group)
}

/// Replaces a team with the input `build` makes from the current one (PUT
/// ignores it; PATCH merges into it), all inside one transaction.
pub async fn update(
    state: &AppState,
    ctx: &Ctx,
    id: MemberGroupId,
    if_match: IfMatch,
    build: impl FnOnce(&MemberGroup) -> Result<MemberGroupIn, ApiError>,
) -> Result<MemberGroup, ApiError> {
    ctx.require_write()?;
    let now = state.now();
    let mut tx = ctx.write().await?;
    let current = tx.member_group(id).await?.ok_or_else(not_found)?;
    let values = validate(&mut tx, build(&current)?).await?;
    // Preconditions count only for a request that is otherwise valid
    // (RFC 9110 13.2.1): a malformed body is 400 even when stale.
    if_match.check(current.version)?;
    if !tx
        .update_member_group(id, &values, current.version, now)
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
        &MemberGroupOut::from(&current),
        &MemberGroupOut::from(&updated),
    )
    .await?
    {
        // Nothing changed: keep the version, record nothing.
        return Ok(current);
    }
    tx.commit().await?;
    Ok(updated)
}

/// Deletes a team; its members stay, only their membership of it goes.
pub async fn delete(
    state: &AppState,
    ctx: &Ctx,
    id: MemberGroupId,
    if_match: IfMatch,
) -> Result<(), ApiError> {
    ctx.require_write()?;
    let now = state.now();
    let mut tx = ctx.write().await?;
    let current = tx.member_group(id).await?.ok_or_else(not_found)?;
    if_match.check(current.version)?;
    tx.delete_member_group(id).await?;
    events::deleted(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &MemberGroupOut::from(&current),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
