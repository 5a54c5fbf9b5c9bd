//! Static assets, embedded in the binary (no CDN).

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

const CSS: &str = include_str!("../../static/app.css");
const LIVE_JS: &str = include_str!("../../static/live.js");
const FAVICON: &str = include_str!("../../static/favicon.svg");

/// `GET /static/app.css`
pub async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
}

/// `GET /static/live.js`: the small progressive script of live status.
pub async fn live_js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        LIVE_JS,
    )
}

/// `GET /static/favicon.svg` (and `/favicon.ico`, which browsers ask for by themselves:
/// without it every page logged a 404 in the console, review D30).
pub async fn favicon() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        FAVICON,
    )
}

/// The embedded style sheet, script and icon under `/static`.
pub fn router() -> Router<crate::AppState> {
    let files = Router::new()
        .route("/app.css", get(css))
        .route("/live.js", get(live_js))
        .route("/favicon.svg", get(favicon));
    Router::new()
        .nest("/static", files)
        .route("/favicon.ico", get(favicon))
}
