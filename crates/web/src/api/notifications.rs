//! «Мои сообщения» and notification settings in the API (the fixed paths of API.md).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kabinet_app::inbox;
use kabinet_store::notifications::Notification;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::json::{ApiJson, ApiQuery};
use crate::error::Problem;
use crate::session::Visit;
use crate::{AppState, WebError};

/// The list's filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `true`: unread ones only.
    pub unread: Option<String>,
    /// One category: `application_status`, `deadlines`, `personal_data`, `security`,
    /// `payments`, `news` or `support`.
    pub category: Option<String>,
    /// Page, from 1.
    pub page: Option<i64>,
    /// Rows per page (1–100, 50 by default).
    pub per_page: Option<i64>,
}

/// A notification.
#[derive(Debug, Serialize, ToSchema)]
pub struct Item {
    /// Id.
    pub id: String,
    /// Category.
    pub category: String,
    /// Title.
    pub title: String,
    /// Text.
    pub text: String,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Read.
    pub read: bool,
    /// A local path to the object.
    pub link: Option<String>,
}

fn item(n: Notification) -> Item {
    Item {
        id: n.id,
        category: n.category,
        title: n.title,
        text: n.text,
        created_at: kabinet_store::ts::format(n.created_at),
        read: n.read_at.is_some(),
        link: n.link,
    }
}

/// A page of notifications.
#[derive(Debug, Serialize, ToSchema)]
pub struct Items {
    /// Newest first.
    pub items: Vec<Item>,
    /// How many match.
    pub total: i64,
}

/// «Мои сообщения».
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications",
    summary = "Мои сообщения",
    params(ListParams),
    responses((status = 200, description = "Newest first", body = Items), (status = 422, description = "Unknown category", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    visit: Visit,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<Json<Items>, WebError> {
    let who = visit.require()?;
    let unread = matches!(p.unread.as_deref(), Some("true" | "1"));
    let (items, total) = inbox::list(
        &state.app,
        who,
        unread,
        p.category.as_deref(),
        p.page.unwrap_or(1),
        p.per_page.unwrap_or(50),
    )
    .await?;
    Ok(Json(Items {
        items: items.into_iter().map(item).collect(),
        total,
    }))
}

/// A delivery of a notification.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryItem {
    /// `email` or `sms`.
    pub channel: String,
    /// `queued` (waiting or retrying), `sent` or `failed` (gave up).
    pub status: String,
    /// Attempts so far.
    pub attempts: i64,
    /// The last error, when an attempt failed.
    pub last_error: Option<String>,
    /// Sent (RFC 3339).
    pub sent_at: Option<String>,
}

/// A notification with its deliveries.
#[derive(Debug, Serialize, ToSchema)]
pub struct Detail {
    /// The notification.
    #[serde(flatten)]
    pub item: Item,
    /// Per channel.
    pub deliveries: Vec<DeliveryItem>,
}

/// Turns an outbox state into the delivery state shown.
pub fn delivery_status(status: &str) -> &'static str {
    match status {
        "sent" => "sent",
        "dead" => "failed",
        _ => "queued",
    }
}

/// A notification and where it went.
#[utoipa::path(get, path = "/api/v1/notifications/{id}", tag = "notifications",
    summary = "Уведомление и состояние доставки",
    params(("id" = String, Path, description = "The notification")),
    responses((status = 200, description = "The notification", body = Detail), (status = 404, description = "Not yours", body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
) -> Result<Json<Detail>, WebError> {
    let who = visit.require()?;
    let (n, d) = inbox::get(&state.app, who, &id).await?;
    Ok(Json(Detail {
        item: item(n),
        deliveries: d
            .into_iter()
            .map(
                |(kind, status, attempts, last_error, sent_at)| DeliveryItem {
                    channel: kind,
                    status: delivery_status(&status).to_owned(),
                    attempts,
                    last_error,
                    sent_at,
                },
            )
            .collect(),
    }))
}

/// Marks a notification read.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "notifications",
    summary = "Отметить прочитанным",
    params(("id" = String, Path, description = "The notification"), ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 204, description = "Read"), (status = 404, description = "Not yours", body = Problem, content_type = "application/problem+json")))]
