//! The JSON API v1 and the operations endpoints, described by one OpenAPI document.

pub mod applications;
pub mod auth;
pub mod health;
pub mod identity;
pub mod json;
pub mod mfa;
pub mod notifications;
mod openapi_fixes;
pub mod organizations;
pub mod profile;
pub mod services;
pub mod sessions;
pub mod staff;
pub mod support;

use std::sync::OnceLock;

use axum::Json;
use axum::Router;
use utoipa_axum::router::OpenApiRouter;

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
    components(schemas(Problem, ProblemField, health::Health))
)]
pub struct ApiDoc;

/// The document as JSON (built once).
pub fn openapi_json() -> Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = serde_json::to_value(api_router().into_openapi()).unwrap_or(Value::Null);
        with_organization_header(&mut doc);
        openapi_fixes::with_common_responses(&mut doc);
        openapi_fixes::unique_operation_ids(&mut doc);
        openapi_fixes::with_input_rules(&mut doc);
        doc
    })
    .clone()
}

/// Every application operation may act for an organisation (ORG-2): the optional
/// `X-Kabinet-Organization` header is declared on each of them.
fn with_organization_header(doc: &mut Value) {
    let header = serde_json::json!({
        "name": "X-Kabinet-Organization",
        "in": "header",
        "required": false,
        "description": "Act for this organisation (its id): the caller must be a member of a verified organisation; its applications are then the caller's, by the member's role. Not a member: 404; not verified yet: 409.",
        "schema": { "type": "string" }
    });
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        if !path.starts_with("/api/v1/applications") {
            continue;
        }
        let Some(operations) = item.as_object_mut() else {
            continue;
        };
        for operation in operations.values_mut() {
            if let Some(op) = operation.as_object_mut() {
                let params = op
                    .entry("parameters")
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Some(list) = params.as_array_mut() {
                    list.push(header.clone());
                }
            }
        }
    }
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

/// The API and the operations endpoints with their OpenAPI document: one router per area,
/// each handler declared once (its `#[utoipa::path]` gives the path and the method).
pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(health::router())
        .routes(utoipa_axum::routes!(openapi))
        .merge(auth::router())
        .merge(mfa::router())
        .merge(sessions::router())
        .merge(profile::router())
        .merge(identity::router())
        .merge(services::router())
        .merge(applications::router())
        .merge(staff::router())
        .merge(notifications::router())
        .merge(organizations::router())
        .merge(support::router())
}

/// Routes of the API and the operations endpoints.
pub fn routes() -> Router<AppState> {
    api_router().split_for_parts().0
}
