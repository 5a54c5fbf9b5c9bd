//! Sign-in and account API (the fixed paths of API.md).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use kabinet_app::auth;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::json::ApiJson;
use crate::error::Problem;
use crate::session::{Visit, clear_session_cookie, set_session_cookie};
use crate::{AppState, WebError};

/// `POST /api/v1/registrations`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationRequest {
    /// A phone number or an e-mail address, as typed.
    pub contact: String,
    /// The chosen password.
    pub password: String,
}

/// A registration waiting for its code.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationStarted {
    /// Id for the confirmation.
    pub registration_id: String,
}

/// Starts a registration; a 6-digit code goes to the contact.
#[utoipa::path(post, path = "/api/v1/registrations", tag = "auth",
    summary = "Регистрация: отправить код на телефон или почту",
    request_body = RegistrationRequest,
    responses(
        (status = 202, description = "Code sent", body = RegistrationStarted),
        (status = 422, description = "Field errors", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many codes", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn register(
    State(state): State<AppState>,
    visit: Visit,
    ApiJson(body): ApiJson<RegistrationRequest>,
) -> Result<Response, WebError> {
    let id =
        auth::start_registration(&state.app, &visit.ctx, &body.contact, &body.password).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(RegistrationStarted {
            registration_id: id,
        }),
    )
        .into_response())
}

/// `POST /api/v1/registrations/{id}/confirm`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    /// The 6-digit code.
    pub code: String,
}

/// The new account.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountCreated {
    /// Its id.
    pub account_id: String,
}

/// Confirms a registration: creates the account and signs in (sets the cookie).
#[utoipa::path(post, path = "/api/v1/registrations/{id}/confirm", tag = "auth",
    summary = "Регистрация: подтвердить код",
    params(("id" = String, Path, description = "Registration id")),
    request_body = CodeRequest,
    responses(
        (status = 201, description = "Account created, signed in", body = AccountCreated),
        (status = 404, description = "No such registration", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Wrong, expired or spent code", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn confirm_registration(
    State(state): State<AppState>,
    Path(id): Path<String>,
    visit: Visit,
    ApiJson(body): ApiJson<CodeRequest>,
) -> Result<Response, WebError> {
    let (account_id, token) =
        auth::confirm_registration(&state.app, &visit.ctx, &id, &body.code, visit.user_agent())
            .await?;
    let cookie = set_session_cookie(&visit.headers, &state, &token);
    Ok((
        StatusCode::CREATED,
        [(header::SET_COOKIE, cookie)],
        Json(AccountCreated { account_id }),
    )
        .into_response())
}

/// `POST /api/v1/session`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    /// Phone, e-mail, СНИЛС or ИНН as typed.
    pub login: String,
    /// The password.
    pub password: String,
}

/// A sign-in result.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignedInResponse {
    /// The account.
    pub account_id: String,
    /// A second factor is due (`POST /api/v1/session/mfa`).
    pub mfa_required: bool,
}

/// Signs in; sets the session cookie.
#[utoipa::path(post, path = "/api/v1/session", tag = "auth",
    summary = "Вход по телефону, почте, СНИЛС или ИНН и паролю",
    request_body = SignInRequest,
    responses(
        (status = 200, description = "Signed in", body = SignedInResponse),
        (status = 401, description = "Wrong login or password (the same whether or not the account exists)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The account is blocked", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The login is locked; see Retry-After", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn sign_in(
    State(state): State<AppState>,
    visit: Visit,
    ApiJson(body): ApiJson<SignInRequest>,
) -> Result<Response, WebError> {
    let out = auth::sign_in(
        &state.app,
        &visit.ctx,
        &body.login,
        &body.password,
        visit.user_agent(),
    )
    .await?;
    let cookie = set_session_cookie(&visit.headers, &state, &out.token);
    let response = (
        [(header::SET_COOKIE, cookie)],
        Json(SignedInResponse {
            account_id: out.account_id.clone(),
            mfa_required: out.mfa_required,
        }),
    )
        .into_response();
    Ok(if out.mfa_required {
        response
    } else {
        crate::session::with_device_cookie(response, &visit.headers, &state, &out.account_id)
    })
}

/// The current session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionInfo {
    /// The account.
    pub account_id: String,
    /// Send it as `X-CSRF-Token` with state changes.
    pub csrf_token: String,
    /// `simplified`, `standard` or `confirmed`.
    pub level: String,
    /// `active`, `pending`, `blocked` or `expired`.
    pub status: String,
}

/// Who is signed in.
#[utoipa::path(get, path = "/api/v1/session", tag = "auth",
    summary = "Текущий сеанс и CSRF-токен",
    responses(
        (status = 200, description = "Signed in", body = SessionInfo),
        (status = 401, description = "Signed out", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn current(visit: Visit) -> Result<Json<SessionInfo>, WebError> {
    let who = visit.require()?;
    Ok(Json(SessionInfo {
        account_id: who.account.id.clone(),
        csrf_token: who.csrf_token.clone(),
        level: who.account.level.as_str().to_owned(),
        status: who.status().as_str().to_owned(),
    }))
}

/// Signs out: the session ends on the server.
#[utoipa::path(delete, path = "/api/v1/session", tag = "auth",
    summary = "Выход",
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "Signed out already", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Missing or wrong X-CSRF-Token", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn sign_out(State(state): State<AppState>, visit: Visit) -> Result<Response, WebError> {
    let who = visit.require_with_csrf_header()?;
    auth::end_session(&state.app, &visit.ctx, who, &who.session_id).await?;
    let cookie = clear_session_cookie(&visit.headers, &state);
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}

/// `POST /api/v1/password-recovery`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecoveryRequest {
    /// The login as typed.
    pub login: String,
}

