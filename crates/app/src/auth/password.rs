//! Changing the password while signed in (also the forced change of a staff member's
//! one-time password and of an expired password).

use kabinet_domain::access::Action;
use kabinet_store::{accounts, sessions};
use serde_json::json;

use super::{SignedIn, notices};
use crate::audit::audit_event;
use crate::{App, AppError, Ctx, FieldError};

/// Checks a new password against the policy and the account's history; returns the
/// field errors (empty when acceptable).
pub(crate) async fn check_new_password(
    app: &App,
    account_id: &str,
    field: &str,
    new_password: &str,
) -> Result<Vec<FieldError>, AppError> {
    let mut conn = app
        .store
        .pool()
        .acquire()
        .await
        .map_err(kabinet_store::StoreError::from)?;
    let personal = personal_fragments(app, &mut conn, account_id).await?;
    let personal: Vec<&str> = personal.iter().map(String::as_str).collect();
    if let Err(p) = app.settings.password.policy.check(new_password, &personal) {
        return Ok(vec![FieldError::new(field, p.message_key())]);
    }
    let history = i64::try_from(app.settings.password.policy.history)
        .unwrap_or(5)
        .max(1);
    let recent = accounts::recent_passwords(&mut conn, account_id, history).await?;
    drop(conn);
    for old in &recent {
        if app.hasher.verify(new_password, Some(old)).await? {
            return Ok(vec![FieldError::new(field, "password-reused")]);
        }
    }
    Ok(Vec::new())
}

/// What a new password must not contain, as at registration and more: the account's
/// contacts (an e-mail's local part too), and from «Мои данные» the СНИЛС, the ИНН, the
/// names and the birth date in the forms people type it (`15.03.1985`, `19850315`).
async fn personal_fragments(
    app: &App,
    conn: &mut kabinet_store::Conn,
    account_id: &str,
) -> Result<Vec<String>, AppError> {
    let mut out = Vec::new();
    for (_, value) in accounts::contacts(conn, account_id).await? {
        if let Some((local, _)) = value.split_once('@') {
            out.push(local.to_owned());
        }
        out.push(value);
    }
    let profile = crate::profile::load(app, conn, account_id).await?;
    out.extend(
        [
            profile.snils,
            profile.inn,
            profile.last_name,
            profile.first_name,
            profile.middle_name,
        ]
        .into_iter()
        .flatten(),
    );
    if let Some(d) = profile.birth_date {
        let (y, m, day) = (d.year(), u8::from(d.month()), d.day());
        out.push(format!("{day:02}{m:02}{y:04}"));
        out.push(format!("{y:04}{m:02}{day:02}"));
    }
    Ok(out)
}

/// Changes the password: the current one first; optionally ends every other session.
/// Returns how many sessions ended.
pub async fn change_password(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    current: &str,
    new_password: &str,
    end_others: bool,
) -> Result<u64, AppError> {
    who.authorize(Action::ChangeOwnPassword)?;
    let mut errors: Vec<FieldError> = [
        ("current_password", current),
        ("new_password", new_password),
    ]
    .into_iter()
    .filter(|(_, v)| v.is_empty())
    .map(|(f, _)| FieldError::new(f, "field-required"))
    .collect();
    if errors.is_empty() {
        super::limits::refuse_if_locked(app, ctx, who).await?;
        if !app
            .hasher
            .verify(current, Some(&who.account.password_hash))
            .await?
        {
            return Err(super::limits::wrong_password_in_session(
                app,
                ctx,
                who,
                "current_password",
                "auth.password_change_failed",
            )
            .await?);
        }
    }
    if errors.is_empty() {
        errors = check_new_password(app, &who.account.id, "new_password", new_password).await?;
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let hash = app.hasher.hash(new_password).await?;
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    accounts::set_password(&mut tx, &who.account.id, &hash, now).await?;
    kabinet_store::throttle::forget(&mut tx, &super::limits::account_key(&who.account.id)).await?;
    let ended = if end_others {
        sessions::delete_for_account(&mut tx, &who.account.id, Some(&who.session_id)).await?
    } else {
        0
    };
    let object = format!("account:{}", who.account.id);
    audit_event(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        "auth.password_changed",
        &object,
        json!({ "sessions_ended": ended }),
    )
    .await?;
    notices::security_notice(
        &mut tx,
        app,
        now,
        &who.account.id,
        "notice-password-subject",
        "notice-password-message",
        &[],
    )
    .await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(ended)
}
