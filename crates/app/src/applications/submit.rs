//! The applicant's moves: submitting, withdrawing, answering a clarification, commenting.

use crate::audit::audit_event;
use crate::auth::{SignedIn, notices};
use crate::catalog::{self};
use crate::{App, AppError, Ctx, FieldError};
use kabinet_domain::access::{Action, OrgAction};
use kabinet_domain::application::{Mover, Number, Status, check_move};
use kabinet_domain::form;
use kabinet_store::Conn;
use kabinet_store::applications::{self as store, ApplicationRow, Comment, Event};
use serde_json::json;
use time::{Date, OffsetDateTime};

use super::*;

/// What submission gives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submitted {
    /// The number.
    pub number: String,
    /// When the result is due.
    pub due_on: Date,
}

/// Submits a draft: every answer checked, every required document attached; a
/// number and a due date from the processing time in working days.
pub async fn submit(app: &App, ctx: &Ctx, who: &SignedIn, id: &str) -> Result<Submitted, AppError> {
    who.authorize(Action::UseOwnApplications)?;
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let row = own(&mut tx, who, id, OrgAction::FileApplications).await?;
    let a = decode(app, &mut tx, &row).await?;
    if a.status != Status::Draft {
        return Err(AppError::Conflict("application-not-draft"));
    }
    eligibility(who, &a.service).map_err(AppError::Refused)?;
    let all: Vec<&form::Field> = a.service.def.fields().collect();
    let mut errors = match check_values(&a.service, &a.answers, &all, now.date(), true) {
        Ok(_) => Vec::new(),
        Err(e) => e,
    };
    let attached = store::files(&mut tx, id).await?;
    for d in &a.service.def.documents {
        if d.required && !attached.iter().any(|(_, k, _)| k == &d.kind) {
            errors.push(FieldError::new(
                format!("document_{}", d.kind),
                "application-document-required",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    check_move(Status::Draft, Status::Submitted, Mover::Applicant, None).map_err(move_error)?;
    let year = now.year();
    let number = Number::new(year, store::next_number(&mut tx, year).await?);
    let calendar = catalog::calendar(&mut tx).await?;
    let due = catalog::due_on(&a.service.def, &calendar, now.date());
    if !store::submit(&mut tx, id, number.as_str(), &due.to_string(), now).await? {
        return Err(AppError::Conflict("application-not-draft"));
    }
    store::add_event(
        &mut tx,
        id,
        &Event {
            from_status: Some("draft".into()),
            to_status: "submitted".into(),
            actor: who.actor(),
            actor_kind: "applicant".into(),
            reason: None,
            at: now,
        },
    )
    .await?;
    audit_event(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        "application.submitted",
        &format!("application:{id}"),
        json!({ "number": number.as_str(), "service": a.service.def.id }),
    )
    .await?;
    let due_text = crate::format::day(due);
    notify_owner(
        &mut tx,
        app,
        now,
        &row.account_id,
        row.organization_id.as_deref(),
        &notices::Notice {
            category: kabinet_domain::notify::Category::ApplicationStatus,
            subject_key: "notice-application-submitted-subject",
            text_key: "notice-application-submitted-message",
            args: &[
                ("number", number.as_str()),
                ("title", &a.service.def.title),
                ("date", &due_text),
            ],
            link: Some(format!("/applications/{}", a.id)),
        },
    )
    .await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(Submitted {
        number: number.as_str().to_owned(),
        due_on: due,
    })
}

/// The applicant withdraws an application (until a decision).
pub async fn withdraw(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    id: &str,
    reason: &str,
) -> Result<(), AppError> {
    who.authorize(Action::UseOwnApplications)?;
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let row = own(&mut tx, who, id, OrgAction::FileApplications).await?;
    let from = Status::parse(&row.status).ok_or_else(|| corrupt("status"))?;
    check_move(from, Status::Withdrawn, Mover::Applicant, Some(reason)).map_err(move_error)?;
    record_move(
        app,
        &mut tx,
        ctx,
        &row,
        from,
        Status::Withdrawn,
        &who.actor(),
        "applicant",
        Some(reason),
        now,
    )
    .await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(())
}

/// An answer in a clarification returns the application to work by itself (APP-3).
pub(super) async fn answered(
    app: &App,
    conn: &mut Conn,
    ctx: &Ctx,
    row: &ApplicationRow,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    if row.status == Status::NeedsClarification.as_str() {
        check_move(
            Status::NeedsClarification,
            Status::InProgress,
            Mover::System,
            None,
        )
        .map_err(move_error)?;
        let reason = app.i18n.t("application-answered");
        record_move(
            app,
            conn,
            ctx,
            row,
            Status::NeedsClarification,
            Status::InProgress,
            "system",
            "system",
            Some(&reason),
            now,
        )
        .await?;
    } else {
        store::touch(conn, &row.id, now).await?;
    }
    Ok(())
}

/// The applicant comments on a filed application; during a clarification this is the
/// answer and the application returns to work.
pub async fn comment(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    id: &str,
    text: &str,
) -> Result<(), AppError> {
    who.authorize(Action::UseOwnApplications)?;
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::Validation(vec![FieldError::new(
            "text",
            "form-required",
        )]));
    }
    if text.chars().count() > 4000 {
        return Err(AppError::Validation(vec![FieldError::new(
            "text",
            "form-too-long",
        )]));
    }
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let row = own(&mut tx, who, id, OrgAction::FileApplications).await?;
    let status = Status::parse(&row.status).ok_or_else(|| corrupt("status"))?;
    if status == Status::Draft || status.is_final() {
        return Err(AppError::Conflict("application-no-comments"));
    }
    store::add_comment(
        &mut tx,
        id,
        &Comment {
            author: who.actor(),
            author_kind: "applicant".into(),
            internal: false,
            text: text.to_owned(),
            at: now,
        },
    )
    .await?;
    audit_event(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        "application.commented",
        &format!("application:{id}"),
        json!({}),
    )
    .await?;
    answered(app, &mut tx, ctx, &row, now).await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(())
}
