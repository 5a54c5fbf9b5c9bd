//! Organisations in the API (the fixed paths of API.md): registering one, reading it as
//! a member, its members; staff verification.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kabinet_app::organisations::{self, NewOrganisation, View};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::json::{ApiJson, ApiMultipart};
use crate::error::Problem;
use crate::session::Visit;
use crate::{AppState, WebError};

/// An organisation to register.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewBody {
    /// `legal_entity` or `sole_proprietor`.
    pub kind: String,
    /// ИНН (10 digits for a legal entity; the person's own 12 for a sole proprietor).
    pub inn: String,
    /// ОГРН (13 digits) or ОГРНИП (15).
    pub ogrn: String,
    /// КПП (legal entities only).
    #[serde(default)]
    pub kpp: String,
    /// Full name.
    pub full_name: String,
    /// Short name.
    #[serde(default)]
    pub short_name: String,
    /// Legal address.
    pub legal_address: String,
    /// State registration date (`YYYY-MM-DD` or `ДД.ММ.ГГГГ`).
    #[serde(default)]
    pub registered_on: String,
    /// The responsible employee (name and position).
    #[serde(default)]
    pub responsible: String,
    /// The organisation's e-mail.
    #[serde(default)]
    pub contact_email: String,
    /// The organisation's phone.
    #[serde(default)]
    pub contact_phone: String,
}

/// An organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgBody {
    /// Id.
    pub id: String,
    /// `legal_entity` or `sole_proprietor`.
    pub kind: String,
    /// `pending_verification`, `active` or `refused`.
    pub status: String,
    /// ИНН.
    pub inn: String,
    /// ОГРН or ОГРНИП.
    pub ogrn: String,
    /// КПП.
    pub kpp: Option<String>,
    /// Full name.
    pub full_name: String,
    /// Short name.
    pub short_name: Option<String>,
    /// Legal address.
    pub legal_address: String,
    /// Staff's comment or reason.
    pub decision: Option<String>,
    /// The caller's role (`administrator`, `operator`, `observer`).
    pub role: Option<String>,
    /// Last change (RFC 3339).
    pub updated_at: String,
    /// State registration date `YYYY-MM-DD`.
    pub registered_on: Option<String>,
    /// The responsible employee.
    pub responsible: Option<String>,
    /// The organisation's e-mail.
    pub contact_email: Option<String>,
    /// The organisation's phone.
    pub contact_phone: Option<String>,
}

fn body(v: View) -> OrgBody {
    OrgBody {
        id: v.org.id,
        kind: v.org.kind,
        status: v.org.status,
        inn: v.inn,
        ogrn: v.ogrn,
        kpp: v.kpp,
        full_name: v.org.full_name,
        short_name: v.org.short_name,
        legal_address: v.org.legal_address,
        decision: v.org.decision,
        role: v.role.map(|r| r.as_str().to_owned()),
        updated_at: kabinet_store::ts::format(v.org.updated_at),
        registered_on: v.org.card.registered_on,
        responsible: v.org.card.responsible,
        contact_email: v.org.card.contact_email,
        contact_phone: v.org.card.contact_phone,
    }
}

fn input(b: NewBody) -> NewOrganisation {
    NewOrganisation {
        kind: b.kind,
        inn: b.inn,
        ogrn: b.ogrn,
        kpp: b.kpp,
        full_name: b.full_name,
        short_name: b.short_name,
        legal_address: b.legal_address,
        registered_on: b.registered_on,
        responsible: b.responsible,
        contact_email: b.contact_email,
        contact_phone: b.contact_phone,
    }
}

