//! Members of an organisation: the list, invitations, roles, removal (ORG-2).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kabinet_app::organisations;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::json::ApiJson;
use crate::error::Problem;
use crate::session::Visit;
use crate::{AppState, WebError};

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

/// An invitation to send.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
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
#[serde(deny_unknown_fields)]
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
#[serde(deny_unknown_fields)]
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
