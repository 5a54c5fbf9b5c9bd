//! Errors of the web layer: one type, turned into RFC 9457 problem details for the API
//! (`/api/…`) and a Russian page for browsers. A 500 logs its cause with the request id
//! and shows the user only that id.

use axum::http::{Method, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use kabinet_app::{AppError, FieldError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::middleware::{current_request_id, current_state};
use crate::pages::{ErrorPage, Layout, render};

/// An error leaving a handler.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// 400: the body or the query could not be read.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 401 with a message key.
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    /// 403 for a refused account (blocked …) with a message key.
    #[error("refused: {0}")]
    Refused(&'static str),
    /// 429 with `Retry-After`.
    #[error("too many requests: {key}")]
    TooMany {
        /// Seconds.
        retry_after_secs: u64,
        /// Message key.
        key: &'static str,
    },
    /// 404.
    #[error("not found")]
    NotFound,
    /// 403.
    #[error("forbidden")]
    Forbidden,
    /// 409 with a message key.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// 413 with a message key.
    #[error("too large: {0}")]
    TooLarge(&'static str),
    /// 415 with a message key.
    #[error("unsupported type: {0}")]
    UnsupportedType(&'static str),
    /// 422 with field errors.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// 503: a dependency (the database) is not reachable.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// 500: the cause goes to the log only.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<AppError> for WebError {
    fn from(e: AppError) -> WebError {
        match e {
            AppError::Validation(fields) => WebError::Validation(fields),
            AppError::Forbidden => WebError::Forbidden,
            AppError::Unauthorized(key) => WebError::Unauthorized(key),
            AppError::Refused(key) => WebError::Refused(key),
            AppError::TooManyRequests {
                retry_after_secs,
                key,
            } => WebError::TooMany {
                retry_after_secs,
                key,
            },
            AppError::NotFound => WebError::NotFound,
            AppError::Conflict(key) => WebError::Conflict(key),
            AppError::TooLarge(key) => WebError::TooLarge(key),
            AppError::UnsupportedType(key) => WebError::UnsupportedType(key),
            AppError::Unavailable(cause) => WebError::Unavailable(cause),
            AppError::Internal(cause) => WebError::Internal(cause),
            AppError::Store(e) => WebError::Internal(e.to_string()),
        }
    }
}

/// One field error in a problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemField {
    /// The field name as in the request body.
    pub field: String,
    /// What is wrong, in Russian.
    pub message: String,
}

/// RFC 9457 problem details.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary, in Russian.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// Explanation for this occurrence, in Russian.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The request id, to quote to support.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Field errors (422).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

impl WebError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            WebError::Refused(_) => StatusCode::FORBIDDEN,
            WebError::TooMany { .. } => StatusCode::TOO_MANY_REQUESTS,
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Forbidden => StatusCode::FORBIDDEN,
            WebError::Conflict(_) => StatusCode::CONFLICT,
            WebError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            WebError::UnsupportedType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            WebError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn slug_and_title_key(&self) -> (&'static str, &'static str) {
        match self {
            WebError::BadRequest(_) => ("bad-request", "problem-bad-request"),
            WebError::Unauthorized(_) => ("unauthorized", "problem-unauthorized"),
            WebError::Refused(_) => ("refused", "problem-forbidden"),
            WebError::TooMany { .. } => ("too-many-requests", "problem-too-many"),
            WebError::NotFound => ("not-found", "problem-not-found"),
            WebError::Forbidden => ("forbidden", "problem-forbidden"),
            WebError::Conflict(_) => ("conflict", "problem-conflict"),
            WebError::TooLarge(_) => ("too-large", "problem-too-large"),
            WebError::UnsupportedType(_) => ("unsupported-type", "problem-unsupported-type"),
            WebError::Validation(_) => ("validation", "problem-validation"),
            WebError::Unavailable(_) => ("unavailable", "problem-unavailable"),
            WebError::Internal(_) => ("internal", "problem-internal"),
        }
    }

    /// The problem document for the API.
    pub fn problem(&self) -> Problem {
        let state = current_state();
        let t = |key: &str| match &state {
            Some(s) => s.i18n.t(key),
            None => key.to_owned(),
        };
        let (slug, title_key) = self.slug_and_title_key();
        let (detail, errors) = match self {
            WebError::Conflict(key)
            | WebError::Unauthorized(key)
            | WebError::Refused(key)
            | WebError::TooLarge(key)
            | WebError::UnsupportedType(key) => (Some(t(key)), Vec::new()),
            WebError::TooMany {
                key,
                retry_after_secs,
            } => {
                let minutes = retry_after_secs.div_ceil(60).to_string();
                let text = match &state {
                    Some(s) => s.i18n.t_with(key, &[("minutes", &minutes)]),
                    None => (*key).to_owned(),
                };
                (Some(text), Vec::new())
            }
            WebError::BadRequest(why) => (Some(why.clone()), Vec::new()),
            // The cause stays in the log; the person is told to try again shortly.
            WebError::Unavailable(_) => (Some(t("error-unavailable")), Vec::new()),
            WebError::Validation(fields) => (
                None,
                fields
                    .iter()
                    .map(|f| ProblemField {
                        field: f.field.clone(),
                        message: match &state {
                            Some(s) => f.message(&s.i18n),
                            None => f.key.to_owned(),
                        },
                    })
                    .collect(),
            ),
            _ => (None, Vec::new()),
        };
        Problem {
            kind: format!("urn:kabinet:problem:{slug}"),
            title: t(title_key),
            status: self.status().as_u16(),
            detail,
            request_id: current_request_id(),
            errors,
        }
    }

    /// Renders for an API client.
    pub fn api_response(self) -> Response {
        self.log();
        let status = self.status();
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut response = (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response();
        if let Some(secs) = self.retry_after_secs() {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, secs.into());
        }
        response
    }

    /// `Retry-After` in seconds, for the errors that say when to come back.
    fn retry_after_secs(&self) -> Option<u64> {
        match self {
            WebError::TooMany {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            WebError::Unavailable(_) => Some(kabinet_app::error::UNAVAILABLE_RETRY_AFTER_SECS),
            _ => None,
        }
    }

    /// Renders for a browser: the message of a refusal or a conflict is shown as it is.
    pub fn page_response(self) -> Response {
        self.log();
        let status = self.status();
        if let Some(secs) = self.retry_after_secs().filter(|_| status.is_server_error()) {
            let mut response = error_page(status);
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, secs.into());
            return response;
        }
        let key = match &self {
            WebError::Conflict(key)
            | WebError::Refused(key)
            | WebError::TooLarge(key)
            | WebError::UnsupportedType(key)
            | WebError::TooMany { key, .. } => Some(*key),
            _ => None,
        };
        let text = |state: &crate::AppState| match &self {
            // Field errors that reach a page outside its form (refused characters):
            // each names its field.
            WebError::Validation(fields) => Some(
                fields
                    .iter()
                    .map(|f| format!("«{}»: {}", f.field, state.i18n.t(f.key)))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            _ => key.map(|k| state.i18n.t(k)),
        };
        match current_state().and_then(|state| text(&state).map(|text| (state, text))) {
            Some((state, text)) => {
                let (_, title_key) = self.slug_and_title_key();
                let page = ErrorPage {
                    l: Layout::new(&state),
                    title: state.i18n.t(title_key),
                    text,
                    request_id: None,
                };
                match render(&page) {
                    Ok(html) => (status, Html(html)).into_response(),
                    Err(_) => error_page(status),
                }
            }
            None => error_page(status),
        }
    }

    fn log(&self) {
        match self {
            WebError::Internal(cause) => tracing::error!(cause = %cause, "internal error"),
            WebError::Unavailable(cause) => tracing::warn!(cause = %cause, "unavailable"),
            _ => {}
        }
    }
}

impl IntoResponse for WebError {
    /// API handlers return `WebError`; pages use [`WebError::page_response`].
    fn into_response(self) -> Response {
        self.api_response()
    }
}

fn is_api(uri: &Uri) -> bool {
    uri.path().starts_with("/api/v1/") || uri.path() == "/api/v1"
}

/// 404 for any unknown address: a problem document under `/api/v1`, a page elsewhere.
pub async fn fallback(uri: Uri) -> Response {
    if is_api(&uri) {
        WebError::NotFound.api_response()
    } else {
        WebError::NotFound.page_response()
    }
}

/// 405 for a known address with the wrong method.
pub async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    tracing::debug!(%method, "method not allowed");
    if is_api(&uri) {
        let problem = Problem {
            kind: "urn:kabinet:problem:method-not-allowed".to_owned(),
            title: current_state()
                .map(|s| s.i18n.t("problem-method-not-allowed"))
                .unwrap_or_default(),
            status: 405,
            detail: None,
            request_id: current_request_id(),
            errors: Vec::new(),
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response()
    } else {
        error_page(StatusCode::METHOD_NOT_ALLOWED)
    }
}

/// The Russian error page for a status; server errors show the request id.
pub fn error_page(status: StatusCode) -> Response {
    let Some(state) = current_state() else {
        return (status, status.canonical_reason().unwrap_or("error")).into_response();
    };
    let (title_key, text_key) = match status {
        StatusCode::NOT_FOUND => ("error-404-title", "error-404-text"),
        StatusCode::METHOD_NOT_ALLOWED => ("error-405-title", "error-405-text"),
        StatusCode::SERVICE_UNAVAILABLE => ("error-503-title", "error-unavailable"),
        _ => ("error-500-title", "error-500-text"),
    };
    let page = ErrorPage {
        l: Layout::new(&state),
        title: state.i18n.t(title_key),
        text: state.i18n.t(text_key),
        request_id: if status.is_server_error() {
            current_request_id()
        } else {
            None
        },
    };
    match render(&page) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, state.i18n.t(title_key)).into_response(),
    }
}

/// The response for a handler that panicked (the panic is logged, the user sees a 500).
pub fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let cause = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned());
    let error = WebError::Internal(format!("panic: {cause}"));
    if crate::middleware::current_is_api() {
        error.api_response()
    } else {
        error.page_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_database_is_503_with_retry_after() {
        let e = WebError::from(AppError::Unavailable("connection reset".into()));
        assert_eq!(e.status(), StatusCode::SERVICE_UNAVAILABLE);
        let problem = e.problem();
        assert_eq!(problem.kind, "urn:kabinet:problem:unavailable");
        assert_eq!(problem.status, 503);
        assert!(
            !format!("{problem:?}").contains("connection reset"),
            "the cause stays in the log"
        );
        let res = e.api_response();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        assert_eq!(
            res.headers()[header::RETRY_AFTER],
            kabinet_app::error::UNAVAILABLE_RETRY_AFTER_SECS
                .to_string()
                .as_str()
        );
        let page = WebError::from(AppError::Unavailable("gone".into())).page_response();
        assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(page.headers().contains_key(header::RETRY_AFTER));
    }

    #[test]
    fn internal_is_500_without_its_cause() {
        let e = WebError::from(AppError::internal("argon2: out of memory"));
        assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let problem = e.problem();
        assert_eq!(problem.kind, "urn:kabinet:problem:internal");
        assert!(problem.detail.is_none());
        assert!(!format!("{problem:?}").contains("argon2"));
        assert!(!e.api_response().headers().contains_key(header::RETRY_AFTER));
    }

    #[test]
    fn a_unique_key_race_is_409() {
        let e = WebError::from(AppError::Conflict(kabinet_app::error::DUPLICATE_KEY));
        assert_eq!(e.status(), StatusCode::CONFLICT);
    }
}
