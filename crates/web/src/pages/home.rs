//! The home page.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;

use super::{Layout, page};
use crate::AppState;

#[derive(Template)]
#[template(path = "home.html")]
struct Home<'a> {
    l: Layout<'a>,
}

/// `GET /`
pub async fn show(State(state): State<AppState>, visit: crate::session::Visit) -> Response {
    page(&Home {
        l: Layout::for_visit(&state, &visit),
    })
}

/// `/`.
pub fn router() -> Router<AppState> {
    Router::new().route("/", get(show))
}
