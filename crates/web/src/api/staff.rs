//! The back office in the API: the work queue and assignment, the supervisor's
//! overview, staff administration and blocking, the audit log for auditors.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use kabinet_app::backoffice::{self, QueueItem, QueueQuery};
use kabinet_store::audit::{Entry, Search};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::json::{ApiJson, ApiQuery};
use crate::error::Problem;
use crate::session::Visit;
use crate::{AppState, WebError};

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
pub struct Assign {
    /// `me` («Взять в работу») or, for a supervisor, a staff account id.
    pub assignee: String,
}

/// «Взять в работу» (`me`: assigned to oneself and, when submitted, moved to
/// `in_progress` in one step) or reassign (supervisors).
#[utoipa::path(post, path = "/api/v1/staff/applications/{id}/assign", tag = "staff",
    summary = "Взять в работу / передать",
    request_body = Assign,
    params(("id" = String, Path, description = "The application"), ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses(
        (status = 200, description = "Assigned"),
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

/// A staff account.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffEntry {
    /// Account id.
    pub id: String,
    /// E-mail.
    pub email: String,
    /// `operator`, `supervisor`, `auditor` or `admin`.
    pub role: String,
    /// `active` or `blocked`.
    pub status: String,
    /// Why blocked.
    pub status_reason: Option<String>,
    /// Last sign-in (RFC 3339).
    pub last_sign_in_at: Option<String>,
}

/// Staff accounts.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffList {
    /// Ordered by e-mail.
    pub items: Vec<StaffEntry>,
}

/// Staff accounts (administrators).
#[utoipa::path(get, path = "/api/v1/staff/accounts", tag = "staff",
    summary = "Сотрудники",
    responses((status = 200, description = "Every staff account", body = StaffList)))]
pub async fn staff_list(
    State(state): State<AppState>,
    visit: Visit,
) -> Result<Json<StaffList>, WebError> {
    let who = visit.require()?;
    let items = backoffice::staff_members(&state.app, who)
        .await?
        .into_iter()
        .map(|m| StaffEntry {
            id: m.id,
            email: m.email,
            role: m.role,
            status: m.status,
            status_reason: m.status_reason,
            last_sign_in_at: m.last_sign_in_at.map(kabinet_store::ts::format),
        })
        .collect();
    Ok(Json(StaffList { items }))
}

/// A new staff account.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewStaffBody {
    /// The sign-in e-mail.
    pub email: String,
    /// `operator`, `supervisor`, `auditor` or `admin`.
    pub role: String,
}

/// The account made.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedStaff {
    /// Account id.
    pub id: String,
    /// The one-time password: shown once; the first sign-in must replace it.
    pub one_time_password: String,
}

/// Creates a staff account (administrators).
#[utoipa::path(post, path = "/api/v1/staff/accounts", tag = "staff",
    summary = "Создать учётную запись сотрудника",
    request_body = NewStaffBody,
    params(("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses(
        (status = 201, description = "Created", body = CreatedStaff),
        (status = 409, description = "The e-mail is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad e-mail or role", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn create_staff(
    State(state): State<AppState>,
    visit: Visit,
    ApiJson(body): ApiJson<NewStaffBody>,
) -> Result<(StatusCode, Json<CreatedStaff>), WebError> {
    let who = visit.require_with_csrf_header()?;
    let made =
        backoffice::create_staff(&state.app, &visit.ctx, who, &body.email, &body.role).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedStaff {
            id: made.account_id,
            one_time_password: made.one_time_password,
        }),
    ))
}

/// A new role.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RoleBody {
    /// `operator`, `supervisor`, `auditor` or `admin`.
    pub role: String,
}

/// Changes a staff member's role (administrators; not their own).
#[utoipa::path(post, path = "/api/v1/staff/accounts/{id}/role", tag = "staff",
    summary = "Сменить роль сотрудника",
    request_body = RoleBody,
    params(("id" = String, Path, description = "The staff account"), ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 200, description = "Changed"), (status = 404, description = "No such staff account", body = Problem, content_type = "application/problem+json")))]
pub async fn set_role(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RoleBody>,
) -> Result<StatusCode, WebError> {
    let who = visit.require_with_csrf_header()?;
    backoffice::set_role(&state.app, &visit.ctx, who, &id, &body.role).await?;
    Ok(StatusCode::OK)
}

/// Why an account is blocked.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BlockBody {
    /// Required when blocking.
    #[serde(default)]
    pub reason: String,
}

