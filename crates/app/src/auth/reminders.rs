//! Reminders before a password expires (ID-3, NTF-4): with `password.max_age_days` set,
//! a security notice goes out a week before the password expires, once per password.
//! Run by the delivery worker; safe with several workers (the claim is one UPDATE).

use serde_json::json;
use time::Duration;

use super::notices;
use crate::audit::audit_event;
use crate::{App, AppError, Ctx};

/// How long before expiry the reminder goes out.
pub const REMIND_BEFORE: Duration = Duration::days(7);

/// Sends the reminders that are due (passwords that expire within [`REMIND_BEFORE`]
/// and have not expired yet: an expired one is forced to change at sign-in); returns how many.
pub async fn send_password_reminders(app: &App) -> Result<usize, AppError> {
    let max_age = app.settings.password.max_age_days;
    if max_age == 0 {
        return Ok(0);
    }
    let age = Duration::days(i64::from(max_age));
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let due = kabinet_store::accounts::claim_password_reminders(
        &mut tx,
        now - age,
        now - age + REMIND_BEFORE,
        100,
    )
    .await?;
    for (account_id, changed_at) in &due {
        let expires = crate::format::date(*changed_at + age);
        notices::security_notice(
            &mut tx,
            app,
            now,
            account_id,
            "notice-password-expiry-subject",
            "notice-password-expiry-message",
            &[("date", &expires)],
        )
        .await?;
        let object = format!("account:{account_id}");
        audit_event(
            &mut tx,
            &Ctx::system(),
            now,
            "system",
            "auth.password_expiry_reminded",
            &object,
            json!({}),
        )
        .await?;
    }
    tx.commit().await?;
    if !due.is_empty() {
        app.outbox_wake.notify_one();
    }
    Ok(due.len())
}
