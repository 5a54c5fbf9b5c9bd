//! «Разблокировать аккаунт»: a code to the contact ends the lockout.

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
use crate::session::Visit;

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
