//! The audit trail's one way in: every use case appends its entry here, on the
//! connection of its own transaction, so the entry commits with the change.

use kabinet_store::audit;
use serde_json::Value;

use crate::{AppError, Ctx};

/// Appends an audit entry (with the request's address and id from `ctx`).
pub async fn audit_event(
    conn: &mut kabinet_store::Conn,
    ctx: &Ctx,
    now: time::OffsetDateTime,
    actor: &str,
    action: &str,
    object: &str,
    details: Value,
) -> Result<(), AppError> {
    let _ = ctx.actor.as_str();
    audit::append(
        conn,
        &audit::NewEntry {
            at: now,
            actor,
            action,
            object,
            source: ctx.source.as_deref(),
            request_id: ctx.request_id.as_deref(),
            details,
        },
    )
    .await?;
    Ok(())
}
