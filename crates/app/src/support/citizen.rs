//! Tickets from people and visitors: creating, reading, replying, closing.

use crate::audit::audit_event;
use crate::auth::SignedIn;
use crate::files::{self, Upload};
use crate::{App, AppError, Ctx, FieldError};
use kabinet_domain::access::Action;
use kabinet_domain::login::Contact;
use kabinet_store::support::{self as store, Message, Ticket};
use kabinet_store::{Conn, throttle};
use serde_json::json;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::*;

/// Opens a ticket (signed in or not); the person is told its number.
pub async fn create(
    app: &App,
    ctx: &Ctx,
    who: Option<&SignedIn>,
    input: &NewTicket,
    file: Option<&Upload>,
) -> Result<Ticket, AppError> {
    if let Some(w) = who {
        w.authorize(Action::UseSupport)?;
    }
    let mut errors = Vec::new();
    let subject = text_of("subject", &input.subject, 3, 200)
        .map_err(|e| errors.push(e))
        .ok();
    let text = text_of("text", &input.text, 5, 5000)
        .map_err(|e| errors.push(e))
        .ok();
    let contact = if who.is_none() {
        match Contact::parse(input.contact.trim()) {
            Ok(c) => Some(c),
            Err(e) => {
                let key = if input.contact.trim().is_empty() {
                    "form-required"
                } else {
                    e.message_key()
                };
                errors.push(FieldError::new("contact", key));
                None
            }
        }
    } else {
        None
    };
    if who.is_none() && file.is_some() {
        errors.push(FieldError::new("file", "support-file-signed-in"));
    }
    let (Some(subject), Some(text)) = (subject, text) else {
        return Err(AppError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    check_type(file)?;
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    if who.is_none() {
        visitor_limit(app, &mut tx, ctx, now).await?;
    }
    let id = Uuid::now_v7().to_string();
    let year = now.year();
    let n = store::next_number(&mut tx, year).await?;
    let number = format!("ОБР-{:02}-{n:06}", year.rem_euclid(100));
    let contact_text = contact.as_ref().map(|c| c.as_str().to_owned());
    let contact_sealed = contact_text
        .as_deref()
        .map(|c| app.keys.seal(&place(&id), c))
        .transpose()
        .map_err(|e| AppError::internal(e.to_string()))?;
    let page: String = input
        .page
        .trim()
        .chars()
        .take(300)
        .collect::<String>()
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    let ticket = Ticket {
        id: id.clone(),
        number: number.clone(),
        account_id: who.map(|w| w.account.id.clone()),
        contact_sealed,
        subject,
        page: (page.starts_with('/') && !page.starts_with("//")).then_some(page),
        status: "new".into(),
        escalated: false,
        created_at: now,
        updated_at: now,
    };
    store::insert(&mut tx, &ticket).await?;
    let author = who.map_or_else(|| "visitor".to_owned(), SignedIn::actor);
    let stored = match (file, who) {
        (Some(f), Some(w)) => {
            Some(files::store_own(app, &mut tx, &w.account.id, "support", f, "file").await?)
        }
        _ => None,
    };
    let result = async {
        store::add_message(
            &mut tx,
            &id,
            &Message {
                id: Uuid::now_v7().to_string(),
                author: author.clone(),
                author_kind: if who.is_some() { "user" } else { "visitor" }.into(),
                text,
                file_id: stored.as_ref().map(|s| s.record.id.clone()),
                at: now,
            },
        )
        .await?;
        audit_event(
            &mut tx,
            ctx,
            now,
            &author,
            "support.ticket_created",
            &format!("ticket:{id}"),
            json!({ "number": number, "signed_in": who.is_some() }),
        )
        .await?;
        tell_author(
            app,
            &mut tx,
            &ticket,
            contact_text.as_deref(),
            now,
            "notice-ticket-created-subject",
            "notice-ticket-created-message",
            None,
        )
        .await
    }
    .await;
    if let Err(e) = result {
        if let Some(s) = stored {
            s.discard().await;
        }
        return Err(e);
    }
    files::commit_or_discard(tx, stored).await?;
    app.outbox_wake.notify_one();
    Ok(ticket)
}

/// A document is PDF, JPEG or PNG by its content (`415` otherwise).
pub(super) fn check_type(file: Option<&Upload>) -> Result<(), AppError> {
    match file {
        Some(f) if !f.bytes.is_empty() && files::sniff(&f.bytes).is_none() => {
            Err(AppError::UnsupportedType("support-file-type"))
        }
        _ => Ok(()),
    }
}

/// At most [`VISITOR_TICKETS_PER_HOUR`] tickets per client address and hour.
pub(super) async fn visitor_limit(
    app: &App,
    conn: &mut Conn,
    ctx: &Ctx,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    let Some(address) = ctx.source.as_deref() else {
        return Ok(());
    };
    let key = format!("support:{}", app.keys.index("address", address));
    let mut c = throttle::get(conn, &key).await?;
    if c.window_start.is_none_or(|w| now - w >= Duration::hours(1)) {
        c.failures = 0;
        c.window_start = Some(now);
    }
    if c.failures >= VISITOR_TICKETS_PER_HOUR {
        return Err(AppError::Conflict("support-too-many"));
    }
    c.failures += 1;
    throttle::put(conn, &key, &c, now).await?;
    Ok(())
}

/// «Мои обращения», the latest change first.
pub async fn mine(app: &App, who: &SignedIn) -> Result<Vec<Ticket>, AppError> {
    who.authorize(Action::UseSupport)?;
    let mut conn = app.store.acquire().await?;
    Ok(store::of_account(&mut conn, &who.account.id).await?)
}

/// One of the caller's tickets with the conversation (another's is "not found").
pub async fn get_own(app: &App, who: &SignedIn, id: &str) -> Result<TicketView, AppError> {
    who.authorize(Action::UseSupport)?;
    let mut conn = app.store.acquire().await?;
    let ticket = own(&mut conn, who, id).await?;
    let messages = store::messages(&mut conn, id).await?;
    Ok(TicketView {
        ticket,
        contact: None,
        messages,
    })
}

/// The person writes again (a reply or a document): the ticket waits for staff again.
pub async fn reply(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    id: &str,
    text: &str,
    file: Option<&Upload>,
) -> Result<(), AppError> {
    who.authorize(Action::UseSupport)?;
    let mut conn = app.store.acquire().await?;
    let ticket = own(&mut conn, who, id).await?;
    drop(conn);
    if ticket.status == "closed" {
        return Err(AppError::Conflict("support-closed"));
    }
    add_message(app, ctx, who, &ticket, "user", text, file, "new", None).await
}

/// The person closes their ticket (the question is settled).
pub async fn close(app: &App, ctx: &Ctx, who: &SignedIn, id: &str) -> Result<(), AppError> {
    who.authorize(Action::UseSupport)?;
    let mut conn = app.store.acquire().await?;
    let ticket = own(&mut conn, who, id).await?;
    drop(conn);
    set_status(app, ctx, who, &ticket, "closed", None, "support.closed").await
}
