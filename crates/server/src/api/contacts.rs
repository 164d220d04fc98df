//! `/contacts` (list, show, create, replace, patch, delete) and
//! `/clients/{id}/contacts` (the same list, scoped to one client).

use axum::extract::State;
use axum::response::Response;
use stint_core::ids::{ClientId, ContactId};
use stint_core::validation::normalize_email;
use stint_store::contacts::ContactFilter;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::conditional::IfMatch;
use super::dto::contacts::{ContactIn, ContactOut, ContactPatch};
use super::error::{ApiError, ErrorBody};
use super::extract::{Json, Path, Query};
use super::list_params::status_filter;
use super::pagination;
use super::patch::PatchJson;
use super::response::{self, Data, List};
use crate::auth::Ctx;
use crate::list_query;
use crate::services::contacts;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_contacts, create_contact))
        .routes(routes!(
            get_contact,
            replace_contact,
            patch_contact,
            delete_contact
        ))
        .routes(routes!(list_client_contacts))
}

fn location(id: ContactId) -> String {
    format!("/api/v1/contacts/{id}")
}

list_query! {
    /// Filters of the contact list.
    pub struct ContactListQuery {
        /// Case-insensitive search in name, surname and email.
        pub q: Option<String>,
        /// `active` (default), `archived` or `all`.
        #[param(pattern = "^(active|archived|all)$")]
        pub status: Option<String>,
        /// Only contacts of this client.
        pub client_id: Option<ClientId>,
        /// Only contacts with exactly this email address (case-insensitive).
        pub email: Option<String>,
    }
}

list_query! {
    /// Filters of one client's contact list.
    pub struct ClientContactListQuery {
        /// Case-insensitive search in name, surname and email.
        pub q: Option<String>,
        /// `active` (default), `archived` or `all`.
        #[param(pattern = "^(active|archived|all)$")]
        pub status: Option<String>,
        /// Only contacts with exactly this email address (case-insensitive).
        pub email: Option<String>,
    }
}

async fn list(
    ctx: &Ctx,
    filter: ContactFilter,
    request: stint_store::PageRequest,
    client: Option<ClientId>,
) -> Result<Response, ApiError> {
    let mut db = ctx.read().await?;
    if let Some(client) = client
        && !db.exists(client).await?
    {
        return Err(ApiError::not_found("client"));
    }
    let page = db.list_contacts(&filter, &request).await?;
    let meta = pagination::meta(&page, &request, |c| c.id.uuid());
    Ok(response::list(
        page.items.iter().map(ContactOut::from).collect(),
        meta,
    ))
}

/// List contacts
///
/// Oldest first, across every client.
#[utoipa::path(get, path = "/contacts", tag = "Contacts",
    params(ContactListQuery),
    responses((status = 200, description = "A page of contacts", body = List<ContactOut>)))]
pub async fn list_contacts(
    ctx: Ctx,
    Query(query): Query<ContactListQuery>,
) -> Result<Response, ApiError> {
    let request = query.page()?;
    let filter = ContactFilter {
        q: query.q.clone(),
        status: status_filter(query.status.as_deref(), &[])?,
        client_id: query.client_id,
        email: query.email.as_deref().map(normalize_email),
    };
    list(&ctx, filter, request, None).await
}

/// List a client's contacts
///
/// The contact list scoped to one client, oldest first.
#[utoipa::path(get, path = "/clients/{id}/contacts", tag = "Contacts",
    params(
        ("id" = ClientId, Path, description = "The client's id"),
        ClientContactListQuery,
    ),
    responses((status = 200, description = "A page of the client's contacts", body = List<ContactOut>)))]
pub async fn list_client_contacts(
    ctx: Ctx,
    Path(id): Path<ClientId>,
    Query(query): Query<ClientContactListQuery>,
) -> Result<Response, ApiError> {
    let request = query.page()?;
    let filter = ContactFilter {
        q: query.q.clone(),
        status: status_filter(query.status.as_deref(), &[])?,
        client_id: Some(id),
        email: query.email.as_deref().map(normalize_email),
    };
    list(&ctx, filter, request, Some(id)).await
}

/// Show a contact
#[utoipa::path(get, path = "/contacts/{id}", tag = "Contacts",
    params(("id" = ContactId, Path, description = "The contact's id")),
    responses((status = 200, description = "The contact", body = Data<ContactOut>,
        headers(("ETag" = String, description = "The contact's version, for If-Match")))))]
