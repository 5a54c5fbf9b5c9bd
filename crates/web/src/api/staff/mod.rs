//! The back office in the API: the work queue and assignment, the supervisor's
//! overview, staff administration and blocking, the audit log for auditors.

mod accounts;
mod audit;
mod broadcasts;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kabinet_app::backoffice::{self, QueueItem, QueueQuery};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::json::{ApiJson, ApiQuery};
use crate::error::Problem;
use crate::session::Visit;
use crate::{AppState, WebError};

pub use accounts::*;
pub use audit::*;
pub use broadcasts::*;

fn blank_none(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// The work queue's filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueParams {
    /// A status (by default the open ones: submitted, in progress, needs
    /// clarification, approved).
    pub status: Option<String>,
    /// A service id.
    pub service_id: Option<String>,
    /// `true`: only those past their due date.
    pub overdue: Option<String>,
    /// `me`, `none` (nobody has taken it) or a staff account id.
    pub assignee: Option<String>,
    /// `true`: closed ones too.
    pub all: Option<String>,
    /// Page, from 1.
    pub page: Option<i64>,
    /// Rows per page (1–100, 50 by default).
    pub per_page: Option<i64>,
}

fn truthy(v: &Option<String>) -> bool {
    matches!(v.as_deref(), Some("true" | "1" | "on" | "yes"))
}

impl QueueParams {
    /// The use case's query.
    pub fn query(&self) -> QueueQuery {
        QueueQuery {
            status: blank_none(self.status.clone()),
            service_id: blank_none(self.service_id.clone()),
            overdue: truthy(&self.overdue),
            assignee: blank_none(self.assignee.clone()),
            all: truthy(&self.all),
        }
    }
}

/// One line of the queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueEntry {
    /// Application id.
    pub id: String,
    /// Its number.
    pub number: String,
    /// Service id.
    pub service_id: String,
    /// Service title.
    pub service_title: String,
    /// Status.
    pub status: String,
    /// Submitted (RFC 3339).
    pub submitted_at: Option<String>,
    /// Due date (`YYYY-MM-DD`).
    pub due_on: Option<String>,
    /// `overdue`, `due_soon` (today or tomorrow), `on_time` or `closed`.
    pub urgency: String,
    /// The staff account that has it.
    pub assignee: Option<String>,
    /// Its e-mail.
    pub assignee_email: Option<String>,
}

impl From<QueueItem> for QueueEntry {
    fn from(i: QueueItem) -> QueueEntry {
        QueueEntry {
            id: i.id,
            number: i.number,
            service_id: i.service_id,
            service_title: i.service_title,
            status: i.status,
            submitted_at: i.submitted_at.map(kabinet_store::ts::format),
            due_on: i.due_on.map(|d| d.to_string()),
            urgency: i.urgency.as_str().to_owned(),
            assignee: i.assignee,
            assignee_email: i.assignee_email,
        }
    }
}

/// A page of the queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct Queue {
    /// The applications, the earliest due first.
    pub items: Vec<QueueEntry>,
    /// How many match.
    pub total: i64,
    /// This page.
    pub page: i64,
}

