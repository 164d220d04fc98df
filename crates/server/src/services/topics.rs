//! Topic use cases: create, replace, patch, delete — validated, versioned,
//! and recorded in the event outbox in the same transaction.

use stint_core::Validation;
use stint_core::ids::TopicId;
use stint_core::validation::name_problem;
use stint_store::topics::{Topic, TopicValues};
use stint_store::{Tenant, Tx};

use super::events;
use crate::api::conditional::{IfMatch, stale};
use crate::api::dto::topics::{TopicIn, TopicOut};
use crate::api::error::{ApiError, Code};
use crate::auth::Ctx;
use crate::state::AppState;

const RESOURCE: &str = "topic";

fn not_found() -> ApiError {
    ApiError::not_found("topic")
}

/// Checks an input against the rules.
fn validate(input: TopicIn) -> Result<TopicValues, ApiError> {
    let mut v = Validation::new();
    v.check("name", name_problem(&input.name, 200));
    v.finish().map_err(ApiError::validation)?;
    Ok(TopicValues {
        name: input.name.trim().to_owned(),
        status: input.status.as_str().to_owned(),
    })
}

async fn reload(tx: &mut Tenant<Tx>, id: TopicId) -> Result<Topic, ApiError> {
    tx.topic(id)
        .await?
        .ok_or_else(|| ApiError::internal(std::io::Error::other("topic vanished mid-write")))
}

pub async fn create(state: &AppState, ctx: &Ctx, input: TopicIn) -> Result<Topic, ApiError> {
    ctx.require_write()?;
    let values = validate(input)?;
    let now = state.now();
    let id = TopicId::generate();
    let mut tx = ctx.write().await?;
    tx.insert_topic(id, &values, now).await?;
    let topic = reload(&mut tx, id).await?;
    events::created(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &TopicOut::from(&topic),
    )
    .await?;
    tx.commit().await?;
    Ok(topic)
}

/// Replaces a topic with the input `build` makes from the current one
/// (PUT ignores it; PATCH merges into it), all inside one transaction.
pub async fn update(
    state: &AppState,
    ctx: &Ctx,
    id: TopicId,
    if_match: IfMatch,
    build: impl FnOnce(&Topic) -> Result<TopicIn, ApiError>,
) -> Result<Topic, ApiError> {
    ctx.require_write()?;
    let now = state.now();
    let mut tx = ctx.write().await?;
    let current = tx.topic(id).await?.ok_or_else(not_found)?;
    let values = validate(build(&current)?)?;
    // Preconditions count only for a request that is otherwise valid
    // (RFC 9110 13.2.1): a malformed body is 400 even when stale.
    if_match.check(current.version)?;
    if !tx.update_topic(id, &values, current.version, now).await? {
        return Err(stale());
    }
    let updated = reload(&mut tx, id).await?;
    if !events::updated(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &TopicOut::from(&current),
        &TopicOut::from(&updated),
    )
    .await?
    {
        // Nothing changed: keep the version, record nothing.
        return Ok(current);
    }
    tx.commit().await?;
    Ok(updated)
}

/// Deletes a topic no task is filed under; one in use must be archived.
pub async fn delete(
    state: &AppState,
    ctx: &Ctx,
    id: TopicId,
    if_match: IfMatch,
) -> Result<(), ApiError> {
    ctx.require_write()?;
    let now = state.now();
    let mut tx = ctx.write().await?;
    let current = tx.topic(id).await?.ok_or_else(not_found)?;
    if_match.check(current.version)?;
    if let Some(what) = tx.topic_references(id).await? {
        return Err(ApiError::new(
            Code::InUse,
            format!(
                "This topic has {what}, so it cannot be deleted; archive it with PATCH {{\"status\": \"archived\"}}"
            ),
        ));
    }
    tx.delete_topic(id).await?;
    events::deleted(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &TopicOut::from(&current),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
