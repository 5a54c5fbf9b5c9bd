//! Support tickets in the API (BO-5): «Обратная связь» (signed in, or a visitor with a
//! contact), «Мои обращения», the conversation with attachments; the staff side.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use kabinet_app::support::{self, NewTicket, TicketView};
use kabinet_store::support::Ticket;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::json::{ApiJson, ApiMultipart, ApiQuery};
use crate::error::Problem;
use crate::session::Visit;
use crate::upload;
use crate::{AppState, WebError};

/// A ticket as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketItem {
    /// Id.
    pub id: String,
    /// `ОБР-YY-NNNNNN`.
    pub number: String,
    /// Subject.
    pub subject: String,
    /// `new`, `answered`, `waiting` (for the user) or `closed`.
    pub status: String,
    /// Handed to a supervisor.
    pub escalated: bool,
    /// Opened (RFC 3339).
    pub created_at: String,
    /// Last change (RFC 3339).
    pub updated_at: String,
}

impl From<Ticket> for TicketItem {
    fn from(t: Ticket) -> TicketItem {
        TicketItem {
            id: t.id,
            number: t.number,
            subject: t.subject,
            status: t.status,
            escalated: t.escalated,
            created_at: kabinet_store::ts::format(t.created_at),
            updated_at: kabinet_store::ts::format(t.updated_at),
        }
    }
}

/// Tickets.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketList {
    /// The tickets.
    pub items: Vec<TicketItem>,
}

/// A message of the conversation.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageItem {
    /// `user`, `staff` or `visitor`.
    pub author_kind: String,
    /// Text.
    pub text: String,
    /// An attached file (`GET /api/v1/support/tickets/{id}/files/{file_id}`).
    pub file_id: Option<String>,
    /// When (RFC 3339).
    pub at: String,
}

/// A ticket with its conversation.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketDetail {
    /// The ticket.
    #[serde(flatten)]
    pub ticket: TicketItem,
    /// The page it was sent from.
    pub page: Option<String>,
    /// A visitor's contact (staff only).
    pub contact: Option<String>,
    /// Oldest first.
    pub messages: Vec<MessageItem>,
}

fn detail(v: TicketView) -> TicketDetail {
    TicketDetail {
        page: v.ticket.page.clone(),
        contact: v.contact,
        messages: v
            .messages
            .into_iter()
            .map(|m| MessageItem {
                author_kind: m.author_kind,
                text: m.text,
                file_id: m.file_id,
                at: kabinet_store::ts::format(m.at),
            })
            .collect(),
        ticket: v.ticket.into(),
    }
}

/// «Обратная связь».
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTicketBody {
    /// Subject (3–200 characters).
    pub subject: String,
    /// The question (5–5000 characters).
    pub text: String,
    /// E-mail or phone for an answer: required when not signed in.
    #[serde(default)]
    pub contact: String,
    /// The page it is sent from (a local path).
    #[serde(default)]
    pub page: String,
}

/// Opens a ticket: signed in (with the CSRF header), or as a visitor with a contact
/// (at most 5 an hour from one address).
#[utoipa::path(post, path = "/api/v1/support/tickets", tag = "support",
    summary = "Обратная связь: новое обращение",
    request_body = NewTicketBody,
    responses(
        (status = 201, description = "The ticket; its number goes to the author", body = TicketItem),
        (status = 409, description = "Too many tickets from this address", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Field errors", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn create(
    State(state): State<AppState>,
    visit: Visit,
    ApiJson(body): ApiJson<NewTicketBody>,
) -> Result<(StatusCode, Json<TicketItem>), WebError> {
    let who = match &visit.signed_in {
        Some(_) => Some(visit.require_with_csrf_header()?),
        None => None,
    };
    let input = NewTicket {
        subject: body.subject,
        text: body.text,
        contact: body.contact,
        page: body.page,
    };
    let t = support::create(&state.app, &visit.ctx, who, &input, None).await?;
    Ok((StatusCode::CREATED, Json(t.into())))
}

/// «Мои обращения».
#[utoipa::path(get, path = "/api/v1/support/tickets", tag = "support",
    summary = "Мои обращения",
    responses((status = 200, description = "The latest change first", body = TicketList)))]
pub async fn mine(
    State(state): State<AppState>,
    visit: Visit,
) -> Result<Json<TicketList>, WebError> {
    let who = visit.require()?;
    let items = support::mine(&state.app, who)
        .await?
        .into_iter()
        .map(TicketItem::from)
        .collect();
    Ok(Json(TicketList { items }))
}

