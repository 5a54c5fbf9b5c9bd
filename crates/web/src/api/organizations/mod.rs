//! Organisations in the API (the fixed paths of API.md): registering one, reading it as
//! a member, its members; staff verification.

mod data;
mod members;
mod staff;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kabinet_app::organisations::{self, NewOrganisation, View};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::json::ApiJson;
use crate::error::Problem;
use crate::session::Visit;
use crate::{AppState, WebError};

pub use data::*;
pub use members::*;
pub use staff::*;

/// An organisation to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
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

/// The routes of this area, each declared once by its `#[utoipa::path]`.
pub(crate) fn router() -> utoipa_axum::router::OpenApiRouter<crate::AppState> {
    use utoipa_axum::router::UtoipaMethodRouterExt;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(mine, create))
        .routes(utoipa_axum::routes!(get, update))
        .routes(utoipa_axum::routes!(history))
        .routes(utoipa_axum::routes!(documents, add_document).layer(
            axum::extract::DefaultBodyLimit::max(crate::upload::BODY_LIMIT),
        ))
        .routes(utoipa_axum::routes!(document))
        .routes(utoipa_axum::routes!(change_requests, request_change))
        .routes(utoipa_axum::routes!(pending_changes))
        .routes(utoipa_axum::routes!(decide_change))
        .routes(utoipa_axum::routes!(members))
        .routes(utoipa_axum::routes!(invite))
        .routes(utoipa_axum::routes!(accept))
        .routes(utoipa_axum::routes!(decline))
        .routes(utoipa_axum::routes!(set_role))
        .routes(utoipa_axum::routes!(remove))
        .routes(utoipa_axum::routes!(pending))
        .routes(utoipa_axum::routes!(verify))
        .routes(utoipa_axum::routes!(refuse))
}
