//! «Смена пароля».

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use kabinet_app::auth;
use serde::Deserialize;

use super::csrf_failed;
use crate::AppState;
use crate::pages::common::{form_errors, respond, see_other};
use crate::pages::{Errors, Layout};
use crate::session::Visit;

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
