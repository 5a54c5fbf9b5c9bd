//! Checking that every application's encrypted parts can be read.

use crate::audit::audit_event;
use crate::{App, AppError, Ctx};
use kabinet_store::applications::{self as store};
use serde_json::json;

/// What `kabinet applications verify-parts` found.
#[derive(Debug, Default)]
pub struct PartsReport {
    /// Applications looked at.
    pub checked: u64,
    /// Those whose view in the row differed from the tables (rewritten with `repair`).
    pub differing: Vec<String>,
}

/// Compares the applicant's view kept in every application's row with the tables that
/// are the record (ADR 0008); with `repair`, rewrites each one that differs from the
/// tables, in its own transaction with its audit entry.
pub async fn verify_parts(app: &App, ctx: &Ctx, repair: bool) -> Result<PartsReport, AppError> {
    let mut report = PartsReport::default();
    let mut after = String::new();
    loop {
        let ids = {
            let mut conn = app.store.acquire().await?;
            store::ids_after(&mut conn, &after, 500).await?
        };
        let Some(last) = ids.last() else {
            return Ok(report);
        };
        after = last.clone();
        for id in ids {
            let mut tx = app.store.begin().await?;
            if !store::check_parts(&mut tx, &id, repair).await? {
                if repair {
                    audit_event(
                        &mut tx,
                        ctx,
                        app.clock.now(),
                        &ctx.actor,
                        "application.parts_repaired",
                        &format!("application:{id}"),
                        json!({}),
                    )
                    .await?;
                }
                report.differing.push(id);
            }
            tx.commit().await?;
            report.checked += 1;
        }
    }
}
