//! «Мои сообщения» (NTF-2) and «Настройки → Уведомления» (NTF-3), without JavaScript.

use axum::Router;
use axum::routing::{get, post};
use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use kabinet_app::{AppError, inbox};
use kabinet_domain::notify::{Category, Channel};

use super::Layout;
use super::common::{respond, see_other};
use crate::api::notifications::delivery_status;
use crate::session::Visit;
use crate::{AppState, WebError, format};

/// A notification as shown.
pub struct Row {
    /// Id.
    pub id: String,
    /// Date and time.
    pub at: String,
    /// Category (Russian).
    pub category: String,
    /// Title.
    pub title: String,
    /// Text.
    pub text: String,
    /// Link to the object.
    pub link: Option<String>,
    /// Read.
    pub read: bool,
}

/// A category choice.
pub struct Choice {
    /// Value.
    pub value: String,
    /// Label.
    pub label: String,
    /// Selected.
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "messages.html")]
struct ListPage<'a> {
    l: Layout<'a>,
    csrf: String,
    rows: Vec<Row>,
    categories: Vec<Choice>,
    category: String,
    total: i64,
    prev: Option<String>,
    next: Option<String>,
}

/// `?category=&page=`
#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    page: Option<i64>,
}

fn category_label(state: &AppState, c: &str) -> String {
    state
        .i18n
        .t(&format!("notify-category-{}", c.replace('_', "-")))
}

/// `GET /messages`
pub async fn list(
    State(state): State<AppState>,
    visit: Visit,
    Query(q): Query<ListQuery>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    const PER_PAGE: i64 = 30;
    let page = q.page.unwrap_or(1).max(1);
    let category = q.category.clone().filter(|c| !c.is_empty());
    let (items, total) =
        match inbox::list(&state.app, who, false, category.as_deref(), page, PER_PAGE).await {
            Ok(v) => v,
            Err(e) => return WebError::from(e).page_response(),
        };
    let rows = items
        .into_iter()
        .map(|n| Row {
            at: format::datetime(n.created_at),
            category: category_label(&state, &n.category),
            read: n.read_at.is_some(),
            id: n.id,
            title: n.title,
            text: n.text,
            link: n.link,
        })
        .collect();
    let current = category.clone().unwrap_or_default();
    let categories = std::iter::once((String::new(), state.i18n.t("messages-all")))
        .chain(
            Category::ALL
                .iter()
                .map(|c| (c.as_str().to_owned(), category_label(&state, c.as_str()))),
        )
        .map(|(value, label)| Choice {
            selected: value == current,
            value,
            label,
        })
        .collect();
    let link = |p: i64| {
        format!(
            "/messages?page={p}{}",
            category
                .as_deref()
                .map(|c| format!("&category={}", format::percent_encode(c)))
                .unwrap_or_default()
        )
    };
    let view = ListPage {
        l: Layout::for_visit(&state, &visit),
        csrf: who.csrf_token.clone(),
        rows,
        categories,
        category: current,
        total,
        prev: (page > 1).then(|| link(page - 1)),
        next: (page * PER_PAGE < total).then(|| link(page + 1)),
    };
    respond(StatusCode::OK, &view, None)
}

/// A delivery as shown.
pub struct DeliveryRow {
    /// Channel (Russian).
    pub channel: String,
    /// State (Russian).
    pub status: String,
    /// Attempts.
    pub attempts: i64,
    /// The last error.
    pub error: String,
}

#[derive(Template)]
#[template(path = "message.html")]
struct DetailPage<'a> {
    l: Layout<'a>,
    csrf: String,
    row: Row,
    deliveries: Vec<DeliveryRow>,
}

/// `GET /messages/{id}`: the message and where it went.
pub async fn show(State(state): State<AppState>, visit: Visit, Path(id): Path<String>) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let (mut n, d) = match inbox::get(&state.app, who, &id).await {
        Ok(v) => v,
        Err(e) => return WebError::from(e).page_response(),
    };
    // Opening a message reads it (review D20): marked read, and the header's count on
    // this very page already without it.
    let mut layout = Layout::for_visit(&state, &visit);
    if n.read_at.is_none() {
        if let Err(e) = inbox::mark_read(&state.app, who, &id).await {
            return WebError::from(e).page_response();
        }
        n.read_at = Some(state.app.clock.now());
        layout.unread = (layout.unread - 1).max(0);
    }
    let t = |k: &str| state.i18n.t(k);
    let view = DetailPage {
        l: layout,
        csrf: who.csrf_token.clone(),
        row: Row {
            at: format::datetime(n.created_at),
            category: category_label(&state, &n.category),
            read: n.read_at.is_some(),
            id: n.id,
            title: n.title,
            text: n.text,
            link: n.link,
        },
        deliveries: d
            .into_iter()
            .map(|(kind, status, attempts, error, _)| DeliveryRow {
                channel: t(&format!("messages-channel-{kind}")),
                status: t(&format!("messages-delivery-{}", delivery_status(&status))),
                attempts,
                error: error.unwrap_or_default(),
            })
            .collect(),
    };
    respond(StatusCode::OK, &view, None)
}

