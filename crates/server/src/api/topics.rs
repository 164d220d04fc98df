//! `/topics`: list, show, create, replace, patch, delete.

use axum::extract::State;
use axum::response::Response;
use stint_core::ids::TopicId;
use stint_store::topics::TopicFilter;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::conditional::IfMatch;
use super::dto::topics::{TopicIn, TopicOut, TopicPatch};
use super::error::{ApiError, ErrorBody};
use super::extract::{Json, Path, Query};
use super::list_params::status_filter;
use super::pagination;
use super::patch::{PatchJson, merge};
use super::response::{self, Data, List};
use crate::auth::Ctx;
use crate::list_query;
use crate::services::topics;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_topics, create_topic))
        .routes(routes!(get_topic, replace_topic, patch_topic, delete_topic))
}

fn location(id: TopicId) -> String {
    format!("/api/v1/topics/{id}")
}

list_query! {
    /// Filters of the topic list.
    pub struct TopicListQuery {
        /// Case-insensitive search in the name.
        pub q: Option<String>,
        /// `active` (default), `archived` or `all`.
        #[param(pattern = "^(active|archived|all)$")]
        pub status: Option<String>,
    }
}

/// List topics
///
/// Oldest first.
#[utoipa::path(get, path = "/topics", tag = "Topics",
    params(TopicListQuery),
    responses((status = 200, description = "A page of topics", body = List<TopicOut>)))]
pub async fn list_topics(
    ctx: Ctx,
    Query(query): Query<TopicListQuery>,
) -> Result<Response, ApiError> {
    let request = query.page()?;
    let filter = TopicFilter {
        q: query.q.clone(),
        status: status_filter(query.status.as_deref(), &[])?,
    };
    let page = ctx.read().await?.list_topics(&filter, &request).await?;
    let meta = pagination::meta(&page, &request, |t| t.id.uuid());
    Ok(response::list(
        page.items.iter().map(TopicOut::from).collect(),
        meta,
    ))
}

/// Show a topic
#[utoipa::path(get, path = "/topics/{id}", tag = "Topics",
    params(("id" = TopicId, Path, description = "The topic's id")),
    responses((status = 200, description = "The topic", body = Data<TopicOut>,
        headers(("ETag" = String, description = "The topic's version, for If-Match")))))]
pub async fn get_topic(ctx: Ctx, Path(id): Path<TopicId>) -> Result<Response, ApiError> {
    let topic = ctx
        .read()
        .await?
        .topic(id)
        .await?
        .ok_or_else(|| ApiError::not_found("topic"))?;
    Ok(response::ok_versioned(
        TopicOut::from(&topic),
        topic.version,
    ))
}

/// Create a topic
#[utoipa::path(post, path = "/topics", tag = "Topics",
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    request_body = TopicIn,
    responses(
        (status = 201, description = "Created", body = Data<TopicOut>,
            headers(("Location" = String, description = "The new topic"), ("ETag" = String, description = "Its version"))),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`idempotency_key_reused` or `idempotency_key_in_use`", body = ErrorBody),
    ))]
pub async fn create_topic(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(input): Json<TopicIn>,
) -> Result<Response, ApiError> {
    let topic = topics::create(&state, &ctx, input).await?;
    Ok(response::created(
        &location(topic.id),
        TopicOut::from(&topic),
        Some(topic.version),
    ))
}

/// Replace a topic
///
/// Every field is set from the body; an absent `status` is `active`.
#[utoipa::path(put, path = "/topics/{id}", tag = "Topics",
    params(
        ("id" = TopicId, Path, description = "The topic's id"),
        ("If-Match" = Option<String>, Header, description = "Only apply if the topic is still at this ETag"),
    ),
    request_body = TopicIn,
    responses(
        (status = 200, description = "Replaced", body = Data<TopicOut>),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 412, description = "`precondition_failed`: the topic changed since that ETag", body = ErrorBody),
    ))]
pub async fn replace_topic(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<TopicId>,
    if_match: IfMatch,
    Json(input): Json<TopicIn>,
) -> Result<Response, ApiError> {
    let topic = topics::update(&state, &ctx, id, if_match, |_| Ok(input)).await?;
    Ok(response::ok_versioned(
        TopicOut::from(&topic),
        topic.version,
    ))
}

/// Update a topic
///
/// Only the fields sent change (a JSON merge patch). Archive with
/// `{"status": "archived"}`.
#[utoipa::path(patch, path = "/topics/{id}", tag = "Topics",
    params(
        ("id" = TopicId, Path, description = "The topic's id"),
        ("If-Match" = Option<String>, Header, description = "Only apply if the topic is still at this ETag"),
    ),
    request_body = TopicPatch,
    responses(
        (status = 200, description = "Updated", body = Data<TopicOut>),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 412, description = "`precondition_failed`: the topic changed since that ETag", body = ErrorBody),
    ))]
pub async fn patch_topic(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<TopicId>,
    if_match: IfMatch,
    patch: PatchJson<TopicPatch>,
) -> Result<Response, ApiError> {
    let topic = topics::update(&state, &ctx, id, if_match, |current| {
        merge(&TopicIn::from(current), &patch.raw)
    })
    .await?;
    Ok(response::ok_versioned(
        TopicOut::from(&topic),
        topic.version,
    ))
}

/// Delete a topic
///
/// Deletes a topic no task is filed under. A topic in use answers
/// `409 in_use`: archive it instead.
#[utoipa::path(delete, path = "/topics/{id}", tag = "Topics",
    params(
        ("id" = TopicId, Path, description = "The topic's id"),
        ("If-Match" = Option<String>, Header, description = "Only delete if the topic is still at this ETag"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`in_use`: archive it instead", body = ErrorBody),
        (status = 412, description = "`precondition_failed`", body = ErrorBody),
    ))]
pub async fn delete_topic(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<TopicId>,
    if_match: IfMatch,
) -> Result<Response, ApiError> {
    topics::delete(&state, &ctx, id, if_match).await?;
    Ok(response::no_content())
}
