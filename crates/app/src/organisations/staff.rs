//! Staff verification of newly registered organisations.

use crate::auth::SignedIn;
use crate::{App, AppError, Ctx, FieldError};
use kabinet_domain::access::Action;
use kabinet_store::organizations::{self as store};
use serde_json::json;

use super::*;

/// Organisations waiting for verification, oldest first (staff who decide requests).
pub async fn pending(app: &App, staff: &SignedIn) -> Result<Vec<View>, AppError> {
    staff.authorize(Action::ConfirmIdentity)?;
    let mut conn = app.store.acquire().await?;
    store::with_status(&mut conn, "pending_verification", 200)
        .await?
        .into_iter()
        .map(|o| open(app, o, None))
        .collect()
}

/// Staff's comment on a decision, trimmed and bounded; required to refuse.
pub(super) fn staff_comment(comment: &str, refusing: bool) -> Result<String, AppError> {
    let comment: String = comment.trim().chars().take(1000).collect();
    if refusing && comment.is_empty() {
        return Err(AppError::Validation(vec![FieldError::new(
            "comment",
            "request-reason-required",
        )]));
    }
    Ok(comment)
}

/// Staff verify (`active`) or refuse (with a reason) an organisation; its
/// administrators are told.
pub async fn decide(
    app: &App,
    ctx: &Ctx,
    staff: &SignedIn,
    id: &str,
    verify: bool,
    comment: &str,
) -> Result<(), AppError> {
    staff.authorize(Action::ConfirmIdentity)?;
    let comment = staff_comment(comment, !verify)?;
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let org = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let to = if verify { "active" } else { "refused" };
    let note = (!comment.is_empty()).then_some(comment.as_str());
    if !store::decide(&mut tx, id, "pending_verification", to, note, now).await? {
        return Err(AppError::Conflict("org-already-decided"));
    }
    record(
        &mut tx,
        ctx,
        now,
        &staff.actor(),
        "staff",
        id,
        if verify {
            "organization.verified"
        } else {
            "organization.refused"
        },
        json!({ "comment": note }),
    )
    .await?;
    let (subject, text) = if verify {
        ("notice-org-verified-subject", "notice-org-verified-message")
    } else {
        ("notice-org-refused-subject", "notice-org-refused-message")
    };
    tell_administrators_why(&mut tx, app, now, &org, subject, text, &comment).await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(())
}

/// How staff see the organisation an application belongs to: its name and ИНН
/// (staff who process applications or verify organisations).
pub async fn label_for_staff(app: &App, staff: &SignedIn, id: &str) -> Result<String, AppError> {
    if staff.authorize(Action::ProcessApplications).is_err() {
        staff.authorize(Action::ConfirmIdentity)?;
    }
    let mut conn = app.store.acquire().await?;
    let org = store::get(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let v = open(app, org, None)?;
    Ok(format!(
        "{} ({} {})",
        v.org.full_name,
        app.i18n.t("org-inn"),
        v.inn
    ))
}
