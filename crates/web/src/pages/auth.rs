//! Pages of sign-in and account security: «Регистрация» → «Введите код», «Вход»,
//! «Забыли пароль?», «Безопасность» with the active sessions. Forms post and redirect;
//! no JavaScript.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use kabinet_app::{AppError, auth};
use serde::Deserialize;

use super::{Errors, Layout, render};
use crate::session::{CSRF_COOKIE, Visit, clear_session_cookie, cookie, set_session_cookie};
use crate::{AppState, WebError, format};

/// The CSRF token for a form and, for an anonymous visitor without one, the cookie
/// that carries it (double submit).
pub(super) fn form_csrf(visit: &Visit, state: &AppState) -> (String, Option<HeaderValue>) {
    if let Some(who) = &visit.signed_in {
        return (who.csrf_token.clone(), None);
    }
    if let Some(existing) = cookie(&visit.headers, CSRF_COOKIE).filter(|c| c.len() == 64) {
        return (existing.to_owned(), None);
    }
    let token = auth::random_token().unwrap_or_default();
    let secure = if crate::middleware::over_tls(&visit.headers, state) {
        "; Secure"
    } else {
        ""
    };
    let value = format!("{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{secure}");
    (token, HeaderValue::from_str(&value).ok())
}

/// Renders a page with a status and an optional cookie.
pub(super) fn respond(
    status: StatusCode,
    template: &impl Template,
    cookie: Option<HeaderValue>,
) -> Response {
    let mut response = match render(template) {
        Ok(html) => (status, axum::response::Html(html)).into_response(),
        Err(e) => return e.page_response(),
    };
    if let Some(c) = cookie {
        response.headers_mut().append(header::SET_COOKIE, c);
    }
    response
}

/// `303 See Other` to a path on this site; a target that is not one (see
/// [`crate::redirect::local_path`]) goes to `/` instead.
pub(super) fn see_other(to: &str, cookie: Option<HeaderValue>) -> Response {
    let to = crate::redirect::local_path(to).unwrap_or("/");
    let mut response = Redirect::to(to).into_response();
    if let Some(c) = cookie {
        response.headers_mut().append(header::SET_COOKIE, c);
    }
    response
}

fn csrf_failed(state: &AppState, field: &str) -> Errors {
    Errors::one(field, state.i18n.t("auth-csrf"))
}

/// Splits a use-case error into form errors, or a page error for anything else.
pub(super) fn form_errors(
    state: &AppState,
    e: AppError,
    field: &str,
) -> Result<(StatusCode, Errors), WebError> {
    match e {
        AppError::Validation(fields) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            Errors::from_fields(&state.i18n, &fields),
        )),
        AppError::Unauthorized(key) => Ok((
            StatusCode::UNAUTHORIZED,
            Errors::one(field, state.i18n.t(key)),
        )),
        AppError::Refused(key) => {
            Ok((StatusCode::FORBIDDEN, Errors::one(field, state.i18n.t(key))))
        }
        AppError::TooManyRequests {
            retry_after_secs,
            key,
        } => {
            let minutes = retry_after_secs.div_ceil(60).to_string();
            let mut message = state.i18n.t_with(key, &[("minutes", &minutes)]);
            if key == "auth-locked" {
                message = format!(
                    "{message} {}",
                    state
                        .i18n
                        .t_with("auth-locked-retry", &[("minutes", &minutes)])
                );
            }
            Ok((StatusCode::TOO_MANY_REQUESTS, Errors::one(field, message)))
        }
        other => Err(WebError::from(other)),
    }
}

// ---- Регистрация ----

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage<'a> {
    l: Layout<'a>,
    errors: Errors,
    csrf: String,
    contact: String,
}

/// The registration form.
#[derive(Debug, Deserialize)]
pub struct RegisterForm {
    csrf_token: String,
    contact: String,
    password: String,
}

/// `GET /registration`
pub async fn register_page(State(state): State<AppState>, visit: Visit) -> Response {
    let (csrf, cookie) = form_csrf(&visit, &state);
    let page = RegisterPage {
        l: Layout::for_visit(&state, &visit),
        errors: Errors::default(),
        csrf,
        contact: String::new(),
    };
    respond(StatusCode::OK, &page, cookie)
}

