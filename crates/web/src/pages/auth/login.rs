//! «Вход» and signing out.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use kabinet_app::auth;
use serde::Deserialize;

use super::{CsrfForm, csrf_failed};
use crate::pages::common::{form_csrf, form_errors, kept_return, landing, respond, see_other};
use crate::pages::{Errors, Layout};
use crate::session::{Visit, clear_session_cookie, set_session_cookie};
use crate::{AppState, WebError};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    l: Layout<'a>,
    errors: Errors,
    csrf: String,
    login: String,
    notice: Option<String>,
    locked: bool,
    /// Where to go after signing in (a local path, or empty).
    return_to: String,
}

/// The sign-in form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    csrf_token: String,
    login: String,
    password: String,
    #[serde(default)]
    return_to: String,
}

/// Notices shown above the sign-in form after a redirect.
#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    done: Option<String>,
    /// Where to go after signing in (kept only when it is a local path).
    #[serde(default)]
    return_to: Option<String>,
}

/// `GET /login`
pub async fn login_page(
    State(state): State<AppState>,
    visit: Visit,
    Query(q): Query<LoginQuery>,
) -> Response {
    if let Some(who) = &visit.signed_in {
        let staff = who.account.staff_role.is_some();
        return see_other(&landing(staff, q.return_to.as_deref().unwrap_or("")), None);
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
        return_to: kept_return(q.return_to.as_deref()),
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
                let return_to = kept_return(Some(&form.return_to));
                let next = if !out.mfa_required {
                    landing(out.staff, &return_to)
                } else if return_to.is_empty() {
                    "/login/mfa".to_owned()
                } else {
                    format!(
                        "/login/mfa?return_to={}",
                        crate::format::percent_encode(&return_to)
                    )
                };
                let response = see_other(
                    &next,
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
        return_to: kept_return(Some(&form.return_to)),
    };
    respond(status, &page, cookie)
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
