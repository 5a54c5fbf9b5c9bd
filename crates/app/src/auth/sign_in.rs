//! Sign-in (ID-2) with brute-force protection (ID-4).
//!
//! Failures are counted per account, whatever identifier was typed (per typed login
//! when no account has it, so the answer never reveals existence), per address and
//! account, and per address (see [`super::limits`]). Five failures within 15 minutes
//! lock the account for 15 minutes, doubling on repeats up to 24 hours; a success
//! resets the count. An unknown login costs the same argon2 work as a known one. The
//! password is checked outside any transaction, so hashing never holds a database
//! lock.

use kabinet_domain::account::AccountStatus;
use kabinet_domain::login::LoginId;
use kabinet_store::{Conn, accounts, throttle};
use serde_json::json;

use super::limits::{self, Rules};
use super::{notices, session};
use crate::audit::audit_event;
use crate::{App, AppError, Ctx, FieldError};

/// A successful sign-in.
#[derive(Debug)]
pub struct SignInOutcome {
    /// The account.
    pub account_id: String,
    /// The session token for the cookie.
    pub token: String,
    /// A second factor is due before the session may do anything.
    pub mfa_required: bool,
    /// A member of staff (their pages are `/staff`).
    pub staff: bool,
}

async fn find_account(
    app: &App,
    conn: &mut Conn,
    login: &str,
) -> Result<Option<accounts::Account>, AppError> {
    for candidate in LoginId::candidates(login) {
        if let Some(account) = accounts::find_by_login(conn, &app.login_key(&candidate)).await? {
            return Ok(Some(account));
        }
    }
    Ok(None)
}

/// Signs in with a login as typed and a password.
pub async fn sign_in(
    app: &App,
    ctx: &Ctx,
    login: &str,
    password: &str,
    user_agent: Option<&str>,
) -> Result<SignInOutcome, AppError> {
    let errors: Vec<FieldError> = [("login", login), ("password", password)]
        .into_iter()
        .filter(|(_, v)| v.trim().is_empty())
        .map(|(f, _)| FieldError::new(f, "field-required"))
        .collect();
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let login_key = format!("login:{}", app.throttle_key(login));
    let address = ctx.source.clone();
    let now = app.clock.now();

    // Read phase: the account and its locks, without holding a write lock.
    let mut conn = app.store.acquire().await?;
    let account = find_account(app, &mut conn, login).await?;
    let subject = match &account {
        Some(a) => limits::account_key(&a.id),
        None => login_key.clone(),
    };
    // A browser that signed in to this account before is spared the address's waiting
    // and the lock of an address that failed against the account.
    let known_device = account
        .as_ref()
        .is_some_and(|a| limits::known_device(app, ctx, &a.id));
    let pair = address.as_deref().map(|a| limits::pair_key(a, &subject));
    let mut locked = limits::retry_after(&mut conn, &subject, now).await?;
    if let Some(key) = pair.as_ref().filter(|_| !known_device) {
        locked = locked.max(limits::retry_after(&mut conn, key, now).await?);
    }
    drop(conn);
    let object = match &account {
        Some(a) => format!("account:{}", a.id),
        None => login_key.clone(),
    };

    if let Some(retry) = locked {
        let mut tx = app.store.begin().await?;
        audit_event(
            &mut tx,
            ctx,
            now,
            "anonymous",
            "auth.sign_in_failed",
            &object,
            json!({ "reason": "locked" }),
        )
        .await?;
        tx.commit().await?;
        return Err(limits::locked_error(retry, "auth-locked"));
    }
    // An address that failed too often waits for its turn (spraying is slowed; a
    // correct password still gets in).
    if let Some(a) = address.as_ref().filter(|_| !known_device) {
        limits::wait_for_turn(app, a).await?;
    }

    let ok = app
        .hasher
        .verify(password, account.as_ref().map(|a| a.password_hash.as_str()))
        .await?;
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    if !ok {
        let reason = if account.is_some() {
            "wrong_password"
        } else {
            "unknown_login"
        };
        let rules = Rules::sign_in(app);
        let (counter, lock) = limits::fail(&mut tx, &subject, rules, now).await?;
        if let (Some(key), Some(a)) = (&pair, &address) {
            limits::fail(&mut tx, key, rules, now).await?;
            limits::count_source(&mut tx, app, a, now).await?;
        }
        audit_event(
            &mut tx,
            ctx,
            now,
            "anonymous",
            "auth.sign_in_failed",
            &object,
            json!({ "reason": reason }),
        )
        .await?;
        if let Some(lock) = lock {
            let event = limits::LockEvent {
                account_id: account.as_ref().map(|a| a.id.as_str()),
                object: &object,
                what: "password",
                length: lock,
                locks: counter.locks,
            };
            limits::announce_lock(&mut tx, app, ctx, event, now).await?;
        }
        tx.commit().await?;
        app.outbox_wake.notify_one();
        return Err(AppError::Unauthorized("auth-wrong-credentials"));
    }
    // `verify` is true only for a known account.
    let Some(account) = account else {
        return Err(AppError::Unauthorized("auth-wrong-credentials"));
    };
    let object = format!("account:{}", account.id);
    if account.status == AccountStatus::Blocked {
        audit_event(
            &mut tx,
            ctx,
            now,
            &object,
            "auth.sign_in_refused",
            &object,
            json!({ "reason": "blocked" }),
        )
        .await?;
        tx.commit().await?;
        return Err(AppError::Refused("auth-blocked"));
    }
    throttle::forget(&mut tx, &subject).await?;
    if let Some(key) = &pair {
        throttle::forget(&mut tx, key).await?;
    }
    let mfa_required = super::mfa::has_any_factor(&mut tx, &account.id).await?;
    // With codes as the only factor, the code goes out at once.
    if mfa_required && !super::mfa::has_totp(&mut tx, &account.id).await? {
        match super::mfa::send_code_in(&mut tx, app, &account.id, now).await {
            Ok(_) | Err(AppError::TooManyRequests { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    let token = session::create(
        &mut tx,
        app,
        ctx,
        &account.id,
        user_agent,
        mfa_required,
        now,
    )
    .await?;
    if mfa_required {
        audit_event(
            &mut tx,
            ctx,
            now,
            &object,
            "auth.password_accepted",
            &object,
            json!({ "mfa": "pending" }),
        )
        .await?;
    } else {
        accounts::touch_sign_in(&mut tx, &account.id, now).await?;
        audit_event(
            &mut tx,
            ctx,
            now,
            &object,
            "auth.signed_in",
            &object,
            json!({ "mfa": false }),
        )
        .await?;
        let address = ctx
            .source
            .clone()
            .unwrap_or_else(|| "неизвестно".to_owned());
        notices::security_notice(
            &mut tx,
            app,
            now,
            &account.id,
            "notice-sign-in-subject",
            "notice-sign-in-message",
            &[("address", &address)],
        )
        .await?;
    }
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(SignInOutcome {
        staff: account.staff_role.is_some(),
        account_id: account.id,
        token,
        mfa_required,
    })
}
