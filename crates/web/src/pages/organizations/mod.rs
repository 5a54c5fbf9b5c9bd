//! «Мои организации», registering one and «Информация об организации» (ORG-1), without
//! JavaScript; the staff's verification queue lives under `/staff/organizations`.
//!
//! This module holds the list, registering an organisation and the router of every
//! `/organizations/...` route; one file per action group below.

pub mod data;
pub mod members;
pub mod page;

use axum::Router;
use axum::routing::{get, post};
use kabinet_domain::account::AccountLevel;
use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use kabinet_app::AppError;
use kabinet_app::organisations::{self, NewOrganisation};

use crate::pages::common::{form_errors, respond, see_other};
use crate::pages::{Errors, Layout};
use crate::session::Visit;
use crate::{AppState, WebError};

/// An organisation as listed.
pub struct OrgRow {
    /// Link.
    pub href: String,
    /// Name.
    pub name: String,
    /// Status (Russian).
    pub status: String,
    /// The viewer's role (Russian).
    pub role: String,
    /// Verified: the person may act for it.
    pub active: bool,
    /// The person acts for it now.
    pub acting: bool,
}

/// A text field of the form.
pub struct Input {
    /// Name and id.
    pub name: &'static str,
    /// Label (Russian).
    pub label: String,
    /// Hint (Russian), may be empty.
    pub hint: String,
    /// What was typed.
    pub value: String,
}

#[derive(Template)]
#[template(path = "organizations.html")]
struct ListPage<'a> {
    l: Layout<'a>,
    csrf: String,
    rows: Vec<OrgRow>,
    confirmed: bool,
    kind: String,
    inputs: Vec<Input>,
    errors: Errors,
}

fn t(state: &AppState, key: &str) -> String {
    state.i18n.t(key)
}

/// Text inputs `(name, label key, hint key)` with what was typed (or is stored).
fn text_inputs(
    state: &AppState,
    spec: &[(&'static str, &str, &str)],
    values: &HashMap<String, String>,
) -> Vec<Input> {
    spec.iter()
        .map(|(name, label, hint)| Input {
            name,
            label: t(state, label),
            hint: if hint.is_empty() {
                String::new()
            } else {
                t(state, hint)
            },
            value: values.get(*name).cloned().unwrap_or_default(),
        })
        .collect()
}

async fn list_page(
    state: &AppState,
    visit: &Visit,
    status: StatusCode,
    form: HashMap<String, String>,
    errors: Errors,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let list = match organisations::mine(&state.app, who).await {
        Ok(l) => l,
        Err(e) => return WebError::from(e).page_response(),
    };
    let rows = list
        .into_iter()
        .map(|(o, role)| OrgRow {
            href: format!("/organizations/{}", o.id),
            active: o.status == "active",
            acting: who
                .acting
                .as_ref()
                .is_some_and(|a| a.organization_id == o.id),
            status: t(state, &format!("org-status-{}", o.status.replace('_', "-"))),
            role: t(state, &format!("org-role-{role}")),
            name: o.full_name,
        })
        .collect();
    let inputs = [
        ("inn", "org-inn", "org-inn-hint"),
        ("ogrn", "org-ogrn-or-ogrnip", "org-ogrn-hint"),
        ("kpp", "org-kpp", "org-kpp-hint"),
        ("full_name", "org-full-name", ""),
        ("short_name", "org-short-name", ""),
        ("legal_address", "org-address", ""),
        (
            "registered_on",
            "org-registered-on",
            "org-registered-on-hint",
        ),
        ("responsible", "org-responsible", "org-responsible-hint"),
        ("contact_email", "org-contact-email", ""),
        ("contact_phone", "org-contact-phone", ""),
    ];
    let inputs = text_inputs(state, &inputs, &form);
    let page = ListPage {
        l: Layout::for_visit(state, visit),
        csrf: who.csrf_token.clone(),
        rows,
        confirmed: who.account.level == AccountLevel::Confirmed,
        kind: form.get("kind").cloned().unwrap_or_default(),
        inputs,
        errors,
    };
    respond(status, &page, None)
}

/// `GET /organizations`
pub async fn list(State(state): State<AppState>, visit: Visit) -> Response {
    list_page(
        &state,
        &visit,
        StatusCode::OK,
        HashMap::new(),
        Errors::default(),
    )
    .await
}

/// `POST /organizations`: registers one; it waits for staff verification.
pub async fn create(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let result = if crate::pages::form_signed_in(&visit, &form).is_ok() {
        let input = NewOrganisation {
            kind: get("kind"),
            inn: get("inn"),
            ogrn: get("ogrn"),
            kpp: get("kpp"),
            full_name: get("full_name"),
            short_name: get("short_name"),
            legal_address: get("legal_address"),
            registered_on: get("registered_on"),
            responsible: get("responsible"),
            contact_email: get("contact_email"),
            contact_phone: get("contact_phone"),
        };
        organisations::create(&state.app, &visit.ctx, who, &input).await
    } else {
        Err(AppError::Refused("auth-csrf"))
    };
    match result {
        Ok(v) => see_other(&format!("/organizations/{}", v.org.id), None),
        Err(AppError::Conflict(key)) => {
            let errors = Errors::one("inn", state.i18n.t(key));
            list_page(&state, &visit, StatusCode::CONFLICT, form, errors).await
        }
        Err(e) => match form_errors(&state, e, "kind") {
            Ok((status, errors)) => list_page(&state, &visit, status, form, errors).await,
            Err(e) => e.page_response(),
        },
    }
}

/// Every `/organizations/...` page, nested under `/organizations`.
pub fn router() -> Router<AppState> {
    let pages = Router::new()
        .route("/", get(list).post(create))
        .route("/invitation", post(members::invitation))
        .route("/personal", post(members::personal))
        .route("/{id}", get(page::show))
        .route("/{id}/act", post(members::act))
        .route("/{id}/data", post(data::data))
        .route("/{id}/change-request", post(data::change_request))
        .route(
            "/{id}/documents",
            post(data::upload_document).layer(super::upload_body_limit()),
        )
        .route("/{id}/documents/{file_id}", get(data::download_document))
        .route("/{id}/invite", post(members::invite))
        .route("/{id}/members/{account}/{what}", post(members::member));
    Router::new().nest("/organizations", pages)
}
