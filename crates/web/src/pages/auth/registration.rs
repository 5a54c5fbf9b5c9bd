//! «Регистрация» → «Введите код».

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use kabinet_app::auth;
use serde::Deserialize;

use super::csrf_failed;
use crate::pages::common::{form_csrf, form_errors, respond, see_other};
use crate::pages::{Errors, Layout};
use crate::session::{Visit, set_session_cookie};
use crate::{AppState, WebError};

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
