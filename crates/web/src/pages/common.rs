//! Helpers every page module uses: rendering a page with a status and a cookie, `303 See
//! Other`, the CSRF token of a form, and use-case errors split into form errors.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use kabinet_app::{AppError, auth};

use crate::pages::{Errors, render};
use crate::session::{CSRF_COOKIE, Visit, cookie};
use crate::{AppState, WebError};

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

/// Splits a use-case error into form errors, or a page error for anything else.
/// Where a person lands after signing in: back where they were (`return_to`, a local
/// path only — never another site), otherwise staff at work (`/staff`) and everyone else
/// at «Безопасность».
pub(crate) fn landing(staff: bool, return_to: &str) -> String {
    if let Some(path) = crate::redirect::local_path(return_to) {
        return path.to_owned();
    }
    if staff { "/staff" } else { "/security" }.to_owned()
}

/// `return_to` kept for a form: a local path or nothing.
pub(crate) fn kept_return(return_to: Option<&str>) -> String {
    return_to
        .and_then(crate::redirect::local_path)
        .unwrap_or_default()
        .to_owned()
}

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
