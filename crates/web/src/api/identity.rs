//! Identity confirmation requests, change requests of confirmed data and their files
//! in the API; the staff decisions on them.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use kabinet_app::identity;
use kabinet_app::profile::{ConfirmMethod, PassportInput, ProfileInput};
use kabinet_app::{AppError, FieldError};
use kabinet_store::requests::{Kind, Request};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::json::{ApiJson, ApiMultipart};
use crate::error::Problem;
use crate::session::Visit;
use crate::upload::{self, Parts};
use crate::{AppState, WebError};

/// A request as its owner or staff see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestItem {
    /// Id.
    pub id: String,
    /// The account it is about.
    pub account_id: String,
    /// Identity: `in_person` or `video`; change: the fields, comma-separated.
    pub what: String,
    /// `pending`, `confirmed`, `approved` or `refused`.
    pub status: String,
    /// The comment or reason given with it.
    pub text: Option<String>,
    /// The attached file (`GET /api/v1/files/{id}`).
    pub file_id: Option<String>,
    /// Filed (RFC 3339).
    pub created_at: String,
    /// Decided (RFC 3339).
    pub decided_at: Option<String>,
    /// Staff's reason or comment.
    pub decision: Option<String>,
}

/// A list of requests.
#[derive(Debug, Serialize, ToSchema)]
pub struct Requests {
    /// The requests.
    pub items: Vec<RequestItem>,
}

/// The id of what was filed.
#[derive(Debug, Serialize, ToSchema)]
pub struct Filed {
    /// Id.
    pub id: String,
}

/// Turns a request into its API form.
pub fn item(r: Request) -> RequestItem {
    RequestItem {
        id: r.id,
        account_id: r.account_id,
        what: r.what,
        status: r.status,
        text: r.text,
        file_id: r.file_id,
        created_at: kabinet_store::ts::format(r.created_at),
        decided_at: r.decided_at.map(kabinet_store::ts::format),
        decision: r.decision,
    }
}

fn list(items: Vec<Request>) -> Json<Requests> {
    Json(Requests {
        items: items.into_iter().map(item).collect(),
    })
}

/// The multipart form of an identity request.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct IdentityRequestForm {
    /// `in_person` or `video`.
    method: String,
    /// A comment (a convenient time for the video meeting, …).
    comment: Option<String>,
    /// The passport's photo page: PDF, JPEG or PNG up to 10 MB (required for `video`).
    #[schema(value_type = Option<String>, format = Binary)]
    scan: Option<Vec<u8>>,
}

/// Reads the method field.
pub fn method(parts: &Parts) -> Result<ConfirmMethod, AppError> {
    match parts.text("method").as_str() {
        "in_person" => Ok(ConfirmMethod::InPerson),
        "video" => Ok(ConfirmMethod::Video),
        _ => Err(AppError::Validation(vec![FieldError::new(
            "method",
            "identity-method",
        )])),
    }
}

/// «Подтвердить личность»: a request to staff, with a passport scan for a video meeting.
#[utoipa::path(post, path = "/api/v1/me/identity-requests", tag = "profile",
    summary = "Подать заявку на подтверждение личности",
    request_body(content = IdentityRequestForm, content_type = "multipart/form-data"),
    params(("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses(
        (status = 201, description = "Filed", body = Filed),
        (status = 409, description = "Not at the standard level, already confirmed, or a request is pending", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Field errors (method, scan)", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn file_identity_request(
    State(state): State<AppState>,
    visit: Visit,
    ApiMultipart(multipart): ApiMultipart,
) -> Result<(StatusCode, Json<Filed>), WebError> {
    let who = visit.require_with_csrf_header()?;
    let parts = upload::read(multipart).await?;
    let method = method(&parts)?;
    let id = identity::request_confirmation(
        &state.app,
        &visit.ctx,
        who,
        method,
        &parts.text("comment"),
        parts.files.get("scan"),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Filed { id })))
}

/// The own identity requests, newest first.
#[utoipa::path(get, path = "/api/v1/me/identity-requests", tag = "profile",
    summary = "Мои заявки на подтверждение личности",
    responses((status = 200, description = "The requests", body = Requests)))]
