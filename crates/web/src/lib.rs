//! The web layer: HTML pages (askama templates, Russian, no JavaScript needed) and the
//! JSON API v1 (OpenAPI by utoipa), on one axum router.
#![forbid(unsafe_code)]

pub mod api;
pub mod download;
pub mod error;
pub mod format;
pub mod input;
pub mod live;
pub mod metrics;
pub mod middleware;
pub mod pages;
pub mod redirect;
pub mod session;
pub mod upload;

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use kabinet_app::App;

pub use error::WebError;
pub use kabinet_app::i18n::I18n;
pub use metrics::Metrics;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    /// The use cases.
    pub app: App,
    /// The message catalog.
    pub i18n: Arc<I18n>,
    /// Request counters.
    pub metrics: Arc<Metrics>,
}

impl AppState {
    /// Builds the state; fails when the message catalog is broken.
    pub fn new(app: App) -> Result<AppState, String> {
        Ok(AppState {
            app,
            i18n: Arc::new(I18n::russian()?),
            metrics: Arc::new(Metrics::new()),
        })
    }
}

/// Only `GET /metrics`, without a token: for the separate `metrics.listen` address.
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(api::health::scrape))
        .with_state(state)
}

/// The whole application: pages, API, operations endpoints, middleware.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(pages::router())
        .merge(api::routes())
        .fallback(error::fallback)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            error::panic_response,
        ))
        .layer(axum::middleware::from_fn(input::refuse_control_characters))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::observe,
        ))
        .with_state(state)
}
