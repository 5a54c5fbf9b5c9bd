//! «Забыли пароль?»: a code to the contact, then a new password.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use kabinet_app::auth;
use serde::Deserialize;

use super::csrf_failed;
use crate::AppState;
use crate::pages::common::{form_csrf, form_errors, respond, see_other};
use crate::pages::{Errors, Layout};
use crate::session::{Visit, clear_session_cookie};

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
