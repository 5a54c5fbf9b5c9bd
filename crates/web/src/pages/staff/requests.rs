//! Identity confirmation and change requests (BO-4): `/staff/identity-requests` and
//! `/staff/change-requests`, a request with the person's data, and the decision.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use kabinet_app::AppError;
use kabinet_domain::access::Action;

use super::{Nav, staff_for, text};
use crate::pages::common::{form_errors, respond, see_other};
use crate::pages::{Errors, Layout};
use crate::session::Visit;
use crate::{AppState, WebError, format};

/// Which queue.
fn kind_of(path: &str) -> Option<(kabinet_store::requests::Kind, &'static str)> {
    match path {
        "change-requests" => Some((kabinet_store::requests::Kind::Change, "change-requests")),
        "identity-requests" => Some((kabinet_store::requests::Kind::Identity, "identity-requests")),
        _ => None,
    }
}

/// A pending request as listed.
pub struct RequestLine {
    /// Link.
    pub href: String,
    /// Filed.
    pub at: String,
    /// What (Russian).
    pub what: String,
}

#[derive(Template)]
#[template(path = "staff_requests.html")]
struct RequestsPage<'a> {
    l: Layout<'a>,
    nav: Nav,
    identity: bool,
    rows: Vec<RequestLine>,
}

