//! The staff's calls on one application: moves, results, comments, the staff view.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kabinet_app::applications;
use serde::Deserialize;
use utoipa::ToSchema;

use super::*;
use crate::api::json::{ApiJson, ApiMultipart};
use crate::error::Problem;
use crate::session::Visit;
use crate::upload;
use crate::{AppState, WebError};

/// A move.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    /// The status to move to.
    pub to: String,
    /// Why (required for `rejected` and `needs_clarification`).
    #[serde(default)]
    pub reason: String,
}

/// Moves an application (operators and supervisors).
#[utoipa::path(post, path = "/api/v1/staff/applications/{id}/transition", tag = "staff",
    summary = "Перевести заявление в другой статус",
    request_body = Transition,
    params(("id" = String, Path, description = "The application"), ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses(
        (status = 200, description = "Moved"),
        (status = 403, description = "Not allowed for your role", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a move from the current status", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Reason missing where required", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn transition(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Transition>,
) -> Result<StatusCode, WebError> {
    let who = visit.require_with_csrf_header()?;
    applications::transition(&state.app, &visit.ctx, who, &id, &body.to, &body.reason).await?;
    Ok(StatusCode::OK)
}

/// Attaches the result document of an approved application.
#[utoipa::path(post, path = "/api/v1/staff/applications/{id}/result", tag = "staff",
    summary = "Приложить результат",
    request_body(content = AttachmentForm, content_type = "multipart/form-data"),
    params(("id" = String, Path, description = "The application"), ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses(
        (status = 201, description = "Attached", body = Attachment),
        (status = 409, description = "Not approved", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not PDF, JPEG or PNG", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn result(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    ApiMultipart(multipart): ApiMultipart,
) -> Result<(StatusCode, Json<Attachment>), WebError> {
    let who = visit.require_with_csrf_header()?;
    let parts = upload::read_with(
        multipart,
        applications::MAX_ATTACHMENT,
        Some("application-file-too-large"),
    )
    .await?;
    let file = parts.file("file")?;
    let record = applications::attach_result(&state.app, &visit.ctx, who, &id, file).await?;
    Ok((
        StatusCode::CREATED,
        Json(Attachment {
            id: record.id,
            content_type: record.content_type,
            size: record.size,
        }),
    ))
}

/// A staff comment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffComment {
    /// Text.
    pub text: String,
    /// An internal note the applicant never sees.
    #[serde(default)]
    pub internal: bool,
}

/// Staff comment on an application (public, or an internal note).
#[utoipa::path(post, path = "/api/v1/staff/applications/{id}/comments", tag = "staff",
    summary = "Комментарий или внутренняя заметка",
    request_body = StaffComment,
    params(("id" = String, Path, description = "The application"), ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 201, description = "Added")))]
pub async fn staff_comment(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<StaffComment>,
) -> Result<StatusCode, WebError> {
    let who = visit.require_with_csrf_header()?;
    applications::staff_comment(&state.app, &visit.ctx, who, &id, &body.text, body.internal)
        .await?;
    Ok(StatusCode::CREATED)
}

/// An application as staff see it (internal notes included).
#[utoipa::path(get, path = "/api/v1/staff/applications/{id}", tag = "staff",
    summary = "Заявление (для сотрудника)",
    params(("id" = String, Path, description = "The application")),
    responses((status = 200, description = "The application", body = ApplicationDetail)))]
pub async fn staff_get(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
) -> Result<Json<ApplicationDetail>, WebError> {
    let who = visit.require()?;
    Ok(Json(detail(
        &applications::get_for_staff(&state.app, &visit.ctx, who, &id).await?,
    )))
}
