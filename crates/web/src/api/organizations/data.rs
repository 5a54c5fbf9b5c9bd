//! An organisation's data: changes by its administrator, history, documents, change requests.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kabinet_app::organisations;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::*;
use crate::api::json::{ApiJson, ApiMultipart};
use crate::error::Problem;
use crate::session::Visit;
use crate::{AppState, WebError};

/// The organisation's data an administrator changes (the identifiers change only by a
/// change request).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DataBody {
    /// Full name.
    pub full_name: String,
    /// Short name.
    #[serde(default)]
    pub short_name: String,
    /// Legal address.
    pub legal_address: String,
    /// State registration date.
    #[serde(default)]
    pub registered_on: String,
    /// The responsible employee.
    #[serde(default)]
    pub responsible: String,
    /// The organisation's e-mail.
    #[serde(default)]
    pub contact_email: String,
    /// The organisation's phone.
    #[serde(default)]
    pub contact_phone: String,
}

/// Changes the organisation's data (administrators); recorded in «История изменений».
#[utoipa::path(put, path = "/api/v1/organizations/{id}", tag = "organizations",
    summary = "Изменить данные организации",
    request_body = DataBody,
    params(("id" = String, Path, description = "The organisation"), ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses(
        (status = 200, description = "Changed", body = OrgBody),
        (status = 403, description = "Not an administrator of it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not a member", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Field errors", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn update(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<DataBody>,
) -> Result<Json<OrgBody>, WebError> {
    let who = visit.require_with_csrf_header()?;
    let data = NewOrganisation {
        full_name: b.full_name,
        short_name: b.short_name,
        legal_address: b.legal_address,
        registered_on: b.registered_on,
        responsible: b.responsible,
        contact_email: b.contact_email,
        contact_phone: b.contact_phone,
        ..NewOrganisation::default()
    };
    let v = organisations::update_data(&state.app, &visit.ctx, who, &id, &data).await?;
    Ok(Json(body(v)))
}

/// A line of «История изменений».
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = OrganizationHistoryItem)]
pub struct HistoryItem {
    /// When (RFC 3339).
    pub at: String,
    /// Who: `account:<id>`.
    pub actor: String,
    /// `member`, `staff` or `system`.
    pub actor_kind: String,
    /// What: `created`, `verified`, `data_changed`, `role_changed`, `identifiers_changed` …
    pub what: String,
    /// Details (changed field names, roles; never identifiers' values).
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

/// History.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryList {
    /// Newest first.
    pub items: Vec<HistoryItem>,
}

/// «История изменений» of the organisation (members).
#[utoipa::path(get, path = "/api/v1/organizations/{id}/history", tag = "organizations",
    summary = "История изменений организации",
    params(("id" = String, Path, description = "The organisation")),
    responses((status = 200, description = "Newest first", body = HistoryList), (status = 404, description = "Not a member", body = Problem, content_type = "application/problem+json")))]
pub async fn history(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
) -> Result<Json<HistoryList>, WebError> {
    let who = visit.require()?;
    let items = organisations::history(&state.app, who, &id)
        .await?
        .into_iter()
        .map(|e| HistoryItem {
            at: kabinet_store::ts::format(e.at),
            actor: e.actor,
            actor_kind: e.actor_kind,
            what: e.what,
            details: serde_json::from_str(&e.details).unwrap_or_default(),
        })
        .collect();
    Ok(Json(HistoryList { items }))
}

/// A statutory document.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = OrganizationDocument)]
pub struct DocumentItem {
    /// The file's id.
    pub file_id: String,
    /// `charter`, `decision`, `registration` or `other`.
    pub kind: String,
    /// File name.
    pub file_name: String,
    /// Bytes.
    pub size: i64,
    /// Attached (RFC 3339).
    pub at: String,
}

fn document_item(d: organisations::Document) -> DocumentItem {
    DocumentItem {
        file_id: d.file_id,
        kind: d.kind,
        file_name: d.file_name,
        size: d.size,
        at: kabinet_store::ts::format(d.at),
    }
}

/// Documents.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentList {
    /// Oldest first.
    pub items: Vec<DocumentItem>,
}

/// The statutory documents (members).
#[utoipa::path(get, path = "/api/v1/organizations/{id}/documents", tag = "organizations",
    summary = "Уставные документы",
    params(("id" = String, Path, description = "The organisation")),
    responses((status = 200, description = "The documents", body = DocumentList), (status = 404, description = "Not a member", body = Problem, content_type = "application/problem+json")))]
pub async fn documents(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
) -> Result<Json<DocumentList>, WebError> {
    let who = visit.require()?;
    let items = organisations::documents(&state.app, who, &id)
        .await?
        .into_iter()
        .map(document_item)
        .collect();
    Ok(Json(DocumentList { items }))
}

/// A statutory document to upload.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct DocumentForm {
    /// `charter`, `decision`, `registration` or `other`.
    kind: String,
    /// The file (PDF, JPEG or PNG by content).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Attaches a statutory document (administrators).
