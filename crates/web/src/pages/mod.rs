//! HTML pages. Each page is an askama template (checked at compile time) with a
//! [`Layout`] that carries the catalog and the common header data.

pub mod api_docs;
pub mod assets;
pub mod home;

use askama::Template;
use axum::response::{Html, IntoResponse, Response};

use crate::{AppState, I18n, WebError};

/// What the base layout needs on every page.
pub struct Layout<'a> {
    /// The message catalog.
    pub t: &'a I18n,
    /// Show the demo banner.
    pub demo: bool,
}

impl<'a> Layout<'a> {
    /// The layout for a request.
    pub fn new(state: &'a AppState) -> Layout<'a> {
        Layout {
            t: &state.i18n,
            demo: state.app.settings.demo,
        }
    }
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
