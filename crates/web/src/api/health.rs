//! Liveness, readiness and metrics.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;
use serde::Serialize;
use subtle::ConstantTimeEq;
use utoipa::ToSchema;

use crate::{AppState, WebError};

/// A health answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `ready`.
    pub status: &'static str,
}

/// The process is alive.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    summary = "Процесс работает",
    responses((status = 200, description = "Alive", body = Health))
)]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// The process can serve: the database answers.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    summary = "Сервис готов: база данных доступна",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "The database is not reachable", body = Problem, content_type = "application/problem+json")
    )
)]
pub async fn readyz(State(state): State<AppState>) -> Result<Json<Health>, WebError> {
    match tokio::time::timeout(Duration::from_secs(2), state.app.store.ping()).await {
        Ok(Ok(())) => Ok(Json(Health { status: "ready" })),
        Ok(Err(e)) => Err(WebError::Unavailable(e.to_string())),
        Err(_) => Err(WebError::Unavailable("database ping timed out".to_owned())),
    }
}

/// Metrics in the Prometheus text format, on the public listener: only with
/// `Authorization: Bearer <metrics.token>`; without `metrics.token` it is not here (404).
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    summary = "Метрики в формате Prometheus",
    description = "Answers only to `Authorization: Bearer <metrics.token>`; without that setting the address is not served here (404). `metrics.listen` serves it without a token on a separate address.",
    responses(
        (status = 200, description = "Prometheus text format", content_type = "text/plain"),
        (status = 401, description = "No or a wrong bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not served on this listener (no `metrics.token`)", content_type = "text/html")
    )
)]
pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = &state.app.settings.metrics_token else {
        return WebError::NotFound.page_response();
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let expected = token.expose_secret().as_bytes();
    if !bool::from(expected.ct_eq(given.trim().as_bytes())) {
        let mut response = WebError::Unauthorized("auth-required").api_response();
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"metrics\""),
        );
        return response;
    }
    scrape(State(state)).await.into_response()
}

/// The metrics without a token: served only on the `metrics.listen` address.
pub async fn scrape(State(state): State<AppState>) -> impl IntoResponse {
    let mut out = String::with_capacity(4096);
    state.metrics.render(&mut out);
    let up = state.app.store.ping().await.is_ok();
    out.push_str(&format!(
        "# HELP kabinet_database_up Whether the database answered.\n\
         # TYPE kabinet_database_up gauge\nkabinet_database_up {}\n",
        u8::from(up)
    ));
    if let Ok(c) = kabinet_store::outbox::counts(&state.app.store).await {
        out.push_str(&format!(
            "# HELP kabinet_outbox_events Outbox events by delivery state.\n\
             # TYPE kabinet_outbox_events gauge\n\
             kabinet_outbox_events{{state=\"pending\"}} {}\n\
             kabinet_outbox_events{{state=\"sent\"}} {}\n\
             kabinet_outbox_events{{state=\"dead\"}} {}\n",
            c.pending, c.sent, c.dead
        ));
    }
    if let Some(rss) = crate::metrics::resident_memory_bytes() {
        out.push_str(&format!(
            "# HELP process_resident_memory_bytes Resident memory size in bytes.\n\
             # TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes {rss}\n"
        ));
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
}

use crate::error::Problem;

/// The routes of this area, each declared once by its `#[utoipa::path]`.
pub(crate) fn router() -> utoipa_axum::router::OpenApiRouter<crate::AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(healthz))
        .routes(utoipa_axum::routes!(readyz))
        .routes(utoipa_axum::routes!(metrics))
}
