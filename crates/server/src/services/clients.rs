//! Client use cases: create, replace, patch, delete — validated, versioned,
//! and recorded in the event outbox in the same transaction.

use stint_core::Validation;
use stint_core::country::is_country_code;
use stint_core::currency::Currency;
use stint_core::ids::ClientId;
use stint_core::validation::{
    derive_initials, email_problem, locale_problem, name_problem, normalize_email, optional_text,
};
use stint_store::clients::{Client, ClientValues};
use stint_store::{Tenant, Tx};

use super::{custom_field_values, events};
use crate::api::conditional::{IfMatch, stale};
use crate::api::dto::clients::{ClientIn, ClientOut};
use crate::api::error::{ApiError, Code};
use crate::auth::Ctx;
use crate::state::AppState;

const RESOURCE: &str = "client";

fn not_found() -> ApiError {
    ApiError::not_found("client")
}

/// Checks an input against the rules and the organization's data.
async fn validate(
    tx: &mut Tenant<Tx>,
    id: ClientId,
    input: ClientIn,
) -> Result<ClientValues, ApiError> {
    let mut v = Validation::new();
    v.check("name", name_problem(&input.name, 200));
    let name = input.name.trim().to_owned();
    let mut text = |field: &str, value: &Option<String>, max: usize| match optional_text(value, max)
    {
        Ok(t) => t,
        Err(e) => {
            v.add(field, e);
            None
        }
    };
    let initials = text("initials", &input.initials, 10);
    // Coded values (email, country, locale, currency) are checked exactly as
    // sent, as the document describes them; only free text is trimmed.
    let email = input.email.as_deref().map(normalize_email);
    let phone = text("phone", &input.phone, 50);
    let vat_number = text("vat_number", &input.vat_number, 50);
    let company_number = text("company_number", &input.company_number, 50);
    let address = input.address.unwrap_or_default();
    let street = text("address.street", &address.street, 200);
    let postal_code = text("address.postal_code", &address.postal_code, 20);
    let city = text("address.city", &address.city, 100);
    let region = text("address.region", &address.region, 100);
    let country_code = address.country_code.clone();
    let locale = input.locale.clone();
    let notes = text("notes", &input.notes, 10_000);
    if let Some(e) = &email {
        v.check("email", email_problem(e));
    }
    if let Some(c) = &country_code
        && !is_country_code(c)
    {
        v.add(
            "address.country_code",
            "must be an ISO 3166-1 alpha-2 code such as FR",
        );
    }
    if let Some(l) = &locale {
        v.check("locale", locale_problem(l));
    }
    let currency = match input.currency.as_deref().map(str::to_owned) {
        Some(code) => {
            if Currency::from_code(&code).is_none() {
                v.add("currency", "must be an ISO 4217 code such as EUR");
            }
            code
        }
        None => tx.organization().await?.currency,
    };
    if let Some(days) = input.payment_terms_days
        && !(0..=365).contains(&days)
    {
        v.add("payment_terms_days", "must be between 0 and 365");
    }
    let mut group_ids = input.group_ids.clone();
    group_ids.sort();
    group_ids.dedup();
    for missing in tx.missing(&group_ids).await? {
        let index = input
            .group_ids
            .iter()
            .position(|g| *g == missing)
            .unwrap_or_default();
        v.missing(format!("group_ids[{index}]"), "client group");
    }
    if let Some(contact) = input.default_contact_id
        && !tx.belongs(contact, "client_id", id.uuid()).await?
    {
        // Another client's contact is, for this client, a contact that
        // does not exist: a missing reference (404 when alone), which no
        // document can tell apart from a valid id beforehand.
        if tx.exists(contact).await? {
            v.missing("default_contact_id", "contact of this client");
        } else {
            v.missing("default_contact_id", "contact");
        }
    }
    let mut custom_fields = input.custom_fields;
    custom_field_values::validate(tx, RESOURCE, &mut custom_fields, &mut v).await?;
    v.finish().map_err(ApiError::validation)?;
    let initials = initials.unwrap_or_else(|| derive_initials(&name));
    Ok(ClientValues {
        name,
        initials,
        kind: input.kind.as_str().to_owned(),
        email,
        phone,
        vat_number,
        company_number,
        street,
        postal_code,
        city,
        region,
        country_code,
        locale,
        currency,
        payment_terms_days: input.payment_terms_days,
        notes,
        default_contact_id: input.default_contact_id,
        custom_fields,
        status: input.status.as_str().to_owned(),
        group_ids,
    })
}

async fn reload(tx: &mut Tenant<Tx>, id: ClientId) -> Result<Client, ApiError> {
    tx.client(id)
        .await?
        .ok_or_else(|| ApiError::internal(std::io::Error::other("client vanished mid-write")))
}

pub async fn create(state: &AppState, ctx: &Ctx, input: ClientIn) -> Result<Client, ApiError> {
    ctx.require_write()?;
    let now = state.now();
    let id = ClientId::generate();
    let mut tx = ctx.write().await?;
    let values = validate(&mut tx, id, input).await?;
    tx.insert_client(id, &values, now).await?;
    let client = reload(&mut tx, id).await?;
    events::created(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &ClientOut::from(&client),
    )
    .await?;
    tx.commit().await?;
    Ok(client)
}

/// Replaces a client with the input `build` makes from the current one
/// (PUT ignores it; PATCH merges into it), all inside one transaction.
pub async fn update(
    state: &AppState,
    ctx: &Ctx,
    id: ClientId,
    if_match: IfMatch,
    build: impl FnOnce(&Client) -> Result<ClientIn, ApiError>,
) -> Result<Client, ApiError> {
    ctx.require_write()?;
    let now = state.now();
    let mut tx = ctx.write().await?;
    let current = tx.client(id).await?.ok_or_else(not_found)?;
    let values = validate(&mut tx, id, build(&current)?).await?;
    // Preconditions count only for a request that is otherwise valid
    // (RFC 9110 13.2.1): a malformed body is 400 even when stale.
    if_match.check(current.version)?;
    if !tx.update_client(id, &values, current.version, now).await? {
        return Err(stale());
    }
    let updated = reload(&mut tx, id).await?;
    if !events::updated(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &ClientOut::from(&current),
        &ClientOut::from(&updated),
    )
    .await?
    {
        // Nothing changed: keep the version, record nothing.
        return Ok(current);
    }
    tx.commit().await?;
    Ok(updated)
}

/// Deletes an unused client with its contacts; one with history must be
/// archived instead.
pub async fn delete(
    state: &AppState,
    ctx: &Ctx,
    id: ClientId,
    if_match: IfMatch,
) -> Result<(), ApiError> {
    ctx.require_write()?;
    let now = state.now();
    let mut tx = ctx.write().await?;
    let current = tx.client(id).await?.ok_or_else(not_found)?;
    if_match.check(current.version)?;
    if let Some(what) = tx.client_references(id).await? {
        return Err(ApiError::new(
            Code::InUse,
            format!(
                "This client has {what}, so it cannot be deleted; archive it with PATCH {{\"status\": \"archived\"}}"
            ),
        ));
    }
    super::contacts_cascade::delete_contacts_of_client(&mut tx, ctx, now, id).await?;
    super::catalog_services::delete_rates_of_client(&mut tx, ctx, now, id).await?;
    tx.delete_client(id).await?;
    events::deleted(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &ClientOut::from(&current),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
