//! The second factor (ID-6): TOTP (RFC 6238) with replay protection, ten one-time
//! recovery codes stored hashed, and the re-entry of the password that turning the
//! factor on or off requires.

use kabinet_store::{Conn, accounts, mfa, sessions};
use serde_json::json;
use subtle::ConstantTimeEq;
use time::{Duration, OffsetDateTime};
use totp_rs::{Builder, Secret, Totp};
use uuid::Uuid;

use super::limits::{self, Rules};
use super::{SignedIn, notices, session, sha256_hex};
use crate::audit::audit_event;
use crate::{App, AppError, Ctx, FieldError};

/// How long a password entry counts as recent.
pub const REAUTH_WINDOW: Duration = Duration::minutes(10);
/// Wrong second-factor codes before the pending sign-in is dropped.
const MAX_MFA_FAILURES: i64 = 5;
const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// A TOTP enrolment in progress.
#[derive(Clone, Debug)]
pub struct TotpEnrolment {
    /// The secret in base32, to type into an app by hand.
    pub secret: String,
    /// The `otpauth://` URI (shown as a QR code).
    pub otpauth_uri: String,
}

fn totp(secret_b32: &str) -> Result<Totp, AppError> {
    let secret = Secret::try_from_base32(secret_b32).map_err(|_| {
        AppError::Store(kabinet_store::StoreError::Corrupt("bad TOTP secret".into()))
    })?;
    Builder::new()
        .with_secret(secret)
        .build()
        .map_err(|e| AppError::internal(format!("TOTP: {e}")))
}

