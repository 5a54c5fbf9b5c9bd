//! Applications in the API (APP-1 … APP-8) and the staff calls that move them.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use kabinet_app::applications::{self, Application, Detail};
use kabinet_store::applications::Filter;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::json::{ApiJson, ApiMultipart, ApiQuery};
use crate::error::Problem;
use crate::session::Visit;
use crate::upload;
use crate::{AppState, WebError};

/// `POST /api/v1/applications`
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewApplication {
    /// The service.
    pub service_id: String,
    /// Answers by field name (strings as typed); the rest is prefilled.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

/// `PATCH /api/v1/applications/{id}`
#[derive(Debug, Deserialize, ToSchema)]
pub struct DraftChange {
    /// Answers to change; an empty string clears.
    pub fields: BTreeMap<String, String>,
}

/// An application in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationItem {
    /// Id.
    pub id: String,
    /// `YY-NNNNNNN-C`, once submitted.
    pub number: Option<String>,
    /// Status.
    pub status: String,
    /// The service.
    pub service_id: String,
    /// Its title.
    pub service_title: String,
    /// The version filed under.
    pub service_version: i64,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Submitted (RFC 3339).
    pub submitted_at: Option<String>,
    /// When the result is due (`YYYY-MM-DD`).
    pub due_on: Option<String>,
    /// The step a draft is on.
    pub step: usize,
    /// Changes with every move (live status).
    pub version: i64,
    /// The organisation it belongs to (filed while acting for it), if any.
    pub organization_id: Option<String>,
}

fn item(a: &Application) -> ApplicationItem {
    ApplicationItem {
        id: a.id.clone(),
        number: a.number.clone(),
        status: a.status.as_str().to_owned(),
        service_id: a.service.def.id.clone(),
        service_title: a.service.def.title.clone(),
        service_version: a.service.version,
        created_at: kabinet_store::ts::format(a.created_at),
        submitted_at: a.submitted_at.map(kabinet_store::ts::format),
        due_on: a.due_on.map(|d| d.to_string()),
        step: a.step,
        version: a.version,
        organization_id: a.organization_id.clone(),
    }
}

/// A move in the history.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ApplicationHistoryItem)]
pub struct HistoryItem {
    /// The status reached.
    pub status: String,
    /// The status before.
    pub from: Option<String>,
    /// When (RFC 3339).
    pub at: String,
    /// `applicant`, `staff` or `system`.
    pub actor: String,
    /// Why.
    pub reason: Option<String>,
}

/// A comment.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentItem {
    /// `applicant` or `staff`.
    pub author: String,
    /// Staff-only (only staff see these).
    pub internal: bool,
    /// Text.
    pub text: String,
    /// When.
    pub at: String,
}

/// A file of an application.
#[derive(Debug, Serialize, ToSchema)]
pub struct FileItem {
    /// Id (`GET /api/v1/applications/{id}/files/{file_id}`).
    pub id: String,
    /// Document kind, `other`, or `result`.
    pub kind: String,
    /// Name.
    pub file_name: String,
    /// Type decided by the content.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// Attached by staff.
    pub by_staff: bool,
}

/// One application.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationDetail {
    /// The list fields.
    #[serde(flatten)]
    pub item: ApplicationItem,
    /// The answers.
    pub fields: BTreeMap<String, String>,
    /// «История статуса», oldest first.
    pub history: Vec<HistoryItem>,
    /// Comments, oldest first.
    pub comments: Vec<CommentItem>,
    /// Attachments and the result.
    pub files: Vec<FileItem>,
}

/// The API form of a detail.
pub fn detail(d: &Detail) -> ApplicationDetail {
    ApplicationDetail {
        item: item(&d.application),
        fields: d.application.answers.clone(),
        history: d
            .history
            .iter()
            .map(|e| HistoryItem {
                status: e.to_status.clone(),
                from: e.from_status.clone(),
                at: kabinet_store::ts::format(e.at),
                actor: e.actor_kind.clone(),
                reason: e.reason.clone(),
            })
            .collect(),
        comments: d
            .comments
            .iter()
            .map(|c| CommentItem {
                author: c.author_kind.clone(),
                internal: c.internal,
                text: c.text.clone(),
                at: kabinet_store::ts::format(c.at),
            })
            .collect(),
        files: d
            .files
            .iter()
            .map(|f| FileItem {
                id: f.file.id.clone(),
                kind: f.kind.clone(),
                file_name: f.file.file_name.clone(),
                content_type: f.file.content_type.clone(),
                size: f.file.size,
                by_staff: f.by_staff,
            })
            .collect(),
    }
}

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

/// A download answer.
pub fn file_response(record: &kabinet_store::requests::FileRecord, bytes: Vec<u8>) -> Response {
    let ascii: String = record
        .file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = crate::format::percent_encode(&record.file_name);
    (
        [
            (header::CONTENT_TYPE, record.content_type.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        Body::from(bytes),
    )
        .into_response()
}

/// A comment.
#[derive(Debug, Deserialize, ToSchema)]
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

/// Live status (APP-8): server-sent events `application` with `{"id","status","version"}`
/// whenever one of the caller's applications changes. Every process reads the database
/// (once a second), so a change made through any process reaches every browser.
#[utoipa::path(get, path = "/api/v1/applications/events", tag = "applications",
    summary = "Изменения статусов (server-sent events)",
    responses((status = 200, description = "An event stream", content_type = "text/event-stream")))]
pub async fn events(State(state): State<AppState>, visit: Visit) -> Result<Response, WebError> {
    let who = visit.require()?.clone();
    let app = state.app.clone();
    let mut known = applications::versions(&app, &who).await?;
    let stream = async_stream(move |tx| async move {
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let Ok(now) = applications::versions(&app, &who).await else {
                break;
            };
            for (id, version, status) in &now {
                let changed = known
                    .iter()
                    .find(|(k, _, _)| k == id)
                    .is_none_or(|(_, v, _)| v != version);
                if changed {
                    let data =
                        serde_json::json!({ "id": id, "status": status, "version": version })
                            .to_string();
                    if tx
                        .send(Ok(SseEvent::default().event("application").data(data)))
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            }
            known = now;
        }
    });
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response())
}

/// A stream fed by a task; it ends when the client goes away.
fn async_stream<F, Fut>(f: F) -> impl futures_core::Stream<Item = Result<SseEvent, Infallible>>
where
    F: FnOnce(tokio::sync::mpsc::Sender<Result<SseEvent, Infallible>>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    tokio::spawn(f(tx));
    ReceiverStream(rx)
}

struct ReceiverStream(tokio::sync::mpsc::Receiver<Result<SseEvent, Infallible>>);

impl futures_core::Stream for ReceiverStream {
    type Item = Result<SseEvent, Infallible>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}

// ---- staff ----

/// A move.
#[derive(Debug, Deserialize, ToSchema)]
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
