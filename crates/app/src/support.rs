//! Support (BO-5): «Обратная связь» from any page becomes a ticket with a number and a
//! conversation between the person and staff, with attachments; statuses new, answered,
//! waiting for the user, closed; escalation to a supervisor; the person is told of
//! every reply. Visitors who are not signed in leave a contact instead.

use kabinet_domain::access::{Action, StaffRole};
use kabinet_domain::login::Contact;
use kabinet_store::requests::FileRecord;
use kabinet_store::support::{self as store, Message, Ticket};
use kabinet_store::{Conn, accounts, throttle};
use serde_json::json;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::auth::{SignedIn, audit_event, notices};
use crate::files::{self, Upload};
use crate::{App, AppError, Ctx, FieldError};

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
        .map_err(|e| AppError::Store(kabinet_store::StoreError::Corrupt(e.to_string())))?;
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
fn check_type(file: Option<&Upload>) -> Result<(), AppError> {
    match file {
        Some(f) if !f.bytes.is_empty() && files::sniff(&f.bytes).is_none() => {
            Err(AppError::UnsupportedType("support-file-type"))
        }
        _ => Ok(()),
    }
}

/// At most [`VISITOR_TICKETS_PER_HOUR`] tickets per client address and hour.
async fn visitor_limit(
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

/// «Мои обращения», the latest change first.
pub async fn mine(app: &App, who: &SignedIn) -> Result<Vec<Ticket>, AppError> {
    who.authorize(Action::UseSupport)?;
    let mut conn = app.store.acquire().await?;
    Ok(store::of_account(&mut conn, &who.account.id).await?)
}

async fn own(conn: &mut Conn, who: &SignedIn, id: &str) -> Result<Ticket, AppError> {
    store::get(conn, id)
        .await?
        .filter(|t| t.account_id.as_deref() == Some(who.account.id.as_str()))
        .ok_or(AppError::NotFound)
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

/// The support queue: open tickets (or one status), escalated only if asked; the
/// longest waiting first.
pub async fn queue(
    app: &App,
    staff: &SignedIn,
    status: Option<&str>,
    escalated_only: bool,
) -> Result<Vec<Ticket>, AppError> {
    staff.authorize(Action::HandleSupport)?;
    if let Some(s) = status
        && !STATUSES.contains(&s)
    {
        return Err(AppError::Validation(vec![FieldError::new(
            "status",
            "support-status-unknown",
        )]));
    }
    let mut conn = app.store.acquire().await?;
    Ok(store::queue(&mut conn, status, escalated_only, 500).await?)
}

/// A ticket as staff see it (a visitor's contact included); reading it is recorded.
pub async fn get_for_staff(
    app: &App,
    ctx: &Ctx,
    staff: &SignedIn,
    id: &str,
) -> Result<TicketView, AppError> {
    staff.authorize(Action::HandleSupport)?;
    let mut conn = app.store.acquire().await?;
    let ticket = store::get(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let messages = store::messages(&mut conn, id).await?;
    audit_event(
        &mut conn,
        ctx,
        app.clock.now(),
        &staff.actor(),
        "support.ticket_viewed",
        &format!("ticket:{id}"),
        json!({}),
    )
    .await?;
    Ok(TicketView {
        contact: visitor_contact(app, &ticket)?,
        ticket,
        messages,
    })
}

/// Staff answer: the ticket becomes `answered`, `waiting` (for the user) or `closed`;
/// the person is told.
pub async fn answer(
    app: &App,
    ctx: &Ctx,
    staff: &SignedIn,
    id: &str,
    text: &str,
    status: &str,
    file: Option<&Upload>,
) -> Result<(), AppError> {
    staff.authorize(Action::HandleSupport)?;
    if !matches!(status, "answered" | "waiting" | "closed") {
        return Err(AppError::Validation(vec![FieldError::new(
            "status",
            "support-status-unknown",
        )]));
    }
    let mut conn = app.store.acquire().await?;
    let ticket = store::get(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    drop(conn);
    if ticket.status == "closed" {
        return Err(AppError::Conflict("support-closed"));
    }
    add_message(app, ctx, staff, &ticket, "staff", text, file, status, None).await
}

/// An operator hands a ticket to the supervisors (with a reason they are told).
pub async fn escalate(
    app: &App,
    ctx: &Ctx,
    staff: &SignedIn,
    id: &str,
    reason: &str,
) -> Result<(), AppError> {
    staff.authorize(Action::HandleSupport)?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::Validation(vec![FieldError::new(
            "reason",
            "support-escalate-reason",
        )]));
    }
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let ticket = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if ticket.status == "closed" {
        return Err(AppError::Conflict("support-closed"));
    }
    if ticket.escalated {
        return Err(AppError::Conflict("support-already-escalated"));
    }
    if !store::set_status(&mut tx, id, &ticket.status, &ticket.status, Some(true), now).await? {
        return Err(AppError::Conflict("support-changed-meanwhile"));
    }
    let reason: String = reason.chars().take(1000).collect();
    audit_event(
        &mut tx,
        ctx,
        now,
        &staff.actor(),
        "support.escalated",
        &format!("ticket:{id}"),
        json!({ "reason": reason }),
    )
    .await?;
    for (account, _) in accounts::staff(&mut tx).await? {
        if account.status == "active"
            && account.staff_role.as_deref() == Some(StaffRole::Supervisor.as_str())
        {
            notices::notify(
                &mut tx,
                app,
                now,
                &account.id,
                &notices::Notice {
                    category: kabinet_domain::notify::Category::Support,
                    subject_key: "notice-ticket-escalated-subject",
                    text_key: "notice-ticket-escalated-message",
                    args: &[
                        ("number", ticket.number.as_str()),
                        ("reason", reason.as_str()),
                    ],
                    link: Some(format!("/staff/support/{id}")),
                },
            )
            .await?;
        }
    }
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(())
}

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