/// `POST /messages/{id}/read`: marks it read; «Открыть» then goes to the object.
pub async fn read(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let who = match super::form_guard(&visit, &form) {
        Ok(w) => w,
        Err(r) => return *r,
    };
    match inbox::mark_read(&state.app, who, &id).await {
        Ok(()) => {
            let to = form
                .get("next")
                .and_then(|n| crate::redirect::local_path(n))
                .unwrap_or("/messages");
            see_other(to, None)
        }
        Err(e) => WebError::from(e).page_response(),
    }
}

/// `POST /messages/read-all`
pub async fn read_all(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let who = match super::form_guard(&visit, &form) {
        Ok(w) => w,
        Err(r) => return *r,
    };
    let category = form.get("category").map(String::as_str);
    match inbox::mark_all_read(&state.app, who, category).await {
        Ok(_) => see_other("/messages", None),
        Err(e) => WebError::from(e).page_response(),
    }
}

/// A settings cell.
pub struct Cell {
    /// Field name `<category>.<channel>`.
    pub name: String,
    /// Accessible label.
    pub label: String,
    /// On.
    pub on: bool,
    /// Cannot be turned off.
    pub locked: bool,
}

/// A settings row.
pub struct SettingsRow {
    /// Category label.
    pub category: String,
    /// One cell per channel.
    pub cells: Vec<Cell>,
}

#[derive(Template)]
#[template(path = "notification_settings.html")]
struct SettingsPage<'a> {
    l: Layout<'a>,
    csrf: String,
    channels: Vec<String>,
    rows: Vec<SettingsRow>,
    saved: bool,
    webhook: Option<String>,
    secret: Option<String>,
    url: String,
    errors: super::Errors,
}

struct Extra {
    webhook: Option<String>,
    secret: Option<String>,
    url: String,
    errors: super::Errors,
    status: StatusCode,
}

fn settings_page(
    state: &AppState,
    visit: &Visit,
    rows: Vec<inbox::Row>,
    saved: bool,
    extra: Extra,
) -> Response {
    let csrf = visit
        .signed_in
        .as_ref()
        .map(|w| w.csrf_token.clone())
        .unwrap_or_default();
    let t = |k: &str| state.i18n.t(k);
    let view = SettingsPage {
        l: Layout::for_visit(state, visit),
        csrf,
        channels: Channel::ALL
            .iter()
            .map(|c| t(&format!("messages-channel-{}", c.as_str())))
            .collect(),
        rows: rows
            .into_iter()
            .map(|(c, cells)| {
                let category = category_label(state, c.as_str());
                SettingsRow {
                    cells: cells
                        .into_iter()
                        .map(|(ch, on, locked)| Cell {
                            name: format!("{}.{}", c.as_str(), ch.as_str()),
                            label: format!(
                                "{category}: {}",
                                t(&format!("messages-channel-{}", ch.as_str()))
                            ),
                            on,
                            locked,
                        })
                        .collect(),
                    category,
                }
            })
            .collect(),
        saved,
        webhook: extra.webhook,
        secret: extra.secret,
        url: extra.url,
        errors: extra.errors,
    };
    respond(extra.status, &view, None)
}

#[allow(clippy::too_many_arguments)]
async fn settings_with(
    state: &AppState,
    visit: &Visit,
    saved: bool,
    secret: Option<String>,
    url: String,
    errors: super::Errors,
    status: StatusCode,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let (rows, webhook) = match (
        inbox::settings(&state.app, who).await,
        inbox::webhook_url(&state.app, who).await,
    ) {
        (Ok(r), Ok(w)) => (r, w),
        (Err(e), _) | (_, Err(e)) => return WebError::from(e).page_response(),
    };
    settings_page(
        state,
        visit,
        rows,
        saved,
        Extra {
            webhook,
            secret,
            url,
            errors,
            status,
        },
    )
}

