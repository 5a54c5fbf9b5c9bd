//! The second factor through the API.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use kabinet_app::auth;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::{CodeRequest, SignedInResponse};
use super::json::ApiJson;
use crate::error::Problem;
use crate::session::{Visit, set_session_cookie};
use crate::{AppState, WebError};

/// Completes a sign-in with a TOTP code or a recovery code.
#[utoipa::path(post, path = "/api/v1/session/mfa", tag = "auth",
    summary = "Второй шаг входа: код из приложения или код восстановления",
    request_body = CodeRequest,
    responses(
        (status = 200, description = "Signed in; a new session cookie", body = SignedInResponse),
        (status = 401, description = "Wrong code (five wrong codes drop the pending sign-in)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No sign-in waits for a second factor", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn complete(
    State(state): State<AppState>,
    visit: Visit,
    ApiJson(body): ApiJson<CodeRequest>,
) -> Result<Response, WebError> {
    let Some(pending) = &visit.pending else {
        return Err(WebError::Conflict("auth-mfa-not-pending"));
    };
    let token = auth::complete_sign_in(
        &state.app,
        &visit.ctx,
        pending,
        &body.code,
        visit.user_agent(),
    )
    .await?;
    let cookie = set_session_cookie(&visit.headers, &state, &token);
    let response = (
        [(header::SET_COOKIE, cookie)],
        Json(SignedInResponse {
            account_id: pending.account.id.clone(),
            mfa_required: false,
        }),
    )
        .into_response();
    Ok(crate::session::with_device_cookie(
        response,
        &visit.headers,
        &state,
        &pending.account.id,
    ))
}

/// `POST /api/v1/session/reauth`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReauthRequest {
    /// The account's password.
    pub password: String,
}

/// Enters the password again: sensitive actions (the second factor) are allowed for 10 minutes.
#[utoipa::path(post, path = "/api/v1/session/reauth", tag = "auth",
    summary = "Повторный ввод пароля для важных действий",
    request_body = ReauthRequest,
    responses(
        (status = 204, description = "Password accepted"),
        (status = 422, description = "Wrong password", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn reauth(
    State(state): State<AppState>,
    visit: Visit,
    ApiJson(body): ApiJson<ReauthRequest>,
) -> Result<StatusCode, WebError> {
    let who = visit.require_with_csrf_header()?;
    auth::reauthenticate(&state.app, &visit.ctx, who, &body.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new TOTP secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct TotpStarted {
    /// The secret in base32.
    pub secret: String,
    /// `otpauth://totp/…` for authenticator apps.
    pub otpauth_uri: String,
}

/// Starts TOTP enrolment (needs a password entry in the last 10 minutes).
#[utoipa::path(post, path = "/api/v1/me/mfa/totp", tag = "auth",
    summary = "Подключить приложение-аутентификатор: новый ключ",
    responses(
        (status = 200, description = "The secret", body = TotpStarted),
        (status = 403, description = "Enter the password again first (POST /api/v1/session/reauth)", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn start(
    State(state): State<AppState>,
    visit: Visit,
) -> Result<Json<TotpStarted>, WebError> {
    let who = visit.require_with_csrf_header()?;
    let e = auth::start_totp(&state.app, &visit.ctx, who).await?;
    Ok(Json(TotpStarted {
        secret: e.secret,
        otpauth_uri: e.otpauth_uri,
    }))
}

/// Recovery codes, shown once.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecoveryCodes {
    /// Ten single-use codes.
    pub recovery_codes: Vec<String>,
}

/// Confirms TOTP with a first code; from now on sign-in asks for a second factor.
#[utoipa::path(post, path = "/api/v1/me/mfa/totp/confirm", tag = "auth",
    summary = "Подключить приложение-аутентификатор: подтвердить кодом",
    request_body = CodeRequest,
    responses(
        (status = 200, description = "Enabled; recovery codes", body = RecoveryCodes),
        (status = 422, description = "Wrong code", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn confirm(
    State(state): State<AppState>,
    visit: Visit,
    ApiJson(body): ApiJson<CodeRequest>,
) -> Result<Json<RecoveryCodes>, WebError> {
    let who = visit.require_with_csrf_header()?;
    let recovery_codes = auth::confirm_totp(&state.app, &visit.ctx, who, &body.code).await?;
    Ok(Json(RecoveryCodes { recovery_codes }))
}

/// Turns TOTP off (needs a password entry in the last 10 minutes).
#[utoipa::path(delete, path = "/api/v1/me/mfa/totp", tag = "auth",
    summary = "Отключить приложение-аутентификатор",
    responses(
        (status = 204, description = "Disabled"),
        (status = 403, description = "Enter the password again first", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn disable(State(state): State<AppState>, visit: Visit) -> Result<StatusCode, WebError> {
    let who = visit.require_with_csrf_header()?;
    auth::disable_totp(&state.app, &visit.ctx, who).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sends a sign-in code to the confirmed contact during a pending sign-in.
#[utoipa::path(post, path = "/api/v1/session/mfa/code", tag = "auth",
    summary = "Второй шаг входа: прислать код на почту или SMS",
    responses(
        (status = 202, description = "Sent"),
        (status = 409, description = "No sign-in waits for a second factor", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too soon or too many codes", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn send_code(
    State(state): State<AppState>,
    visit: Visit,
) -> Result<StatusCode, WebError> {
    let Some(pending) = &visit.pending else {
        return Err(WebError::Conflict("auth-mfa-not-pending"));
    };
    auth::send_sign_in_code(&state.app, &visit.ctx, pending).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Turns on the second factor by codes to a confirmed contact (needs a recent password entry).
#[utoipa::path(post, path = "/api/v1/me/mfa/codes", tag = "auth",
    summary = "Включить вход с кодом по почте или SMS",
    responses(
        (status = 204, description = "On"),
        (status = 403, description = "Enter the password again first", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn enable_codes(
    State(state): State<AppState>,
    visit: Visit,
) -> Result<StatusCode, WebError> {
    let who = visit.require_with_csrf_header()?;
    auth::set_code_factor(&state.app, &visit.ctx, who, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Turns the codes factor off (needs a recent password entry).
#[utoipa::path(delete, path = "/api/v1/me/mfa/codes", tag = "auth",
    summary = "Отключить вход с кодом по почте или SMS",
    responses(
        (status = 204, description = "Off"),
        (status = 403, description = "Enter the password again first", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn disable_codes(
    State(state): State<AppState>,
    visit: Visit,
) -> Result<StatusCode, WebError> {
    let who = visit.require_with_csrf_header()?;
    auth::set_code_factor(&state.app, &visit.ctx, who, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The routes of this area, each declared once by its `#[utoipa::path]`.
pub(crate) fn router() -> utoipa_axum::router::OpenApiRouter<crate::AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(complete))
        .routes(utoipa_axum::routes!(send_code))
        .routes(utoipa_axum::routes!(enable_codes, disable_codes))
        .routes(utoipa_axum::routes!(reauth))
        .routes(utoipa_axum::routes!(start, disable))
        .routes(utoipa_axum::routes!(confirm))
}