/// `POST /registration`
pub async fn register_submit(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<RegisterForm>,
) -> Response {
    let (status, errors) = if !visit.form_csrf_ok(&form.csrf_token) {
        (StatusCode::BAD_REQUEST, csrf_failed(&state, "contact"))
    } else {
        match auth::start_registration(&state.app, &visit.ctx, &form.contact, &form.password).await
        {
            Ok(id) => return see_other(&format!("/registration/{id}"), None),
            Err(e) => match form_errors(&state, e, "contact") {
                Ok(pair) => pair,
                Err(e) => return e.page_response(),
            },
        }
    };
    let (csrf, cookie) = form_csrf(&visit, &state);
    let page = RegisterPage {
        l: Layout::for_visit(&state, &visit),
        errors,
        csrf,
        contact: form.contact,
    };
    respond(status, &page, cookie)
}

#[derive(Template)]
#[template(path = "code.html")]
struct CodePage<'a> {
    l: Layout<'a>,
    errors: Errors,
    csrf: String,
    id: String,
    contact: String,
}

/// The code form.
#[derive(Debug, Deserialize)]
pub struct CodeForm {
    csrf_token: String,
    code: String,
}

/// `GET /registration/{id}` — «Введите код»
pub async fn code_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    visit: Visit,
) -> Response {
    let contact = match auth::registration_contact(&state.app, &id).await {
        Ok(c) => c,
        Err(e) => return WebError::from(e).page_response(),
    };
    let (csrf, cookie) = form_csrf(&visit, &state);
    let page = CodePage {
        l: Layout::for_visit(&state, &visit),
        errors: Errors::default(),
        csrf,
        id,
        contact,
    };
    respond(StatusCode::OK, &page, cookie)
}

/// `POST /registration/{id}`
pub async fn code_submit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    visit: Visit,
    Form(form): Form<CodeForm>,
) -> Response {
    let contact = match auth::registration_contact(&state.app, &id).await {
        Ok(c) => c,
        Err(e) => return WebError::from(e).page_response(),
    };
    let (status, errors) = if !visit.form_csrf_ok(&form.csrf_token) {
        (StatusCode::BAD_REQUEST, csrf_failed(&state, "code"))
    } else {
        match auth::confirm_registration(
            &state.app,
            &visit.ctx,
            &id,
            &form.code,
            visit.user_agent(),
        )
        .await
        {
            Ok((_, token)) => {
                return see_other(
                    "/security",
                    Some(set_session_cookie(&visit.headers, &state, &token)),
                );
            }
            Err(e) => match form_errors(&state, e, "code") {
                Ok(pair) => pair,
                Err(e) => return e.page_response(),
            },
        }
    };
    let (csrf, cookie) = form_csrf(&visit, &state);
    let page = CodePage {
        l: Layout::for_visit(&state, &visit),
        errors,
        csrf,
        id,
        contact,
    };
    respond(status, &page, cookie)
}

// ---- Вход ----

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    l: Layout<'a>,
    errors: Errors,
    csrf: String,
    login: String,
    notice: Option<String>,
    locked: bool,
}

/// The sign-in form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    csrf_token: String,
    login: String,
    password: String,
}

/// Notices shown above the sign-in form after a redirect.
#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    done: Option<String>,
}

/// `GET /login`
pub async fn login_page(
    State(state): State<AppState>,
    visit: Visit,
    Query(q): Query<LoginQuery>,
) -> Response {
    if visit.signed_in.is_some() {
        return see_other("/security", None);
    }
    let notice = match q.done.as_deref() {
        Some("signed-out") => Some(state.i18n.t("auth-signed-out")),
        Some("recovered") => Some(state.i18n.t("page-recovery-done")),
        Some("unlocked") => Some(state.i18n.t("page-unlock-done")),
        _ => None,
    };
    let (csrf, cookie) = form_csrf(&visit, &state);
    let page = LoginPage {
        l: Layout::for_visit(&state, &visit),
        errors: Errors::default(),
        csrf,
        login: String::new(),
        notice,
        locked: false,
    };
    respond(StatusCode::OK, &page, cookie)
}

