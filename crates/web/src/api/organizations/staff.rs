//! The staff's side: organisations waiting for verification and change requests to decide.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kabinet_app::organisations;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::*;
use crate::api::json::ApiJson;
use crate::error::Problem;
use crate::session::Visit;
use crate::{AppState, WebError};

/// Organisations waiting for verification.
#[derive(Debug, Serialize, ToSchema)]
pub struct PendingOrganizations {
    /// Oldest first.
    pub items: Vec<OrgBody>,
}

/// Organisations waiting for verification (staff), as `{"items": […]}` like every list.
#[utoipa::path(get, path = "/api/v1/staff/organizations", tag = "staff",
    summary = "Организации на проверке",
    responses((status = 200, description = "Oldest first", body = PendingOrganizations)))]
pub async fn pending(
    State(state): State<AppState>,
    visit: Visit,
) -> Result<Json<PendingOrganizations>, WebError> {
    let who = visit.require()?;
    let items = organisations::pending(&state.app, who)
        .await?
        .into_iter()
        .map(body)
        .collect();
    Ok(Json(PendingOrganizations { items }))
}

/// Staff's comment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// A comment (verify) or the reason (refuse, required).
    #[serde(default)]
    pub comment: String,
}

/// Verifies an organisation: its status becomes `active`.
#[utoipa::path(post, path = "/api/v1/staff/organizations/{id}/verify", tag = "staff",
    summary = "Подтвердить организацию",
    request_body = Decision,
    params(("id" = String, Path, description = "The organisation"), ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 200, description = "Active"), (status = 409, description = "Already decided", body = Problem, content_type = "application/problem+json")))]
pub async fn verify(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<Decision>,
) -> Result<StatusCode, WebError> {
    let who = visit.require_with_csrf_header()?;
    organisations::decide(&state.app, &visit.ctx, who, &id, true, &b.comment).await?;
    Ok(StatusCode::OK)
}

/// Refuses an organisation with a reason.
#[utoipa::path(post, path = "/api/v1/staff/organizations/{id}/refuse", tag = "staff",
    summary = "Отказать в подтверждении организации",
    request_body = Decision,
    params(("id" = String, Path, description = "The organisation"), ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 200, description = "Refused"), (status = 422, description = "Reason missing", body = Problem, content_type = "application/problem+json")))]
pub async fn refuse(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<Decision>,
) -> Result<StatusCode, WebError> {
    let who = visit.require_with_csrf_header()?;
    organisations::decide(&state.app, &visit.ctx, who, &id, false, &b.comment).await?;
    Ok(StatusCode::OK)
}

/// Pending change requests of every organisation, oldest first (staff).
#[utoipa::path(get, path = "/api/v1/staff/organization-changes", tag = "staff",
    summary = "Заявки организаций на изменение реквизитов",
    responses((status = 200, description = "Pending requests", body = ChangeList), (status = 403, description = "Not staff who verify organisations", body = Problem, content_type = "application/problem+json")))]
pub async fn pending_changes(
    State(state): State<AppState>,
    visit: Visit,
) -> Result<Json<ChangeList>, WebError> {
    let who = visit.require()?;
    let items = organisations::pending_changes(&state.app, who)
        .await?
        .into_iter()
        .map(|(c, _)| change_item(c))
        .collect();
    Ok(Json(ChangeList { items }))
}

/// Staff's decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// A comment; required to refuse.
    #[serde(default)]
    pub comment: String,
}

/// Approves (the identifiers change) or refuses (with a reason) a change request.
#[utoipa::path(post, path = "/api/v1/staff/organization-changes/{id}/{decision}", tag = "staff",
    summary = "Решение по заявке на изменение реквизитов",
    request_body = DecisionBody,
    params(("id" = String, Path, description = "The request"), ("decision" = String, Path, description = "`approve` or `refuse`"), ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses(
        (status = 200, description = "Decided"),
        (status = 404, description = "No such request or decision", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Decided already, or the new ИНН belongs to another organisation", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A reason is needed to refuse", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn decide_change(
    State(state): State<AppState>,
    visit: Visit,
    Path((id, decision)): Path<(String, String)>,
    ApiJson(b): ApiJson<DecisionBody>,
) -> Result<StatusCode, WebError> {
    let who = visit.require_with_csrf_header()?;
    let approve = match decision.as_str() {
        "approve" => true,
        "refuse" => false,
        _ => return Err(WebError::NotFound),
    };
    organisations::decide_change(&state.app, &visit.ctx, who, &id, approve, &b.comment).await?;
    Ok(StatusCode::OK)
}