/// The work queue (BO-2).
#[utoipa::path(get, path = "/api/v1/staff/applications", tag = "staff",
    summary = "Очередь заявлений",
    params(QueueParams),
    responses(
        (status = 200, description = "A page of the queue", body = Queue),
        (status = 403, description = "Not an operator or supervisor, or no second factor", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn queue(
    State(state): State<AppState>,
    visit: Visit,
    ApiQuery(p): ApiQuery<QueueParams>,
) -> Result<Json<Queue>, WebError> {
    let who = visit.require()?;
    let page = p.page.unwrap_or(1).max(1);
    let (items, total) =
        backoffice::queue(&state.app, who, &p.query(), page, p.per_page.unwrap_or(50)).await?;
    Ok(Json(Queue {
        items: items.into_iter().map(QueueEntry::from).collect(),
        total,
        page,
    }))
}

/// Whom to give the application to.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Assign {
    /// `me` («Взять в работу») or, for a supervisor, a staff account id.
    pub assignee: String,
}

/// «Взять в работу» (`me`: assigned to oneself and, when submitted, moved to
/// `in_progress` in one step, the same use case as the page's button) or reassign
/// (supervisors).
#[utoipa::path(post, path = "/api/v1/staff/applications/{id}/assign", tag = "staff",
    summary = "Взять в работу / передать",
    request_body = Assign,
    params(("id" = String, Path, description = "The application"), ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses(
        (status = 200, description = "Assigned (and, with `me`, in work)"),
        (status = 403, description = "Reassigning is for supervisors", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Someone else took it first", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No such member of staff", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn assign(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Assign>,
) -> Result<StatusCode, WebError> {
    let who = visit.require_with_csrf_header()?;
    backoffice::assign(&state.app, &visit.ctx, who, &id, &body.assignee).await?;
    Ok(StatusCode::OK)
}

/// A count.
#[derive(Debug, Serialize, ToSchema)]
pub struct Count {
    /// What is counted: a status, a service title or a staff e-mail (`null`: nobody).
    pub key: Option<String>,
    /// Open applications (for statuses: all with that status).
    pub count: i64,
    /// Of them past their due date.
    pub overdue: i64,
}

/// A day of the chart.
#[derive(Debug, Serialize, ToSchema)]
pub struct Day {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Submitted that day.
    pub received: i64,
    /// Completed that day.
    pub completed: i64,
}

/// The supervisor's overview.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverviewBody {
    /// By status.
    pub by_status: Vec<Count>,
    /// Open ones by service.
    pub by_service: Vec<Count>,
    /// Open ones by operator.
    pub by_operator: Vec<Count>,
    /// The last 30 days.
    pub per_day: Vec<Day>,
}

/// The overview of deadlines and workload (BO-3).
#[utoipa::path(get, path = "/api/v1/staff/overview", tag = "staff",
    summary = "Сводка руководителя",
    responses((status = 200, description = "Counts and the last 30 days", body = OverviewBody)))]
pub async fn overview(
    State(state): State<AppState>,
    visit: Visit,
) -> Result<Json<OverviewBody>, WebError> {
    let who = visit.require()?;
    let o = backoffice::overview(&state.app, who).await?;
    Ok(Json(OverviewBody {
        by_status: o
            .by_status
            .into_iter()
            .map(|(k, n)| Count {
                overdue: o
                    .status_overdue
                    .iter()
                    .find(|(s, _)| *s == k)
                    .map_or(0, |(_, d)| *d),
                key: Some(k),
                count: n,
            })
            .collect(),
        by_service: o
            .by_service
            .into_iter()
            .map(|(k, n, od)| Count {
                key: Some(k),
                count: n,
                overdue: od,
            })
            .collect(),
        by_operator: o
            .by_operator
            .into_iter()
            .map(|(k, n, od)| Count {
                key: k,
                count: n,
                overdue: od,
            })
            .collect(),
        per_day: o
            .per_day
            .into_iter()
            .map(|(d, r, c)| Day {
                day: d.to_string(),
                received: r,
                completed: c,
            })
            .collect(),
    }))
}

/// The routes of this area, each declared once by its `#[utoipa::path]`.
pub(crate) fn router() -> utoipa_axum::router::OpenApiRouter<crate::AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(queue))
        .routes(utoipa_axum::routes!(assign))
        .routes(utoipa_axum::routes!(overview))
        .routes(utoipa_axum::routes!(staff_list, create_staff))
        .routes(utoipa_axum::routes!(set_role))
        .routes(utoipa_axum::routes!(block))
        .routes(utoipa_axum::routes!(unblock))
        .routes(utoipa_axum::routes!(audit))
        .routes(utoipa_axum::routes!(broadcasts, create_broadcast))
        .routes(utoipa_axum::routes!(broadcast))
}