/// Sends a recovery code to the confirmed contact (the answer is the same for any login).
#[utoipa::path(post, path = "/api/v1/password-recovery", tag = "auth",
    summary = "Забыли пароль: отправить код",
    request_body = RecoveryRequest,
    responses((status = 202, description = "Accepted whatever the login")))]
pub async fn start_recovery(
    State(state): State<AppState>,
    visit: Visit,
    ApiJson(body): ApiJson<RecoveryRequest>,
) -> Result<StatusCode, WebError> {
    auth::start_recovery(&state.app, &visit.ctx, &body.login).await?;
    Ok(StatusCode::ACCEPTED)
}

/// `POST /api/v1/password-recovery/confirm`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecoveryConfirm {
    /// The login as typed.
    pub login: String,
    /// The code from the message.
    pub code: String,
    /// The new password.
    pub new_password: String,
}

/// Sets a new password with the code; every session of the account ends.
#[utoipa::path(post, path = "/api/v1/password-recovery/confirm", tag = "auth",
    summary = "Забыли пароль: новый пароль по коду",
    request_body = RecoveryConfirm,
    responses(
        (status = 204, description = "Password changed, all sessions ended"),
        (status = 422, description = "Wrong code or unacceptable password", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn confirm_recovery(
    State(state): State<AppState>,
    visit: Visit,
    ApiJson(body): ApiJson<RecoveryConfirm>,
) -> Result<StatusCode, WebError> {
    auth::confirm_recovery(
        &state.app,
        &visit.ctx,
        &body.login,
        &body.code,
        &body.new_password,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/me/password`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The password now.
    pub current_password: String,
    /// The new password.
    pub new_password: String,
    /// End every other session (default true).
    #[serde(default = "yes")]
    pub end_other_sessions: bool,
}

fn yes() -> bool {
    true
}

/// Changes the password (also the forced first change of a staff one-time password).
#[utoipa::path(post, path = "/api/v1/me/password", tag = "auth",
    summary = "Сменить пароль",
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed"),
        (status = 422, description = "Wrong current password or unacceptable new one", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn change_password(
    State(state): State<AppState>,
    visit: Visit,
    ApiJson(body): ApiJson<PasswordChange>,
) -> Result<StatusCode, WebError> {
    let who = visit.require_with_csrf_header()?;
    auth::change_password(
        &state.app,
        &visit.ctx,
        who,
        &body.current_password,
        &body.new_password,
        body.end_other_sessions,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/unlock`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnlockRequest {
    /// The locked login as typed.
    pub login: String,
}

/// Sends a code that lifts a sign-in lock early (the answer is the same for any login).
#[utoipa::path(post, path = "/api/v1/unlock", tag = "auth",
    summary = "Разблокировать аккаунт: отправить код",
    request_body = UnlockRequest,
    responses((status = 202, description = "Accepted whatever the login")))]
pub async fn start_unlock(
    State(state): State<AppState>,
    visit: Visit,
    ApiJson(body): ApiJson<UnlockRequest>,
) -> Result<StatusCode, WebError> {
    auth::start_unlock(&state.app, &visit.ctx, &body.login).await?;
    Ok(StatusCode::ACCEPTED)
}

/// `POST /api/v1/unlock/confirm`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnlockConfirm {
    /// The login as typed.
    pub login: String,
    /// The code from the message.
    pub code: String,
}

/// Lifts the lock with the code.
#[utoipa::path(post, path = "/api/v1/unlock/confirm", tag = "auth",
    summary = "Разблокировать аккаунт кодом",
    request_body = UnlockConfirm,
    responses(
        (status = 204, description = "Unlocked"),
        (status = 422, description = "Wrong code", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn confirm_unlock(
    State(state): State<AppState>,
    visit: Visit,
    ApiJson(body): ApiJson<UnlockConfirm>,
) -> Result<StatusCode, WebError> {
    auth::confirm_unlock(&state.app, &visit.ctx, &body.login, &body.code).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The routes of this area, each declared once by its `#[utoipa::path]`.
pub(crate) fn router() -> utoipa_axum::router::OpenApiRouter<crate::AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(register))
        .routes(utoipa_axum::routes!(confirm_registration))
        .routes(utoipa_axum::routes!(sign_in, current, sign_out))
        .routes(utoipa_axum::routes!(change_password))
        .routes(utoipa_axum::routes!(start_unlock))
        .routes(utoipa_axum::routes!(confirm_unlock))
        .routes(utoipa_axum::routes!(start_recovery))
        .routes(utoipa_axum::routes!(confirm_recovery))
}
