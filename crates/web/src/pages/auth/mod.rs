//! Pages of sign-in and account security: «Регистрация» → «Введите код», «Вход»,
//! «Забыли пароль?», «Безопасность» with the active sessions, «Смена пароля» and
//! «Разблокировать аккаунт». Forms post and redirect; no JavaScript.
//!
//! This module holds the router of these pages and of the second factor's ([`mfa`]);
//! one file per page below.

pub mod login;
pub mod mfa;
pub mod password;
pub mod recovery;
pub mod registration;
pub mod security;
pub mod unlock;

use axum::Router;
use axum::routing::{get, post};
use serde::Deserialize;

use crate::AppState;
use crate::pages::Errors;

fn csrf_failed(state: &AppState, field: &str) -> Errors {
    Errors::one(field, state.i18n.t("auth-csrf"))
}

/// A form with only the CSRF token.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf_token: String,
}

/// Registration, signing in and out, password recovery, unlocking, and «Безопасность»
/// with the second factor's pages ([`mfa::router`]). These share no prefix, so the
/// paths are written out.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/registration",
            get(registration::register_page).post(registration::register_submit),
        )
        .route(
            "/registration/{id}",
            get(registration::code_page).post(registration::code_submit),
        )
        .route("/login", get(login::login_page).post(login::login_submit))
        .route("/logout", post(login::logout))
        .route(
            "/password-recovery",
            get(recovery::recovery_page).post(recovery::recovery_submit),
        )
        .route(
            "/password-recovery/confirm",
            post(recovery::recovery_confirm),
        )
        .route(
            "/unlock",
            get(unlock::unlock_page).post(unlock::unlock_submit),
        )
        .route("/unlock/confirm", post(unlock::unlock_confirm))
        .route("/security", get(security::security_page))
        .route(
            "/security/password",
            get(password::password_page).post(password::password_submit),
        )
        .route("/security/sessions/end", post(security::end_session))
        .route("/security/sessions/end-others", post(security::end_others))
        .merge(mfa::router())
}
