//! Brute-force limits (ID-4) shared by every step that checks a secret: the password at
//! sign-in, in a live session (re-authentication, changing the password) and the second
//! factor.
//!
//! Counters live in `sign_in_throttle` under these keys:
//! - `account:<id>` — wrong passwords of an account, whatever identifier was typed and
//!   wherever they were typed (sign-in, re-authentication, password change); five in
//!   the window lock every identifier of the account, growing on repeats;
//! - `login:<key>` — the same for a typed login that no account has, so the answer
//!   never tells whether an account exists;
//! - `pair:<address>|<subject>` — wrong passwords for one subject from one address; it
//!   locks that address out of that subject with its own growing lock, and an unlock by
//!   code does not lift it, so the source of an attack cannot lock a person out again
//!   at once;
//! - `source:<address>` — every failure from an address; past
//!   `lockout.address_max_failures` the address's sign-ins are spaced out
//!   (`lockout.address_delay_ms`) — slowed, never refused for a correct password unless
//!   the queue is longer than `lockout.address_max_wait_seconds`;
//! - `mfa:<id>` and `recovery:<id>` — wrong second-factor codes (TOTP or a code sent to
//!   a contact) and wrong recovery codes, counted across pending sign-ins and not reset
//!   by a correct password; they lock the second factor like the password.

use kabinet_store::throttle::{self, Counter};
use kabinet_store::{Conn, sessions};
use serde_json::json;
use time::{Duration, OffsetDateTime};

use super::notices;
use crate::audit::audit_event;
use crate::{App, AppError, Ctx};

/// Counting rules: the window, the failures that lock, the first lock and the longest.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rules {
    window: Duration,
    max: i64,
    first_lock: Duration,
    longest: Duration,
}

impl Rules {
    /// The sign-in rules (`lockout.*`), used for passwords and second factors alike.
    pub(crate) fn sign_in(app: &App) -> Rules {
        let l = &app.settings.lockout;
        Rules {
            window: Duration::minutes(i64::from(l.window_minutes)),
            max: i64::from(l.max_failures),
            first_lock: Duration::minutes(i64::from(l.minutes)),
            longest: Duration::hours(i64::from(l.max_hours)),
        }
    }

    /// A fixed number per window that locks for the rest of the window (no growth).
    pub(crate) fn per_window(window: Duration, max: i64) -> Rules {
        Rules {
            window,
            max,
            first_lock: window,
            longest: window,
        }
    }
}

/// The key of an account's password counter.
pub(crate) fn account_key(account_id: &str) -> String {
    format!("account:{account_id}")
}

/// The key of the counter of one address against one subject.
pub(crate) fn pair_key(address: &str, subject: &str) -> String {
    format!("pair:{address}|{subject}")
}

/// The key of an address's failures.
pub(crate) fn source_key(address: &str) -> String {
    format!("source:{address}")
}

/// The key of an account's second-factor counter (`recovery` for recovery codes).
pub(crate) fn factor_key(kind: &str, account_id: &str) -> String {
    format!("{kind}:{account_id}")
}

/// How long a device cookie is honoured.
pub const DEVICE_TTL: Duration = Duration::days(90);

fn device_mac(app: &App, account_id: &str, issued: i64) -> String {
    app.keys.index("device", &format!("{account_id}.{issued}"))
}

/// A device token for a browser that has just signed in to `account_id`:
/// `<account>.<issued unix time>.<HMAC>` under the index key (its own label).
pub fn device_token(app: &App, account_id: &str) -> Result<String, AppError> {
    let issued = app.clock.now().unix_timestamp();
    Ok(format!(
        "{account_id}.{issued}.{}",
        device_mac(app, account_id, issued)
    ))
}

