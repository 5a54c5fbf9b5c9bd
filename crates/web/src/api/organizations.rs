//! Organisations in the API (the fixed paths of API.md): registering one, reading it as
//! a member, its members; staff verification.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kabinet_app::organisations::{self, NewOrganisation, View};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::json::ApiJson;
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
    let input = NewOrganisation {
        kind: b.kind,
        inn: b.inn,
        ogrn: b.ogrn,
        kpp: b.kpp,
        full_name: b.full_name,
        short_name: b.short_name,
        legal_address: b.legal_address,
    };
    let v = organisations::create(&state.app, &visit.ctx, who, &input).await?;
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

/// Organisations waiting for verification (staff).
#[utoipa::path(get, path = "/api/v1/staff/organizations", tag = "staff",
    summary = "Организации на проверке",
    responses((status = 200, description = "Oldest first", body = Vec<OrgBody>)))]
pub async fn pending(
    State(state): State<AppState>,
    visit: Visit,
) -> Result<Json<Vec<OrgBody>>, WebError> {
    let who = visit.require()?;
    Ok(Json(
        organisations::pending(&state.app, who)
            .await?
            .into_iter()
            .map(body)
            .collect(),
    ))
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
