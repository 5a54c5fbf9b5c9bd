//! Support (BO-5): «Обратная связь» from any page becomes a ticket with a number and a
//! conversation between the person and staff, with attachments; statuses new, answered,
//! waiting for the user, closed; escalation to a supervisor; the person is told of
//! every reply. Visitors who are not signed in leave a contact instead.

mod citizen;
mod staff;

use citizen::check_type;
pub use citizen::{close, create, get_own, mine, reply};
pub use staff::{answer, escalate, get_for_staff, queue};

use crate::audit::audit_event;
use crate::auth::{SignedIn, notices};
use crate::files::{self, Upload};
use crate::{App, AppError, Ctx, FieldError};
use kabinet_domain::access::Action;
use kabinet_store::Conn;
use kabinet_store::requests::FileRecord;
use kabinet_store::support::{self as store, Message, Ticket};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

/// Ticket statuses.
pub const STATUSES: [&str; 4] = ["new", "answered", "waiting", "closed"];

/// How many tickets one address may open without signing in per hour.
const VISITOR_TICKETS_PER_HOUR: i64 = 5;

/// What «Обратная связь» sends.
#[derive(Clone, Debug, Default)]
pub struct NewTicket {
    /// Subject.
    pub subject: String,
    /// The question.
    pub text: String,
    /// A visitor's e-mail or phone (ignored when signed in).
    pub contact: String,
    /// The page it was sent from (a local path).
    pub page: String,
}

/// A ticket with its conversation.
#[derive(Clone, Debug)]
pub struct TicketView {
    /// The ticket.
    pub ticket: Ticket,
    /// A visitor's contact (staff only).
    pub contact: Option<String>,
    /// Oldest first.
    pub messages: Vec<Message>,
}

fn place(id: &str) -> String {
    format!("tickets:{id}")
}

fn text_of(field: &'static str, value: &str, min: usize, max: usize) -> Result<String, FieldError> {
    let v = value.trim();
    let n = v.chars().count();
    if n == 0 {
        Err(FieldError::new(field, "form-required"))
    } else if n < min {
        Err(FieldError::new(field, "support-too-short"))
    } else if n > max {
        Err(FieldError::new(field, "support-too-long"))
    } else {
        Ok(v.to_owned())
    }
}

/// Tells the ticket's author (their confirmed contacts, or a visitor's contact).
#[allow(clippy::too_many_arguments)]
async fn tell_author(
    app: &App,
    conn: &mut Conn,
    ticket: &Ticket,
    visitor_contact: Option<&str>,
    now: OffsetDateTime,
    subject_key: &str,
    text_key: &str,
    answer: Option<&str>,
) -> Result<(), AppError> {
    let args = [("number", ticket.number.as_str())];
    match (&ticket.account_id, visitor_contact) {
        (Some(account), _) => notices::notify(
            conn,
            app,
            now,
            account,
            &notices::Notice {
                category: kabinet_domain::notify::Category::Support,
                subject_key,
                text_key,
                args: &args,
                link: Some(format!("/support/{}", ticket.id)),
            },
        )
        .await
        .map(|_| ()),
        (None, Some(contact)) => {
            let kind = if contact.contains('@') {
                "email"
            } else {
                "phone"
            };
            // A visitor has no «Мои обращения»: the answer itself goes to them.
            let text = match answer {
                Some(a) => app.i18n.t_with(
                    "notice-ticket-answered-visitor-message",
                    &[("number", ticket.number.as_str()), ("text", a)],
                ),
                None => app.i18n.t_with(text_key, &args),
            };
            let message = notices::text_message(kind, contact, app.i18n.t(subject_key), text);
            notices::send(conn, app, now, &message).await
        }
        (None, None) => Ok(()),
    }
}

fn visitor_contact(app: &App, t: &Ticket) -> Result<Option<String>, AppError> {
    t.contact_sealed
        .as_deref()
        .map(|s| app.keys.open(&place(&t.id), s))
        .transpose()
        .map_err(|e| AppError::Store(kabinet_store::StoreError::Corrupt(e.to_string())))
}

