//! A readable page of the OpenAPI document, rendered on the server (no JavaScript).

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use serde_json::Value;

use super::{Layout, page};
use crate::AppState;

/// One operation of the API, for the table.
struct Operation {
    method: String,
    path: String,
    summary: String,
    description: String,
    responses: Vec<String>,
}

#[derive(Template)]
#[template(path = "api_docs.html")]
struct ApiDocs<'a> {
    l: Layout<'a>,
    operations: Vec<Operation>,
}

fn operations(doc: &Value) -> Vec<Operation> {
    let mut out = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        for method in ["get", "post", "put", "patch", "delete"] {
            let Some(op) = item.get(method) else { continue };
            let text = |key: &str| op.get(key).and_then(Value::as_str).unwrap_or("").to_owned();
            out.push(Operation {
                method: method.to_ascii_uppercase(),
                path: path.clone(),
                summary: text("summary"),
                description: text("description"),
                responses: op
                    .get("responses")
                    .and_then(Value::as_object)
                    .map(|r| r.keys().cloned().collect())
                    .unwrap_or_default(),
            });
        }
    }
    out
}

/// `GET /api/docs`
pub async fn show(State(state): State<AppState>) -> Response {
    let doc = crate::api::openapi_json();
    page(&ApiDocs {
        l: Layout::new(&state),
        operations: operations(&doc),
    })
}

/// `/api/docs`.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/docs", get(show))
}
