//! «История изменений» `/profile/history`.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use kabinet_app::profile;
use kabinet_domain::account::AccountLevel;

use super::dash;
use crate::pages::Layout;
use crate::pages::common::{respond, see_other};
use crate::session::Visit;
use crate::{AppState, WebError, format};

/// A history row as shown.
pub struct HistoryRow {
    /// When.
    pub at: String,
    /// Which field (Russian).
    pub field: String,
    /// Before.
    pub old_value: String,
    /// After.
    pub new_value: String,
    /// Who (Russian).
    pub actor: String,
}

#[derive(Template)]
#[template(path = "profile_history.html")]
struct HistoryPage<'a> {
    l: Layout<'a>,
    rows: Vec<HistoryRow>,
}

/// `GET /profile/history` «История изменений».
pub async fn history(State(state): State<AppState>, visit: Visit) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let changes = match profile::history(&state.app, who, 200).await {
        Ok(c) => c,
        Err(e) => return WebError::from(e).page_response(),
    };
    let t = |k: &str| state.i18n.t(k);
    let level = |v: Option<String>| match v.as_deref().and_then(AccountLevel::parse) {
        Some(l) => t(&format!("level-{l}")),
        None => dash(v),
    };
    let rows = changes
        .into_iter()
        .map(|c| {
            let is_level = c.field == "level";
            HistoryRow {
                at: format::datetime(c.at),
                field: t(&format!("history-field-{}", c.field.replace('_', "-"))),
                old_value: if is_level {
                    level(c.old_value)
                } else {
                    dash(c.old_value)
                },
                new_value: if is_level {
                    level(c.new_value)
                } else {
                    dash(c.new_value)
                },
                actor: t(&format!("history-actor-{}", c.actor_kind)),
            }
        })
        .collect();
    let page = HistoryPage {
        l: Layout::for_visit(&state, &visit),
        rows,
    };
    respond(StatusCode::OK, &page, None)
}