/// Whether the request carries a valid, unexpired device token of `account_id`.
pub(crate) fn known_device(app: &App, ctx: &Ctx, account_id: &str) -> bool {
    use subtle::ConstantTimeEq;
    let Some(token) = ctx.device.as_deref() else {
        return false;
    };
    let mut parts = token.rsplitn(3, '.');
    let (Some(mac), Some(issued), Some(account)) = (parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let Ok(issued) = issued.parse::<i64>() else {
        return false;
    };
    let now = app.clock.now().unix_timestamp();
    let fresh = issued <= now && now - issued < DEVICE_TTL.whole_seconds();
    let expected = device_mac(app, account_id, issued);
    account == account_id && fresh && bool::from(expected.as_bytes().ct_eq(mac.as_bytes()))
}

/// Seconds left of a lock, if the counter is locked now.
pub(crate) fn locked_for(counter: &Counter, now: OffsetDateTime) -> Option<u64> {
    let until = counter.locked_until?;
    (until > now).then(|| u64::try_from((until - now).whole_seconds().max(1)).unwrap_or(1))
}

/// Counts a failure; returns the new lock's length when this failure locks the key.
pub(crate) fn count_failure(
    counter: &mut Counter,
    now: OffsetDateTime,
    rules: Rules,
) -> Option<Duration> {
    let fresh = counter
        .window_start
        .is_none_or(|start| start + rules.window <= now);
    if fresh {
        counter.failures = 0;
        counter.window_start = Some(now);
    }
    counter.failures += 1;
    if counter.failures < rules.max {
        return None;
    }
    counter.locks += 1;
    counter.failures = 0;
    counter.window_start = Some(now);
    let factor = 1_i32 << (counter.locks - 1).clamp(0, 20);
    let lock = (rules.first_lock * factor).min(rules.longest);
    counter.locked_until = Some(now + lock);
    Some(lock)
}

/// Seconds left of the lock on `key`, read without a write lock.
pub(crate) async fn retry_after(
    conn: &mut Conn,
    key: &str,
    now: OffsetDateTime,
) -> Result<Option<u64>, AppError> {
    Ok(locked_for(&throttle::get(conn, key).await?, now))
}

/// Counts one failure on `key` in the caller's transaction; returns the counter and the
/// lock this failure set, if any.
pub(crate) async fn fail(
    conn: &mut Conn,
    key: &str,
    rules: Rules,
    now: OffsetDateTime,
) -> Result<(Counter, Option<Duration>), AppError> {
    let mut counter = throttle::lock_counter(conn, key, now).await?;
    let lock = count_failure(&mut counter, now, rules);
    throttle::put(conn, key, &counter, now).await?;
    Ok((counter, lock))
}

/// A lock just set, to record and announce.
pub(crate) struct LockEvent<'a> {
    /// The account told of it (none for a login no account has).
    pub account_id: Option<&'a str>,
    /// The audit object.
    pub object: &'a str,
    /// `password` or `second_factor`.
    pub what: &'a str,
    /// The lock's length.
    pub length: Duration,
    /// How many times the key was locked.
    pub locks: i64,
}

/// Records a lock in the audit log and tells the account holder (a security notice that
/// cannot be turned off).
pub(crate) async fn announce_lock(
    conn: &mut Conn,
    app: &App,
    ctx: &Ctx,
    event: LockEvent<'_>,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    let (action, subject, message) = if event.what == "password" {
        (
            "auth.login_locked",
            "notice-locked-subject",
            "notice-locked-message",
        )
    } else {
        (
            "auth.mfa_locked",
            "notice-mfa-locked-subject",
            "notice-mfa-locked-message",
        )
    };
    let details = json!({ "minutes": event.length.whole_minutes(), "locks": event.locks });
    audit_event(conn, ctx, now, "system", action, event.object, details).await?;
    if let Some(id) = event.account_id {
        notices::security_notice(conn, app, now, id, subject, message, &[]).await?;
    }
    Ok(())
}

/// The `429` for a locked password or second factor.
pub(crate) fn locked_error(retry_after_secs: u64, key: &'static str) -> AppError {
    AppError::TooManyRequests {
        retry_after_secs,
        key,
    }
}

/// A wrong password typed in a live session (re-authentication, password change): it
/// counts with the sign-in failures of the account. When the account is (or becomes)
/// locked, the session ends and the answer is `429`; otherwise the answer is the field
/// error on `field`. The count and the audit entry are committed.
pub(crate) async fn wrong_password_in_session(
    app: &App,
    ctx: &Ctx,
    who: &super::SignedIn,
    field: &str,
    audit_action: &str,
) -> Result<AppError, AppError> {
    let now = app.clock.now();
    let object = format!("account:{}", who.account.id);
    let mut tx = app.store.begin().await?;
    let (counter, lock) = fail(
        &mut tx,
        &account_key(&who.account.id),
        Rules::sign_in(app),
        now,
    )
    .await?;
    audit_event(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        audit_action,
        &object,
        json!({}),
    )
    .await?;
    let answer = match (lock, locked_for(&counter, now)) {
        (Some(lock), _) => {
            let event = LockEvent {
                account_id: Some(&who.account.id),
                object: &object,
                what: "password",
                length: lock,
                locks: counter.locks,
            };
            announce_lock(&mut tx, app, ctx, event, now).await?;
            end_locked_session(&mut tx, ctx, who, now).await?;
            locked_error(
                u64::try_from(lock.whole_seconds()).unwrap_or(1),
                "auth-locked-session",
            )
        }
        (None, Some(retry)) => {
            end_locked_session(&mut tx, ctx, who, now).await?;
            locked_error(retry, "auth-locked-session")
        }
        (None, None) => {
            AppError::Validation(vec![crate::FieldError::new(field, "auth-wrong-password")])
        }
    };
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(answer)
}

