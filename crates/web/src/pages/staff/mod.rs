//! The staff area `/staff` (BO-1 … BO-5, AUD-2, NTF-2, NTF-5) with its own layout: the
//! navigation and the guard every staff page passes, the small helpers the pages share,
//! and the router of every `/staff/...` route. One file per action group below.

pub mod accounts;
pub mod application;
pub mod audit;
pub mod broadcasts;
pub mod organizations;
pub mod overview;
pub mod queue;
pub mod requests;
pub mod support;

use axum::Router;
use axum::routing::{get, post};
use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use kabinet_app::auth::SignedIn;
use kabinet_domain::access::Action;

use crate::pages::Layout;
use crate::pages::common::{respond, see_other};
use crate::session::Visit;
use crate::{AppState, WebError};

/// What the staff layout shows: the role and the sections it may open.
pub struct Nav {
    /// The role, in Russian.
    pub role: String,
    /// «Очередь заявлений».
    pub queue: bool,
    /// «Сводка».
    pub overview: bool,
    /// «Сотрудники и блокировки».
    pub accounts: bool,
    /// «Журнал аудита».
    pub audit: bool,
    /// «Подтверждение личности» and «Изменение данных».
    pub identity: bool,
    /// «Обращения».
    pub support: bool,
}

fn may(who: &SignedIn, action: Action) -> bool {
    who.authorize(action).is_ok()
}

/// The signed-in staff member and the layout's sections; otherwise the answer to give
/// (sign in first, or «only for staff»).
fn staff<'v>(state: &AppState, visit: &'v Visit) -> Result<(&'v SignedIn, Nav), Box<Response>> {
    staff_for(state, visit, Action::StaffArea)
}

/// As [`staff`], for a page of one action: refused outright when the role may not.
fn staff_for<'v>(
    state: &AppState,
    visit: &'v Visit,
    action: Action,
) -> Result<(&'v SignedIn, Nav), Box<Response>> {
    let Some(who) = &visit.signed_in else {
        return Err(Box::new(see_other("/login", None)));
    };
    for a in [Action::StaffArea, action] {
        if let Err(e) = who.authorize(a) {
            return Err(Box::new(WebError::from(e).page_response()));
        }
    }
    let role = who.account.staff_role.clone().unwrap_or_default();
    let nav = Nav {
        role: state.i18n.t(&format!("staff-role-{role}")),
        queue: may(who, Action::ProcessApplications),
        overview: may(who, Action::ViewOverview),
        accounts: may(who, Action::ManageAccounts),
        audit: may(who, Action::ReadAudit),
        identity: may(who, Action::ConfirmIdentity),
        support: may(who, Action::HandleSupport),
    };
    Ok((who, nav))
}

fn status_label(state: &AppState, s: &str) -> String {
    state.i18n.t(&format!("status-{s}"))
}

#[derive(Template)]
#[template(path = "staff_home.html")]
struct HomePage<'a> {
    l: Layout<'a>,
    nav: Nav,
}

/// `GET /staff`
pub async fn home(State(state): State<AppState>, visit: Visit) -> Response {
    let (_, nav) = match staff(&state, &visit) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    respond(
        StatusCode::OK,
        &HomePage {
            l: Layout::for_visit(&state, &visit),
            nav,
        },
        None,
    )
}

/// A choice in a select.
pub struct Choice {
    /// Value.
    pub value: String,
    /// Label.
    pub label: String,
    /// Selected.
    pub selected: bool,
}

fn choices(pairs: Vec<(String, String)>, current: Option<&str>, any: String) -> Vec<Choice> {
    std::iter::once((String::new(), any))
        .chain(pairs)
        .map(|(value, label)| Choice {
            selected: current.unwrap_or("") == value,
            value,
            label,
        })
        .collect()
}

fn text<'f>(form: &'f HashMap<String, String>, k: &str) -> &'f str {
    form.get(k).map_or("", String::as_str)
}

/// Every `/staff/...` page, nested under `/staff`.
///
/// The two request queues (`/staff/identity-requests`, `/staff/change-requests`) are
/// the captures `/{queue}/...`; every other section's static segment wins over them.
pub fn router() -> Router<AppState> {
    let pages = Router::new()
        .route("/", get(home))
        .route("/applications", get(queue::queue))
        .route("/applications/{id}", get(application::application))
        .route("/applications/{id}/assign", post(application::assign))
        .route(
            "/applications/{id}/transition",
            post(application::transition),
        )
        .route("/applications/{id}/comment", post(application::comment))
        .route(
            "/applications/{id}/result",
            post(application::result).layer(super::attachment_body_limit()),
        )
        .route("/overview", get(overview::overview))
        .route(
            "/accounts",
            get(accounts::accounts).post(accounts::create_staff),
        )
        .route("/accounts/find", post(accounts::find))
        .route("/accounts/{id}/role", post(accounts::set_role))
        .route("/accounts/{id}/notifications", get(accounts::deliveries))
        .route("/accounts/{id}/block", post(accounts::block))
        .route("/accounts/{id}/unblock", post(accounts::unblock))
        .route(
            "/broadcasts",
            get(broadcasts::broadcasts).post(broadcasts::send_broadcast),
        )
        .route("/organizations", get(organizations::organizations))
        .route(
            "/organization-changes/{id}/{decision}",
            post(organizations::decide_organization_change),
        )
        .route(
            "/organizations/{id}/{decision}",
            post(organizations::decide_organization),
        )
        .route("/support", get(support::support_queue))
        .route("/support/{id}", get(support::support_ticket))
        .route(
            "/support/{id}/answer",
            post(support::support_answer).layer(super::upload_body_limit()),
        )
        .route("/support/{id}/escalate", post(support::support_escalate))
        .route("/audit", get(audit::audit))
        .route("/audit.csv", get(audit::audit_csv_file))
        .route("/{queue}", get(requests::requests))
        .route("/{queue}/{id}", get(requests::request))
        .route("/{queue}/{id}/{decision}", post(requests::decide_request));
    Router::new().nest("/staff", pages)
}