pub async fn my_identity_requests(
    State(state): State<AppState>,
    visit: Visit,
) -> Result<Json<Requests>, WebError> {
    let who = visit.require()?;
    Ok(list(identity::my_identity_requests(&state.app, who).await?))
}

/// The multipart form of a change request.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct ChangeRequestForm {
    /// New surname (fields left out stay as they are).
    last_name: Option<String>,
    /// New first name.
    first_name: Option<String>,
    /// New patronymic.
    middle_name: Option<String>,
    /// New birth date.
    birth_date: Option<String>,
    /// New СНИЛС.
    snils: Option<String>,
    /// New passport series (with the other three `passport.*` parts).
    #[schema(rename = "passport.series")]
    passport_series: Option<String>,
    /// New passport number.
    #[schema(rename = "passport.number")]
    passport_number: Option<String>,
    /// New passport issue date.
    #[schema(rename = "passport.issued_on")]
    passport_issued_on: Option<String>,
    /// New issuer code.
    #[schema(rename = "passport.issuer_code")]
    passport_issuer_code: Option<String>,
    /// Why (required).
    reason: String,
    /// A supporting document: PDF, JPEG or PNG up to 10 MB (required).
    #[schema(value_type = String, format = Binary)]
    document: Vec<u8>,
}

/// The identity fields of a change request form (`passport.series` or `passport_series`).
pub fn change_input(parts: &Parts) -> ProfileInput {
    let get = |name: &str| {
        parts
            .fields
            .get(name)
            .or_else(|| parts.fields.get(&name.replace('.', "_")))
            .cloned()
    };
    let passport = [
        "passport.series",
        "passport.number",
        "passport.issued_on",
        "passport.issuer_code",
    ]
    .iter()
    .any(|k| get(k).is_some())
    .then(|| PassportInput {
        series: get("passport.series").unwrap_or_default(),
        number: get("passport.number").unwrap_or_default(),
        issued_on: get("passport.issued_on").unwrap_or_default(),
        issuer_code: get("passport.issuer_code").unwrap_or_default(),
    });
    ProfileInput {
        last_name: get("last_name"),
        first_name: get("first_name"),
        middle_name: get("middle_name"),
        birth_date: get("birth_date"),
        snils: get("snils"),
        passport,
        ..ProfileInput::default()
    }
}

/// A change of confirmed data (ФИО, birth date, passport, СНИЛС): reason and a document.
#[utoipa::path(post, path = "/api/v1/me/change-requests", tag = "profile",
    summary = "Подать заявление на изменение подтверждённых данных",
    request_body(content = ChangeRequestForm, content_type = "multipart/form-data"),
    params(("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses(
        (status = 201, description = "Filed", body = Filed),
        (status = 409, description = "The identity is not confirmed: edit directly", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Field errors", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn file_change_request(
    State(state): State<AppState>,
    visit: Visit,
    ApiMultipart(multipart): ApiMultipart,
) -> Result<(StatusCode, Json<Filed>), WebError> {
    let who = visit.require_with_csrf_header()?;
    let parts = upload::read(multipart).await?;
    let id = identity::request_change(
        &state.app,
        &visit.ctx,
        who,
        &change_input(&parts),
        &parts.text("reason"),
        parts.files.get("document"),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Filed { id })))
}

/// The own change requests, newest first.
#[utoipa::path(get, path = "/api/v1/me/change-requests", tag = "profile",
    summary = "Мои заявления на изменение данных",
    responses((status = 200, description = "The requests", body = Requests)))]
pub async fn my_change_requests(
    State(state): State<AppState>,
    visit: Visit,
) -> Result<Json<Requests>, WebError> {
    let who = visit.require()?;
    Ok(list(identity::my_change_requests(&state.app, who).await?))
}

