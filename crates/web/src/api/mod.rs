//! The JSON API v1 and the operations endpoints, described by one OpenAPI document.

pub mod health;

use std::sync::OnceLock;

use axum::Json;
use axum::Router;
use axum::routing::get;
use serde_json::Value;
use utoipa::OpenApi;

use crate::AppState;
use crate::error::{Problem, ProblemField};

/// The OpenAPI document of kabinet.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "kabinet API",
        version = "1",
        description = "JSON API личного кабинета. Ошибки — RFC 9457 (application/problem+json)."
    ),
    paths(health::healthz, health::readyz, health::metrics, openapi),
    components(schemas(Problem, ProblemField, health::Health))
)]
pub struct ApiDoc;

/// The document as JSON (built once).
pub fn openapi_json() -> Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| serde_json::to_value(ApiDoc::openapi()).unwrap_or(Value::Null))
        .clone()
}

/// The OpenAPI document of this API.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "meta",
    summary = "Описание API в формате OpenAPI 3.1",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json"))
)]
pub async fn openapi() -> Json<Value> {
    Json(openapi_json())
}

/// Routes of the API and the operations endpoints.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .route("/api/v1/openapi.json", get(openapi))
}