#[utoipa::path(post, path = "/api/v1/organizations/{id}/documents", tag = "organizations",
    summary = "Загрузить уставный документ",
    request_body(content = DocumentForm, content_type = "multipart/form-data"),
    params(("id" = String, Path, description = "The organisation"), ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses(
        (status = 201, description = "Attached", body = DocumentItem),
        (status = 403, description = "Not an administrator of it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not a member", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No file, a wrong kind or type", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn add_document(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    ApiMultipart(multipart): ApiMultipart,
) -> Result<(StatusCode, Json<DocumentItem>), WebError> {
    let who = visit.require_with_csrf_header()?;
    let parts = crate::upload::read(multipart).await?;
    let file = parts.file("file")?;
    let d =
        organisations::add_document(&state.app, &visit.ctx, who, &id, &parts.text("kind"), file)
            .await?;
    Ok((StatusCode::CREATED, Json(document_item(d))))
}

/// Downloads a statutory document (members; staff who verify organisations).
#[utoipa::path(get, path = "/api/v1/organizations/{id}/documents/{file_id}", tag = "organizations",
    summary = "Скачать уставный документ",
    params(("id" = String, Path, description = "The organisation"), ("file_id" = String, Path, description = "The file")),
    responses((status = 200, description = "The file", content_type = "application/octet-stream"), (status = 404, description = "Not visible to you", body = Problem, content_type = "application/problem+json")))]
pub async fn document(
    State(state): State<AppState>,
    visit: Visit,
    Path((id, file_id)): Path<(String, String)>,
) -> Result<axum::response::Response, WebError> {
    let who = visit.require()?;
    let (record, bytes) =
        organisations::document(&state.app, &visit.ctx, who, &id, &file_id).await?;
    Ok(crate::download::file_response(&record, bytes))
}

/// A change of identifiers to ask for (empty ones stay).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeBody {
    /// New ИНН.
    #[serde(default)]
    pub inn: String,
    /// New ОГРН or ОГРНИП.
    #[serde(default)]
    pub ogrn: String,
    /// New КПП.
    #[serde(default)]
    pub kpp: String,
    /// Why.
    pub reason: String,
}

/// A change request.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeItem {
    /// Id.
    pub id: String,
    /// The organisation.
    pub organization_id: String,
    /// Which identifiers change.
    pub fields: Vec<String>,
    /// Proposed ИНН.
    pub inn: String,
    /// Proposed ОГРН or ОГРНИП.
    pub ogrn: String,
    /// Proposed КПП.
    pub kpp: Option<String>,
    /// Why.
    pub reason: String,
    /// `pending`, `approved` or `refused`.
    pub status: String,
    /// Staff's comment.
    pub decision: Option<String>,
    /// Asked (RFC 3339).
    pub created_at: String,
}

pub(super) fn change_item(c: organisations::ChangeView) -> ChangeItem {
    ChangeItem {
        id: c.request.id,
        organization_id: c.request.organization_id,
        fields: c.request.fields.split(',').map(str::to_owned).collect(),
        inn: c.inn,
        ogrn: c.ogrn,
        kpp: c.kpp,
        reason: c.request.reason,
        status: c.request.status,
        decision: c.request.decision,
        created_at: kabinet_store::ts::format(c.request.created_at),
    }
}

/// Change requests.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeList {
    /// The requests.
    pub items: Vec<ChangeItem>,
}

/// Asks staff to change identifiers (administrators; one pending at a time).
#[utoipa::path(post, path = "/api/v1/organizations/{id}/change-requests", tag = "organizations",
    summary = "Заявка на изменение реквизитов",
    request_body = ChangeBody,
    params(("id" = String, Path, description = "The organisation"), ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses(
        (status = 201, description = "Sent to staff", body = ChangeItem),
        (status = 403, description = "Not an administrator of it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not a member", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A request is already pending", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Field errors (identifiers checked together; a reason)", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn request_change(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ChangeBody>,
) -> Result<(StatusCode, Json<ChangeItem>), WebError> {
    let who = visit.require_with_csrf_header()?;
    let proposed = NewOrganisation {
        inn: b.inn,
        ogrn: b.ogrn,
        kpp: b.kpp,
        ..NewOrganisation::default()
    };
    let c = organisations::request_change(&state.app, &visit.ctx, who, &id, &proposed, &b.reason)
        .await?;
    Ok((StatusCode::CREATED, Json(change_item(c))))
}

/// The organisation's change requests, newest first (members).
#[utoipa::path(get, path = "/api/v1/organizations/{id}/change-requests", tag = "organizations",
    summary = "Заявки на изменение реквизитов",
    params(("id" = String, Path, description = "The organisation")),
    responses((status = 200, description = "The requests", body = ChangeList), (status = 404, description = "Not a member", body = Problem, content_type = "application/problem+json")))]
pub async fn change_requests(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
) -> Result<Json<ChangeList>, WebError> {
    let who = visit.require()?;
    let items = organisations::change_requests(&state.app, who, &id)
        .await?
        .into_iter()
        .map(change_item)
        .collect();
    Ok(Json(ChangeList { items }))
}
