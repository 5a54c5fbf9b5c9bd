//! Searching the audit trail.

use crate::audit::audit_event;
use crate::auth::SignedIn;
use crate::{App, AppError, Ctx, FieldError};
use kabinet_domain::access::Action;
use kabinet_store::audit::{self, Entry, Search};
use serde_json::json;

/// One page of the audit log for an auditor, newest first, and whether more follow.
/// Searching is itself recorded.
pub async fn audit_search(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    search: &Search,
    limit: i64,
    before_seq: Option<i64>,
) -> Result<(Vec<Entry>, bool), AppError> {
    who.authorize(Action::ReadAudit)?;
    let mut errors = Vec::new();
    for (name, value) in [("from", &search.from), ("to", &search.to)] {
        if let Some(v) = value
            && kabinet_domain::profile::date(v).is_err()
        {
            errors.push(FieldError::new(name, "backoffice-date-invalid"));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let mut conn = app.store.acquire().await?;
    let found = audit::search(&mut conn, search, limit.clamp(1, 10_000), before_seq).await?;
    audit_event(
        &mut conn,
        ctx,
        app.clock.now(),
        &who.actor(),
        "audit.searched",
        "audit_log",
        json!({
            "actor": search.actor, "object": search.object, "action": search.action,
            "from": search.from, "to": search.to, "rows": found.0.len(),
        }),
    )
    .await?;
    Ok(found)
}