/// One of my tickets with the conversation.
#[utoipa::path(get, path = "/api/v1/support/tickets/{id}", tag = "support",
    summary = "Обращение",
    params(("id" = String, Path, description = "The ticket")),
    responses((status = 200, description = "The ticket", body = TicketDetail), (status = 404, description = "Not yours", body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
) -> Result<Json<TicketDetail>, WebError> {
    let who = visit.require()?;
    Ok(Json(detail(support::get_own(&state.app, who, &id).await?)))
}

/// A message.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageBody {
    /// Text.
    pub text: String,
    /// Staff only: the status after the answer — `answered`, `waiting` (for the user)
    /// or `closed`.
    #[serde(default)]
    pub status: Option<String>,
}

/// Writes in one of my tickets: it waits for staff again.
#[utoipa::path(post, path = "/api/v1/support/tickets/{id}/messages", tag = "support",
    summary = "Написать в обращение",
    request_body = MessageBody,
    params(("id" = String, Path, description = "The ticket"), ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 201, description = "Added"), (status = 409, description = "Closed", body = Problem, content_type = "application/problem+json")))]
pub async fn reply(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<MessageBody>,
) -> Result<StatusCode, WebError> {
    let who = visit.require_with_csrf_header()?;
    support::reply(&state.app, &visit.ctx, who, &id, &body.text, None).await?;
    Ok(StatusCode::CREATED)
}

/// A document in one of my tickets (multipart: `file`, optional `text`).
#[utoipa::path(post, path = "/api/v1/support/tickets/{id}/attachments", tag = "support",
    summary = "Приложить файл к обращению",
    params(("id" = String, Path, description = "The ticket"), ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 201, description = "Added"), (status = 413, description = "Larger than 5 MB", body = Problem, content_type = "application/problem+json"), (status = 415, description = "Not PDF, JPEG or PNG", body = Problem, content_type = "application/problem+json")))]
pub async fn attach(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    ApiMultipart(multipart): ApiMultipart,
) -> Result<StatusCode, WebError> {
    let who = visit.require_with_csrf_header()?;
    let parts = upload::read(multipart).await?;
    let file = parts.file("file")?;
    support::reply(
        &state.app,
        &visit.ctx,
        who,
        &id,
        &parts.text("text"),
        Some(file),
    )
    .await?;
    Ok(StatusCode::CREATED)
}

/// Closes one of my tickets.
#[utoipa::path(post, path = "/api/v1/support/tickets/{id}/close", tag = "support",
    summary = "Закрыть обращение",
    params(("id" = String, Path, description = "The ticket"), ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 200, description = "Closed"), (status = 409, description = "Already closed", body = Problem, content_type = "application/problem+json")))]
pub async fn close(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
) -> Result<StatusCode, WebError> {
    let who = visit.require_with_csrf_header()?;
    support::close(&state.app, &visit.ctx, who, &id).await?;
    Ok(StatusCode::OK)
}

/// A file of a ticket (its author or support staff).
#[utoipa::path(get, path = "/api/v1/support/tickets/{id}/files/{file_id}", tag = "support",
    summary = "Файл обращения",
    params(("id" = String, Path, description = "The ticket"), ("file_id" = String, Path, description = "The file")),
    responses((status = 200, description = "The file", content_type = "application/octet-stream"), (status = 404, description = "Not visible to you", body = Problem, content_type = "application/problem+json")))]
pub async fn download(
    State(state): State<AppState>,
    visit: Visit,
    Path((id, file_id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let who = visit.require()?;
    let (record, bytes) = support::file(&state.app, &visit.ctx, who, &id, &file_id).await?;
    Ok(crate::download::file_response(&record, bytes))
}

/// The staff queue's filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueParams {
    /// A status (by default every open one).
    pub status: Option<String>,
    /// `true`: escalated ones only.
    pub escalated: Option<String>,
}

/// The support queue (operators, supervisors), the longest waiting first.
#[utoipa::path(get, path = "/api/v1/staff/support/tickets", tag = "staff",
    summary = "Обращения в поддержку",
    params(QueueParams),
    responses((status = 200, description = "Tickets", body = TicketList)))]
pub async fn staff_queue(
    State(state): State<AppState>,
    visit: Visit,
    ApiQuery(p): ApiQuery<QueueParams>,
) -> Result<Json<TicketList>, WebError> {
    let who = visit.require()?;
    let status = p.status.as_deref().filter(|s| !s.is_empty());
    let escalated = matches!(p.escalated.as_deref(), Some("true" | "1" | "on"));
    let items = support::queue(&state.app, who, status, escalated)
        .await?
        .into_iter()
        .map(TicketItem::from)
        .collect();
    Ok(Json(TicketList { items }))
}