/// `POST /login`
pub async fn login_submit(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<LoginForm>,
) -> Response {
    let (status, errors) = if !visit.form_csrf_ok(&form.csrf_token) {
        (StatusCode::BAD_REQUEST, csrf_failed(&state, "login"))
    } else {
        match auth::sign_in(
            &state.app,
            &visit.ctx,
            &form.login,
            &form.password,
            visit.user_agent(),
        )
        .await
        {
            Ok(out) => {
                let next = if out.mfa_required {
                    "/login/mfa"
                } else {
                    "/security"
                };
                let response = see_other(
                    next,
                    Some(set_session_cookie(&visit.headers, &state, &out.token)),
                );
                return if out.mfa_required {
                    response
                } else {
                    crate::session::with_device_cookie(
                        response,
                        &visit.headers,
                        &state,
                        &out.account_id,
                    )
                };
            }
            Err(e) => match form_errors(&state, e, "login") {
                Ok(pair) => pair,
                Err(e) => return e.page_response(),
            },
        }
    };
    let (csrf, cookie) = form_csrf(&visit, &state);
    let page = LoginPage {
        l: Layout::for_visit(&state, &visit),
        errors,
        csrf,
        login: form.login,
        notice: None,
        locked: status == StatusCode::TOO_MANY_REQUESTS,
    };
    respond(status, &page, cookie)
}

/// A form with only the CSRF token.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf_token: String,
}

/// `POST /logout`
pub async fn logout(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some(who) = &visit.signed_in {
        if !visit.form_csrf_ok(&form.csrf_token) {
            return WebError::Refused("auth-csrf").page_response();
        }
        if let Err(e) = auth::end_session(&state.app, &visit.ctx, who, &who.session_id).await {
            return WebError::from(e).page_response();
        }
    }
    see_other(
        "/login?done=signed-out",
        Some(clear_session_cookie(&visit.headers, &state)),
    )
}

// ---- Забыли пароль? ----

#[derive(Template)]
#[template(path = "recovery.html")]
struct RecoveryPage<'a> {
    l: Layout<'a>,
    errors: Errors,
    csrf: String,
    login: String,
}

#[derive(Template)]
#[template(path = "recovery_confirm.html")]
struct RecoveryConfirmPage<'a> {
    l: Layout<'a>,
    errors: Errors,
    csrf: String,
    login: String,
}

/// The recovery request form.
#[derive(Debug, Deserialize)]
pub struct RecoveryForm {
    csrf_token: String,
    login: String,
}

/// The new-password form.
#[derive(Debug, Deserialize)]
pub struct RecoveryConfirmForm {
    csrf_token: String,
    login: String,
    code: String,
    new_password: String,
}

/// `GET /password-recovery`
pub async fn recovery_page(State(state): State<AppState>, visit: Visit) -> Response {
    let (csrf, cookie) = form_csrf(&visit, &state);
    let page = RecoveryPage {
        l: Layout::for_visit(&state, &visit),
        errors: Errors::default(),
        csrf,
        login: String::new(),
    };
    respond(StatusCode::OK, &page, cookie)
}

/// `POST /password-recovery` — shows the code form next (same answer for any login).
pub async fn recovery_submit(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<RecoveryForm>,
) -> Response {
    let (csrf, cookie) = form_csrf(&visit, &state);
    let (status, errors) = if !visit.form_csrf_ok(&form.csrf_token) {
        (StatusCode::BAD_REQUEST, csrf_failed(&state, "login"))
    } else {
        match auth::start_recovery(&state.app, &visit.ctx, &form.login).await {
            Ok(()) => {
                let page = RecoveryConfirmPage {
                    l: Layout::for_visit(&state, &visit),
                    errors: Errors::default(),
                    csrf,
                    login: form.login,
                };
                return respond(StatusCode::OK, &page, cookie);
            }
            Err(e) => match form_errors(&state, e, "login") {
                Ok(pair) => pair,
                Err(e) => return e.page_response(),
            },
        }
    };
    let page = RecoveryPage {
        l: Layout::for_visit(&state, &visit),
        errors,
        csrf,
        login: form.login,
    };
    respond(status, &page, cookie)
}