/// Refuses a password check in a live session while the account is locked: the session
/// ends (committed) and the answer is `429`. `Ok(())` when not locked.
pub(crate) async fn refuse_if_locked(
    app: &App,
    ctx: &Ctx,
    who: &super::SignedIn,
) -> Result<(), AppError> {
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let Some(retry) = retry_after(&mut tx, &account_key(&who.account.id), now).await? else {
        return Ok(());
    };
    end_locked_session(&mut tx, ctx, who, now).await?;
    tx.commit().await?;
    Err(locked_error(retry, "auth-locked-session"))
}

async fn end_locked_session(
    conn: &mut Conn,
    ctx: &Ctx,
    who: &super::SignedIn,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    sessions::delete(conn, &who.session_id).await?;
    let object = format!("account:{}", who.account.id);
    audit_event(
        conn,
        ctx,
        now,
        "system",
        "auth.session_ended",
        &object,
        json!({ "reason": "locked" }),
    )
    .await
}

/// Waits for this address's turn when it has failed too often; `Err(429)` when the
/// queue is longer than `lockout.address_max_wait_seconds`. Holds no connection while
/// waiting.
pub(crate) async fn wait_for_turn(app: &App, address: &str) -> Result<(), AppError> {
    let l = &app.settings.lockout;
    let spacing = Duration::milliseconds(i64::from(l.address_delay_ms));
    let longest_wait = Duration::seconds(i64::from(l.address_max_wait_seconds));
    let window = Duration::minutes(i64::from(l.window_minutes));
    let key = source_key(address);
    let now = app.clock.now();
    let mut conn = app.store.acquire().await?;
    let counter = throttle::get(&mut conn, &key).await?;
    drop(conn);
    let hot = counter.failures >= i64::from(l.address_max_failures)
        && counter.window_start.is_some_and(|s| s + window > now);
    if !hot {
        return Ok(());
    }
    let mut tx = app.store.begin().await?;
    let mut counter = throttle::lock_counter(&mut tx, &key, now).await?;
    let turn = counter.locked_until.filter(|t| *t > now).unwrap_or(now);
    let wait = turn - now;
    if wait > longest_wait {
        return Err(AppError::TooManyRequests {
            retry_after_secs: u64::try_from((wait - longest_wait).whole_seconds().max(1))
                .unwrap_or(1),
            key: "auth-address-busy",
        });
    }
    counter.locked_until = Some(turn + spacing);
    throttle::put(&mut tx, &key, &counter, now).await?;
    tx.commit().await?;
    if wait.is_positive() {
        tokio::time::sleep(wait.unsigned_abs()).await;
    }
    Ok(())
}

/// Counts a failure from an address (the `source:` counter: failures in the window; its
/// `locked_until` is the address's next turn, never a lock).
pub(crate) async fn count_source(
    conn: &mut Conn,
    app: &App,
    address: &str,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    let key = source_key(address);
    let window = Duration::minutes(i64::from(app.settings.lockout.window_minutes));
    let mut counter = throttle::lock_counter(conn, &key, now).await?;
    if counter
        .window_start
        .is_none_or(|start| start + window <= now)
    {
        counter.failures = 0;
        counter.window_start = Some(now);
    }
    counter.failures += 1;
    throttle::put(conn, &key, &counter, now).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn rules() -> Rules {
        Rules {
            window: Duration::minutes(15),
            max: 5,
            first_lock: Duration::minutes(15),
            longest: Duration::hours(24),
        }
    }

    #[test]
    fn locks_double_and_are_capped() {
        let mut c = Counter::default();
        let t = datetime!(2026-03-12 09:00 UTC);
        for _ in 0..4 {
            assert_eq!(count_failure(&mut c, t, rules()), None);
        }
        assert_eq!(
            count_failure(&mut c, t, rules()),
            Some(Duration::minutes(15))
        );
        for _ in 0..4 {
            count_failure(&mut c, t, rules());
        }
        assert_eq!(
            count_failure(&mut c, t, rules()),
            Some(Duration::minutes(30))
        );
        c.locks = 10;
        for _ in 0..4 {
            count_failure(&mut c, t, rules());
        }
        assert_eq!(count_failure(&mut c, t, rules()), Some(Duration::hours(24)));
    }

    #[test]
    fn the_window_slides() {
        let mut c = Counter::default();
        let t = datetime!(2026-03-12 09:00 UTC);
        for _ in 0..4 {
            count_failure(&mut c, t, rules());
        }
        assert_eq!(
            count_failure(&mut c, t + Duration::minutes(16), rules()),
            None
        );
        assert_eq!(c.failures, 1);
    }

    #[test]
    fn per_window_rules_do_not_grow() {
        let mut c = Counter::default();
        let t = datetime!(2026-03-12 09:00 UTC);
        let r = Rules::per_window(Duration::hours(1), 2);
        assert_eq!(count_failure(&mut c, t, r), None);
        assert_eq!(count_failure(&mut c, t, r), Some(Duration::hours(1)));
        c.locks = 5;
        count_failure(&mut c, t, r);
        assert_eq!(count_failure(&mut c, t, r), Some(Duration::hours(1)));
    }
}
