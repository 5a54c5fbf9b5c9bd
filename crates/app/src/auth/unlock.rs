//! «Разблокировать аккаунт» (ID-4): a code sent to a confirmed contact lifts a sign-in
//! lock early. The answer never tells whether the login exists or is locked.

use kabinet_domain::login::LoginId;
use kabinet_store::{Conn, accounts, throttle};
use serde_json::json;

use super::{codes, notices};
use crate::audit::audit_event;
use crate::{App, AppError, Ctx, FieldError};

const PURPOSE: &str = "unlock";

async fn find(
    app: &App,
    conn: &mut Conn,
    login: &str,
) -> Result<Option<accounts::Account>, AppError> {
    for candidate in LoginId::candidates(login) {
        if let Some(a) = accounts::find_by_login(conn, &app.login_key(&candidate)).await? {
            return Ok(Some(a));
        }
    }
    Ok(None)
}

/// Sends an unlock code to the account's first confirmed contact.
pub async fn start_unlock(app: &App, ctx: &Ctx, login: &str) -> Result<(), AppError> {
    if login.trim().is_empty() {
        return Err(AppError::Validation(vec![FieldError::new(
            "login",
            "field-required",
        )]));
    }
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let Some(account) = find(app, &mut tx, login).await? else {
        audit_event(
            &mut tx,
            ctx,
            now,
            "anonymous",
            "auth.unlock_requested",
            "login:unknown",
            json!({ "known": false }),
        )
        .await?;
        tx.commit().await?;
        return Ok(());
    };
    if let Some((kind, value)) = accounts::contacts(&mut tx, &account.id)
        .await?
        .into_iter()
        .next()
    {
        match codes::issue(&mut tx, PURPOSE, &account.id, &value, now).await {
            Ok(code) => {
                notices::send(
                    &mut tx,
                    app,
                    now,
                    &notices::code_message(app, &kind, &value, &code),
                )
                .await?
            }
            Err(AppError::TooManyRequests { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    let object = format!("account:{}", account.id);
    audit_event(
        &mut tx,
        ctx,
        now,
        "anonymous",
        "auth.unlock_requested",
        &object,
        json!({ "known": true }),
    )
    .await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(())
}

/// Lifts the locks on every identifier of the account with the code.
pub async fn confirm_unlock(app: &App, ctx: &Ctx, login: &str, code: &str) -> Result<(), AppError> {
    let errors: Vec<FieldError> = [("login", login), ("code", code)]
        .into_iter()
        .filter(|(_, v)| v.trim().is_empty())
        .map(|(f, _)| FieldError::new(f, "field-required"))
        .collect();
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let Some(account) = find(app, &mut tx, login).await? else {
        return Err(AppError::Validation(vec![FieldError::new(
            "code",
            "code-wrong",
        )]));
    };
    if let Err(e) = codes::check(&mut tx, PURPOSE, &account.id, code, "code", now).await {
        tx.commit().await?;
        return Err(e);
    }
    // The account's lock is lifted; the locks of other addresses that failed against it
    // (`pair:`) stay, so the source of an attack cannot lock the person out again at once.
    let subject = super::limits::account_key(&account.id);
    throttle::reset(&mut tx, &subject).await?;
    if let Some(address) = &ctx.source {
        // The address the person unlocked from is theirs: its own lock goes too.
        throttle::reset(&mut tx, &super::limits::pair_key(address, &subject)).await?;
    }
    for key in accounts::login_keys(&mut tx, &account.id).await? {
        throttle::reset(&mut tx, &format!("login:{key}")).await?;
    }
    let object = format!("account:{}", account.id);
    audit_event(
        &mut tx,
        ctx,
        now,
        &object,
        "auth.unlocked",
        &object,
        json!({ "by": "code" }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
