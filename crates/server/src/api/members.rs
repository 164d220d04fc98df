//! `/members`: list, show, invite, replace, patch, deactivate.

use axum::extract::State;
use axum::response::Response;
use stint_core::Role;
use stint_core::ids::{MemberGroupId, MemberId};
use stint_store::members::MemberFilter;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::conditional::IfMatch;
use super::dto::members::{InvitedMemberOut, MemberIn, MemberInvite, MemberOut, MemberPatch};
use super::error::{ApiError, ErrorBody};
use super::extract::{Json, Path, Query};
use super::list_params::status_filter;
use super::pagination;
use super::patch::{PatchJson, merge};
use super::response::{self, Data, List};
use crate::auth::Ctx;
use crate::list_query;
use crate::services::members;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_members, invite_member))
        .routes(routes!(
            get_member,
            replace_member,
            patch_member,
            delete_member
        ))
}

fn location(id: MemberId) -> String {
    format!("/api/v1/members/{id}")
}

list_query! {
    /// Filters of the member list.
    pub struct MemberListQuery {
        /// Case-insensitive search in name, surname and email.
        pub q: Option<String>,
        /// `active` (default: active and invited members), `archived` (inactive ones), `all`, or exactly `invited` or `inactive`.
        #[param(pattern = "^(active|archived|all|(invited|inactive)(,(invited|inactive))*)$")]
        pub status: Option<String>,
        /// Only members with this role.
        pub role: Option<Role>,
        /// Only members of this team.
        pub group_id: Option<MemberGroupId>,
    }
}

/// List members
///
/// Oldest first. By default active and invited members; `status=archived`
/// lists the deactivated ones.
#[utoipa::path(get, path = "/members", tag = "Members",
    params(MemberListQuery),
    responses((status = 200, description = "A page of members", body = List<MemberOut>)))]
pub async fn list_members(
    ctx: Ctx,
    Query(query): Query<MemberListQuery>,
) -> Result<Response, ApiError> {
    let request = query.page()?;
    let filter = MemberFilter {
        q: query.q.clone(),
        status: status_filter(query.status.as_deref(), &["invited", "inactive"])?,
        role: query.role.map(|r| r.as_str().to_owned()),
        group_id: query.group_id,
    };
    let page = ctx.read().await?.list_members(&filter, &request).await?;
    let meta = pagination::meta(&page, &request, |m| m.id.uuid());
    Ok(response::list(
        page.items.iter().map(MemberOut::from).collect(),
        meta,
    ))
}

/// Show a member
#[utoipa::path(get, path = "/members/{id}", tag = "Members",
    params(("id" = MemberId, Path, description = "The member's id")),
    responses((status = 200, description = "The member", body = Data<MemberOut>,
        headers(("ETag" = String, description = "The member's version, for If-Match")))))]
pub async fn get_member(ctx: Ctx, Path(id): Path<MemberId>) -> Result<Response, ApiError> {
    let member = ctx
        .read()
        .await?
        .member(id)
        .await?
        .ok_or_else(|| ApiError::not_found("member"))?;
    Ok(response::ok_versioned(
        MemberOut::from(&member),
        member.version,
    ))
}

/// Invite a member
///
/// Creates the person's account when the email has none (without a
/// password), adds a membership with status `invited`, and answers a
/// one-time `invitation_token`, valid 7 days, which the invitee sends to
/// `POST /invitations/accept`. Only its SHA-256 is stored, so it is shown
/// here once. Inviting a deactivated member again reopens their membership
/// as `invited` (recorded as `member.updated`) with a new token; an email
/// that is already an active or invited member answers `409 conflict`
/// (to send a fresh token to an invited member, deactivate then invite
/// again). Only owners may invite an owner.
#[utoipa::path(post, path = "/members", tag = "Members",
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    request_body = MemberInvite,
    responses(
        (status = 201, description = "Invited", body = Data<InvitedMemberOut>,
            headers(("Location" = String, description = "The member"), ("ETag" = String, description = "Its version"))),
        (status = 403, description = "`insufficient_role` (members cannot invite; only owners invite owners) or `insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`conflict`: already a member of this organization; `idempotency_key_reused` or `idempotency_key_in_use`", body = ErrorBody),
    ))]
