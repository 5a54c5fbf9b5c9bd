//! HTML pages. Each page is an askama template (checked at compile time) with a
//! [`Layout`] that carries the catalog and the common header data.

pub mod api_docs;
pub mod applications;
pub mod assets;
pub mod auth;
mod common;
pub mod home;
pub mod messages;
pub mod organizations;
pub mod profile;
pub mod services;
pub mod staff;
pub mod support;

use askama::Template;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::response::{Html, IntoResponse, Response};

use crate::{AppState, I18n, WebError};

/// Every page route: one router per area, each declaring its own routes (nested under
/// the area's prefix where it has one).
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(home::router())
        .merge(api_docs::router())
        .merge(assets::router())
        .merge(auth::router())
        .merge(services::router())
        .merge(applications::router())
        .merge(profile::router())
        .merge(organizations::router())
        .merge(messages::router())
        .merge(support::router())
        .merge(staff::router())
}

/// The body limit of a form that carries an application's file: the file and the
/// form around it.
fn attachment_body_limit() -> DefaultBodyLimit {
    DefaultBodyLimit::max(kabinet_app::applications::MAX_ATTACHMENT + 256 * 1024)
}

/// The body limit of a form with an upload ([`crate::upload::BODY_LIMIT`]).
fn upload_body_limit() -> DefaultBodyLimit {
    DefaultBodyLimit::max(crate::upload::BODY_LIMIT)
}

/// What the base layout needs on every page.
pub struct Layout<'a> {
    /// The message catalog.
    pub t: &'a I18n,
    /// Show the demo banner.
    pub demo: bool,
    /// When signed in: the CSRF token for the header's sign-out form.
    pub signed_in_csrf: Option<String>,
    /// When signed in: unread notifications («Сообщения (3)» in the header).
    pub unread: i64,
    /// Acting for an organisation: its name and the person's role (Russian).
    pub acting: Option<(String, String)>,
    /// Signed in as an applicant (not staff): the header offers acting for an
    /// organisation.
    pub applicant: bool,
}

impl<'a> Layout<'a> {
    /// The layout for a visitor who is not signed in (error pages).
    pub fn new(state: &'a AppState) -> Layout<'a> {
        Layout {
            t: &state.i18n,
            demo: state.app.settings.demo,
            signed_in_csrf: None,
            unread: 0,
            acting: None,
            applicant: false,
        }
    }

    /// The layout for a visit (shows the signed-in header when signed in).
    pub fn for_visit(state: &'a AppState, visit: &crate::session::Visit) -> Layout<'a> {
        Layout {
            signed_in_csrf: visit.signed_in.as_ref().map(|s| s.csrf_token.clone()),
            unread: visit.signed_in.as_ref().map_or(0, |s| s.unread),
            applicant: visit
                .signed_in
                .as_ref()
                .is_some_and(|s| s.account.staff_role.is_none()),
            acting: visit
                .signed_in
                .as_ref()
                .and_then(|s| s.acting.as_ref())
                .map(|a| {
                    (
                        a.name.clone(),
                        state.i18n.t(&format!("org-role-{}", a.role.as_str())),
                    )
                }),
            ..Layout::new(state)
        }
    }
}

/// One problem shown in an error summary and next to its field.
pub struct PageError {
    /// The field's id (the summary links to `#field`).
    pub field: String,
    /// The Russian message.
    pub message: String,
}

/// The errors of a form.
#[derive(Default)]
pub struct Errors {
    /// In the order of the form's fields.
    pub list: Vec<PageError>,
}

impl Errors {
    /// The message for a field.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.list
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// From the use case's field errors, rendered in Russian.
    pub fn from_fields(i18n: &I18n, fields: &[kabinet_app::FieldError]) -> Errors {
        Errors {
            list: fields
                .iter()
                .map(|f| PageError {
                    // Form fields are named with `_` where the API nests with `.`.
                    field: f.field.replace('.', "_"),
                    message: f.message(i18n),
                })
                .collect(),
        }
    }

    /// A single error on a field.
    pub fn one(field: &str, message: String) -> Errors {
        Errors {
            list: vec![PageError {
                field: field.to_owned(),
                message,
            }],
        }
    }
}

/// The signed-in visitor of a posted form whose `csrf_token` matches the session's;
/// otherwise why not (`Unauthorized` when signed out, `Refused` on a bad token).
pub fn form_signed_in<'v>(
    visit: &'v crate::session::Visit,
    form: &std::collections::HashMap<String, String>,
) -> Result<&'v kabinet_app::auth::SignedIn, kabinet_app::AppError> {
    let who = visit
        .signed_in
        .as_ref()
        .ok_or(kabinet_app::AppError::Unauthorized("auth-required"))?;
    let token = form.get("csrf_token").map_or("", String::as_str);
    if visit.form_csrf_ok(token) {
        Ok(who)
    } else {
        Err(kabinet_app::AppError::Refused("auth-csrf"))
    }
}

/// As [`form_signed_in`] for handlers that answer a page: sign in first, or the
/// refusal page.
pub fn form_guard<'v>(
    visit: &'v crate::session::Visit,
    form: &std::collections::HashMap<String, String>,
) -> Result<&'v kabinet_app::auth::SignedIn, Box<Response>> {
    form_signed_in(visit, form).map_err(|e| {
        Box::new(match e {
            kabinet_app::AppError::Unauthorized(_) => common::see_other("/login", None),
            e => WebError::from(e).page_response(),
        })
    })
}

/// Renders a template to a string.
pub fn render(template: &impl Template) -> Result<String, WebError> {
    template
        .render()
        .map_err(|e| WebError::Internal(format!("template: {e}")))
}

/// Renders a page, or the error page when rendering fails.
pub fn page(template: &impl Template) -> Response {
    match render(template) {
        Ok(html) => Html(html).into_response(),
        Err(e) => e.page_response(),
    }
}

/// The error page.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    /// Layout.
    pub l: Layout<'a>,
    /// Heading.
    pub title: String,
    /// Explanation.
    pub text: String,
    /// Shown for server errors.
    pub request_id: Option<String>,
}
