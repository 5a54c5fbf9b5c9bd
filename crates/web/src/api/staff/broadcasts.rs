//! Broadcasts (NTF-5): a message to everyone, or to people of a level.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::json::ApiJson;
use crate::error::Problem;
use crate::session::Visit;
use crate::{AppState, WebError};

/// A broadcast to send.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBroadcast {
    /// Title (up to 200 characters).
    pub title: String,
    /// Text (up to 2000 characters).
    pub text: String,
    /// Only people of this level: `simplified`, `standard` or `confirmed`.
    #[serde(default)]
    pub level: Option<String>,
}

/// A broadcast and its progress.
#[derive(Debug, Serialize, ToSchema)]
pub struct BroadcastItem {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Level filter.
    pub level: Option<String>,
    /// `running` or `done`.
    pub status: String,
    /// Recipients counted when it was sent.
    pub total: i64,
    /// Processed so far (people who joined meanwhile get it too).
    pub processed: i64,
    /// Sent (RFC 3339).
    pub created_at: String,
    /// Finished (RFC 3339).
    pub finished_at: Option<String>,
}

/// Turns a broadcast into its API form.
pub fn broadcast_item(b: kabinet_store::broadcasts::Broadcast) -> BroadcastItem {
    BroadcastItem {
        id: b.id,
        title: b.title,
        level: b.level.map(|l| l.as_str().to_owned()),
        status: b.status,
        total: b.total,
        processed: b.processed,
        created_at: kabinet_store::ts::format(b.created_at),
        finished_at: b.finished_at.map(kabinet_store::ts::format),
    }
}

/// Broadcasts.
#[derive(Debug, Serialize, ToSchema)]
pub struct Broadcasts {
    /// The latest first.
    pub items: Vec<BroadcastItem>,
}

/// Sends a `news` notice to everyone (or one level), respecting their choices.
#[utoipa::path(post, path = "/api/v1/staff/broadcasts", tag = "staff",
    summary = "Рассылка новости",
    request_body = NewBroadcast,
    params(("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 201, description = "Queued; the workers deliver it in batches", body = BroadcastItem), (status = 422, description = "Field errors", body = Problem, content_type = "application/problem+json")))]
pub async fn create_broadcast(
    State(state): State<AppState>,
    visit: Visit,
    ApiJson(body): ApiJson<NewBroadcast>,
) -> Result<(StatusCode, Json<BroadcastItem>), WebError> {
    let who = visit.require_with_csrf_header()?;
    let b = kabinet_app::broadcast::create(
        &state.app,
        &visit.ctx,
        who,
        &body.title,
        &body.text,
        body.level.as_deref(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(broadcast_item(b))))
}

/// The latest broadcasts with their progress.
#[utoipa::path(get, path = "/api/v1/staff/broadcasts", tag = "staff",
    summary = "Рассылки",
    responses((status = 200, description = "The latest first", body = Broadcasts)))]
pub async fn broadcasts(
    State(state): State<AppState>,
    visit: Visit,
) -> Result<Json<Broadcasts>, WebError> {
    let who = visit.require()?;
    let items = kabinet_app::broadcast::list(&state.app, who)
        .await?
        .into_iter()
        .map(broadcast_item)
        .collect();
    Ok(Json(Broadcasts { items }))
}

/// One broadcast's progress.
#[utoipa::path(get, path = "/api/v1/staff/broadcasts/{id}", tag = "staff",
    summary = "Ход рассылки",
    params(("id" = String, Path, description = "The broadcast")),
    responses((status = 200, description = "Progress", body = BroadcastItem)))]
pub async fn broadcast(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
) -> Result<Json<BroadcastItem>, WebError> {
    let who = visit.require()?;
    Ok(Json(broadcast_item(
        kabinet_app::broadcast::get(&state.app, who, &id).await?,
    )))
}