/// Registers an organisation (a `confirmed` person); it waits for staff verification.
#[utoipa::path(post, path = "/api/v1/organizations", tag = "organizations",
    summary = "Зарегистрировать организацию",
    request_body = NewBody,
    params(("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses(
        (status = 201, description = "Registered: pending_verification", body = OrgBody),
        (status = 403, description = "The caller's level is not confirmed", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already registered (the same ИНН)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Field errors", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn create(
    State(state): State<AppState>,
    visit: Visit,
    ApiJson(b): ApiJson<NewBody>,
) -> Result<(StatusCode, Json<OrgBody>), WebError> {
    let who = visit.require_with_csrf_header()?;
    let v = organisations::create(&state.app, &visit.ctx, who, &input(b)).await?;
    Ok((StatusCode::CREATED, Json(body(v))))
}

/// Organisations.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgList {
    /// The organisations.
    pub items: Vec<OrgItem>,
}

/// An organisation as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgItem {
    /// Id.
    pub id: String,
    /// Full name.
    pub full_name: String,
    /// Status.
    pub status: String,
    /// The caller's role.
    pub role: String,
}

/// The caller's organisations.
#[utoipa::path(get, path = "/api/v1/organizations", tag = "organizations",
    summary = "Мои организации",
    responses((status = 200, description = "With the caller's role", body = OrgList)))]
pub async fn mine(State(state): State<AppState>, visit: Visit) -> Result<Json<OrgList>, WebError> {
    let who = visit.require()?;
    let items = organisations::mine(&state.app, who)
        .await?
        .into_iter()
        .map(|(o, role)| OrgItem {
            id: o.id,
            full_name: o.full_name,
            status: o.status,
            role,
        })
        .collect();
    Ok(Json(OrgList { items }))
}

/// An organisation (members only; `404` to anyone else).
#[utoipa::path(get, path = "/api/v1/organizations/{id}", tag = "organizations",
    summary = "Информация об организации",
    params(("id" = String, Path, description = "The organisation")),
    responses((status = 200, description = "The organisation", body = OrgBody), (status = 404, description = "Not a member", body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
) -> Result<Json<OrgBody>, WebError> {
    let who = visit.require()?;
    Ok(Json(body(organisations::get(&state.app, who, &id).await?)))
}

/// A member.
#[derive(Debug, Serialize, ToSchema)]
pub struct Member {
    /// Account id.
    pub account_id: String,
    /// `administrator`, `operator` or `observer`.
    pub role: String,
}

/// Members.
#[derive(Debug, Serialize, ToSchema)]
pub struct Members {
    /// Administrators first.
    pub items: Vec<Member>,
}

/// The members of an organisation (members only).
#[utoipa::path(get, path = "/api/v1/organizations/{id}/members", tag = "organizations",
    summary = "Участники организации",
    params(("id" = String, Path, description = "The organisation")),
    responses((status = 200, description = "The members", body = Members), (status = 404, description = "Not a member", body = Problem, content_type = "application/problem+json")))]
pub async fn members(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
) -> Result<Json<Members>, WebError> {
    let who = visit.require()?;
    let items = organisations::members(&state.app, who, &id)
        .await?
        .into_iter()
        .map(|(account_id, role)| Member { account_id, role })
        .collect();
    Ok(Json(Members { items }))
}

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

/// An invitation to send.
#[derive(Debug, Deserialize, ToSchema)]
pub struct InviteBody {
    /// E-mail or phone of the person invited.
    pub contact: String,
    /// `administrator`, `operator` or `observer`.
    pub role: String,
}

/// The invitation sent (its code went to the contact only).
#[derive(Debug, Serialize, ToSchema)]
pub struct Invited {
    /// Invitation id.
    pub id: String,
}