/// `POST /password-recovery/confirm`
pub async fn recovery_confirm(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<RecoveryConfirmForm>,
) -> Response {
    let (status, errors) = if !visit.form_csrf_ok(&form.csrf_token) {
        (StatusCode::BAD_REQUEST, csrf_failed(&state, "code"))
    } else {
        match auth::confirm_recovery(
            &state.app,
            &visit.ctx,
            &form.login,
            &form.code,
            &form.new_password,
        )
        .await
        {
            Ok(()) => {
                return see_other(
                    "/login?done=recovered",
                    Some(clear_session_cookie(&visit.headers, &state)),
                );
            }
            Err(e) => match form_errors(&state, e, "code") {
                Ok(pair) => pair,
                Err(e) => return e.page_response(),
            },
        }
    };
    let (csrf, cookie) = form_csrf(&visit, &state);
    let page = RecoveryConfirmPage {
        l: Layout::for_visit(&state, &visit),
        errors,
        csrf,
        login: form.login,
    };
    respond(status, &page, cookie)
}

// ---- Безопасность ----

struct SessionRow {
    id: String,
    device: String,
    address: String,
    last_seen: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "security.html")]
struct SecurityPage<'a> {
    l: Layout<'a>,
    csrf: String,
    status: String,
    level: String,
    last_sign_in: String,
    sessions: Vec<SessionRow>,
    mfa: String,
}

/// A short device description from a User-Agent.
fn device(user_agent: Option<&str>) -> String {
    let Some(ua) = user_agent else {
        return "—".to_owned();
    };
    let browser = ["YaBrowser", "Edg", "Firefox", "Chrome", "Safari"]
        .into_iter()
        .find(|b| ua.contains(b))
        .map(|b| match b {
            "YaBrowser" => "Яндекс Браузер",
            "Edg" => "Edge",
            other => other,
        });
    let system = ["Android", "iPhone", "Windows", "Mac OS", "Linux"]
        .into_iter()
        .find(|s| ua.contains(s));
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b}, {s}"),
        (Some(b), None) => b.to_owned(),
        _ => ua.chars().take(60).collect(),
    }
}

/// `GET /security`
pub async fn security_page(State(state): State<AppState>, visit: Visit) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    if who.access_actor().must_change_password {
        return see_other("/security/password", None);
    }
    let sessions = match auth::sessions_of(&state.app, who).await {
        Ok(s) => s,
        Err(e) => return WebError::from(e).page_response(),
    };
    let t = &state.i18n;
    let mfa = if who.has_second_factor {
        t.t("page-mfa-on")
    } else {
        t.t("page-mfa-off")
    };
    let page = SecurityPage {
        mfa,
        l: Layout::for_visit(&state, &visit),
        csrf: who.csrf_token.clone(),
        status: t.t(&format!("status-{}", who.status())),
        level: t.t(&format!("level-{}", who.account.level)),
        last_sign_in: who
            .account
            .last_sign_in_at
            .map_or_else(|| t.t("page-security-never"), format::datetime),
        sessions: sessions
            .into_iter()
            .map(|s| SessionRow {
                current: s.id == who.session_id,
                device: device(s.user_agent.as_deref()),
                address: s.address.unwrap_or_else(|| "—".to_owned()),
                last_seen: format::datetime(s.last_seen_at),
                id: s.id,
            })
            .collect(),
    };
    respond(StatusCode::OK, &page, None)
}

/// The end-session form.
#[derive(Debug, Deserialize)]
pub struct EndSessionForm {
    csrf_token: String,
    session: String,
}

/// `POST /security/sessions/end`
pub async fn end_session(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<EndSessionForm>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    if !visit.form_csrf_ok(&form.csrf_token) {
        return WebError::Refused("auth-csrf").page_response();
    }
    match auth::end_session(&state.app, &visit.ctx, who, &form.session).await {
        Ok(()) => see_other("/security", None),
        Err(e) => WebError::from(e).page_response(),
    }
}

/// `POST /security/sessions/end-others`
pub async fn end_others(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<CsrfForm>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    if !visit.form_csrf_ok(&form.csrf_token) {
        return WebError::Refused("auth-csrf").page_response();
    }
    match auth::end_other_sessions(&state.app, &visit.ctx, who).await {
        Ok(_) => see_other("/security", None),
        Err(e) => WebError::from(e).page_response(),
    }
}

// ---- Смена пароля ----

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage<'a> {
    l: Layout<'a>,
    errors: Errors,
    csrf: String,
    must: bool,
}

