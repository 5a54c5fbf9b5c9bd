//! «Активные сеансы» in the API (as on the page «Безопасность»): the signed-in person's
//! sessions, ending one, ending all the others.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use kabinet_app::auth;
use serde::Serialize;
use utoipa::ToSchema;

use crate::session::{Visit, clear_session_cookie};
use crate::{AppState, WebError};

/// One open session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionItem {
    /// Its id (a hash of the token: it opens nothing).
    pub id: String,
    /// Signed in (RFC 3339).
    pub created_at: String,
    /// The last request (RFC 3339).
    pub last_seen_at: String,
    /// The browser or client, as it said.
    pub user_agent: Option<String>,
    /// The client address.
    pub address: Option<String>,
    /// The session making this request.
    pub current: bool,
}

/// The sessions.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionList {
    /// Newest first.
    pub items: Vec<SessionItem>,
}

/// How many sessions ended.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionsEnded {
    /// Count.
    pub ended: u64,
}

/// The open sessions of the signed-in account.
#[utoipa::path(get, path = "/api/v1/me/sessions", tag = "auth",
    summary = "Активные сеансы",
    responses((status = 200, description = "The open sessions", body = SessionList)))]
pub async fn list(
    State(state): State<AppState>,
    visit: Visit,
) -> Result<Json<SessionList>, WebError> {
    let who = visit.require()?;
    let items = auth::sessions_of(&state.app, who)
        .await?
        .into_iter()
        .map(|s| SessionItem {
            current: s.id == who.session_id,
            created_at: kabinet_store::ts::format(s.created_at),
            last_seen_at: kabinet_store::ts::format(s.last_seen_at),
            user_agent: s.user_agent,
            address: s.address,
            id: s.id,
        })
        .collect();
    Ok(Json(SessionList { items }))
}

/// Ends one session of the account («Завершить»); ending the current one signs out.
#[utoipa::path(delete, path = "/api/v1/me/sessions/{id}", tag = "auth",
    summary = "Завершить сеанс",
    params(
        ("id" = String, Path, description = "The session's id from the list"),
        ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")
    ),
    responses(
        (status = 204, description = "Ended"),
        (status = 404, description = "No such session of this account")
    ))]
pub async fn end(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let who = visit.require_with_csrf_header()?;
    auth::end_session(&state.app, &visit.ctx, who, &id).await?;
    if id == who.session_id {
        let cookie = clear_session_cookie(&visit.headers, &state);
        return Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response());
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Ends every other session of the account («Завершить все остальные»).
#[utoipa::path(delete, path = "/api/v1/me/sessions", tag = "auth",
    summary = "Завершить все остальные сеансы",
    params(("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 200, description = "Ended", body = SessionsEnded)))]
pub async fn end_others(
    State(state): State<AppState>,
    visit: Visit,
) -> Result<Json<SessionsEnded>, WebError> {
    let who = visit.require_with_csrf_header()?;
    let ended = auth::end_other_sessions(&state.app, &visit.ctx, who).await?;
    Ok(Json(SessionsEnded { ended }))
}

/// The routes of this area, each declared once by its `#[utoipa::path]`.
pub(crate) fn router() -> utoipa_axum::router::OpenApiRouter<crate::AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(list, end_others))
        .routes(utoipa_axum::routes!(end))
}
