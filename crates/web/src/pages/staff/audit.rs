//! The audit log `/staff/audit` (AUD-2): the search and the same search as a CSV file.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use kabinet_app::backoffice;
use kabinet_domain::access::Action;

use super::{Nav, staff_for};
use crate::api::staff::AuditParams;
use crate::download::{audit_csv, csv_response};
use crate::pages::common::{form_errors, respond, see_other};
use crate::pages::{Errors, Layout};
use crate::session::Visit;
use crate::{AppState, WebError, format};

/// An audit entry as shown.
pub struct AuditRow {
    /// Sequence number.
    pub seq: i64,
    /// When.
    pub at: String,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// On what.
    pub object: String,
    /// Details.
    pub details: String,
}

#[derive(Template)]
#[template(path = "staff_audit.html")]
struct AuditPage<'a> {
    l: Layout<'a>,
    nav: Nav,
    q: AuditParams,
    rows: Vec<AuditRow>,
    csv_href: String,
    next: Option<String>,
    errors: Errors,
}

fn audit_query(p: &AuditParams) -> String {
    [
        ("actor", &p.actor),
        ("object", &p.object),
        ("action", &p.action),
        ("from", &p.from),
        ("to", &p.to),
    ]
    .iter()
    .filter_map(|(k, v)| {
        v.as_deref()
            .filter(|v| !v.is_empty())
            .map(|v| format!("{k}={}", format::percent_encode(v)))
    })
    .collect::<Vec<_>>()
    .join("&")
}

/// `GET /staff/audit`: search (auditors, administrators).
pub async fn audit(
    State(state): State<AppState>,
    visit: Visit,
    Query(q): Query<AuditParams>,
) -> Response {
    let (who, nav) = match staff_for(&state, &visit, Action::ReadAudit) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let (rows, more, errors, status) =
        match backoffice::audit_search(&state.app, &visit.ctx, who, &q.search(), 100, q.before)
            .await
        {
            Ok((entries, more)) => (entries, more, Errors::default(), StatusCode::OK),
            Err(e) => match form_errors(&state, e, "from") {
                Ok((status, errors)) => (Vec::new(), false, errors, status),
                Err(e) => return e.page_response(),
            },
        };
    let query = audit_query(&q);
    let next = if more {
        rows.last()
            .map(|e| format!("/staff/audit?{query}&before={}", e.seq))
    } else {
        None
    };
    let page = AuditPage {
        l: Layout::for_visit(&state, &visit),
        nav,
        csv_href: format!("/staff/audit.csv?{query}"),
        rows: rows
            .into_iter()
            .map(|e| AuditRow {
                seq: e.seq,
                // «3 декабря 2026, 11:13» (Moscow time) like every page; the exact UTC
                // stamp stays in the CSV and the API (review D26).
                at: kabinet_store::ts::parse(&e.at).map_or(e.at, format::datetime),
                actor: e.actor,
                action: e.action,
                object: e.object,
                details: e.details,
            })
            .collect(),
        q,
        next,
        errors,
    };
    respond(status, &page, None)
}

/// `GET /staff/audit.csv`: the same search as a CSV file (up to 10,000 rows).
pub async fn audit_csv_file(
    State(state): State<AppState>,
    visit: Visit,
    Query(q): Query<AuditParams>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    match backoffice::audit_search(&state.app, &visit.ctx, who, &q.search(), 10_000, q.before).await
    {
        Ok((entries, _)) => csv_response(audit_csv(&entries)),
        Err(e) => WebError::from(e).page_response(),
    }
}