pub async fn get_contact(ctx: Ctx, Path(id): Path<ContactId>) -> Result<Response, ApiError> {
    let contact = ctx
        .read()
        .await?
        .contact(id)
        .await?
        .ok_or_else(|| ApiError::not_found("contact"))?;
    Ok(response::ok_versioned(
        ContactOut::from(&contact),
        contact.version,
    ))
}

/// Create a contact
///
/// With `is_primary: true` the client's previous primary contact stops being
/// primary (it records its own `contact.updated`).
#[utoipa::path(post, path = "/contacts", tag = "Contacts",
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    request_body = ContactIn,
    responses(
        (status = 201, description = "Created", body = Data<ContactOut>,
            headers(("Location" = String, description = "The new contact"), ("ETag" = String, description = "Its version"))),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`idempotency_key_reused` or `idempotency_key_in_use`", body = ErrorBody),
    ))]
pub async fn create_contact(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(input): Json<ContactIn>,
) -> Result<Response, ApiError> {
    let contact = contacts::create(&state, &ctx, input).await?;
    Ok(response::created(
        &location(contact.id),
        ContactOut::from(&contact),
        Some(contact.version),
    ))
}

/// Replace a contact
///
/// Every field is set from the body; absent optional fields are cleared
/// (`is_primary` becomes false). Moving the contact to another client
/// clears that client's `default_contact_id` if it was this contact.
#[utoipa::path(put, path = "/contacts/{id}", tag = "Contacts",
    params(
        ("id" = ContactId, Path, description = "The contact's id"),
        ("If-Match" = Option<String>, Header, description = "Only apply if the contact is still at this ETag"),
    ),
    request_body = ContactIn,
    responses(
        (status = 200, description = "Replaced", body = Data<ContactOut>),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 412, description = "`precondition_failed`: the contact changed since that ETag", body = ErrorBody),
    ))]
pub async fn replace_contact(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ContactId>,
    if_match: IfMatch,
    Json(input): Json<ContactIn>,
) -> Result<Response, ApiError> {
    let contact = contacts::update(&state, &ctx, id, if_match, |_| Ok(input)).await?;
    Ok(response::ok_versioned(
        ContactOut::from(&contact),
        contact.version,
    ))
}

/// Update a contact
///
/// Only the fields sent change (a JSON merge patch); `null` clears a field.
/// A new `client_id` moves the contact: it stops being primary unless the
/// same patch sets `is_primary`, and the old client loses it as its
/// `default_contact_id`. Archive with `{"status": "archived"}`.
#[utoipa::path(patch, path = "/contacts/{id}", tag = "Contacts",
    params(
        ("id" = ContactId, Path, description = "The contact's id"),
        ("If-Match" = Option<String>, Header, description = "Only apply if the contact is still at this ETag"),
    ),
    request_body = ContactPatch,
    responses(
        (status = 200, description = "Updated", body = Data<ContactOut>),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 412, description = "`precondition_failed`: the contact changed since that ETag", body = ErrorBody),
    ))]
pub async fn patch_contact(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ContactId>,
    if_match: IfMatch,
    patch: PatchJson<ContactPatch>,
) -> Result<Response, ApiError> {
    let contact = contacts::update(&state, &ctx, id, if_match, |current| {
        contacts::patch_input(current, &patch.raw)
    })
    .await?;
    Ok(response::ok_versioned(
        ContactOut::from(&contact),
        contact.version,
    ))
}

/// Delete a contact
///
/// When the contact is its client's `default_contact_id`, the client loses
/// its default contact in the same transaction (recording `client.updated`).
#[utoipa::path(delete, path = "/contacts/{id}", tag = "Contacts",
    params(
        ("id" = ContactId, Path, description = "The contact's id"),
        ("If-Match" = Option<String>, Header, description = "Only delete if the contact is still at this ETag"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 412, description = "`precondition_failed`", body = ErrorBody),
    ))]
pub async fn delete_contact(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ContactId>,
    if_match: IfMatch,
) -> Result<Response, ApiError> {
    contacts::delete(&state, &ctx, id, if_match).await?;
    Ok(response::no_content())
}