/// Invites a person (administrators of an active organisation); the code goes to the
/// contact and is valid for 7 days.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/invitations", tag = "organizations",
    summary = "Пригласить участника",
    request_body = InviteBody,
    params(("id" = String, Path, description = "The organisation"), ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses(
        (status = 201, description = "Sent", body = Invited),
        (status = 403, description = "Not an administrator of it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not a member", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not verified yet", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad contact or role", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn invite(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<InviteBody>,
) -> Result<(StatusCode, Json<Invited>), WebError> {
    let who = visit.require_with_csrf_header()?;
    let id = organisations::invite(&state.app, &visit.ctx, who, &id, &b.contact, &b.role).await?;
    Ok((StatusCode::CREATED, Json(Invited { id })))
}

/// An invitation's code.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CodeBody {
    /// The code from the message.
    pub code: String,
}

/// The membership.
#[derive(Debug, Serialize, ToSchema)]
pub struct Membership {
    /// The organisation.
    pub organization_id: String,
    /// The role.
    pub role: String,
}

/// Accepts an invitation (the person with the invited contact; once; before it expires).
#[utoipa::path(post, path = "/api/v1/invitations/accept", tag = "organizations",
    summary = "Принять приглашение",
    request_body = CodeBody,
    params(("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses(
        (status = 200, description = "A member now", body = Membership),
        (status = 403, description = "Sent to somebody else's contact", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Used or expired", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No such code", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn accept(
    State(state): State<AppState>,
    visit: Visit,
    ApiJson(b): ApiJson<CodeBody>,
) -> Result<Json<Membership>, WebError> {
    let who = visit.require_with_csrf_header()?;
    let (organization_id, role) =
        organisations::answer_invitation(&state.app, &visit.ctx, who, &b.code, true).await?;
    Ok(Json(Membership {
        organization_id,
        role: role.as_str().to_owned(),
    }))
}

/// Declines an invitation.
#[utoipa::path(post, path = "/api/v1/invitations/decline", tag = "organizations",
    summary = "Отклонить приглашение",
    request_body = CodeBody,
    params(("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 200, description = "Declined")))]
pub async fn decline(
    State(state): State<AppState>,
    visit: Visit,
    ApiJson(b): ApiJson<CodeBody>,
) -> Result<StatusCode, WebError> {
    let who = visit.require_with_csrf_header()?;
    organisations::answer_invitation(&state.app, &visit.ctx, who, &b.code, false).await?;
    Ok(StatusCode::OK)
}

/// A new role.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RoleBody {
    /// `administrator`, `operator` or `observer`.
    pub role: String,
}

/// Changes a member's role (administrators; the last administrator stays one).
#[utoipa::path(post, path = "/api/v1/organizations/{id}/members/{account_id}/role", tag = "organizations",
    summary = "Сменить роль участника",
    request_body = RoleBody,
    params(("id" = String, Path, description = "The organisation"), ("account_id" = String, Path, description = "The member"), ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 200, description = "Changed"), (status = 409, description = "The last administrator", body = Problem, content_type = "application/problem+json")))]
pub async fn set_role(
    State(state): State<AppState>,
    visit: Visit,
    Path((id, account_id)): Path<(String, String)>,
    ApiJson(b): ApiJson<RoleBody>,
) -> Result<StatusCode, WebError> {
    let who = visit.require_with_csrf_header()?;
    organisations::change_member(&state.app, &visit.ctx, who, &id, &account_id, Some(&b.role))
        .await?;
    Ok(StatusCode::OK)
}

/// Removes a member (administrators), or leaves (oneself); the last administrator
/// cannot.
#[utoipa::path(delete, path = "/api/v1/organizations/{id}/members/{account_id}", tag = "organizations",
    summary = "Исключить участника или выйти",
    params(("id" = String, Path, description = "The organisation"), ("account_id" = String, Path, description = "The member"), ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 204, description = "Removed"), (status = 409, description = "The last administrator", body = Problem, content_type = "application/problem+json")))]
pub async fn remove(
    State(state): State<AppState>,
    visit: Visit,
    Path((id, account_id)): Path<(String, String)>,
) -> Result<StatusCode, WebError> {
    let who = visit.require_with_csrf_header()?;
    organisations::change_member(&state.app, &visit.ctx, who, &id, &account_id, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The organisation's data an administrator changes (the identifiers change only by a
/// change request).
#[derive(Debug, Deserialize, ToSchema)]
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
    Ok(super::applications::file_response(&record, bytes))
}

/// A change of identifiers to ask for (empty ones stay).
#[derive(Debug, Deserialize, ToSchema)]
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

fn change_item(c: organisations::ChangeView) -> ChangeItem {
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