pub async fn invite_member(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(input): Json<MemberInvite>,
) -> Result<Response, ApiError> {
    let invited = members::invite(&state, &ctx, input).await?;
    let out = InvitedMemberOut {
        member: MemberOut::from(&invited.member),
        invitation_token: invited.token,
        invitation_expires_at: invited.expires_at,
    };
    Ok(response::created(
        &location(invited.member.id),
        out,
        Some(invited.member.version),
    ))
}

/// Replace a member
///
/// Sets the profile, role and teams from the body; absent optional fields
/// are cleared. `email` and `status` are read-only (status changes through
/// invite, accept and delete). Owners, admins and write keys may change
/// any member; only owners may grant or remove the owner role, and the
/// last active owner cannot be demoted (`409 last_owner`). A member may
/// only change their own name, surname, initials, phone and time zone.
#[utoipa::path(put, path = "/members/{id}", tag = "Members",
    params(
        ("id" = MemberId, Path, description = "The member's id"),
        ("If-Match" = Option<String>, Header, description = "Only apply if the member is still at this ETag"),
    ),
    request_body = MemberIn,
    responses(
        (status = 200, description = "Replaced", body = Data<MemberOut>),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`last_owner`: the last active owner cannot be demoted", body = ErrorBody),
        (status = 412, description = "`precondition_failed`: the member changed since that ETag", body = ErrorBody),
    ))]
pub async fn replace_member(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<MemberId>,
    if_match: IfMatch,
    Json(input): Json<MemberIn>,
) -> Result<Response, ApiError> {
    let member = members::update(&state, &ctx, id, if_match, |_| Ok(input)).await?;
    Ok(response::ok_versioned(
        MemberOut::from(&member),
        member.version,
    ))
}

/// Update a member
///
/// Only the fields sent change (a JSON merge patch); `null` clears a
/// field. A member may patch only their own name, surname, initials, phone
/// and time zone (anything else is `403 insufficient_role`); owners,
/// admins and write keys may change role, teams and rates of anyone. Only
/// owners may grant or remove the owner role; the last active owner cannot
/// be demoted (`409 last_owner`). `email` and `status` are read-only.
#[utoipa::path(patch, path = "/members/{id}", tag = "Members",
    params(
        ("id" = MemberId, Path, description = "The member's id"),
        ("If-Match" = Option<String>, Header, description = "Only apply if the member is still at this ETag"),
    ),
    request_body = MemberPatch,
    responses(
        (status = 200, description = "Updated", body = Data<MemberOut>),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`last_owner`: the last active owner cannot be demoted", body = ErrorBody),
        (status = 412, description = "`precondition_failed`: the member changed since that ETag", body = ErrorBody),
    ))]
pub async fn patch_member(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<MemberId>,
    if_match: IfMatch,
    patch: PatchJson<MemberPatch>,
) -> Result<Response, ApiError> {
    let member = members::update(&state, &ctx, id, if_match, |current| {
        merge(&MemberIn::from(current), &patch.raw)
    })
    .await?;
    Ok(response::ok_versioned(
        MemberOut::from(&member),
        member.version,
    ))
}

/// Deactivate a member
///
/// Members are never deleted: their time and history stay. The status
/// becomes `inactive`, their sessions stop working at once, a pending
/// invitation is cancelled, and `member.deactivated` is recorded.
/// Deactivating an inactive member changes nothing. Only owners may
/// deactivate an owner; the last active owner cannot be deactivated
/// (`409 last_owner`). Invite the email again to bring them back.
#[utoipa::path(delete, path = "/members/{id}", tag = "Members",
    params(
        ("id" = MemberId, Path, description = "The member's id"),
        ("If-Match" = Option<String>, Header, description = "Only deactivate if the member is still at this ETag"),
    ),
    responses(
        (status = 204, description = "Deactivated"),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`last_owner`: the last active owner cannot be deactivated", body = ErrorBody),
        (status = 412, description = "`precondition_failed`", body = ErrorBody),
    ))]
pub async fn delete_member(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<MemberId>,
    if_match: IfMatch,
) -> Result<Response, ApiError> {
    members::deactivate(&state, &ctx, id, if_match).await?;
    Ok(response::no_content())
}