fn what_text(state: &AppState, identity: bool, what: &str) -> String {
    let t = |k: &str| state.i18n.t(k);
    if identity {
        t(&format!("identity-method-{}", what.replace('_', "-")))
    } else {
        what.split(',')
            .map(|f| t(&format!("history-field-{}", f.replace('_', "-"))))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// `GET /staff/identity-requests` and `/staff/change-requests`: pending, oldest first.
pub async fn requests(
    State(state): State<AppState>,
    visit: Visit,
    Path(queue): Path<String>,
) -> Response {
    let (who, nav) = match staff_for(&state, &visit, Action::ConfirmIdentity) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let Some((kind, slug)) = kind_of(&queue) else {
        return WebError::NotFound.page_response();
    };
    let identity = slug == "identity-requests";
    let list = match kabinet_app::identity::queue(&state.app, who, kind).await {
        Ok(l) => l,
        Err(e) => return WebError::from(e).page_response(),
    };
    let rows = list
        .into_iter()
        .map(|r| RequestLine {
            href: format!("/staff/{slug}/{}", r.id),
            at: format::datetime(r.created_at),
            what: what_text(&state, identity, &r.what),
        })
        .collect();
    respond(
        StatusCode::OK,
        &RequestsPage {
            l: Layout::for_visit(&state, &visit),
            nav,
            identity,
            rows,
        },
        None,
    )
}

/// A line of personal data: label, now, proposed.
pub struct DataRow {
    /// Label.
    pub label: String,
    /// Now.
    pub now: String,
    /// Proposed (change requests).
    pub proposed: String,
    /// It changes.
    pub changed: bool,
}

fn data_rows(
    state: &AppState,
    now: &kabinet_app::profile::Profile,
    next: Option<&kabinet_app::profile::Profile>,
) -> Vec<DataRow> {
    type Getter = fn(&kabinet_app::profile::Profile) -> String;
    let fields: [(&str, Getter); 6] = [
        ("history-field-last-name", |p| {
            p.last_name.clone().unwrap_or_default()
        }),
        ("history-field-first-name", |p| {
            p.first_name.clone().unwrap_or_default()
        }),
        ("history-field-middle-name", |p| {
            p.middle_name.clone().unwrap_or_default()
        }),
        ("history-field-birth-date", |p| {
            p.birth_date
                .map(kabinet_app::format::day)
                .unwrap_or_default()
        }),
        ("history-field-passport", |p| {
            p.passport
                .as_ref()
                .map(|d| {
                    format!(
                        "{} {}, выдан {}, код подразделения {}",
                        d.series,
                        d.number,
                        kabinet_app::format::day(d.issued_on),
                        d.issuer_code
                    )
                })
                .unwrap_or_default()
        }),
        ("history-field-snils", |p| {
            p.snils.clone().unwrap_or_default()
        }),
    ];
    fields
        .iter()
        .map(|(key, get)| {
            let now_value = get(now);
            let proposed = next.map(get).unwrap_or_default();
            DataRow {
                label: state.i18n.t(key),
                changed: next.is_some() && proposed != now_value,
                now: now_value,
                proposed,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "staff_request.html")]
struct RequestPage<'a> {
    l: Layout<'a>,
    nav: Nav,
    identity: bool,
    slug: &'static str,
    id: String,
    at: String,
    what: String,
    method: String,
    text: String,
    status: String,
    pending: bool,
    level: String,
    file_href: Option<String>,
    rows: Vec<DataRow>,
    csrf: String,
    errors: Errors,
}

async fn request_page(
    state: &AppState,
    visit: &Visit,
    queue: &str,
    id: &str,
    status: StatusCode,
    errors: Errors,
) -> Response {
    let (who, nav) = match staff_for(state, visit, Action::ConfirmIdentity) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let Some((kind, slug)) = kind_of(queue) else {
        return WebError::NotFound.page_response();
    };
    let identity = slug == "identity-requests";
    let review = match kabinet_app::identity::review(&state.app, &visit.ctx, who, kind, id).await {
        Ok(r) => r,
        Err(e) => return WebError::from(e).page_response(),
    };
    let r = &review.request;
    let page = RequestPage {
        l: Layout::for_visit(state, visit),
        nav,
        identity,
        slug,
        id: r.id.clone(),
        at: format::datetime(r.created_at),
        what: what_text(state, identity, &r.what),
        method: if identity {
            r.what.clone()
        } else {
            String::new()
        },
        text: r.text.clone().unwrap_or_default(),
        status: state.i18n.t(&format!("request-status-{}", r.status)),
        pending: r.status == "pending",
        level: state.i18n.t(&format!("level-{}", review.person.level)),
        file_href: r.file_id.as_ref().map(|f| format!("/api/v1/files/{f}")),
        rows: data_rows(state, &review.person, review.proposed.as_ref()),
        csrf: who.csrf_token.clone(),
        errors,
    };
    respond(status, &page, None)
}

/// `GET /staff/{queue}/{id}`: the request with the person's data and the document.
pub async fn request(
    State(state): State<AppState>,
    visit: Visit,
    Path((queue, id)): Path<(String, String)>,
) -> Response {
    request_page(
        &state,
        &visit,
        &queue,
        &id,
        StatusCode::OK,
        Errors::default(),
    )
    .await
}

/// `POST /staff/{queue}/{id}/{decision}`: confirm (identity), approve (change) or
/// refuse (both; a reason is required).
pub async fn decide_request(
    State(state): State<AppState>,
    visit: Visit,
    Path((queue, id, decision)): Path<(String, String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let Some((kind, slug)) = kind_of(&queue) else {
        return WebError::NotFound.page_response();
    };
    let identity = slug == "identity-requests";
    let result = async {
        let who = crate::pages::form_signed_in(&visit, &form)?;
        match (identity, decision.as_str()) {
            (_, "refuse") if identity => {
                kabinet_app::identity::refuse_identity(
                    &state.app,
                    &visit.ctx,
                    who,
                    &id,
                    text(&form, "reason"),
                )
                .await
            }
            (_, "refuse") => {
                kabinet_app::identity::refuse_change(
                    &state.app,
                    &visit.ctx,
                    who,
                    &id,
                    text(&form, "reason"),
                )
                .await
            }
            (true, "confirm") => {
                let method = match text(&form, "method") {
                    "video" => kabinet_app::profile::ConfirmMethod::Video,
                    _ => kabinet_app::profile::ConfirmMethod::InPerson,
                };
                let review =
                    kabinet_app::identity::review(&state.app, &visit.ctx, who, kind, &id).await?;
                kabinet_app::profile::confirm_identity(
                    &state.app,
                    &visit.ctx,
                    who,
                    &review.request.account_id,
                    method,
                    text(&form, "comment"),
                )
                .await
            }
            (false, "approve") => {
                kabinet_app::identity::approve_change(&state.app, &visit.ctx, who, &id).await
            }
            _ => Err(AppError::NotFound),
        }
    }
    .await;
    let field = if decision == "refuse" {
        "reason"
    } else {
        "comment"
    };
    match result {
        Ok(()) => see_other(&format!("/staff/{slug}"), None),
        Err(AppError::Conflict(key)) => {
            request_page(
                &state,
                &visit,
                &queue,
                &id,
                StatusCode::CONFLICT,
                Errors::one(field, state.i18n.t(key)),
            )
            .await
        }
        Err(e) => match form_errors(&state, e, field) {
            Ok((status, errors)) => request_page(&state, &visit, &queue, &id, status, errors).await,
            Err(e) => e.page_response(),
        },
    }
}