/// A ticket for staff (a visitor's contact included; the view is recorded).
#[utoipa::path(get, path = "/api/v1/staff/support/tickets/{id}", tag = "staff",
    summary = "Обращение (для сотрудника)",
    params(("id" = String, Path, description = "The ticket")),
    responses((status = 200, description = "The ticket", body = TicketDetail)))]
pub async fn staff_get(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
) -> Result<Json<TicketDetail>, WebError> {
    let who = visit.require()?;
    Ok(Json(detail(
        support::get_for_staff(&state.app, &visit.ctx, who, &id).await?,
    )))
}

/// Staff answer; the person is told.
#[utoipa::path(post, path = "/api/v1/staff/support/tickets/{id}/messages", tag = "staff",
    summary = "Ответить на обращение",
    request_body = MessageBody,
    params(("id" = String, Path, description = "The ticket"), ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 201, description = "Answered"), (status = 409, description = "Closed", body = Problem, content_type = "application/problem+json"), (status = 422, description = "No text or a bad status", body = Problem, content_type = "application/problem+json")))]
pub async fn staff_answer(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<MessageBody>,
) -> Result<StatusCode, WebError> {
    let who = visit.require_with_csrf_header()?;
    let status = body.status.as_deref().unwrap_or("answered");
    support::answer(&state.app, &visit.ctx, who, &id, &body.text, status, None).await?;
    Ok(StatusCode::CREATED)
}

/// Staff answer with a file (multipart: `file`, `text`, `status`).
#[utoipa::path(post, path = "/api/v1/staff/support/tickets/{id}/attachments", tag = "staff",
    summary = "Ответить с файлом",
    params(("id" = String, Path, description = "The ticket"), ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 201, description = "Answered")))]
pub async fn staff_attach(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    ApiMultipart(multipart): ApiMultipart,
) -> Result<StatusCode, WebError> {
    let who = visit.require_with_csrf_header()?;
    let parts = upload::read(multipart).await?;
    let file = parts.file("file")?;
    let status = parts.text("status");
    let status = if status.is_empty() {
        "answered".to_owned()
    } else {
        status
    };
    support::answer(
        &state.app,
        &visit.ctx,
        who,
        &id,
        &parts.text("text"),
        &status,
        Some(file),
    )
    .await?;
    Ok(StatusCode::CREATED)
}

/// Why a ticket goes to a supervisor.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalateBody {
    /// Required.
    #[serde(default)]
    pub reason: String,
}

/// Hands a ticket to the supervisors (they are told).
#[utoipa::path(post, path = "/api/v1/staff/support/tickets/{id}/escalate", tag = "staff",
    summary = "Передать руководителю",
    request_body = EscalateBody,
    params(("id" = String, Path, description = "The ticket"), ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 200, description = "Escalated"), (status = 409, description = "Already escalated or closed", body = Problem, content_type = "application/problem+json")))]
pub async fn staff_escalate(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<EscalateBody>,
) -> Result<StatusCode, WebError> {
    let who = visit.require_with_csrf_header()?;
    support::escalate(&state.app, &visit.ctx, who, &id, &body.reason).await?;
    Ok(StatusCode::OK)
}

/// The routes of this area, each declared once by its `#[utoipa::path]`.
pub(crate) fn router() -> utoipa_axum::router::OpenApiRouter<crate::AppState> {
    use utoipa_axum::router::UtoipaMethodRouterExt;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(mine, create))
        .routes(utoipa_axum::routes!(get))
        .routes(utoipa_axum::routes!(reply))
        .routes(
            utoipa_axum::routes!(attach).layer(axum::extract::DefaultBodyLimit::max(
                crate::upload::BODY_LIMIT,
            )),
        )
        .routes(utoipa_axum::routes!(close))
        .routes(utoipa_axum::routes!(download))
        .routes(utoipa_axum::routes!(staff_queue))
        .routes(utoipa_axum::routes!(staff_get))
        .routes(utoipa_axum::routes!(staff_answer))
        .routes(
            utoipa_axum::routes!(staff_attach).layer(axum::extract::DefaultBodyLimit::max(
                crate::upload::BODY_LIMIT,
            )),
        )
        .routes(utoipa_axum::routes!(staff_escalate))
}
