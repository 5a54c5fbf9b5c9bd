//! The audit log for auditors: search, pages and the CSV export.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use kabinet_app::backoffice;
use kabinet_store::audit::Search;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::*;
use crate::api::json::ApiQuery;
use crate::error::Problem;
use crate::session::Visit;
use crate::{AppState, WebError};

/// What to look for in the audit log.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// The actor exactly (`account:<id>`, `system`, `cli`).
    pub actor: Option<String>,
    /// The object exactly, or a kind ending with `:` (`application:`).
    pub object: Option<String>,
    /// The action exactly, or a family ending with `.` (`auth.`).
    pub action: Option<String>,
    /// From (`YYYY-MM-DD`, UTC).
    pub from: Option<String>,
    /// To, inclusive (`YYYY-MM-DD`, UTC).
    pub to: Option<String>,
    /// Entries before this sequence number (the next page).
    pub before: Option<i64>,
    /// Rows (1–1000, 100 by default; the CSV export up to 10,000).
    pub limit: Option<i64>,
    /// `csv` for a CSV file.
    pub format: Option<String>,
}

/// A date as the store compares it (`YYYY-MM-DD`) when it reads as one (the pages accept
/// `31.12.2026` too); otherwise as typed, for the use case to refuse with a field error.
fn iso_or_as_typed(value: String) -> String {
    kabinet_domain::profile::date(&value).map_or(value, |d| d.to_string())
}

impl AuditParams {
    /// The store's search.
    pub fn search(&self) -> Search {
        Search {
            actor: blank_none(self.actor.clone()),
            object: blank_none(self.object.clone()),
            action: blank_none(self.action.clone()),
            from: blank_none(self.from.clone()).map(iso_or_as_typed),
            to: blank_none(self.to.clone()).map(iso_or_as_typed),
        }
    }
}

/// An audit entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    /// Position in the hash chain.
    pub seq: i64,
    /// When (UTC).
    pub at: String,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// On what.
    pub object: String,
    /// From where.
    pub source: Option<String>,
    /// Request id.
    pub request_id: Option<String>,
    /// Details (JSON).
    pub details: serde_json::Value,
    /// This entry's hash.
    pub hash: String,
}

/// A page of the audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    /// Newest first.
    pub items: Vec<AuditEntry>,
    /// `before` for the next page, when there is one.
    pub next_before: Option<i64>,
}

/// Searches the audit log (auditors, administrators): JSON, or CSV with `format=csv`.
/// Read-only; the search itself is recorded.
#[utoipa::path(get, path = "/api/v1/staff/audit", tag = "staff",
    summary = "Журнал аудита",
    params(AuditParams),
    responses(
        (status = 200, description = "A page of entries (or CSV)", body = AuditPage),
        (status = 403, description = "Not an auditor", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad date", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn audit(
    State(state): State<AppState>,
    visit: Visit,
    ApiQuery(p): ApiQuery<AuditParams>,
) -> Result<Response, WebError> {
    let who = visit.require()?;
    crate::api::json::iso_dates(&[("from", p.from.as_deref()), ("to", p.to.as_deref())])?;
    let csv = p.format.as_deref() == Some("csv");
    let limit = p.limit.unwrap_or(if csv { 10_000 } else { 100 });
    let limit = limit.clamp(1, if csv { 10_000 } else { 1000 });
    let (entries, more) =
        backoffice::audit_search(&state.app, &visit.ctx, who, &p.search(), limit, p.before).await?;
    if csv {
        return Ok(crate::download::csv_response(crate::download::audit_csv(
            &entries,
        )));
    }
    let next_before = if more {
        entries.last().map(|e| e.seq)
    } else {
        None
    };
    let items = entries
        .into_iter()
        .map(|e| AuditEntry {
            details: serde_json::from_str(&e.details).unwrap_or(serde_json::Value::Null),
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            action: e.action,
            object: e.object,
            source: e.source,
            request_id: e.request_id,
            hash: e.hash,
        })
        .collect();
    Ok(Json(AuditPage { items, next_before }).into_response())
}
