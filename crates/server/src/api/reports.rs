//! `/reports`: time grouped by client, project, member, task, service,
//! topic, day, week or month; the dashboard; what is ready to invoice.

use axum::extract::State;
use axum::response::Response;
use chrono::NaiveDate;
use stint_core::ids::{ClientId, MemberId, ProjectId, ServiceId, TaskId, TopicId};
use stint_store::reports::Dimension;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::dto::reports::{DashboardOut, TimeReportOut, UninvoicedOut};
use super::error::{ApiError, Code};
use super::extract::Query;
use super::response::{self, Data};
use super::time_entries::TimeEntryListQuery;
use crate::auth::Ctx;
use crate::services::reports;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(time_report))
        .routes(routes!(dashboard))
        .routes(routes!(uninvoiced_report))
}

/// Parameters of the time report.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TimeReportQuery {
    /// One to three of client, project, member, task, service, topic, day, week, month, comma-separated.
    #[param(example = "client,month")]
    pub group_by: String,
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<NaiveDate>,
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<NaiveDate>,
    /// Repeat for several members. Members only ever see their own time.
    #[serde(default)]
    pub member_id: Vec<MemberId>,
    pub client_id: Option<ClientId>,
    pub project_id: Option<ProjectId>,
    pub task_id: Option<TaskId>,
    pub service_id: Option<ServiceId>,
    pub topic_id: Option<TopicId>,
    pub billable: Option<bool>,
    /// `completed` or `invoiced`, comma-separated (running timers are never counted).
    #[param(pattern = "^(running|completed|invoiced)(,(running|completed|invoiced))*$")]
    pub status: Option<String>,
    pub invoiced: Option<bool>,
    pub tag: Option<String>,
    pub q: Option<String>,
}

/// The dimensions a time report groups by, in the order of the document.
const DIMENSIONS: [&str; 9] = [
    "client", "project", "member", "task", "service", "topic", "day", "week", "month",
];

/// `group_by` is a comma-separated list (`style: form, explode: false`) of
/// one to three distinct dimensions; `api/openapi.rs` documents it so.
pub fn group_by_schema() -> utoipa::openapi::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(DIMENSIONS)),
        )
        .min_items(Some(1))
        .max_items(Some(3))
        .unique_items(true)
        .build()
}

fn dimensions(group_by: &str) -> Result<Vec<Dimension>, ApiError> {
    let refuse = |message: String| {
        ApiError::new(Code::InvalidQuery, format!("`group_by` {message}")).with_details(vec![
            stint_core::FieldError {
                field: "group_by".into(),
                message,
            },
        ])
    };
    let mut out = Vec::new();
    // Exactly the documented list: no spaces, no empty items.
    if group_by.split(',').any(str::is_empty) {
        return Err(refuse("must name one to three dimensions".into()));
    }
    for part in group_by.split(',') {
        let dimension = Dimension::parse(part).ok_or_else(|| {
            refuse(format!("has an unknown dimension `{part}`; use client, project, member, task, service, topic, day, week or month"))
        })?;
        if out.contains(&dimension) {
            return Err(refuse(format!("names `{part}` twice")));
        }
        out.push(dimension);
    }
    if out.is_empty() || out.len() > 3 {
        return Err(refuse("must name one to three dimensions".into()));
    }
    Ok(out)
}

/// Time report
///
/// Completed and invoiced time grouped by one to three dimensions, with
/// seconds, billable seconds, billable amount per currency and the number
/// of entries, plus totals. Takes the time-entry filters. Rows are ordered
/// by their keys in `group_by` order (record ids, dates and periods as
/// shown), rows without a key (time with no client, say) first.
#[utoipa::path(get, path = "/reports/time", tag = "Reports",
    params(TimeReportQuery),
    responses((status = 200, description = "The report", body = Data<TimeReportOut>)))]
pub async fn time_report(
    ctx: Ctx,
    Query(query): Query<TimeReportQuery>,
) -> Result<Response, ApiError> {
    let dimensions = dimensions(&query.group_by)?;
    let filter = TimeEntryListQuery {
        from: query.from,
        to: query.to,
        member_id: query.member_id.clone(),
        client_id: query.client_id,
        project_id: query.project_id,
        task_id: query.task_id,
        service_id: query.service_id,
        topic_id: query.topic_id,
        billable: query.billable,
        status: query.status.clone(),
        invoiced: query.invoiced,
        tag: query.tag.clone(),
        q: query.q.clone(),
        ..Default::default()
    }
    .filter(&ctx)?;
    Ok(response::ok(
        reports::time_report(&ctx, &dimensions, &filter).await?,
    ))
}

/// Dashboard
///
/// Hours today, this week and this month (the caller's and, for owners,
/// admins and API keys, everyone's; running timers count up to now), this
/// month's billable amount, running timers, the top five clients of the
/// month and hours per day of the month.
#[utoipa::path(get, path = "/reports/dashboard", tag = "Reports",
    responses((status = 200, description = "The dashboard", body = Data<DashboardOut>)))]
pub async fn dashboard(State(state): State<AppState>, ctx: Ctx) -> Result<Response, ApiError> {
    Ok(response::ok(reports::dashboard(&state, &ctx).await?))
}

/// Parameters of the uninvoiced report.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UninvoicedQuery {
    /// Only this client.
    pub client_id: Option<ClientId>,
    /// Only time and expenses dated up to this local date, inclusive.
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<NaiveDate>,
}

/// Ready to invoice
///
/// Billable, completed, not yet invoiced time entries and billable open
/// expenses, per client, with amounts per currency.
#[utoipa::path(get, path = "/reports/uninvoiced", tag = "Reports",
    params(UninvoicedQuery),
    responses((status = 200, description = "Per client", body = Data<UninvoicedOut>)))]
pub async fn uninvoiced_report(
    ctx: Ctx,
    Query(query): Query<UninvoicedQuery>,
) -> Result<Response, ApiError> {
    Ok(response::ok(
        reports::uninvoiced(&ctx, query.client_id, query.to).await?,
    ))
}
