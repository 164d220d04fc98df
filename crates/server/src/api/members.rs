//! Members of the organization (read side; the full members API comes with
//! the records issue).

use axum::response::Response;
use stint_core::ids::MemberId;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::ApiError;
use super::extract::{Path, Query};
use super::pagination;
use super::response::{self, Data, List};
use super::views::MemberOut;
use crate::auth::Ctx;
use crate::list_query;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_members))
        .routes(routes!(get_member))
}

list_query! {
    /// Parameters of the member list.
    pub struct MemberListQuery {}
}

/// List members
#[utoipa::path(get, path = "/members", tag = "Members",
    params(MemberListQuery),
    responses((status = 200, description = "A page of members, oldest first", body = List<MemberOut>)))]
pub async fn list_members(
    ctx: Ctx,
    Query(query): Query<MemberListQuery>,
) -> Result<Response, ApiError> {
    let request = query.page()?;
    let page = ctx.read().await?.list_members(&request).await?;
    let meta = pagination::meta(&page, &request, |m| m.id.uuid());
    Ok(response::list(
        page.items.iter().map(MemberOut::from).collect(),
        meta,
    ))
}

/// Show a member
#[utoipa::path(get, path = "/members/{id}", tag = "Members",
    params(("id" = MemberId, Path, description = "The member's id")),
    responses((status = 200, description = "The member", body = Data<MemberOut>)))]
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
