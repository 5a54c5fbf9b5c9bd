//! Phones and e-mails of an account (PR-3): a new one is added only with the code sent
//! to it; the last confirmed one cannot be removed. Both need a recent password entry
//! (a stolen session cannot swap the contacts and then recover the password), and
//! every contact of the account hears about the change.
//!
//! Adding a contact that belongs to another account answers exactly as a free one
//! (the owner of that contact is told instead), so the call reveals nothing.

use kabinet_domain::access::Action;
use kabinet_domain::login::Contact;
use kabinet_store::{accounts, profiles};
use serde_json::json;

use crate::audit::audit_event;
use crate::auth::SignedIn;
use crate::auth::codes as codes_api;
use crate::auth::notices;
use crate::{App, AppError, Ctx, FieldError};

const PURPOSE: &str = "contact";

/// A confirmed contact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactItem {
    /// Its id: the sign-in key (`email:…`, `phone:+7…`).
    pub id: String,
    /// `email` or `phone`.
    pub kind: String,
    /// The address or number.
    pub value: String,
}

fn parse(typed: &str) -> Result<Contact, AppError> {
    Contact::parse(typed)
        .map_err(|e| AppError::Validation(vec![FieldError::new("contact", e.message_key())]))
}

fn subject(account_id: &str, contact: &Contact) -> String {
    format!("{account_id}|{}", contact.login().key())
}

/// The account's confirmed phones and e-mails, oldest first.
pub async fn list(app: &App, who: &SignedIn) -> Result<Vec<ContactItem>, AppError> {
    who.authorize(Action::ManageOwnProfile)?;
    let mut conn = app
        .store
        .pool()
        .acquire()
        .await
        .map_err(kabinet_store::StoreError::from)?;
    Ok(accounts::contacts(&mut conn, &who.account.id)
        .await?
        .into_iter()
        .filter_map(|(kind, value)| {
            let id = Contact::parse(&value).ok()?.login().key();
            Some(ContactItem { id, kind, value })
        })
        .collect())
}

/// Sends a code to a new contact; returns the contact as it will be stored.
pub async fn start_add(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    typed: &str,
) -> Result<String, AppError> {
    who.authorize(Action::ManageOwnProfile)?;
    let contact = parse(typed)?;
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    crate::auth::require_recent_password_in(&mut tx, who, now).await?;
    let key = contact.login().key();
    if accounts::login_taken(&mut tx, &key).await? {
        let own = accounts::login_keys(&mut tx, &who.account.id)
            .await?
            .contains(&key);
        if own {
            return Err(AppError::Validation(vec![FieldError::new(
                "contact",
                "contact-already-yours",
            )]));
        }
        let message = notices::text_message(
            contact.kind(),
            contact.as_str(),
            app.i18n.t("contact-taken-subject"),
            app.i18n.t("contact-taken-message"),
        );
        notices::send(&mut tx, app, now, &message).await?;
    } else {
        let code = codes_api::issue(
            &mut tx,
            PURPOSE,
            &subject(&who.account.id, &contact),
            contact.as_str(),
            now,
        )
        .await?;
        notices::send(
            &mut tx,
            app,
            now,
            &notices::code_message(app, contact.kind(), contact.as_str(), &code),
        )
        .await?;
    }
    audit_event(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        "profile.contact_add_started",
        &who.actor(),
        json!({ "kind": contact.kind() }),
    )
    .await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(contact.as_str().to_owned())
}

/// Confirms a new contact with its code; from now on it signs in and receives notices.
pub async fn confirm_add(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    typed: &str,
    code: &str,
) -> Result<ContactItem, AppError> {
    who.authorize(Action::ManageOwnProfile)?;
    let contact = parse(typed)?;
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    if let Err(e) = codes_api::check(
        &mut tx,
        PURPOSE,
        &subject(&who.account.id, &contact),
        code,
        "code",
        now,
    )
    .await
    {
        tx.commit().await?; // the counted try stays
        return Err(e);
    }
    let key = contact.login().key();
    if accounts::login_taken(&mut tx, &key).await? {
        return Err(AppError::Conflict("contact-taken"));
    }
    accounts::insert_login(
        &mut tx,
        &key,
        &who.account.id,
        contact.kind(),
        contact.as_str(),
        true,
        now,
    )
    .await?;
    history(&mut tx, &who.account.id, None, Some(contact.as_str()), now).await?;
    audit_event(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        "profile.contact_added",
        &who.actor(),
        json!({ "kind": contact.kind() }),
    )
    .await?;
    notices::security_notice(
        &mut tx,
        app,
        now,
        &who.account.id,
        "notice-contact-added-subject",
        "notice-contact-added-message",
        &[("contact", contact.as_str())],
    )
    .await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(ContactItem {
        id: key,
        kind: contact.kind().to_owned(),
        value: contact.as_str().to_owned(),
    })
}

/// Removes a confirmed contact (not the last one).
pub async fn remove(app: &App, ctx: &Ctx, who: &SignedIn, id: &str) -> Result<(), AppError> {
    who.authorize(Action::ManageOwnProfile)?;
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    crate::auth::require_recent_password_in(&mut tx, who, now).await?;
    let contacts = accounts::contacts(&mut tx, &who.account.id).await?;
    let Some((kind, value)) = contacts
        .iter()
        .find(|(_, v)| Contact::parse(v).is_ok_and(|c| c.login().key() == id))
        .cloned()
    else {
        return Err(AppError::NotFound);
    };
    if contacts.len() <= 1 {
        return Err(AppError::Conflict("contact-last"));
    }
    // The notice goes to the removed contact too: it is the one that may need to know.
    let message = notices::text_message(
        &kind,
        &value,
        app.i18n.t("notice-contact-removed-subject"),
        app.i18n
            .t_with("notice-contact-removed-message", &[("contact", &value)]),
    );
    notices::send(&mut tx, app, now, &message).await?;
    accounts::remove_login(&mut tx, &who.account.id, id).await?;
    history(&mut tx, &who.account.id, Some(&value), None, now).await?;
    audit_event(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        "profile.contact_removed",
        &who.actor(),
        json!({ "kind": kind }),
    )
    .await?;
    notices::security_notice(
        &mut tx,
        app,
        now,
        &who.account.id,
        "notice-contact-removed-subject",
        "notice-contact-removed-message",
        &[("contact", &value)],
    )
    .await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(())
}

async fn history(
    conn: &mut kabinet_store::Conn,
    account_id: &str,
    old: Option<&str>,
    new: Option<&str>,
    now: time::OffsetDateTime,
) -> Result<(), AppError> {
    profiles::add_change(
        conn,
        &profiles::Change {
            id: uuid::Uuid::now_v7().to_string(),
            account_id: account_id.to_owned(),
            field: "contact".to_owned(),
            old_value: old.map(str::to_owned),
            new_value: new.map(str::to_owned),
            actor_kind: "user".to_owned(),
            actor_id: None,
            at: now,
        },
    )
    .await?;
    Ok(())
}