fn unix(now: OffsetDateTime) -> u64 {
    u64::try_from(now.unix_timestamp()).unwrap_or(0)
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub(crate) async fn require_recent_password(
    conn: &mut Conn,
    who: &SignedIn,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    match sessions::reauth_at(conn, &who.session_id).await? {
        Some(at) if at + REAUTH_WINDOW > now => Ok(()),
        _ => Err(AppError::Refused("auth-reauth-required")),
    }
}

/// True when the password was entered in this session within [`REAUTH_WINDOW`].
pub async fn has_recent_password(app: &App, who: &SignedIn) -> Result<bool, AppError> {
    let mut conn = app
        .store
        .pool()
        .acquire()
        .await
        .map_err(kabinet_store::StoreError::from)?;
    Ok(require_recent_password(&mut conn, who, app.clock.now())
        .await
        .is_ok())
}

/// Re-enters the password in this session (for sensitive actions).
pub async fn reauthenticate(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    password: &str,
) -> Result<(), AppError> {
    if password.is_empty() {
        return Err(AppError::Validation(vec![FieldError::new(
            "password",
            "field-required",
        )]));
    }
    limits::refuse_if_locked(app, ctx, who).await?;
    let ok = app
        .hasher
        .verify(password, Some(&who.account.password_hash))
        .await?;
    if !ok {
        return Err(limits::wrong_password_in_session(
            app,
            ctx,
            who,
            "password",
            "auth.reauth_failed",
        )
        .await?);
    }
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let object = format!("account:{}", who.account.id);
    kabinet_store::throttle::forget(&mut tx, &limits::account_key(&who.account.id)).await?;
    sessions::set_reauth(&mut tx, &who.session_id, now).await?;
    audit_event(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        "auth.reauthenticated",
        &object,
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// True when the account signs in with a confirmed TOTP.
pub async fn has_totp(conn: &mut Conn, account_id: &str) -> Result<bool, AppError> {
    Ok(mfa::totp(conn, account_id)
        .await?
        .is_some_and(|t| t.confirmed_at.is_some()))
}

/// True when sign-in asks for a second factor (TOTP or codes to a contact).
pub async fn has_any_factor(conn: &mut Conn, account_id: &str) -> Result<bool, AppError> {
    Ok(has_totp(conn, account_id).await? || mfa::codes_enabled(conn, account_id).await?)
}

const CODE_PURPOSE: &str = "mfa";

/// Sends a sign-in code to the account's first confirmed contact, in the caller's
/// transaction; returns the contact it went to.
pub(crate) async fn send_code_in(
    conn: &mut Conn,
    app: &App,
    account_id: &str,
    now: OffsetDateTime,
) -> Result<String, AppError> {
    let Some((kind, value)) = accounts::contacts(conn, account_id)
        .await?
        .into_iter()
        .next()
    else {
        return Err(AppError::Conflict("auth-no-contact"));
    };
    let code = super::codes::issue(conn, CODE_PURPOSE, account_id, &value, now).await?;
    notices::send(
        conn,
        app,
        now,
        &notices::code_message(app, &kind, &value, &code),
    )
    .await?;
    Ok(value)
}

/// Sends a sign-in code for a pending sign-in (the «Отправить код» button).
pub async fn send_sign_in_code(
    app: &App,
    ctx: &Ctx,
    pending: &SignedIn,
) -> Result<String, AppError> {
    if !pending.mfa_pending {
        return Err(AppError::Conflict("auth-mfa-not-pending"));
    }
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let target = send_code_in(&mut tx, app, &pending.account.id, now).await?;
    let object = format!("account:{}", pending.account.id);
    audit_event(
        &mut tx,
        ctx,
        now,
        &object,
        "auth.mfa_code_sent",
        &object,
        json!({}),
    )
    .await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(target)
}

/// Turns the codes factor on or off (needs a recent password entry).
pub async fn set_code_factor(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    on: bool,
) -> Result<(), AppError> {
    who.authorize(kabinet_domain::access::Action::ManageOwnSecurity)?;
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    require_recent_password(&mut tx, who, now).await?;
    mfa::set_codes(&mut tx, &who.account.id, on).await?;
    let object = format!("account:{}", who.account.id);
    let action = if on {
        "auth.mfa_codes_enabled"
    } else {
        "auth.mfa_codes_disabled"
    };
    audit_event(&mut tx, ctx, now, &who.actor(), action, &object, json!({})).await?;
    let text = if on {
        "notice-mfa-on-message"
    } else {
        "notice-mfa-off-message"
    };
    notices::security_notice(
        &mut tx,
        app,
        now,
        &who.account.id,
        "notice-mfa-subject",
        text,
        &[],
    )
    .await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(())
}

/// Whether the codes factor is on.
pub async fn code_factor_enabled(app: &App, account_id: &str) -> Result<bool, AppError> {
    let mut conn = app
        .store
        .pool()
        .acquire()
        .await
        .map_err(kabinet_store::StoreError::from)?;
    Ok(mfa::codes_enabled(&mut conn, account_id).await?)
}

/// Starts TOTP enrolment (needs a recent password entry): a new secret.
pub async fn start_totp(app: &App, ctx: &Ctx, who: &SignedIn) -> Result<TotpEnrolment, AppError> {
    who.authorize(kabinet_domain::access::Action::ManageOwnSecurity)?;
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    require_recent_password(&mut tx, who, now).await?;
    let mut bytes = [0_u8; 20];
    getrandom::fill(&mut bytes).map_err(|e| AppError::internal(format!("no randomness: {e}")))?;
    let secret = Secret::new_stack(bytes).to_base32();
    mfa::put_pending(&mut tx, &who.account.id, &secret, now).await?;
    let object = format!("account:{}", who.account.id);
    audit_event(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        "auth.totp_enrolment_started",
        &object,
        json!({}),
    )
    .await?;
    let enrolment = enrolment(app, &mut tx, &who.account.id, secret).await?;
    tx.commit().await?;
    Ok(enrolment)
}

async fn enrolment(
    app: &App,
    conn: &mut Conn,
    account_id: &str,
    secret: String,
) -> Result<TotpEnrolment, AppError> {
    let label = accounts::contacts(conn, account_id)
        .await?
        .first()
        .map_or_else(|| account_id.to_owned(), |(_, v)| v.clone());
    let issuer = app.i18n.t("app-name");
    let otpauth_uri = format!(
        "otpauth://totp/{}:{}?secret={secret}&issuer={}&algorithm=SHA1&digits=6&period=30",
        percent_encode(&issuer),
        percent_encode(&label),
        percent_encode(&issuer)
    );
    Ok(TotpEnrolment {
        secret,
        otpauth_uri,
    })
}

/// The enrolment in progress, if any (to show the QR code again).
pub async fn pending_totp(app: &App, who: &SignedIn) -> Result<Option<TotpEnrolment>, AppError> {
    let mut conn = app
        .store
        .pool()
        .acquire()
        .await
        .map_err(kabinet_store::StoreError::from)?;
    match mfa::totp(&mut conn, &who.account.id)
        .await?
        .filter(|t| t.confirmed_at.is_none())
    {
        Some(t) => Ok(Some(
            enrolment(app, &mut conn, &who.account.id, t.secret).await?,
        )),
        None => Ok(None),
    }
}

fn recovery_code() -> Result<String, AppError> {
    let mut bytes = [0_u8; 10];
    getrandom::fill(&mut bytes).map_err(|e| AppError::internal(format!("no randomness: {e}")))?;
    let chars: String = bytes
        .iter()
        .map(|b| RECOVERY_ALPHABET[usize::from(*b) % RECOVERY_ALPHABET.len()] as char)
        .collect();
    Ok(format!("{}-{}", &chars[..5], &chars[5..]))
}

fn recovery_hash(account_id: &str, code: &str) -> String {
    let normal: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_lowercase();
    sha256_hex(&format!("{account_id}:{normal}"))
}

/// Confirms enrolment with a first code; returns ten recovery codes (shown once).
pub async fn confirm_totp(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    code: &str,
) -> Result<Vec<String>, AppError> {
    who.authorize(kabinet_domain::access::Action::ManageOwnSecurity)?;
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let Some(pending) = mfa::totp(&mut tx, &who.account.id)
        .await?
        .filter(|t| t.confirmed_at.is_none())
    else {
        return Err(AppError::Conflict("auth-totp-not-started"));
    };
    let Some(step) = totp(&pending.secret)?.check(code.trim(), unix(now)) else {
        return Err(AppError::Validation(vec![FieldError::new(
            "code",
            "code-wrong",
        )]));
    };
    mfa::confirm(
        &mut tx,
        &who.account.id,
        i64::try_from(step).unwrap_or(i64::MAX),
        now,
    )
    .await?;
    let mut codes = Vec::with_capacity(10);
    let mut hashes = Vec::with_capacity(10);
    for _ in 0..10 {
        let c = recovery_code()?;
        hashes.push((
            Uuid::now_v7().to_string(),
            recovery_hash(&who.account.id, &c),
        ));
        codes.push(c);
    }
    mfa::set_recovery_codes(&mut tx, &who.account.id, &hashes).await?;
    let object = format!("account:{}", who.account.id);
    audit_event(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        "auth.totp_enabled",
        &object,
        json!({ "recovery_codes": 10 }),
    )
    .await?;
    notices::security_notice(
        &mut tx,
        app,
        now,
        &who.account.id,
        "notice-mfa-subject",
        "notice-mfa-on-message",
        &[],
    )
    .await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(codes)
}

/// Turns TOTP off (needs a recent password entry).
pub async fn disable_totp(app: &App, ctx: &Ctx, who: &SignedIn) -> Result<(), AppError> {
    who.authorize(kabinet_domain::access::Action::ManageOwnSecurity)?;
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    require_recent_password(&mut tx, who, now).await?;
    mfa::remove(&mut tx, &who.account.id).await?;
    let object = format!("account:{}", who.account.id);
    audit_event(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        "auth.totp_disabled",
        &object,
        json!({}),
    )
    .await?;
    notices::security_notice(
        &mut tx,
        app,
        now,
        &who.account.id,
        "notice-mfa-subject",
        "notice-mfa-off-message",
        &[],
    )
    .await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(())
}

/// Completes a sign-in that waits for the second factor: a TOTP code or a recovery
/// code. The pending session is replaced by a new one; returns its token.
pub async fn complete_sign_in(
    app: &App,
    ctx: &Ctx,
    pending: &SignedIn,
    code: &str,
    user_agent: Option<&str>,
) -> Result<String, AppError> {
    if !pending.mfa_pending {
        return Err(AppError::Conflict("auth-mfa-not-pending"));
    }
    let account_id = pending.account.id.clone();
    let typed: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let six_digits = typed.len() == 6 && typed.bytes().all(|b| b.is_ascii_digit());
    // Codes (TOTP or sent) and recovery codes are counted apart, per account, across
    // pending sign-ins: a locked code step still lets a recovery code in.
    let kind = if six_digits { "mfa" } else { "recovery" };
    let counter_key = limits::factor_key(kind, &account_id);
    let object = format!("account:{account_id}");
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    if let Some(retry) = limits::retry_after(&mut tx, &counter_key, now).await? {
        audit_event(
            &mut tx,
            ctx,
            now,
            &object,
            "auth.mfa_failed",
            &object,
            json!({ "reason": "locked", "kind": kind }),
        )
        .await?;
        tx.commit().await?;
        let key = if six_digits {
            "mfa-locked"
        } else {
            "mfa-recovery-locked"
        };
        return Err(limits::locked_error(retry, key));
    }
    let method = if six_digits {
        let accepted = match mfa::totp(&mut tx, &account_id)
            .await?
            .filter(|t| t.confirmed_at.is_some())
        {
            Some(t) => match totp(&t.secret)?.check(&typed, unix(now)) {
                Some(step) => {
                    mfa::use_step(
                        &mut tx,
                        &account_id,
                        i64::try_from(step).unwrap_or(i64::MAX),
                    )
                    .await?
                }
                None => false,
            },
            None => false,
        };
        if accepted {
            Some("totp")
        } else if super::codes::check(&mut tx, CODE_PURPOSE, &account_id, &typed, "code", now)
            .await
            .is_ok()
        {
            Some("code")
        } else {
            None
        }
    } else {
        let given = recovery_hash(&account_id, &typed);
        let mut used = None;
        for (id, hash) in mfa::recovery_codes(&mut tx, &account_id).await? {
            if bool::from(hash.as_bytes().ct_eq(given.as_bytes()))
                && mfa::use_recovery_code(&mut tx, &id, now).await?
            {
                used = Some("recovery_code");
                break;
            }
        }
        used
    };
    let Some(method) = method else {
        let failures = sessions::add_mfa_failure(&mut tx, &pending.session_id).await?;
        let (counter, lock) = limits::fail(&mut tx, &counter_key, Rules::sign_in(app), now).await?;
        audit_event(
            &mut tx,
            ctx,
            now,
            &object,
            "auth.mfa_failed",
            &object,
            json!({ "failures": failures, "kind": kind }),
        )
        .await?;
        if let Some(lock) = lock {
            let event = limits::LockEvent {
                account_id: Some(&account_id),
                object: &object,
                what: "second_factor",
                length: lock,
                locks: counter.locks,
            };
            limits::announce_lock(&mut tx, app, ctx, event, now).await?;
        }
        if failures >= MAX_MFA_FAILURES {
            sessions::delete(&mut tx, &pending.session_id).await?;
        }
        tx.commit().await?;
        app.outbox_wake.notify_one();
        // As with the password, the failure that locks is answered as a wrong code; the
        // next attempt learns of the lock.
        return Err(AppError::Unauthorized("code-wrong"));
    };
    kabinet_store::throttle::reset(&mut tx, &counter_key).await?;
    sessions::delete(&mut tx, &pending.session_id).await?;
    accounts::touch_sign_in(&mut tx, &account_id, now).await?;
    let token = session::create(&mut tx, app, ctx, &account_id, user_agent, false, now).await?;
    audit_event(
        &mut tx,
        ctx,
        now,
        &object,
        "auth.signed_in",
        &object,
        json!({ "mfa": method }),
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
        &account_id,
        "notice-sign-in-subject",
        "notice-sign-in-message",
        &[("address", &address)],
    )
    .await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(token)
}
