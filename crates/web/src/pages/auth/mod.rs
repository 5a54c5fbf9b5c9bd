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
