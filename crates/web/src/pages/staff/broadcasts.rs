//! Broadcasts (NTF-2 `news`): `/staff/broadcasts`, the form and the progress of each.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use kabinet_domain::access::Action;

use super::{Nav, staff_for, text};
use crate::pages::common::{form_errors, respond, see_other};
use crate::pages::{Errors, Layout};
use crate::session::Visit;
use crate::{AppState, WebError, format};

/// A broadcast as listed.
pub struct BroadcastRow {
    /// Title.
    pub title: String,
    /// Audience (Russian).
    pub audience: String,
    /// Sent.
    pub at: String,
    /// Done.
    pub done: bool,
    /// Recipients.
    pub total: i64,
    /// Processed.
    pub processed: i64,
}

#[derive(Template)]
#[template(path = "staff_broadcasts.html")]
struct BroadcastsPage<'a> {
    l: Layout<'a>,
    nav: Nav,
    csrf: String,
    rows: Vec<BroadcastRow>,
    title: String,
    body: String,
    errors: Errors,
}

async fn broadcasts_page(
    state: &AppState,
    visit: &Visit,
    status: StatusCode,
    form: &HashMap<String, String>,
    errors: Errors,
) -> Response {
    let (who, nav) = match staff_for(state, visit, Action::ManageAccounts) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let list = match kabinet_app::broadcast::list(&state.app, who).await {
        Ok(l) => l,
        Err(e) => return WebError::from(e).page_response(),
    };
    let t = |k: &str| state.i18n.t(k);
    let rows = list
        .into_iter()
        .map(|b| BroadcastRow {
            audience: match &b.level {
                Some(l) => t(&format!("level-{l}")),
                None => t("broadcast-everyone"),
            },
            at: format::datetime(b.created_at),
            done: b.status == "done",
            total: b.total,
            processed: b.processed,
            title: b.title,
        })
        .collect();
    let page = BroadcastsPage {
        l: Layout::for_visit(state, visit),
        nav,
        csrf: who.csrf_token.clone(),
        rows,
        title: text(form, "title").to_owned(),
        body: text(form, "text").to_owned(),
        errors,
    };
    respond(status, &page, None)
}

/// `GET /staff/broadcasts` (administrators): the form and the progress of each.
pub async fn broadcasts(State(state): State<AppState>, visit: Visit) -> Response {
    broadcasts_page(
        &state,
        &visit,
        StatusCode::OK,
        &HashMap::new(),
        Errors::default(),
    )
    .await
}

/// `POST /staff/broadcasts`
pub async fn send_broadcast(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let r = async {
        let who = crate::pages::form_signed_in(&visit, &form)?;
        let level = Some(text(&form, "level")).filter(|l| !l.is_empty());
        kabinet_app::broadcast::create(
            &state.app,
            &visit.ctx,
            who,
            text(&form, "title"),
            text(&form, "text"),
            level,
        )
        .await
    }
    .await;
    match r {
        Ok(_) => see_other("/staff/broadcasts", None),
        Err(e) => match form_errors(&state, e, "title") {
            Ok((status, errors)) => broadcasts_page(&state, &visit, status, &form, errors).await,
            Err(e) => e.page_response(),
        },
    }
}
