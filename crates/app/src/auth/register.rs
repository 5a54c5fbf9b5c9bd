//! Registration (ID-1): a contact and a password; the account exists only after the
//! code sent to the contact is confirmed. A contact that already has an account gets a
//! notice instead of a code (at most one an hour), and the answer is the same — also
//! the sixth attempt within an hour is `429` for both — so registration does not tell
//! whether a contact is registered.

use kabinet_domain::account::AccountLevel;
use kabinet_domain::login::Contact;
use kabinet_store::accounts::{self, NewAccount, Registration};
use kabinet_store::throttle;
use serde_json::json;
use time::Duration;
use uuid::Uuid;

use super::limits::{self, Rules};
use super::{codes, notices, session};
use crate::audit::audit_event;
use crate::{App, AppError, Ctx, FieldError};

const PURPOSE: &str = "register";

fn required(field: &str, value: &str) -> Option<FieldError> {
    value
        .trim()
        .is_empty()
        .then(|| FieldError::new(field, "field-required"))
}

/// Starts a registration; returns its id. The code goes to the contact.
pub async fn start_registration(
    app: &App,
    ctx: &Ctx,
    contact: &str,
    password: &str,
) -> Result<String, AppError> {
    let mut errors: Vec<FieldError> =
        [required("contact", contact), required("password", password)]
            .into_iter()
            .flatten()
            .collect();
    let parsed = if contact.trim().is_empty() {
        None
    } else {
        match Contact::parse(contact) {
            Ok(c) => Some(c),
            Err(e) => {
                errors.push(FieldError::new("contact", e.message_key()));
                None
            }
        }
    };
    if !password.is_empty() {
        let personal: Vec<&str> = match &parsed {
            Some(Contact::Email(e)) => vec![e.as_str(), e.local_part()],
            Some(Contact::Phone(p)) => vec![p.as_str()],
            None => vec![],
        };
        if let Err(problem) = app.settings.password.policy.check(password, &personal) {
            errors.push(FieldError::new("password", problem.message_key()));
        }
    }
    let Some(contact) = parsed.filter(|_| errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let password_hash = app.hasher.hash(password).await?;
    let now = app.clock.now();
    let id = Uuid::now_v7().to_string();
    let mut tx = app.store.begin().await?;
    // One limit per contact, registered or not, so the answers do not tell them apart;
    // the notice to a registered contact goes at most once per window.
    let limit_key = format!("register:{}", contact.as_str());
    let mut counter = throttle::lock_counter(&mut tx, &limit_key, now).await?;
    if let Some(retry) = limits::locked_for(&counter, now) {
        return Err(AppError::TooManyRequests {
            retry_after_secs: retry,
            key: "code-too-many",
        });
    }
    let rules = Rules::per_window(Duration::hours(1), codes::PER_CONTACT_PER_HOUR);
    limits::count_failure(&mut counter, now, rules);
    throttle::put(&mut tx, &limit_key, &counter, now).await?;
    accounts::insert_registration(
        &mut tx,
        &Registration {
            id: id.clone(),
            contact_kind: contact.kind().to_owned(),
            contact: contact.as_str().to_owned(),
            password_hash,
            created_at: now,
        },
    )
    .await?;
    let taken = accounts::login_taken(&mut tx, &contact.login().key()).await?;
    if taken && notice_due(&mut tx, contact.as_str(), now).await? {
        let message = notices::text_message(
            contact.kind(),
            contact.as_str(),
            app.i18n.t("registration-exists-subject"),
            app.i18n.t("registration-exists-message"),
        );
        notices::send(&mut tx, app, now, &message).await?;
    } else if !taken {
        let code = codes::issue(&mut tx, PURPOSE, &id, contact.as_str(), now).await?;
        let message = notices::code_message(app, contact.kind(), contact.as_str(), &code);
        notices::send(&mut tx, app, now, &message).await?;
    }
    audit_event(
        &mut tx,
        ctx,
        now,
        "anonymous",
        "auth.registration_started",
        &format!("registration:{id}"),
        json!({ "contact_kind": contact.kind() }),
    )
    .await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(id)
}

/// Whether the "someone tried to register with your contact" notice may go out now: at
/// most one an hour per contact.
async fn notice_due(
    conn: &mut kabinet_store::Conn,
    contact: &str,
    now: time::OffsetDateTime,
) -> Result<bool, AppError> {
    let key = format!("register-notice:{contact}");
    let mut counter = throttle::lock_counter(conn, &key, now).await?;
    if limits::locked_for(&counter, now).is_some() {
        return Ok(false);
    }
    limits::count_failure(&mut counter, now, Rules::per_window(Duration::hours(1), 1));
    throttle::put(conn, &key, &counter, now).await?;
    Ok(true)
}

/// The contact a pending registration's code went to (for the «Введите код» page).
pub async fn registration_contact(app: &App, id: &str) -> Result<String, AppError> {
    let mut conn = app
        .store
        .pool()
        .acquire()
        .await
        .map_err(kabinet_store::StoreError::from)?;
    let reg = accounts::get_registration(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if reg.created_at + super::CODE_TTL * 6 < app.clock.now() {
        return Err(AppError::NotFound);
    }
    Ok(reg.contact)
}

/// Confirms a registration with its code: creates the account and signs it in.
/// Returns the account id and the session token.
pub async fn confirm_registration(
    app: &App,
    ctx: &Ctx,
    id: &str,
    code: &str,
    user_agent: Option<&str>,
) -> Result<(String, String), AppError> {
    if code.trim().is_empty() {
        return Err(AppError::Validation(vec![FieldError::new(
            "code",
            "field-required",
        )]));
    }
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let Some(reg) = accounts::get_registration(&mut tx, id).await? else {
        return Err(AppError::NotFound);
    };
    if let Err(e) = codes::check(&mut tx, PURPOSE, id, code, "code", now).await {
        // The counted try must stick even though the confirmation failed.
        tx.commit().await?;
        return Err(e);
    }
    let contact = Contact::parse(&reg.contact).map_err(|_| {
        AppError::Store(kabinet_store::StoreError::Corrupt(
            "bad stored contact".into(),
        ))
    })?;
    let login = contact.login().key();
    if accounts::login_taken(&mut tx, &login).await? {
        return Err(AppError::Conflict("auth-contact-taken"));
    }
    let account_id = Uuid::now_v7().to_string();
    accounts::insert(
        &mut tx,
        &NewAccount {
            id: &account_id,
            kind: "person",
            staff_role: None,
            level: AccountLevel::Simplified,
            password_hash: &reg.password_hash,
            must_change_password: false,
            now,
        },
    )
    .await?;
    accounts::insert_login(
        &mut tx,
        &login,
        &account_id,
        contact.kind(),
        contact.as_str(),
        true,
        now,
    )
    .await?;
    accounts::delete_registration(&mut tx, id).await?;
    let token = session::create(&mut tx, app, ctx, &account_id, user_agent, false, now).await?;
    accounts::touch_sign_in(&mut tx, &account_id, now).await?;
    audit_event(
        &mut tx,
        ctx,
        now,
        &format!("account:{account_id}"),
        "account.created",
        &format!("account:{account_id}"),
        json!({ "contact_kind": contact.kind(), "level": AccountLevel::Simplified.as_str() }),
    )
    .await?;
    tx.commit().await?;
    Ok((account_id, token))
}