async fn own(conn: &mut Conn, who: &SignedIn, id: &str) -> Result<Ticket, AppError> {
    store::get(conn, id)
        .await?
        .filter(|t| t.account_id.as_deref() == Some(who.account.id.as_str()))
        .ok_or(AppError::NotFound)
}

#[allow(clippy::too_many_arguments)]
async fn add_message(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    ticket: &Ticket,
    kind: &str,
    text: &str,
    file: Option<&Upload>,
    to: &str,
    escalated: Option<bool>,
) -> Result<(), AppError> {
    let now = app.clock.now();
    let text = text.trim();
    if text.is_empty() && file.is_none() {
        return Err(AppError::Validation(vec![FieldError::new(
            "text",
            "form-required",
        )]));
    }
    if text.chars().count() > 5000 {
        return Err(AppError::Validation(vec![FieldError::new(
            "text",
            "support-too-long",
        )]));
    }
    check_type(file)?;
    let mut tx = app.store.begin().await?;
    if !store::set_status(&mut tx, &ticket.id, &ticket.status, to, escalated, now).await? {
        return Err(AppError::Conflict("support-changed-meanwhile"));
    }
    let owner = ticket
        .account_id
        .clone()
        .unwrap_or_else(|| who.account.id.clone());
    let stored = match file {
        // The person's own upload counts against their total; staff's reply does not.
        Some(f) if owner == who.account.id => {
            Some(files::store_own(app, &mut tx, &owner, "support", f, "file").await?)
        }
        Some(f) => Some(files::store(app, &mut tx, &owner, "support", f, "file").await?),
        None => None,
    };
    let result = async {
        store::add_message(
            &mut tx,
            &ticket.id,
            &Message {
                id: Uuid::now_v7().to_string(),
                author: who.actor(),
                author_kind: kind.into(),
                text: text.to_owned(),
                file_id: stored.as_ref().map(|s| s.record.id.clone()),
                at: now,
            },
        )
        .await?;
        audit_event(
            &mut tx,
            ctx,
            now,
            &who.actor(),
            if kind == "staff" {
                "support.answered"
            } else {
                "support.user_replied"
            },
            &format!("ticket:{}", ticket.id),
            json!({ "status": to, "file": stored.is_some() }),
        )
        .await?;
        if kind == "staff" {
            let contact = visitor_contact(app, ticket)?;
            tell_author(
                app,
                &mut tx,
                ticket,
                contact.as_deref(),
                now,
                "notice-ticket-answered-subject",
                "notice-ticket-answered-message",
                Some(text),
            )
            .await?;
        }
        Ok::<(), AppError>(())
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
    Ok(())
}

async fn set_status(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    ticket: &Ticket,
    to: &str,
    escalated: Option<bool>,
    action: &str,
) -> Result<(), AppError> {
    if ticket.status == "closed" {
        return Err(AppError::Conflict("support-closed"));
    }
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    if !store::set_status(&mut tx, &ticket.id, &ticket.status, to, escalated, now).await? {
        return Err(AppError::Conflict("support-changed-meanwhile"));
    }
    audit_event(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        action,
        &format!("ticket:{}", ticket.id),
        json!({ "status": to }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---- staff ----

/// A file of a ticket, for its author or support staff (a staff view is recorded).
pub async fn file(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    ticket_id: &str,
    file_id: &str,
) -> Result<(FileRecord, Vec<u8>), AppError> {
    let mut conn = app.store.acquire().await?;
    let ticket = store::get(&mut conn, ticket_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let is_author = ticket.account_id.as_deref() == Some(who.account.id.as_str());
    if !is_author && who.authorize(Action::HandleSupport).is_err() {
        return Err(AppError::NotFound);
    }
    if store::ticket_of_file(&mut conn, file_id).await?.as_deref() != Some(ticket_id) {
        return Err(AppError::NotFound);
    }
    let record = kabinet_store::requests::get_file(&mut conn, file_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !is_author {
        audit_event(
            &mut conn,
            ctx,
            app.clock.now(),
            &who.actor(),
            "support.file_viewed",
            &format!("ticket:{ticket_id}"),
            json!({ "file": file_id }),
        )
        .await?;
    }
    drop(conn);
    let bytes = files::read(app, &record).await?;
    Ok((record, bytes))
}
