//! Password recovery (ID-5) «Забыли пароль?»: the answer is the same whatever the
//! login; a code goes to a confirmed contact; the new password ends every session.

use kabinet_domain::login::LoginId;
use kabinet_store::{Conn, accounts, sessions};
use serde_json::json;

use super::{codes, notices};
use crate::audit::audit_event;
use crate::{App, AppError, Ctx, FieldError};

const PURPOSE: &str = "recover";

async fn find(
    app: &App,
    conn: &mut Conn,
    login: &str,
) -> Result<Option<(accounts::Account, Option<LoginId>)>, AppError> {
    for candidate in LoginId::candidates(login) {
        if let Some(a) = accounts::find_by_login(conn, &app.login_key(&candidate)).await? {
            return Ok(Some((a, Some(candidate))));
        }
    }
    Ok(None)
}

/// Sends a recovery code to the account's confirmed contact: the one typed, if the
/// login is a contact, otherwise the first. Unknown logins get the same answer.
pub async fn start_recovery(app: &App, ctx: &Ctx, login: &str) -> Result<(), AppError> {
    if login.trim().is_empty() {
        return Err(AppError::Validation(vec![FieldError::new(
            "login",
            "field-required",
        )]));
    }
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let Some((account, typed)) = find(app, &mut tx, login).await? else {
        audit_event(
            &mut tx,
            ctx,
            now,
            "anonymous",
            "auth.recovery_requested",
            "login:unknown",
            json!({ "known": false }),
        )
        .await?;
        tx.commit().await?;
        return Ok(());
    };
    let contacts = accounts::contacts(&mut tx, &account.id).await?;
    let typed_value = typed.as_ref().map(|t| match t {
        LoginId::Email(e) => e.as_str().to_owned(),
        LoginId::Phone(p) => p.as_str().to_owned(),
        LoginId::Snils(_) | LoginId::Inn(_) => String::new(),
    });
    let target = contacts
        .iter()
        .find(|(_, v)| Some(v) == typed_value.as_ref())
        .or_else(|| contacts.first())
        .cloned();
    let object = format!("account:{}", account.id);
    if let Some((kind, value)) = target {
        match codes::issue(&mut tx, PURPOSE, &account.id, &value, now).await {
            Ok(code) => {
                notices::send(
                    &mut tx,
                    app,
                    now,
                    &notices::code_message(app, &kind, &value, &code),
                )
                .await?;
            }
            // Too soon or too many: answer as usual, the earlier code still works.
            Err(AppError::TooManyRequests { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    audit_event(
        &mut tx,
        ctx,
        now,
        "anonymous",
        "auth.recovery_requested",
        &object,
        json!({ "known": true }),
    )
    .await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(())
}

/// Sets a new password with a recovery code; every session of the account ends.
pub async fn confirm_recovery(
    app: &App,
    ctx: &Ctx,
    login: &str,
    code: &str,
    new_password: &str,
) -> Result<(), AppError> {
    let mut errors: Vec<FieldError> = [
        ("login", login),
        ("code", code),
        ("new_password", new_password),
    ]
    .into_iter()
    .filter(|(_, v)| v.trim().is_empty())
    .map(|(f, _)| FieldError::new(f, "field-required"))
    .collect();
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let mut conn = app
        .store
        .pool()
        .acquire()
        .await
        .map_err(kabinet_store::StoreError::from)?;
    let found = find(app, &mut conn, login).await?;
    let Some((account, _)) = found else {
        return Err(AppError::Validation(vec![FieldError::new(
            "code",
            "code-wrong",
        )]));
    };
    drop(conn);
    errors.extend(
        super::password::check_new_password(app, &account.id, "new_password", new_password).await?,
    );
    // Hash before the transaction: argon2 must not run while holding the write lock.
    let hash = if errors.is_empty() {
        Some(app.hasher.hash(new_password).await?)
    } else {
        None
    };
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    // The code is checked even when the password is refused, so wrong codes always count.
    let code_result = codes::check(&mut tx, PURPOSE, &account.id, code, "code", now).await;
    match code_result {
        Err(e) => {
            tx.commit().await?;
            return Err(e);
        }
        Ok(()) if hash.is_none() => {
            // Keep the code usable for the corrected password: roll back its use.
            tx.rollback().await?;
            return Err(AppError::Validation(errors));
        }
        Ok(()) => {}
    }
    let hash = hash.unwrap_or_default();
    accounts::set_password(&mut tx, &account.id, &hash, now).await?;
    let ended = sessions::delete_for_account(&mut tx, &account.id, None).await?;
    let object = format!("account:{}", account.id);
    audit_event(
        &mut tx,
        ctx,
        now,
        &object,
        "auth.password_recovered",
        &object,
        json!({ "sessions_ended": ended }),
    )
    .await?;
    notices::security_notice(
        &mut tx,
        app,
        now,
        &account.id,
        "notice-password-subject",
        "notice-password-message",
        &[],
    )
    .await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(())
}
