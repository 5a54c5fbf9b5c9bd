//! The work queue `/staff/applications` (BO-1): filters, urgency and paging.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use kabinet_app::auth::SignedIn;
use kabinet_app::backoffice::{self, QueueItem, Urgency};
use kabinet_app::catalog;
use kabinet_domain::access::Action;
use kabinet_domain::application::Status;

use super::{Choice, Nav, choices, staff_for, status_label};
use crate::api::staff::QueueParams;
use crate::pages::common::{form_errors, respond};
use crate::pages::{Errors, Layout};
use crate::session::Visit;
use crate::{AppState, WebError, format};

/// A queue line as shown.
pub struct QueueRow {
    /// Link.
    pub href: String,
    /// Number.
    pub number: String,
    /// Service.
    pub service: String,
    /// Status.
    pub status: String,
    /// Submitted.
    pub submitted: String,
    /// Due.
    pub due: String,
    /// «Просрочено», «Срок — сегодня или завтра» or empty.
    pub urgency: String,
    /// CSS class for the row.
    pub class: &'static str,
    /// Who has it.
    pub assignee: String,
}

pub(super) fn urgency_text(state: &AppState, u: Urgency) -> (String, &'static str) {
    match u {
        Urgency::Overdue => (state.i18n.t("staff-urgency-overdue"), "row-overdue"),
        Urgency::DueSoon => (state.i18n.t("staff-urgency-due-soon"), "row-due-soon"),
        _ => (String::new(), ""),
    }
}

fn queue_rows(state: &AppState, who: &SignedIn, items: Vec<QueueItem>) -> Vec<QueueRow> {
    items
        .into_iter()
        .map(|i| {
            let (urgency, class) = urgency_text(state, i.urgency);
            QueueRow {
                href: format!("/staff/applications/{}", i.id),
                number: i.number,
                service: i.service_title,
                status: status_label(state, &i.status),
                submitted: i.submitted_at.map(format::datetime).unwrap_or_default(),
                due: i.due_on.map(kabinet_app::format::day).unwrap_or_default(),
                urgency,
                class,
                assignee: match (&i.assignee, i.assignee_email) {
                    (Some(a), _) if *a == who.account.id => state.i18n.t("staff-assignee-me"),
                    (_, Some(e)) => e,
                    _ => "—".into(),
                },
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "staff_queue.html")]
struct QueuePage<'a> {
    l: Layout<'a>,
    nav: Nav,
    rows: Vec<QueueRow>,
    statuses: Vec<Choice>,
    services: Vec<Choice>,
    assignees: Vec<Choice>,
    overdue: bool,
    total: i64,
    prev: Option<String>,
    next: Option<String>,
    errors: Errors,
}

fn page_link(p: &QueueParams, page: i64) -> String {
    let mut parts = vec![format!("page={page}")];
    for (k, v) in [
        ("status", &p.status),
        ("service_id", &p.service_id),
        ("overdue", &p.overdue),
        ("assignee", &p.assignee),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            parts.push(format!("{k}={}", format::percent_encode(v)));
        }
    }
    format!("/staff/applications?{}", parts.join("&"))
}

/// `GET /staff/applications`: the work queue.
pub async fn queue(
    State(state): State<AppState>,
    visit: Visit,
    Query(p): Query<QueueParams>,
) -> Response {
    let (who, nav) = match staff_for(&state, &visit, Action::ProcessApplications) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    const PER_PAGE: i64 = 50;
    let page = p.page.unwrap_or(1).max(1);
    let (rows, total, errors) =
        match backoffice::queue(&state.app, who, &p.query(), page, PER_PAGE).await {
            Ok((items, total)) => (queue_rows(&state, who, items), total, Errors::default()),
            Err(e) => match form_errors(&state, e, "status") {
                Ok((_, errors)) => (Vec::new(), 0, errors),
                Err(e) => return e.page_response(),
            },
        };
    let titles = match catalog::titles(&state.app).await {
        Ok(t) => t,
        Err(e) => return WebError::from(e).page_response(),
    };
    let t = |k: &str| state.i18n.t(k);
    let statuses = Status::ALL
        .iter()
        .filter(|s| **s != Status::Draft)
        .map(|s| (s.as_str().to_owned(), status_label(&state, s.as_str())))
        .collect();
    let assignees = vec![
        ("me".to_owned(), t("staff-filter-mine")),
        ("none".to_owned(), t("staff-filter-unassigned")),
    ];
    let page_view = QueuePage {
        l: Layout::for_visit(&state, &visit),
        nav,
        rows,
        statuses: choices(statuses, p.status.as_deref(), t("staff-filter-open")),
        services: choices(
            titles,
            p.service_id.as_deref(),
            t("staff-filter-any-service"),
        ),
        assignees: choices(assignees, p.assignee.as_deref(), t("staff-filter-anyone")),
        overdue: matches!(p.overdue.as_deref(), Some("true" | "1" | "on")),
        total,
        prev: (page > 1).then(|| page_link(&p, page - 1)),
        next: (page * PER_PAGE < total).then(|| page_link(&p, page + 1)),
        errors,
    };
    respond(StatusCode::OK, &page_view, None)
}
