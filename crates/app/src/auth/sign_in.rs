//! Sign-in (ID-2) with brute-force protection (ID-4).
//!
//! Failures are counted per normalised login — whether or not an account has it, so
//! the answer never reveals existence — and per client address with a higher
//! threshold. Five failures within 15 minutes lock the login for 15 minutes, doubling
//! on repeats up to 24 hours; a success resets the login's count. An unknown login
//! costs the same argon2 work as a known one. The password is checked outside any
//! transaction, so hashing never holds a database lock.

use kabinet_domain::login::LoginId;
use kabinet_store::throttle::{self, Counter};
use kabinet_store::{Conn, accounts};
use serde_json::json;
use time::{Duration, OffsetDateTime};

use super::{audit_event, notices, session};
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
}

fn locked_for(counter: &Counter, now: OffsetDateTime) -> Option<u64> {
    let until = counter.locked_until?;
    (until > now).then(|| u64::try_from((until - now).whole_seconds().max(1)).unwrap_or(1))
}

/// Counts a failure; returns the new lock's length when this failure locks the key.
fn count_failure(
    counter: &mut Counter,
    now: OffsetDateTime,
    window: Duration,
    max: i64,
    first_lock: Duration,
    longest: Duration,
) -> Option<Duration> {
    let fresh = counter
        .window_start
        .is_none_or(|start| start + window <= now);
    if fresh {
        counter.failures = 0;
        counter.window_start = Some(now);
    }
    counter.failures += 1;
    if counter.failures < max {
        return None;
    }
    counter.locks += 1;
    counter.failures = 0;
    counter.window_start = Some(now);
    let factor = 1_i32 << (counter.locks - 1).clamp(0, 20);
    let lock = (first_lock * factor).min(longest);
    counter.locked_until = Some(now + lock);
    Some(lock)
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
    let lockout = &app.settings.lockout;
    let login_key = format!("login:{}", app.throttle_key(login));
    let addr_key = ctx.source.as_ref().map(|a| format!("addr:{a}"));
    let now = app.clock.now();

    // Read phase: locks and the account, without holding a write lock.
    let mut conn = app
        .store
        .pool()
        .acquire()
        .await
        .map_err(kabinet_store::StoreError::from)?;
    let mut locked = locked_for(&throttle::get(&mut conn, &login_key).await?, now);
    if let Some(key) = &addr_key {
        locked = locked.max(locked_for(&throttle::get(&mut conn, key).await?, now));
    }
    let account = if locked.is_none() {
        find_account(app, &mut conn, login).await?
    } else {
        None
    };
    drop(conn);

    if let Some(retry) = locked {
        let mut tx = app.store.begin().await?;
        audit_event(
            &mut tx,
            ctx,
            now,
            "anonymous",
            "auth.sign_in_failed",
            &login_key,
            json!({ "reason": "locked" }),
        )
        .await?;
        tx.commit().await?;
        return Err(AppError::TooManyRequests {
            retry_after_secs: retry,
            key: "auth-locked",
        });
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
        let window = Duration::minutes(i64::from(lockout.window_minutes));
        let first_lock = Duration::minutes(i64::from(lockout.minutes));
        let longest = Duration::hours(i64::from(lockout.max_hours));
        let mut counter = throttle::get(&mut tx, &login_key).await?;
        let lock = count_failure(
            &mut counter,
            now,
            window,
            i64::from(lockout.max_failures),
            first_lock,
            longest,
        );
        throttle::put(&mut tx, &login_key, &counter, now).await?;
        if let Some(key) = &addr_key {
            let mut by_addr = throttle::get(&mut tx, key).await?;
            let max = i64::from(lockout.address_max_failures);
            count_failure(&mut by_addr, now, window, max, first_lock, first_lock);
            throttle::put(&mut tx, key, &by_addr, now).await?;
        }
        let object = match &account {
            Some(a) => format!("account:{}", a.id),
            None => login_key.clone(),
        };
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
            let details = json!({ "minutes": lock.whole_minutes(), "locks": counter.locks });
            audit_event(
                &mut tx,
                ctx,
                now,
                "system",
                "auth.login_locked",
                &object,
                details,
            )
            .await?;
            if let Some(a) = &account {
                notices::security_notice(
                    &mut tx,
                    app,
                    now,
                    &a.id,
                    "notice-locked-subject",
                    "notice-locked-message",
                    &[],
                )
                .await?;
            }
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
    if account.status == "blocked" {
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
    throttle::forget(&mut tx, &login_key).await?;
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
        account_id: account.id,
        token,
        mfa_required,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn locks_double_and_are_capped() {
        let mut c = Counter::default();
        let t = datetime!(2026-03-12 09:00 UTC);
        let (w, first, max) = (
            Duration::minutes(15),
            Duration::minutes(15),
            Duration::hours(24),
        );
        for _ in 0..4 {
            assert_eq!(count_failure(&mut c, t, w, 5, first, max), None);
        }
        assert_eq!(
            count_failure(&mut c, t, w, 5, first, max),
            Some(Duration::minutes(15))
        );
        for _ in 0..4 {
            count_failure(&mut c, t, w, 5, first, max);
        }
        assert_eq!(
            count_failure(&mut c, t, w, 5, first, max),
            Some(Duration::minutes(30))
        );
        c.locks = 10;
        for _ in 0..4 {
            count_failure(&mut c, t, w, 5, first, max);
        }
        assert_eq!(
            count_failure(&mut c, t, w, 5, first, max),
            Some(Duration::hours(24))
        );
    }

    #[test]
    fn the_window_slides() {
        let mut c = Counter::default();
        let t = datetime!(2026-03-12 09:00 UTC);
        let (w, first, max) = (
            Duration::minutes(15),
            Duration::minutes(15),
            Duration::hours(24),
        );
        for _ in 0..4 {
            count_failure(&mut c, t, w, 5, first, max);
        }
        assert_eq!(
            count_failure(&mut c, t + Duration::minutes(16), w, 5, first, max),
            None
        );
        assert_eq!(c.failures, 1);
    }
}
