//! Staff members and accounts: roles, blocking, finding an account.

use crate::audit::audit_event;
use crate::auth::{SignedIn, notices};
use crate::{App, AppError, Ctx, staff};
use kabinet_domain::access::{Action, StaffRole};
use kabinet_domain::account::AccountStatus;
use kabinet_domain::login::LoginId;
use kabinet_store::accounts::{self, Account};
use kabinet_store::sessions;
use serde_json::json;

use super::*;

/// A staff account as the administrator sees it.
#[derive(Clone, Debug)]
pub struct StaffMember {
    /// Account id.
    pub id: String,
    /// E-mail (the sign-in).
    pub email: String,
    /// Role name.
    pub role: String,
    /// Active or blocked.
    pub status: AccountStatus,
    /// Why blocked.
    pub status_reason: Option<String>,
    /// Has a second factor.
    pub last_sign_in_at: Option<time::OffsetDateTime>,
}

/// Every staff account.
pub async fn staff_members(app: &App, who: &SignedIn) -> Result<Vec<StaffMember>, AppError> {
    who.authorize(Action::ManageAccounts)?;
    let mut conn = app.store.acquire().await?;
    Ok(staff_emails(&mut conn)
        .await?
        .into_iter()
        .map(|(a, email)| StaffMember {
            id: a.id,
            email,
            role: a.staff_role.unwrap_or_default(),
            status: a.status,
            status_reason: a.status_reason,
            last_sign_in_at: a.last_sign_in_at,
        })
        .collect())
}

/// An administrator creates a staff account; the one-time password is shown once.
pub async fn create_staff(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    email: &str,
    role: &str,
) -> Result<staff::NewStaff, AppError> {
    who.authorize(Action::ManageAccounts)?;
    staff::create_staff(app, ctx, email, role).await
}

/// Changes a staff member's role. Administrators cannot change their own (so that
/// the last one cannot lock everyone out).
pub async fn set_role(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    id: &str,
    role: &str,
) -> Result<(), AppError> {
    who.authorize(Action::ManageAccounts)?;
    let role = StaffRole::parse(role).ok_or_else(|| field("role", "staff-role-unknown"))?;
    if id == who.account.id {
        return Err(AppError::Conflict("backoffice-own-account"));
    }
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let account = accounts::get(&mut tx, id)
        .await?
        .filter(|a| a.kind == "staff")
        .ok_or(AppError::NotFound)?;
    if role_of(&account) == Some(role) {
        return Ok(());
    }
    accounts::set_role(&mut tx, id, role.as_str()).await?;
    audit_event(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        "staff.role_changed",
        &format!("account:{id}"),
        json!({ "from": account.staff_role, "to": role.as_str() }),
    )
    .await?;
    notices::security_notice(
        &mut tx,
        app,
        now,
        id,
        "notice-staff-role-subject",
        "notice-staff-role-message",
        &[(
            "role",
            &app.i18n.t(&format!("staff-role-{}", role.as_str())),
        )],
    )
    .await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(())
}

/// Finds an account by a sign-in identifier (e-mail, phone, СНИЛС, ИНН) for the
/// administrator's blocking form; `(id, kind, status, reason)`.
pub async fn find_account(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    login: &str,
) -> Result<Account, AppError> {
    who.authorize(Action::ManageAccounts)?;
    let candidates = LoginId::candidates(login.trim());
    if candidates.is_empty() {
        return Err(field("login", "backoffice-login-invalid"));
    }
    let mut conn = app.store.acquire().await?;
    for c in candidates {
        let key = app.login_key(&c);
        if let Some(a) = accounts::find_by_login(&mut conn, &key).await? {
            audit_event(
                &mut conn,
                ctx,
                app.clock.now(),
                &who.actor(),
                "account.looked_up",
                &format!("account:{}", a.id),
                json!({}),
            )
            .await?;
            return Ok(a);
        }
    }
    Err(AppError::NotFound)
}

/// Blocks (`block` = true, with a reason) or unblocks an account, staff or applicant.
/// Blocking ends all its sessions at once; the person is told.
pub async fn set_blocked(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    id: &str,
    block: bool,
    reason: &str,
) -> Result<(), AppError> {
    who.authorize(Action::ManageAccounts)?;
    let reason = reason.trim();
    if block && reason.is_empty() {
        return Err(field("reason", "backoffice-reason-required"));
    }
    if id == who.account.id {
        return Err(AppError::Conflict("backoffice-own-account"));
    }
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let account = accounts::get(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (status, action, subject, message) = if block {
        (
            AccountStatus::Blocked,
            "account.blocked",
            "notice-account-blocked-subject",
            "notice-account-blocked-message",
        )
    } else {
        (
            AccountStatus::Active,
            "account.unblocked",
            "notice-account-unblocked-subject",
            "notice-account-unblocked-message",
        )
    };
    if !block && account.status != AccountStatus::Blocked {
        return Err(AppError::Conflict("backoffice-not-blocked"));
    }
    if account.status == status {
        return Ok(());
    }
    let reason_text: String = reason.chars().take(500).collect();
    accounts::set_status(&mut tx, id, status, block.then_some(reason_text.as_str())).await?;
    let ended = if block {
        sessions::delete_for_account(&mut tx, id, None).await?
    } else {
        0
    };
    audit_event(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        action,
        &format!("account:{id}"),
        json!({ "reason": reason_text, "sessions_ended": ended }),
    )
    .await?;
    notices::security_notice(&mut tx, app, now, id, subject, message, &[]).await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(())
}

// ---- audit (AUD-2) ----
