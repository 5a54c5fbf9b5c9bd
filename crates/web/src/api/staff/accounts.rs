//! Staff administration in the API: the staff list, new staff accounts, roles, blocking.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kabinet_app::backoffice;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::json::ApiJson;
use crate::error::Problem;
use crate::session::Visit;
use crate::{AppState, WebError};

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
            status: m.status.as_str().to_owned(),
            status_reason: m.status_reason,
            last_sign_in_at: m.last_sign_in_at.map(kabinet_store::ts::format),
        })
        .collect();
    Ok(Json(StaffList { items }))
}

/// A new staff account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
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
#[serde(deny_unknown_fields)]
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
#[serde(deny_unknown_fields)]
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
