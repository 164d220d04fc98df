//! Contact use cases: create, replace, patch, delete — validated, versioned
//! and recorded in the event outbox in the same transaction. Two rules reach
//! beyond the contact itself: a client has at most one primary contact (a
//! new primary demotes the old one, which records its own
//! `contact.updated`), and a client's `default_contact_id` never points at a
//! contact that left it (deleted or moved: the client is updated and records
//! `client.updated`).

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use stint_core::Validation;
use stint_core::ids::{ClientId, ContactId};
use stint_core::validation::{email_problem, name_problem, normalize_email, optional_text};
use stint_store::contacts::{Contact, ContactValues};
use stint_store::{Tenant, Tx};

use super::events;
use crate::api::conditional::{IfMatch, stale};
use crate::api::dto::clients::ClientOut;
use crate::api::dto::contacts::{ContactIn, ContactOut};
use crate::api::error::ApiError;
use crate::api::patch::merge;
use crate::auth::Ctx;
use crate::state::AppState;

const RESOURCE: &str = "contact";

fn not_found() -> ApiError {
    ApiError::not_found("contact")
}

/// Checks an input against the rules and the organization's data.
async fn validate(tx: &mut Tenant<Tx>, input: ContactIn) -> Result<ContactValues, ApiError> {
    let mut v = Validation::new();
    v.check("name", name_problem(&input.name, 200));
    let email = normalize_email(&input.email);
    if email.is_empty() {
        v.add("email", "must not be empty");
    } else {
        v.check("email", email_problem(&email));
    }
    let mut text = |field: &str, value: &Option<String>, max: usize| match optional_text(value, max)
    {
        Ok(t) => t,
        Err(e) => {
            v.add(field, e);
            None
        }
    };
    let surname = text("surname", &input.surname, 200);
    let job_title = text("job_title", &input.job_title, 200);
    let phone = text("phone", &input.phone, 50);
    let mobile_phone = text("mobile_phone", &input.mobile_phone, 50);
    if !tx.exists(input.client_id).await? {
        v.missing("client_id", "client");
    }
    v.finish().map_err(ApiError::validation)?;
    Ok(ContactValues {
        client_id: input.client_id,
        name: input.name.trim().to_owned(),
        surname,
        email,
        job_title,
        phone,
        mobile_phone,
        is_primary: input.is_primary,
        status: input.status.as_str().to_owned(),
    })
}

async fn reload(tx: &mut Tenant<Tx>, id: ContactId) -> Result<Contact, ApiError> {
    tx.contact(id)
        .await?
        .ok_or_else(|| ApiError::internal(std::io::Error::other("contact vanished mid-write")))
}

/// Makes the client's current primary contact (other than `except`)
/// non-primary, recording `contact.updated` for it. Runs before the new
/// primary is written: the unique index allows one primary at any moment.
async fn demote_primary(
    tx: &mut Tenant<Tx>,
    ctx: &Ctx,
    now: DateTime<Utc>,
    client: ClientId,
    except: ContactId,
) -> Result<(), ApiError> {
    let Some(old) = tx.primary_contact(client).await? else {
        return Ok(());
    };
    if old.id == except || !tx.unset_primary_contact(old.id, now).await? {
        return Ok(());
    }
    let after = reload(tx, old.id).await?;
    events::updated(
        tx,
        ctx,
        now,
        RESOURCE,
        old.id.uuid(),
        &ContactOut::from(&old),
        &ContactOut::from(&after),
    )
    .await?;
    Ok(())
}

/// Clears `client.default_contact_id` when it is `contact`, recording
/// `client.updated`, because the contact is leaving that client.
async fn release_default_contact(
    tx: &mut Tenant<Tx>,
    ctx: &Ctx,
    now: DateTime<Utc>,
    client: ClientId,
    contact: ContactId,
) -> Result<(), ApiError> {
    let Some(before) = tx.client(client).await? else {
        return Ok(());
    };
    if before.default_contact_id() != Some(contact)
        || !tx.clear_default_contact(client, contact, now).await?
    {
        return Ok(());
    }
    let after = tx
        .client(client)
        .await?
        .ok_or_else(|| ApiError::internal(std::io::Error::other("client vanished mid-write")))?;
    events::updated(
        tx,
        ctx,
        now,
        "client",
        client.uuid(),
        &ClientOut::from(&before),
        &ClientOut::from(&after),
    )
    .await?;
    Ok(())
}

pub async fn create(state: &AppState, ctx: &Ctx, input: ContactIn) -> Result<Contact, ApiError> {
    ctx.require_write()?;
    let now = state.now();
    let id = ContactId::generate();
    let mut tx = ctx.write().await?;
    let values = validate(&mut tx, input).await?;
    if values.is_primary {
        demote_primary(&mut tx, ctx, now, values.client_id, id).await?;
    }
    tx.insert_contact(id, &values, now).await?;
    let contact = reload(&mut tx, id).await?;
    events::created(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &ContactOut::from(&contact),
    )
    .await?;
    tx.commit().await?;
    Ok(contact)
}

/// The input of a PATCH: the patch merged into the current contact. A
/// contact moved to another client stops being primary (it was the old
/// client's primary) unless the same patch says `is_primary`.
pub fn patch_input(current: &Contact, patch: &Map<String, Value>) -> Result<ContactIn, ApiError> {
    let mut input = merge(&ContactIn::from(current), patch)?;
    if input.client_id != current.client_id && !patch.contains_key("is_primary") {
        input.is_primary = false;
    }
    Ok(input)
}

/// Replaces a contact with the input `build` makes from the current one
/// (PUT ignores it; PATCH merges into it), all inside one transaction.
pub async fn update(
    state: &AppState,
    ctx: &Ctx,
    id: ContactId,
    if_match: IfMatch,
    build: impl FnOnce(&Contact) -> Result<ContactIn, ApiError>,
) -> Result<Contact, ApiError> {
    ctx.require_write()?;
    let now = state.now();
    let mut tx = ctx.write().await?;
    let current = tx.contact(id).await?.ok_or_else(not_found)?;
    let values = validate(&mut tx, build(&current)?).await?;
    // Preconditions count only for a request that is otherwise valid
    // (RFC 9110 13.2.1): a malformed body is 400 even when stale.
    if_match.check(current.version)?;
    // Neither side effect happens when nothing changes: the contact is
    // already its client's primary, and it has not moved.
    if values.is_primary {
        demote_primary(&mut tx, ctx, now, values.client_id, id).await?;
    }
    if values.client_id != current.client_id {
        release_default_contact(&mut tx, ctx, now, current.client_id, id).await?;
    }
    if !tx.update_contact(id, &values, current.version, now).await? {
        return Err(stale());
    }
    let updated = reload(&mut tx, id).await?;
    if !events::updated(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &ContactOut::from(&current),
        &ContactOut::from(&updated),
    )
    .await?
    {
        // Nothing changed: keep the version, record nothing.
        return Ok(current);
    }
    tx.commit().await?;
    Ok(updated)
}

/// Deletes a contact; when it is its client's default contact, the client
/// loses its default in the same transaction.
pub async fn delete(
    state: &AppState,
    ctx: &Ctx,
    id: ContactId,
    if_match: IfMatch,
) -> Result<(), ApiError> {
    ctx.require_write()?;
    let now = state.now();
    let mut tx = ctx.write().await?;
    let current = tx.contact(id).await?.ok_or_else(not_found)?;
    if_match.check(current.version)?;
    release_default_contact(&mut tx, ctx, now, current.client_id, id).await?;
    tx.delete_contact(id).await?;
    events::deleted(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &ContactOut::from(&current),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
