//! Staff moves on an application: status transitions, results, comments, reminders.

use crate::audit::audit_event;
use crate::auth::{SignedIn, notices};
use crate::files::{self, Upload};
use crate::{App, AppError, Ctx, FieldError};
use kabinet_domain::access::{Action, CaseAction, StaffRole};
use kabinet_domain::application::{Mover, Status, check_move};
use kabinet_store::applications::{self as store, Comment};
use kabinet_store::requests::FileRecord;
use serde_json::json;

use super::*;

/// Working days an applicant has to answer a clarification request.
pub const CLARIFICATION_WORKING_DAYS: u32 = 10;

/// Reminds applicants of clarification requests (NTF-4): three days before the answer
/// is due and once it is overdue, each once (several processes claim them with a
/// conditional update). Returns how many were sent.
pub async fn send_clarification_reminders(app: &App) -> Result<usize, AppError> {
    let now = app.clock.now();
    let today = now.date();
    let mut sent = 0;
    for (kind, until, subject, text) in [
        (
            "soon",
            today + time::Duration::days(3),
            "notice-clarification-soon-subject",
            "notice-clarification-soon-message",
        ),
        (
            "overdue",
            today,
            "notice-clarification-overdue-subject",
            "notice-clarification-overdue-message",
        ),
    ] {
        let mut tx = app.store.begin().await?;
        let due =
            store::claim_clarification_reminders(&mut tx, kind, &until.to_string(), 500).await?;
        for (id, number, account, due_on, organization) in &due {
            let date = kabinet_domain::profile::date(due_on)
                .map(crate::format::day)
                .unwrap_or_else(|_| due_on.clone());
            notify_owner(
                &mut tx,
                app,
                now,
                account,
                organization.as_deref(),
                &notices::Notice {
                    category: kabinet_domain::notify::Category::Deadlines,
                    subject_key: subject,
                    text_key: text,
                    args: &[("number", number.as_str()), ("date", date.as_str())],
                    link: Some(format!("/applications/{id}")),
                },
            )
            .await?;
        }
        tx.commit().await?;
        sent += due.len();
    }
    if sent > 0 {
        app.outbox_wake.notify_one();
    }
    Ok(sent)
}

// ---- staff ----

pub(super) fn staff_role(who: &SignedIn) -> Result<StaffRole, AppError> {
    who.authorize(Action::ProcessApplications)?;
    who.account
        .staff_role
        .as_deref()
        .and_then(StaffRole::parse)
        .ok_or(AppError::Forbidden)
}

/// Staff move an application (BO-2): the moves their role allows, with a reason
/// where one is required; the applicant is told.
pub async fn transition(
    app: &App,
    ctx: &Ctx,
    staff: &SignedIn,
    id: &str,
    to: &str,
    reason: &str,
) -> Result<(), AppError> {
    let role = staff_role(staff)?;
    let to = Status::parse(to).ok_or_else(|| {
        AppError::Validation(vec![FieldError::new("to", "application-status-unknown")])
    })?;
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let row = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let from = Status::parse(&row.status).ok_or_else(|| corrupt("status"))?;
    check_move(from, to, Mover::Staff(role), Some(reason)).map_err(move_error)?;
    // Whose it is decides (domain::access); what nobody has yet becomes the mover's.
    staff.authorize_case(CaseAction::Move, row.assignee.as_deref())?;
    if row.assignee.is_none() && !store::assign(&mut tx, id, &staff.account.id, true, now).await? {
        return Err(AppError::Conflict("application-taken"));
    }
    if to == Status::Completed
        && !store::files(&mut tx, id)
            .await?
            .iter()
            .any(|(_, k, _)| k == "result")
    {
        return Err(AppError::Conflict("application-result-missing"));
    }
    record_move(
        app,
        &mut tx,
        ctx,
        &row,
        from,
        to,
        &staff.actor(),
        "staff",
        Some(reason),
        now,
    )
    .await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(())
}

/// Staff attach the result document of an approved application (APP-6).
pub async fn attach_result(
    app: &App,
    ctx: &Ctx,
    staff: &SignedIn,
    id: &str,
    upload: &Upload,
) -> Result<FileRecord, AppError> {
    staff_role(staff)?;
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let row = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if row.status != Status::Approved.as_str() {
        return Err(AppError::Conflict("application-result-not-now"));
    }
    staff.authorize_case(CaseAction::AttachResult, row.assignee.as_deref())?;
    if files::sniff(&upload.bytes).is_none() {
        return Err(AppError::UnsupportedType("application-file-type"));
    }
    let stored = files::store(app, &mut tx, &row.account_id, "result", upload, "file").await?;
    let result = async {
        store::add_file(&mut tx, id, &stored.record.id, "result", true, now).await?;
        store::touch(&mut tx, id, now).await?;
        audit_event(
            &mut tx,
            ctx,
            now,
            &staff.actor(),
            "application.result_attached",
            &format!("application:{id}"),
            json!({ "size": stored.record.size }),
        )
        .await
    }
    .await;
    if let Err(e) = result {
        stored.discard().await;
        return Err(e);
    }
    let record = stored.record.clone();
    files::commit_or_discard(tx, Some(stored)).await?;
    Ok(record)
}

/// Staff comment: public (the applicant sees it and is told) or an internal note.
pub async fn staff_comment(
    app: &App,
    ctx: &Ctx,
    staff: &SignedIn,
    id: &str,
    text: &str,
    internal: bool,
) -> Result<(), AppError> {
    staff_role(staff)?;
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::Validation(vec![FieldError::new(
            "text",
            "form-required",
        )]));
    }
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let row = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    store::add_comment(
        &mut tx,
        id,
        &Comment {
            author: staff.actor(),
            author_kind: "staff".into(),
            internal,
            text: text.chars().take(4000).collect(),
            at: now,
        },
    )
    .await?;
    store::touch(&mut tx, id, now).await?;
    audit_event(
        &mut tx,
        ctx,
        now,
        &staff.actor(),
        "application.staff_commented",
        &format!("application:{id}"),
        json!({ "internal": internal }),
    )
    .await?;
    if !internal {
        let number = row.number.clone().unwrap_or_default();
        notify_owner(
            &mut tx,
            app,
            now,
            &row.account_id,
            row.organization_id.as_deref(),
            &notices::Notice {
                category: kabinet_domain::notify::Category::ApplicationStatus,
                subject_key: "notice-application-comment-subject",
                text_key: "notice-application-comment-message",
                args: &[("number", &number)],
                link: Some(format!("/applications/{}", row.id)),
            },
        )
        .await?;
    }
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(())
}

/// Staff read an application, internal notes included.
pub async fn get_for_staff(
    app: &App,
    ctx: &Ctx,
    staff: &SignedIn,
    id: &str,
) -> Result<Detail, AppError> {
    staff_role(staff)?;
    let mut conn = app
        .store
        .pool()
        .acquire()
        .await
        .map_err(kabinet_store::StoreError::from)?;
    let row = store::get(&mut conn, id)
        .await?
        .filter(|r| r.status != Status::Draft.as_str())
        .ok_or(AppError::NotFound)?;
    let detail = detail(app, &mut conn, &row, true).await?;
    // Staff reading an application read personal data: recorded (AUD-2).
    audit_event(
        &mut conn,
        ctx,
        app.clock.now(),
        &staff.actor(),
        "application.viewed",
        &format!("application:{id}"),
        json!({}),
    )
    .await?;
    Ok(detail)
}