/// `POST /settings/notifications/webhook`: sets it and shows the secret once.
pub async fn set_webhook(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let who = match super::form_guard(&visit, &form) {
        Ok(w) => w,
        Err(r) => return *r,
    };
    let url = form.get("url").cloned().unwrap_or_default();
    match inbox::set_webhook(&state.app, &visit.ctx, who, &url).await {
        Ok(secret) => {
            settings_with(
                &state,
                &visit,
                false,
                Some(secret),
                String::new(),
                super::Errors::default(),
                StatusCode::OK,
            )
            .await
        }
        Err(AppError::Validation(fields)) => {
            let errors = super::Errors::from_fields(&state.i18n, &fields);
            settings_with(
                &state,
                &visit,
                false,
                None,
                url,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => WebError::from(e).page_response(),
    }
}

/// `POST /settings/notifications/webhook/remove`
pub async fn remove_webhook(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let who = match super::form_guard(&visit, &form) {
        Ok(w) => w,
        Err(r) => return *r,
    };
    match inbox::remove_webhook(&state.app, &visit.ctx, who).await {
        Ok(()) | Err(AppError::NotFound) => see_other("/settings/notifications?saved=1", None),
        Err(e) => WebError::from(e).page_response(),
    }
}

/// `?saved=1`
#[derive(serde::Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

/// `GET /settings/notifications`
pub async fn settings(
    State(state): State<AppState>,
    visit: Visit,
    Query(q): Query<SavedQuery>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let _ = who;
    settings_with(
        &state,
        &visit,
        q.saved.is_some(),
        None,
        String::new(),
        super::Errors::default(),
        StatusCode::OK,
    )
    .await
}

/// `POST /settings/notifications`: every checkbox of the grid (an unticked one is
/// absent from the form, so every category and channel is saved).
pub async fn save_settings(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let who = match super::form_guard(&visit, &form) {
        Ok(w) => w,
        Err(r) => return *r,
    };
    let choices: Vec<(String, String, bool)> = Category::ALL
        .iter()
        .flat_map(|c| {
            Channel::ALL.iter().map(|ch| {
                let name = format!("{}.{}", c.as_str(), ch.as_str());
                (
                    c.as_str().to_owned(),
                    ch.as_str().to_owned(),
                    form.contains_key(&name),
                )
            })
        })
        .collect();
    match inbox::save_settings(&state.app, &visit.ctx, who, &choices).await {
        Ok(_) => see_other("/settings/notifications?saved=1", None),
        Err(e) => WebError::from(e).page_response(),
    }
}

#[derive(Template)]
#[template(path = "unsubscribe.html")]
struct UnsubscribePage<'a> {
    l: Layout<'a>,
    token: String,
    category: String,
    done: bool,
}

/// `?t=<token>`
#[derive(serde::Deserialize, Default)]
pub struct TokenQuery {
    #[serde(default)]
    t: String,
}

/// `GET /unsubscribe?t=`: asks to confirm (link scanners follow GET links, so a GET
/// changes nothing).
pub async fn unsubscribe_page(
    State(state): State<AppState>,
    visit: Visit,
    Query(q): Query<TokenQuery>,
) -> Response {
    match inbox::read_unsubscribe_token(&state.app, &q.t) {
        Some((_, category)) => respond(
            StatusCode::OK,
            &UnsubscribePage {
                l: Layout::for_visit(&state, &visit),
                category: category_label(&state, category.as_str()),
                token: q.t,
                done: false,
            },
            None,
        ),
        None => WebError::NotFound.page_response(),
    }
}

/// `POST /unsubscribe?t=`: the page's button, or the mail client's one-click request
/// (RFC 8058 `List-Unsubscribe=One-Click`); the token authorises it, no session needed.
pub async fn unsubscribe(
    State(state): State<AppState>,
    visit: Visit,
    Query(q): Query<TokenQuery>,
) -> Response {
    match inbox::unsubscribe(&state.app, &visit.ctx, &q.t).await {
        Ok(category) => respond(
            StatusCode::OK,
            &UnsubscribePage {
                l: Layout::for_visit(&state, &visit),
                category: category_label(&state, category.as_str()),
                token: String::new(),
                done: true,
            },
            None,
        ),
        Err(e) => WebError::from(e).page_response(),
    }
}

/// «Сообщения» (`/messages/...`), the notification settings
/// (`/settings/notifications/...`) and unsubscribing from a mail link (`/unsubscribe`).
pub fn router() -> Router<AppState> {
    let messages = Router::new()
        .route("/", get(list))
        .route("/read-all", post(read_all))
        .route("/{id}", get(show))
        .route("/{id}/read", post(read));
    let notification_settings = Router::new()
        .route("/", get(settings).post(save_settings))
        .route("/webhook", post(set_webhook))
        .route("/webhook/remove", post(remove_webhook));
    Router::new()
        .nest("/messages", messages)
        .nest("/settings/notifications", notification_settings)
        .route("/unsubscribe", get(unsubscribe_page).post(unsubscribe))
}