/// Blocks an account, staff or applicant (administrators): its sessions end at once.
#[utoipa::path(post, path = "/api/v1/staff/accounts/{id}/block", tag = "staff",
    summary = "Заблокировать учётную запись",
    request_body = BlockBody,
    params(("id" = String, Path, description = "The account"), ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 200, description = "Blocked"), (status = 422, description = "Reason missing", body = Problem, content_type = "application/problem+json")))]
pub async fn block(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<BlockBody>,
) -> Result<StatusCode, WebError> {
    let who = visit.require_with_csrf_header()?;
    backoffice::set_blocked(&state.app, &visit.ctx, who, &id, true, &body.reason).await?;
    Ok(StatusCode::OK)
}

/// Unblocks an account (administrators).
#[utoipa::path(post, path = "/api/v1/staff/accounts/{id}/unblock", tag = "staff",
    summary = "Разблокировать учётную запись",
    params(("id" = String, Path, description = "The account"), ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 200, description = "Unblocked"), (status = 409, description = "Not blocked", body = Problem, content_type = "application/problem+json")))]
pub async fn unblock(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
) -> Result<StatusCode, WebError> {
    let who = visit.require_with_csrf_header()?;
    backoffice::set_blocked(&state.app, &visit.ctx, who, &id, false, "").await?;
    Ok(StatusCode::OK)
}

/// What to look for in the audit log.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// The actor exactly (`account:<id>`, `system`, `cli`).
    pub actor: Option<String>,
    /// The object exactly, or a kind ending with `:` (`application:`).
    pub object: Option<String>,
    /// The action exactly, or a family ending with `.` (`auth.`).
    pub action: Option<String>,
    /// From (`YYYY-MM-DD`, UTC).
    pub from: Option<String>,
    /// To, inclusive (`YYYY-MM-DD`, UTC).
    pub to: Option<String>,
    /// Entries before this sequence number (the next page).
    pub before: Option<i64>,
    /// Rows (1–1000, 100 by default; the CSV export up to 10,000).
    pub limit: Option<i64>,
    /// `csv` for a CSV file.
    pub format: Option<String>,
}

impl AuditParams {
    /// The store's search.
    pub fn search(&self) -> Search {
        Search {
            actor: blank_none(self.actor.clone()),
            object: blank_none(self.object.clone()),
            action: blank_none(self.action.clone()),
            from: blank_none(self.from.clone()),
            to: blank_none(self.to.clone()),
        }
    }
}

/// An audit entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    /// Position in the hash chain.
    pub seq: i64,
    /// When (UTC).
    pub at: String,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// On what.
    pub object: String,
    /// From where.
    pub source: Option<String>,
    /// Request id.
    pub request_id: Option<String>,
    /// Details (JSON).
    pub details: serde_json::Value,
    /// This entry's hash.
    pub hash: String,
}

/// A page of the audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    /// Newest first.
    pub items: Vec<AuditEntry>,
    /// `before` for the next page, when there is one.
    pub next_before: Option<i64>,
}

