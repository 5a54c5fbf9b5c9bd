//! Pages of the second factor: the sign-in step «Двухэтапная проверка» and the
//! authenticator settings with a server-rendered QR code.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use kabinet_app::auth;
use serde::Deserialize;

use crate::pages::common::{form_csrf, form_errors, kept_return, landing, respond, see_other};
use crate::pages::{Errors, Layout};
use crate::session::{Visit, set_session_cookie};
use crate::{AppState, WebError};

#[derive(Template)]
#[template(path = "login_mfa.html")]
struct LoginMfaPage<'a> {
    l: Layout<'a>,
    errors: Errors,
    csrf: String,
    notice: Option<String>,
    /// Where to go after signing in (a local path, or empty).
    return_to: String,
}

/// A form with a code.
#[derive(Debug, Deserialize)]
pub struct CodeForm {
    csrf_token: String,
    code: String,
    #[serde(default)]
    return_to: String,
}

/// Where to go after the second step (`?return_to=`).
#[derive(Debug, Deserialize)]
pub struct ReturnQuery {
    #[serde(default)]
    return_to: Option<String>,
}

/// A form with the password.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    csrf_token: String,
    password: String,
}

/// `GET /login/mfa`
pub async fn login_mfa_page(
    State(state): State<AppState>,
    visit: Visit,
    axum::extract::Query(q): axum::extract::Query<ReturnQuery>,
) -> Response {
    if visit.pending.is_none() {
        return see_other("/login", None);
    }
    let (csrf, cookie) = form_csrf(&visit, &state);
    respond(
        StatusCode::OK,
        &LoginMfaPage {
            l: Layout::for_visit(&state, &visit),
            errors: Errors::default(),
            csrf,
            notice: None,
            return_to: kept_return(q.return_to.as_deref()),
        },
        cookie,
    )
}

/// `POST /login/mfa`
pub async fn login_mfa_submit(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<CodeForm>,
) -> Response {
    let Some(pending) = &visit.pending else {
        return see_other("/login", None);
    };
    let (status, errors) = if !visit.form_csrf_ok(&form.csrf_token) {
        (
            StatusCode::BAD_REQUEST,
            Errors::one("code", state.i18n.t("auth-csrf")),
        )
    } else {
        match auth::complete_sign_in(
            &state.app,
            &visit.ctx,
            pending,
            &form.code,
            visit.user_agent(),
        )
        .await
        {
            Ok(token) => {
                let next = landing(
                    pending.account.staff_role.is_some(),
                    &kept_return(Some(&form.return_to)),
                );
                let response = see_other(
                    &next,
                    Some(set_session_cookie(&visit.headers, &state, &token)),
                );
                return crate::session::with_device_cookie(
                    response,
                    &visit.headers,
                    &state,
                    &pending.account.id,
                );
            }
            Err(e) => match form_errors(&state, e, "code") {
                Ok(pair) => pair,
                Err(e) => return e.page_response(),
            },
        }
    };
    let (csrf, cookie) = form_csrf(&visit, &state);
    respond(
        status,
        &LoginMfaPage {
            l: Layout::for_visit(&state, &visit),
            errors,
            csrf,
            notice: None,
            return_to: kept_return(Some(&form.return_to)),
        },
        cookie,
    )
}

struct Enrolment {
    secret: String,
    qr_svg: String,
}

#[derive(Template)]
#[template(path = "security_mfa.html")]
struct SecurityMfaPage<'a> {
    l: Layout<'a>,
    errors: Errors,
    csrf: String,
    enabled: bool,
    enrolment: Option<Enrolment>,
    recovery_codes: Option<Vec<String>>,
    codes_enabled: bool,
}

/// The QR code of a URI as inline SVG (no external request, no JavaScript).
fn qr_svg(uri: &str) -> Result<String, WebError> {
    let code =
        qrcode::QrCode::new(uri.as_bytes()).map_err(|e| WebError::Internal(format!("QR: {e}")))?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    Ok(match svg.find("<svg") {
        Some(i) => svg[i..].to_owned(),
        None => svg,
    })
}

async fn settings_page(
    state: &AppState,
    visit: &Visit,
    errors: Errors,
    status: StatusCode,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let result: Result<(bool, Option<Enrolment>, bool), WebError> = async {
        let enabled = auth::has_second_factor(&state.app, &who.account.id).await?;
        let codes_enabled = auth::code_factor_enabled(&state.app, &who.account.id).await?;
        let enrolment = if !enabled && auth::has_recent_password(&state.app, who).await? {
            match auth::pending_totp(&state.app, who).await? {
                Some(e) => Some(Enrolment {
                    qr_svg: qr_svg(&e.otpauth_uri)?,
                    secret: e.secret,
                }),
                None => None,
            }
        } else {
            None
        };
        Ok((enabled, enrolment, codes_enabled))
    }
    .await;
    match result {
        Ok((enabled, enrolment, codes_enabled)) => respond(
            status,
            &SecurityMfaPage {
                l: Layout::for_visit(state, visit),
                errors,
                csrf: who.csrf_token.clone(),
                enabled,
                enrolment,
                recovery_codes: None,
                codes_enabled,
            },
            None,
        ),
        Err(e) => e.page_response(),
    }
}

/// `GET /security/mfa`
pub async fn settings(State(state): State<AppState>, visit: Visit) -> Response {
    settings_page(&state, &visit, Errors::default(), StatusCode::OK).await
}

