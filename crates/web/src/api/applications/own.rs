//! The applicant's calls: drafts, submission, the list, files, comments, withdrawal.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use kabinet_app::applications;
use kabinet_store::applications::Filter;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::*;
use crate::api::json::{ApiJson, ApiMultipart, ApiQuery, iso_dates};
use crate::download::file_response;
use crate::error::Problem;
use crate::session::Visit;
use crate::upload;
use crate::{AppState, WebError};

/// Starts a draft (prefilled from the profile and earlier applications).
#[utoipa::path(post, path = "/api/v1/applications", tag = "applications",
    summary = "Создать черновик заявления",
    request_body = NewApplication,
    params(("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses(
        (status = 201, description = "The draft", body = ApplicationDetail),
        (status = 403, description = "The account level or kind does not allow this service", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such service", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Field errors", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn create(
    State(state): State<AppState>,
    visit: Visit,
    ApiJson(body): ApiJson<NewApplication>,
) -> Result<(StatusCode, Json<ApplicationDetail>), WebError> {
    let who = visit.require_with_csrf_header()?;
    let a = applications::create_draft(&state.app, &visit.ctx, who, &body.service_id, &body.fields)
        .await?;
    let d = applications::get(&state.app, who, &a.id).await?;
    Ok((StatusCode::CREATED, Json(detail(&d))))
}

/// Changes answers of a draft.
#[utoipa::path(patch, path = "/api/v1/applications/{id}", tag = "applications",
    summary = "Изменить черновик",
    request_body = DraftChange,
    params(("id" = String, Path, description = "The application"), ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses(
        (status = 200, description = "The draft", body = ApplicationDetail),
        (status = 404, description = "Not yours or no such application", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already submitted", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Field errors", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn update(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DraftChange>,
) -> Result<Json<ApplicationDetail>, WebError> {
    let who = visit.require_with_csrf_header()?;
    applications::update_draft(&state.app, &visit.ctx, who, &id, &body.fields).await?;
    Ok(Json(detail(
        &applications::get(&state.app, who, &id).await?,
    )))
}

/// The number and due date of a submitted application.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubmittedBody {
    /// `YY-NNNNNNN-C`.
    pub number: String,
    /// `submitted`.
    pub status: String,
    /// `YYYY-MM-DD`.
    pub due_on: String,
}

/// Submits a draft.
#[utoipa::path(post, path = "/api/v1/applications/{id}/submit", tag = "applications",
    summary = "Отправить заявление",
    params(("id" = String, Path, description = "The application"), ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses(
        (status = 200, description = "Submitted", body = SubmittedBody),
        (status = 409, description = "Already submitted", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Field errors, missing documents", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn submit(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
) -> Result<Json<SubmittedBody>, WebError> {
    let who = visit.require_with_csrf_header()?;
    let s = applications::submit(&state.app, &visit.ctx, who, &id).await?;
    Ok(Json(SubmittedBody {
        number: s.number,
        status: "submitted".into(),
        due_on: s.due_on.to_string(),
    }))
}

/// Filters of the list.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// A status.
    pub status: Option<String>,
    /// A service.
    pub service_id: Option<String>,
    /// Created on or after `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Created on or before `YYYY-MM-DD`.
    pub to: Option<String>,
    /// A number as typed.
    pub number: Option<String>,
    /// `true`: only drafts; `false`: only filed ones.
    pub drafts: Option<bool>,
    /// From 1.
    pub page: Option<i64>,
    /// Rows per page (1–100, default 50).
    pub per_page: Option<i64>,
}

/// The filter for the store; an unknown status or a malformed date is a field error.
pub fn filter(q: &ListQuery) -> Result<Filter, WebError> {
    let mut errors = Vec::new();
    let empty = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let status = empty(&q.status);
    if let Some(s) = &status
        && kabinet_domain::application::Status::parse(s).is_none()
    {
        errors.push(kabinet_app::FieldError::new(
            "status",
            "application-status-unknown",
        ));
    }
    let date = |name: &str,
                v: Option<String>,
                errors: &mut Vec<kabinet_app::FieldError>|
     -> Option<String> {
        let v = v?;
        match kabinet_domain::profile::date(&v) {
            Ok(d) => Some(d.to_string()),
            Err(_) => {
                errors.push(kabinet_app::FieldError::new(name.to_owned(), "form-date"));
                None
            }
        }
    };
    let from = date("from", empty(&q.from), &mut errors);
    let to = date("to", empty(&q.to), &mut errors);
    let number = empty(&q.number).map(|n| {
        kabinet_domain::application::Number::parse(&n).map_or(n, |n| n.as_str().to_owned())
    });
    if !errors.is_empty() {
        return Err(WebError::Validation(errors));
    }
    Ok(Filter {
        status,
        drafts: q.drafts,
        service_id: empty(&q.service_id),
        from,
        to,
        number,
    })
}

/// A page of applications.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationList {
    /// Newest first.
    pub items: Vec<ApplicationItem>,
    /// All that match.
    pub total: i64,
    /// This page (from 1).
    pub page: i64,
    /// Rows per page.
    pub per_page: i64,
}

/// «Мои заявления» with filters.
#[utoipa::path(get, path = "/api/v1/applications", tag = "applications",
    summary = "Мои заявления",
    params(
        ("status" = Option<String>, Query, description = "A status"),
        ("service_id" = Option<String>, Query, description = "A service"),
        ("from" = Option<String>, Query, description = "Created on or after, YYYY-MM-DD"),
        ("to" = Option<String>, Query, description = "Created on or before, YYYY-MM-DD"),
        ("number" = Option<String>, Query, description = "A number as typed"),
        ("drafts" = Option<bool>, Query, description = "true: drafts only; false: filed only"),
        ("page" = Option<i64>, Query, description = "From 1"),
        ("per_page" = Option<i64>, Query, description = "1–100, default 50")
    ),
    responses(
        (status = 200, description = "The page", body = ApplicationList),
        (status = 422, description = "A bad filter", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn list(
    State(state): State<AppState>,
    visit: Visit,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<ApplicationList>, WebError> {
    let who = visit.require()?;
    iso_dates(&[("from", q.from.as_deref()), ("to", q.to.as_deref())])?;
    let f = filter(&q)?;
    let page = q.page.unwrap_or(1).max(1);
    let per_page = q.per_page.unwrap_or(50).clamp(1, 100);
    let (rows, total) = applications::list(&state.app, who, &f, page, per_page).await?;
    Ok(Json(ApplicationList {
        items: rows.iter().map(item).collect(),
        total,
        page,
        per_page,
    }))
}

/// One application with its history; `404` for another's.
#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "applications",
    summary = "Заявление",
    params(("id" = String, Path, description = "The application")),
    responses(
        (status = 200, description = "The application", body = ApplicationDetail),
        (status = 404, description = "Not yours or no such application", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn get(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
) -> Result<Json<ApplicationDetail>, WebError> {
    let who = visit.require()?;
    Ok(Json(detail(
        &applications::get(&state.app, who, &id).await?,
    )))
}

/// A multipart attachment.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct AttachmentForm {
    /// A document kind of the service (or `other`).
    kind: Option<String>,
    /// The file: PDF, JPEG or PNG as the document allows, 5 MB unless it says otherwise.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// The attached file.
#[derive(Debug, Serialize, ToSchema)]
pub struct Attachment {
    /// Id.
    pub id: String,
    /// Type decided by the content.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
}

/// Attaches a document to a draft or, answering a clarification, to a filed one.
#[utoipa::path(post, path = "/api/v1/applications/{id}/attachments", tag = "applications",
    summary = "Приложить документ",
    request_body(content = AttachmentForm, content_type = "multipart/form-data"),
    params(("id" = String, Path, description = "The application"), ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses(
        (status = 201, description = "Attached", body = Attachment),
        (status = 404, description = "Not yours or no such application", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a draft nor waiting for a clarification", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Too large (stopped reading at the limit)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not an allowed type by content", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown document kind, or over a limit on files (per application: count, total size; per account: total size), named in the field error on `file`", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn attach(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    ApiMultipart(multipart): ApiMultipart,
) -> Result<(StatusCode, Json<Attachment>), WebError> {
    let who = visit.require_with_csrf_header()?;
    let limit = applications::attachment_limit(&state.app, who, &id).await?;
    let parts = upload::read_with(multipart, limit, Some("application-file-too-large")).await?;
    let file = parts.file("file")?;
    let record =
        applications::attach(&state.app, &visit.ctx, who, &id, &parts.text("kind"), file).await?;
    Ok((
        StatusCode::CREATED,
        Json(Attachment {
            id: record.id,
            content_type: record.content_type,
            size: record.size,
        }),
    ))
}

/// Downloads a file of an application: `attachment`, `nosniff`, never inline.
#[utoipa::path(get, path = "/api/v1/applications/{id}/files/{file_id}", tag = "applications",
    summary = "Скачать файл заявления",
    params(("id" = String, Path, description = "The application"), ("file_id" = String, Path, description = "The file")),
    responses(
        (status = 200, description = "The file", content_type = "application/octet-stream"),
        (status = 404, description = "Not visible to you", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn download(
    State(state): State<AppState>,
    visit: Visit,
    Path((id, file_id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let who = visit.require()?;
    let (record, bytes) = applications::file(&state.app, &visit.ctx, who, &id, &file_id).await?;
    Ok(file_response(&record, bytes))
}

/// A comment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewComment {
    /// Text.
    pub text: String,
}

/// Comments on a filed application; during a clarification it is the answer.
#[utoipa::path(post, path = "/api/v1/applications/{id}/comments", tag = "applications",
    summary = "Комментарий к заявлению (ответ на уточнение)",
    request_body = NewComment,
    params(("id" = String, Path, description = "The application"), ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses(
        (status = 201, description = "Added"),
        (status = 404, description = "Not yours", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A draft or a closed application", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn comment(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewComment>,
) -> Result<StatusCode, WebError> {
    let who = visit.require_with_csrf_header()?;
    applications::comment(&state.app, &visit.ctx, who, &id, &body.text).await?;
    Ok(StatusCode::CREATED)
}

/// A withdrawal.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Withdrawal {
    /// Why (optional).
    #[serde(default)]
    pub reason: String,
}

/// Withdraws an application until a decision is taken.
#[utoipa::path(post, path = "/api/v1/applications/{id}/withdraw", tag = "applications",
    summary = "Отозвать заявление",
    request_body = Withdrawal,
    params(("id" = String, Path, description = "The application"), ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses(
        (status = 200, description = "Withdrawn"),
        (status = 409, description = "A decision was already taken", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn withdraw(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Withdrawal>,
) -> Result<StatusCode, WebError> {
    let who = visit.require_with_csrf_header()?;
    applications::withdraw(&state.app, &visit.ctx, who, &id, &body.reason).await?;
    Ok(StatusCode::OK)
}