/// The change-password form.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    csrf_token: String,
    current_password: String,
    new_password: String,
    #[serde(default)]
    end_others: Option<String>,
}

/// `GET /security/password`
pub async fn password_page(State(state): State<AppState>, visit: Visit) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let page = PasswordPage {
        l: Layout::for_visit(&state, &visit),
        errors: Errors::default(),
        csrf: who.csrf_token.clone(),
        must: who.access_actor().must_change_password,
    };
    respond(StatusCode::OK, &page, None)
}

/// `POST /security/password`
pub async fn password_submit(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<PasswordForm>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let (status, errors) = if !visit.form_csrf_ok(&form.csrf_token) {
        (
            StatusCode::BAD_REQUEST,
            csrf_failed(&state, "current_password"),
        )
    } else {
        let end_others = form.end_others.is_some();
        match auth::change_password(
            &state.app,
            &visit.ctx,
            who,
            &form.current_password,
            &form.new_password,
            end_others,
        )
        .await
        {
            Ok(_) => return see_other("/security", None),
            Err(e) => match form_errors(&state, e, "current_password") {
                Ok(pair) => pair,
                Err(e) => return e.page_response(),
            },
        }
    };
    let page = PasswordPage {
        l: Layout::for_visit(&state, &visit),
        errors,
        csrf: who.csrf_token.clone(),
        must: who.access_actor().must_change_password,
    };
    respond(status, &page, None)
}

// ---- Разблокировать аккаунт ----

#[derive(Template)]
#[template(path = "unlock.html")]
struct UnlockPage<'a> {
    l: Layout<'a>,
    errors: Errors,
    csrf: String,
    login: String,
    code_step: bool,
}

/// The unlock request form.
#[derive(Debug, Deserialize)]
pub struct UnlockForm {
    csrf_token: String,
    login: String,
}

/// The unlock code form.
#[derive(Debug, Deserialize)]
pub struct UnlockCodeForm {
    csrf_token: String,
    login: String,
    code: String,
}

/// `GET /unlock`
pub async fn unlock_page(State(state): State<AppState>, visit: Visit) -> Response {
    let (csrf, cookie) = form_csrf(&visit, &state);
    let page = UnlockPage {
        l: Layout::for_visit(&state, &visit),
        errors: Errors::default(),
        csrf,
        login: String::new(),
        code_step: false,
    };
    respond(StatusCode::OK, &page, cookie)
}

/// `POST /unlock`
pub async fn unlock_submit(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<UnlockForm>,
) -> Response {
    let (csrf, cookie) = form_csrf(&visit, &state);
    let (status, errors, code_step) = if !visit.form_csrf_ok(&form.csrf_token) {
        (StatusCode::BAD_REQUEST, csrf_failed(&state, "login"), false)
    } else {
        match auth::start_unlock(&state.app, &visit.ctx, &form.login).await {
            Ok(()) => (StatusCode::OK, Errors::default(), true),
            Err(e) => match form_errors(&state, e, "login") {
                Ok((status, errors)) => (status, errors, false),
                Err(e) => return e.page_response(),
            },
        }
    };
    let page = UnlockPage {
        l: Layout::for_visit(&state, &visit),
        errors,
        csrf,
        login: form.login,
        code_step,
    };
    respond(status, &page, cookie)
}

/// `POST /unlock/confirm`
pub async fn unlock_confirm(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<UnlockCodeForm>,
) -> Response {
    let (status, errors) = if !visit.form_csrf_ok(&form.csrf_token) {
        (StatusCode::BAD_REQUEST, csrf_failed(&state, "code"))
    } else {
        match auth::confirm_unlock(&state.app, &visit.ctx, &form.login, &form.code).await {
            Ok(()) => return see_other("/login?done=unlocked", None),
            Err(e) => match form_errors(&state, e, "code") {
                Ok(pair) => pair,
                Err(e) => return e.page_response(),
            },
        }
    };
    let (csrf, cookie) = form_csrf(&visit, &state);
    let page = UnlockPage {
        l: Layout::for_visit(&state, &visit),
        errors,
        csrf,
        login: form.login,
        code_step: true,
    };
    respond(status, &page, cookie)
}