/// `POST /security/mfa/start` — the password again, then a new secret.
pub async fn start(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<PasswordForm>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    if !visit.form_csrf_ok(&form.csrf_token) {
        return WebError::Refused("auth-csrf").page_response();
    }
    let result = async {
        auth::reauthenticate(&state.app, &visit.ctx, who, &form.password).await?;
        auth::start_totp(&state.app, &visit.ctx, who).await
    }
    .await;
    match result {
        Ok(_) => see_other("/security/mfa", None),
        Err(e) => match form_errors(&state, e, "password") {
            Ok((status, errors)) => settings_page(&state, &visit, errors, status).await,
            Err(e) => e.page_response(),
        },
    }
}

/// `POST /security/mfa/confirm` — the first code; shows the recovery codes once.
pub async fn confirm(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<CodeForm>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    if !visit.form_csrf_ok(&form.csrf_token) {
        return WebError::Refused("auth-csrf").page_response();
    }
    match auth::confirm_totp(&state.app, &visit.ctx, who, &form.code).await {
        Ok(codes) => respond(
            StatusCode::OK,
            &SecurityMfaPage {
                l: Layout::for_visit(&state, &visit),
                errors: Errors::default(),
                csrf: who.csrf_token.clone(),
                enabled: true,
                enrolment: None,
                recovery_codes: Some(codes),
                codes_enabled: false,
            },
            None,
        ),
        Err(e) => match form_errors(&state, e, "code") {
            Ok((status, errors)) => settings_page(&state, &visit, errors, status).await,
            Err(e) => e.page_response(),
        },
    }
}

/// `POST /security/mfa/disable`
pub async fn disable(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<PasswordForm>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    if !visit.form_csrf_ok(&form.csrf_token) {
        return WebError::Refused("auth-csrf").page_response();
    }
    let result = async {
        auth::reauthenticate(&state.app, &visit.ctx, who, &form.password).await?;
        auth::disable_totp(&state.app, &visit.ctx, who).await
    }
    .await;
    match result {
        Ok(()) => see_other("/security/mfa", None),
        Err(e) => match form_errors(&state, e, "password") {
            Ok((status, errors)) => settings_page(&state, &visit, errors, status).await,
            Err(e) => e.page_response(),
        },
    }
}

/// `POST /login/mfa/send` — a code to the confirmed contact instead of the app.
pub async fn login_mfa_send(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<CsrfOnly>,
) -> Response {
    let Some(pending) = &visit.pending else {
        return see_other("/login", None);
    };
    let (csrf, cookie) = form_csrf(&visit, &state);
    let (status, errors, notice) = if !visit.form_csrf_ok(&form.csrf_token) {
        (
            StatusCode::BAD_REQUEST,
            Errors::one("code", state.i18n.t("auth-csrf")),
            None,
        )
    } else {
        match auth::send_sign_in_code(&state.app, &visit.ctx, pending).await {
            Ok(to) => (
                StatusCode::OK,
                Errors::default(),
                Some(state.i18n.t_with("page-mfa-sent", &[("contact", &to)])),
            ),
            Err(e) => match form_errors(&state, e, "code") {
                Ok((status, errors)) => (status, errors, None),
                Err(e) => return e.page_response(),
            },
        }
    };
    respond(
        status,
        &LoginMfaPage {
            l: Layout::for_visit(&state, &visit),
            errors,
            csrf,
            notice,
            return_to: kept_return(Some(&form.return_to)),
        },
        cookie,
    )
}

/// A form with only the CSRF token (and where to go after signing in, kept along).
#[derive(Debug, Deserialize)]
pub struct CsrfOnly {
    csrf_token: String,
    #[serde(default)]
    return_to: String,
}

async fn switch_codes(state: AppState, visit: Visit, form: PasswordForm, on: bool) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    if !visit.form_csrf_ok(&form.csrf_token) {
        return WebError::Refused("auth-csrf").page_response();
    }
    let result = async {
        auth::reauthenticate(&state.app, &visit.ctx, who, &form.password).await?;
        auth::set_code_factor(&state.app, &visit.ctx, who, on).await
    }
    .await;
    match result {
        Ok(()) => see_other("/security/mfa", None),
        Err(e) => match form_errors(&state, e, "codes_password") {
            Ok((status, mut errors)) => {
                for e in &mut errors.list {
                    if e.field == "password" {
                        e.field = "codes_password".to_owned();
                    }
                }
                settings_page(&state, &visit, errors, status).await
            }
            Err(e) => e.page_response(),
        },
    }
}

/// `POST /security/mfa/codes/enable`
pub async fn enable_codes(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<PasswordForm>,
) -> Response {
    switch_codes(state, visit, form, true).await
}

/// `POST /security/mfa/codes/disable`
pub async fn disable_codes(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<PasswordForm>,
) -> Response {
    switch_codes(state, visit, form, false).await
}

/// The second factor: its step at sign-in (`/login/mfa`) and its settings
/// (`/security/mfa`).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login/mfa", get(login_mfa_page).post(login_mfa_submit))
        .route("/login/mfa/send", post(login_mfa_send))
        .route("/security/mfa", get(settings))
        .route("/security/mfa/start", post(start))
        .route("/security/mfa/confirm", post(confirm))
        .route("/security/mfa/disable", post(disable))
        .route("/security/mfa/codes/enable", post(enable_codes))
        .route("/security/mfa/codes/disable", post(disable_codes))
}
