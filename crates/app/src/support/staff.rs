//! Tickets for support staff: the queue, answers, escalation.

use crate::audit::audit_event;
use crate::auth::{SignedIn, notices};
use crate::files::Upload;
use crate::{App, AppError, Ctx, FieldError};
use kabinet_domain::access::{Action, Duty, StaffRole};
use kabinet_domain::account::AccountStatus;
use kabinet_store::accounts;
use kabinet_store::support::{self as store, Ticket};
use serde_json::json;

use super::*;

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
        if account.status == AccountStatus::Active
            && account
                .staff_role
                .as_deref()
                .and_then(StaffRole::parse)
                .is_some_and(|r| Duty::EscalatedTickets.roles().contains(&r))
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