/// One CSV field, quoted when needed (RFC 4180); a leading `=`, `+`, `-` or `@` is
/// prefixed with `'` so that spreadsheets do not run it as a formula.
pub fn csv_field(v: &str) -> String {
    let v = if v.starts_with(['=', '+', '-', '@']) {
        format!("'{v}")
    } else {
        v.to_owned()
    };
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

/// The entries as CSV (a header line, then one line per entry).
pub fn audit_csv(entries: &[Entry]) -> String {
    let mut out = String::from("seq,at,actor,action,object,source,request_id,details,hash\r\n");
    for e in entries {
        let line = [
            e.seq.to_string(),
            e.at.clone(),
            e.actor.clone(),
            e.action.clone(),
            e.object.clone(),
            e.source.clone().unwrap_or_default(),
            e.request_id.clone().unwrap_or_default(),
            e.details.clone(),
            e.hash.clone(),
        ]
        .iter()
        .map(|f| csv_field(f))
        .collect::<Vec<_>>()
        .join(",");
        out.push_str(&line);
        out.push_str("\r\n");
    }
    out
}

/// A CSV download.
pub fn csv_response(body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit.csv\"",
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}

/// Searches the audit log (auditors, administrators): JSON, or CSV with `format=csv`.
/// Read-only; the search itself is recorded.
#[utoipa::path(get, path = "/api/v1/staff/audit", tag = "staff",
    summary = "Журнал аудита",
    params(AuditParams),
    responses(
        (status = 200, description = "A page of entries (or CSV)", body = AuditPage),
        (status = 403, description = "Not an auditor", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad date", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn audit(
    State(state): State<AppState>,
    visit: Visit,
    ApiQuery(p): ApiQuery<AuditParams>,
) -> Result<Response, WebError> {
    let who = visit.require()?;
    let csv = p.format.as_deref() == Some("csv");
    let limit = p.limit.unwrap_or(if csv { 10_000 } else { 100 });
    let limit = limit.clamp(1, if csv { 10_000 } else { 1000 });
    let (entries, more) =
        backoffice::audit_search(&state.app, &visit.ctx, who, &p.search(), limit, p.before).await?;
    if csv {
        return Ok(csv_response(audit_csv(&entries)));
    }
    let next_before = if more {
        entries.last().map(|e| e.seq)
    } else {
        None
    };
    let items = entries
        .into_iter()
        .map(|e| AuditEntry {
            details: serde_json::from_str(&e.details).unwrap_or(serde_json::Value::Null),
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            action: e.action,
            object: e.object,
            source: e.source,
            request_id: e.request_id,
            hash: e.hash,
        })
        .collect();
    Ok(Json(AuditPage { items, next_before }).into_response())
}

/// A broadcast to send.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewBroadcast {
    /// Title (up to 200 characters).
    pub title: String,
    /// Text (up to 2000 characters).
    pub text: String,
    /// Only people of this level: `simplified`, `standard` or `confirmed`.
    #[serde(default)]
    pub level: Option<String>,
}

/// A broadcast and its progress.
#[derive(Debug, Serialize, ToSchema)]
pub struct BroadcastItem {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Level filter.
    pub level: Option<String>,
    /// `running` or `done`.
    pub status: String,
    /// Recipients counted when it was sent.
    pub total: i64,
    /// Processed so far (people who joined meanwhile get it too).
    pub processed: i64,
    /// Sent (RFC 3339).
    pub created_at: String,
    /// Finished (RFC 3339).
    pub finished_at: Option<String>,
}

/// Turns a broadcast into its API form.
pub fn broadcast_item(b: kabinet_store::broadcasts::Broadcast) -> BroadcastItem {
    BroadcastItem {
        id: b.id,
        title: b.title,
        level: b.level,
        status: b.status,
        total: b.total,
        processed: b.processed,
        created_at: kabinet_store::ts::format(b.created_at),
        finished_at: b.finished_at.map(kabinet_store::ts::format),
    }
}

/// Broadcasts.
#[derive(Debug, Serialize, ToSchema)]
pub struct Broadcasts {
    /// The latest first.
    pub items: Vec<BroadcastItem>,
}

/// Sends a `news` notice to everyone (or one level), respecting their choices.
#[utoipa::path(post, path = "/api/v1/staff/broadcasts", tag = "staff",
    summary = "Рассылка новости",
    request_body = NewBroadcast,
    params(("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 201, description = "Queued; the workers deliver it in batches", body = BroadcastItem), (status = 422, description = "Field errors", body = Problem, content_type = "application/problem+json")))]
pub async fn create_broadcast(
    State(state): State<AppState>,
    visit: Visit,
    ApiJson(body): ApiJson<NewBroadcast>,
) -> Result<(StatusCode, Json<BroadcastItem>), WebError> {
    let who = visit.require_with_csrf_header()?;
    let b = kabinet_app::broadcast::create(
        &state.app,
        &visit.ctx,
        who,
        &body.title,
        &body.text,
        body.level.as_deref(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(broadcast_item(b))))
}

/// The latest broadcasts with their progress.
#[utoipa::path(get, path = "/api/v1/staff/broadcasts", tag = "staff",
    summary = "Рассылки",
    responses((status = 200, description = "The latest first", body = Broadcasts)))]
pub async fn broadcasts(
    State(state): State<AppState>,
    visit: Visit,
) -> Result<Json<Broadcasts>, WebError> {
    let who = visit.require()?;
    let items = kabinet_app::broadcast::list(&state.app, who)
        .await?
        .into_iter()
        .map(broadcast_item)
        .collect();
    Ok(Json(Broadcasts { items }))
}

/// One broadcast's progress.
#[utoipa::path(get, path = "/api/v1/staff/broadcasts/{id}", tag = "staff",
    summary = "Ход рассылки",
    params(("id" = String, Path, description = "The broadcast")),
    responses((status = 200, description = "Progress", body = BroadcastItem)))]
pub async fn broadcast(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
) -> Result<Json<BroadcastItem>, WebError> {
    let who = visit.require()?;
    Ok(Json(broadcast_item(
        kabinet_app::broadcast::get(&state.app, who, &id).await?,
    )))
}