/// A file attached to a request: for its owner, and for staff who decide requests
/// (audited). Anyone else gets `404`.
#[utoipa::path(get, path = "/api/v1/files/{id}", tag = "profile",
    summary = "Скачать приложенный файл",
    params(("id" = String, Path, description = "The file id")),
    responses(
        (status = 200, description = "The file", content_type = "application/octet-stream"),
        (status = 404, description = "No such file of yours", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn download(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let who = visit.require()?;
    let (record, bytes) = identity::attachment(&state.app, &visit.ctx, who, &id).await?;
    Ok(crate::download::file_response(&record, bytes))
}

/// The staff queue of identity requests (pending, oldest first).
#[utoipa::path(get, path = "/api/v1/staff/identity-requests", tag = "staff",
    summary = "Заявки на подтверждение личности",
    responses(
        (status = 200, description = "Pending requests", body = Requests),
        (status = 403, description = "Not staff who decide requests", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn identity_queue(
    State(state): State<AppState>,
    visit: Visit,
) -> Result<Json<Requests>, WebError> {
    let who = visit.require()?;
    Ok(list(
        identity::queue(&state.app, who, Kind::Identity).await?,
    ))
}

/// The staff queue of change requests (pending, oldest first).
#[utoipa::path(get, path = "/api/v1/staff/change-requests", tag = "staff",
    summary = "Заявления на изменение подтверждённых данных",
    responses(
        (status = 200, description = "Pending requests", body = Requests),
        (status = 403, description = "Not staff who decide requests", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn change_queue(
    State(state): State<AppState>,
    visit: Visit,
) -> Result<Json<Requests>, WebError> {
    let who = visit.require()?;
    Ok(list(identity::queue(&state.app, who, Kind::Change).await?))
}

/// A refusal.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Refusal {
    /// Why (required; the person reads it).
    #[serde(default)]
    pub reason: String,
}

/// Refuses an identity request.
#[utoipa::path(post, path = "/api/v1/staff/identity-requests/{id}/refuse", tag = "staff",
    summary = "Отклонить заявку на подтверждение личности",
    request_body = Refusal,
    params(("id" = String, Path, description = "The request"), ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses(
        (status = 200, description = "Refused"),
        (status = 409, description = "Already decided", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn refuse_identity(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Refusal>,
) -> Result<StatusCode, WebError> {
    let who = visit.require_with_csrf_header()?;
    identity::refuse_identity(&state.app, &visit.ctx, who, &id, &body.reason).await?;
    Ok(StatusCode::OK)
}

/// Approves a change request: the new values are written.
#[utoipa::path(post, path = "/api/v1/staff/change-requests/{id}/approve", tag = "staff",
    summary = "Одобрить заявление на изменение данных",
    params(("id" = String, Path, description = "The request"), ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses(
        (status = 200, description = "Approved and applied"),
        (status = 409, description = "Already decided, or the new СНИЛС belongs to another account", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn approve_change(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
) -> Result<StatusCode, WebError> {
    let who = visit.require_with_csrf_header()?;
    identity::approve_change(&state.app, &visit.ctx, who, &id).await?;
    Ok(StatusCode::OK)
}

/// Refuses a change request.
#[utoipa::path(post, path = "/api/v1/staff/change-requests/{id}/refuse", tag = "staff",
    summary = "Отклонить заявление на изменение данных",
    request_body = Refusal,
    params(("id" = String, Path, description = "The request"), ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses(
        (status = 200, description = "Refused"),
        (status = 409, description = "Already decided", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn refuse_change(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Refusal>,
) -> Result<StatusCode, WebError> {
    let who = visit.require_with_csrf_header()?;
    identity::refuse_change(&state.app, &visit.ctx, who, &id, &body.reason).await?;
    Ok(StatusCode::OK)
}

/// The routes of this area, each declared once by its `#[utoipa::path]`.
pub(crate) fn router() -> utoipa_axum::router::OpenApiRouter<crate::AppState> {
    use utoipa_axum::router::UtoipaMethodRouterExt;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(
            utoipa_axum::routes!(my_identity_requests, file_identity_request).layer(
                axum::extract::DefaultBodyLimit::max(crate::upload::BODY_LIMIT),
            ),
        )
        .routes(
            utoipa_axum::routes!(my_change_requests, file_change_request).layer(
                axum::extract::DefaultBodyLimit::max(crate::upload::BODY_LIMIT),
            ),
        )
        .routes(utoipa_axum::routes!(download))
        .routes(utoipa_axum::routes!(identity_queue))
        .routes(utoipa_axum::routes!(refuse_identity))
        .routes(utoipa_axum::routes!(change_queue))
        .routes(utoipa_axum::routes!(approve_change))
        .routes(utoipa_axum::routes!(refuse_change))
}