pub async fn read(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
) -> Result<StatusCode, WebError> {
    let who = visit.require_with_csrf_header()?;
    inbox::mark_read(&state.app, who, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Which ones to mark read.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadAll {
    /// Only this category.
    #[serde(default)]
    pub category: Option<String>,
}

/// How many were marked.
#[derive(Debug, Serialize, ToSchema)]
pub struct Marked {
    /// Count.
    pub marked: u64,
}

/// «Отметить все прочитанными».
#[utoipa::path(post, path = "/api/v1/notifications/read-all", tag = "notifications",
    summary = "Отметить все прочитанными",
    request_body = ReadAll,
    params(("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 200, description = "Marked", body = Marked)))]
pub async fn read_all(
    State(state): State<AppState>,
    visit: Visit,
    ApiJson(body): ApiJson<ReadAll>,
) -> Result<Json<Marked>, WebError> {
    let who = visit.require_with_csrf_header()?;
    let marked = inbox::mark_all_read(&state.app, who, body.category.as_deref()).await?;
    Ok(Json(Marked { marked }))
}

/// Settings: category → channel → on.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// `{"application_status": {"email": true, "sms": false, "inbox": true}, …}`;
    /// `security` cannot be turned off (its inbox and e-mail stay on).
    pub categories: BTreeMap<String, BTreeMap<String, bool>>,
}

fn settings_body(rows: Vec<inbox::Row>) -> Settings {
    Settings {
        categories: rows
            .into_iter()
            .map(|(c, channels)| {
                (
                    c.as_str().to_owned(),
                    channels
                        .into_iter()
                        .map(|(ch, on, _)| (ch.as_str().to_owned(), on))
                        .collect(),
                )
            })
            .collect(),
    }
}

/// The notification settings.
#[utoipa::path(get, path = "/api/v1/me/notification-settings", tag = "notifications",
    summary = "Настройки уведомлений",
    responses((status = 200, description = "Every category and channel", body = Settings)))]
pub async fn get_settings(
    State(state): State<AppState>,
    visit: Visit,
) -> Result<Json<Settings>, WebError> {
    let who = visit.require()?;
    Ok(Json(settings_body(inbox::settings(&state.app, who).await?)))
}

/// Changes notification settings (any subset); answers the effective settings.
#[utoipa::path(put, path = "/api/v1/me/notification-settings", tag = "notifications",
    summary = "Изменить настройки уведомлений",
    request_body = Settings,
    params(("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 200, description = "The effective settings", body = Settings), (status = 422, description = "Unknown category or channel", body = Problem, content_type = "application/problem+json")))]
pub async fn put_settings(
    State(state): State<AppState>,
    visit: Visit,
    ApiJson(body): ApiJson<Settings>,
) -> Result<Json<Settings>, WebError> {
    let who = visit.require_with_csrf_header()?;
    let choices: Vec<(String, String, bool)> = body
        .categories
        .into_iter()
        .flat_map(|(c, channels)| {
            channels
                .into_iter()
                .map(move |(ch, on)| (c.clone(), ch, on))
        })
        .collect();
    Ok(Json(settings_body(
        inbox::save_settings(&state.app, &visit.ctx, who, &choices).await?,
    )))
}

/// A webhook address.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookBody {
    /// `https://…` (a public address).
    pub url: String,
}

/// The signing secret of a new webhook.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookSecret {
    /// The address.
    pub url: String,
    /// The HMAC-SHA256 key of `X-Kabinet-Signature` (shown once).
    pub secret: String,
}

/// Sets the webhook notifications are also POSTed to (signed; see
/// docs/notifications.md); a new secret each time.
#[utoipa::path(put, path = "/api/v1/me/notification-webhook", tag = "notifications",
    summary = "Подключить вебхук",
    request_body = WebhookBody,
    params(("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 200, description = "Set; the secret is shown once", body = WebhookSecret), (status = 422, description = "Not an https address of a public host", body = Problem, content_type = "application/problem+json")))]
pub async fn put_webhook(
    State(state): State<AppState>,
    visit: Visit,
    ApiJson(body): ApiJson<WebhookBody>,
) -> Result<Json<WebhookSecret>, WebError> {
    let who = visit.require_with_csrf_header()?;
    let secret = inbox::set_webhook(&state.app, &visit.ctx, who, &body.url).await?;
    Ok(Json(WebhookSecret {
        url: body.url.trim().to_owned(),
        secret,
    }))
}

/// Removes the webhook.
#[utoipa::path(delete, path = "/api/v1/me/notification-webhook", tag = "notifications",
    summary = "Отключить вебхук",
    params(("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 204, description = "Removed"), (status = 404, description = "None set", body = Problem, content_type = "application/problem+json")))]
pub async fn delete_webhook(
    State(state): State<AppState>,
    visit: Visit,
) -> Result<StatusCode, WebError> {
    let who = visit.require_with_csrf_header()?;
    inbox::remove_webhook(&state.app, &visit.ctx, who).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A notification with its deliveries, as staff see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffItem {
    /// The notification.
    #[serde(flatten)]
    pub item: Item,
    /// Shown in «Мои сообщения».
    pub in_inbox: bool,
    /// Per channel.
    pub deliveries: Vec<DeliveryItem>,
}

/// An account's notifications.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffItems {
    /// The latest 50.
    pub items: Vec<StaffItem>,
}

/// An account's latest notifications and where each went (support staff and
/// administrators; the view is recorded).
#[utoipa::path(get, path = "/api/v1/staff/accounts/{id}/notifications", tag = "staff",
    summary = "Уведомления пользователя и их доставка",
    params(("id" = String, Path, description = "The account")),
    responses((status = 200, description = "The latest 50", body = StaffItems)))]
pub async fn staff_list(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
) -> Result<Json<StaffItems>, WebError> {
    let who = visit.require()?;
    let list = inbox::for_staff(&state.app, &visit.ctx, who, &id).await?;
    Ok(Json(StaffItems {
        items: list
            .into_iter()
            .map(|(n, d)| StaffItem {
                in_inbox: n.in_inbox,
                item: item(n),
                deliveries: d
                    .into_iter()
                    .map(|(kind, status, attempts, last_error)| DeliveryItem {
                        channel: kind,
                        status: delivery_status(&status).to_owned(),
                        attempts,
                        last_error,
                        sent_at: None,
                    })
                    .collect(),
            })
            .collect(),
    }))
}

/// The routes of this area, each declared once by its `#[utoipa::path]`.
pub(crate) fn router() -> utoipa_axum::router::OpenApiRouter<crate::AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(staff_list))
        .routes(utoipa_axum::routes!(list))
        .routes(utoipa_axum::routes!(read_all))
        .routes(utoipa_axum::routes!(get))
        .routes(utoipa_axum::routes!(read))
        .routes(utoipa_axum::routes!(put_webhook, delete_webhook))
        .routes(utoipa_axum::routes!(get_settings, put_settings))
}
