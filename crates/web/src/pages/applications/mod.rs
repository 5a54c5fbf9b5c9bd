//! Applying and following applications in the browser (APP-1 … APP-8): a service's
//! form one step per group of questions (saved at each step), the documents, «Проверьте
//! данные», «Мои заявления» and «Черновики» with filters, and an application's page
//! with «История статуса», comments, the clarification answer and withdrawal.
//!
//! This module holds what the pages share and the router; one file per action group below.

pub mod detail;
pub mod documents;
pub mod list;
pub mod review;
pub mod steps;

use axum::Router;
use axum::routing::{get, post};
use std::collections::{BTreeMap, HashMap};

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use kabinet_app::applications;
use kabinet_domain::application::Status;

use crate::pages::common::see_other;
use crate::session::Visit;
use crate::{AppState, WebError};

fn status_name(state: &AppState, s: Status) -> String {
    state.i18n.t(&format!("status-{}", s.as_str()))
}

/// `{"draft": "Черновик", …}` for the live script.
fn status_names(state: &AppState) -> String {
    let map: BTreeMap<&str, String> = Status::ALL
        .iter()
        .map(|s| (s.as_str(), status_name(state, *s)))
        .collect();
    serde_json::to_string(&map).unwrap_or_default()
}

/// `POST /services/{id}/apply`
pub async fn apply(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    if !visit.form_csrf_ok(form.get("csrf_token").map_or("", String::as_str)) {
        return WebError::Refused("auth-csrf").page_response();
    }
    match applications::create_draft(&state.app, &visit.ctx, who, &id, &BTreeMap::new()).await {
        Ok(a) => see_other(&format!("/applications/{}/step/1", a.id), None),
        Err(e) => WebError::from(e).page_response(),
    }
}

/// Whether the visitor may change the application they see: always their own; for an
/// organisation's, not an observer (who reads it only; `domain::access`).
fn may_file(visit: &Visit) -> bool {
    visit
        .signed_in
        .as_ref()
        .and_then(|w| w.acting.as_ref())
        .is_none_or(|acting| {
            kabinet_domain::access::OrgAction::FileApplications.allows(acting.role)
        })
}

/// Every `/applications/...` page, nested under `/applications`, and starting an
/// application from a service's page (`POST /services/{id}/apply`, whose handler is here).
pub fn router() -> Router<AppState> {
    let pages = Router::new()
        .route("/", get(list::list))
        .route("/drafts", get(list::drafts))
        // Live status for the pages: the same stream as the API's, in the context the
        // page session acts in (EventSource cannot send X-Kabinet-Organization).
        .route("/events", get(crate::live::events))
        .route("/{id}", get(detail::show))
        .route(
            "/{id}/step/{n}",
            get(steps::step_show).post(steps::step_save),
        )
        .route(
            "/{id}/documents",
            get(documents::documents)
                .post(documents::documents_upload)
                .layer(super::attachment_body_limit()),
        )
        .route("/{id}/review", get(review::review))
        .route("/{id}/submit", post(review::submit))
        .route("/{id}/comment", post(detail::comment))
        .route("/{id}/withdraw", post(detail::withdraw))
        .route(
            "/{id}/attach",
            post(detail::attach).layer(super::attachment_body_limit()),
        );
    Router::new()
        .nest("/applications", pages)
        .route("/services/{id}/apply", post(apply))
}
