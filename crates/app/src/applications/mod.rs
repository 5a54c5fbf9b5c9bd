//! Applications (APP-1 … APP-6): a draft from a service's form, filled step by step
//! and saved at each step, checked, submitted with a number and a due date, moved
//! through the status machine of `kabinet_domain::application`, with comments,
//! attachments, the clarification loop and the result.
//!
//! The answers are sealed (they hold identifiers). Every move is recorded with its
//! time, actor and reason, in one transaction with its audit entry and its notice.

mod attachments;
mod drafts;
mod integrity;
mod queries;
mod staff;
mod submit;
mod take;

pub use attachments::{MAX_ATTACHMENT, attach, file};
use drafts::check_values;
pub use drafts::{create_draft, eligibility, save_step, update_draft};
pub use integrity::{PartsReport, verify_parts};
use queries::detail;
pub use queries::{all_for_export, attachment_limit, get, list, versions};
pub use staff::{
    CLARIFICATION_WORKING_DAYS, attach_result, get_for_staff, send_clarification_reminders,
    staff_comment, transition,
};
use submit::answered;
pub use submit::{Submitted, comment, submit, withdraw};
pub use take::take_into_work;

use crate::audit::audit_event;
use crate::auth::{SignedIn, notices};
use crate::catalog::{self, Service};
use crate::{App, AppError, Ctx, FieldError};
use kabinet_domain::access::OrgAction;
use kabinet_domain::application::{MoveError, Status};
use kabinet_store::Conn;
use kabinet_store::applications::{self as store, ApplicationRow, Comment, Event, Owner};
use kabinet_store::requests::FileRecord;
use serde_json::json;
use std::collections::BTreeMap;
use time::{Date, OffsetDateTime};

/// Answers by field name.
pub type Answers = BTreeMap<String, String>;

/// An application as its reader sees it.
#[derive(Clone, Debug)]
pub struct Application {
    /// Id.
    pub id: String,
    /// Number, once submitted.
    pub number: Option<String>,
    /// The applicant.
    pub account_id: String,
    /// Status.
    pub status: Status,
    /// The service, in the version filed under.
    pub service: std::sync::Arc<Service>,
    /// The answers.
    pub answers: Answers,
    /// The step a draft is on (from 1; one past the last: «Проверьте данные»).
    pub step: usize,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Submitted.
    pub submitted_at: Option<OffsetDateTime>,
    /// When the result is due.
    pub due_on: Option<Date>,
    /// Changes with every move, comment and attachment.
    pub version: i64,
    /// When an answer to the clarification request is due.
    pub clarification_due: Option<Date>,
    /// The organisation it belongs to, if filed for one (`account_id` filed it).
    pub organization_id: Option<String>,
}

/// An attached file.
#[derive(Clone, Debug)]
pub struct Attached {
    /// Its record.
    pub file: FileRecord,
    /// The document kind, or `result`.
    pub kind: String,
    /// Attached by staff.
    pub by_staff: bool,
}

/// An application with its history, comments and files.
#[derive(Clone, Debug)]
pub struct Detail {
    /// The staff account working on it.
    pub assignee: Option<String>,
    /// The application.
    pub application: Application,
    /// «История статуса», oldest first.
    pub history: Vec<Event>,
    /// Comments (staff see internal notes too).
    pub comments: Vec<Comment>,
    /// Files.
    pub files: Vec<Attached>,
}

fn corrupt(e: impl std::fmt::Display) -> AppError {
    AppError::Store(kabinet_store::StoreError::Corrupt(e.to_string()))
}

fn place(id: &str) -> String {
    format!("applications.fields:{id}")
}

fn seal(app: &App, id: &str, answers: &Answers) -> Result<String, AppError> {
    let json = serde_json::to_string(answers).map_err(corrupt)?;
    app.keys.seal(&place(id), &json).map_err(corrupt)
}

async fn decode(app: &App, conn: &mut Conn, row: &ApplicationRow) -> Result<Application, AppError> {
    let mut a = summary(app, conn, row).await?;
    a.answers = serde_json::from_str(
        &app.keys
            .open(&place(&row.id), &row.fields_sealed)
            .map_err(corrupt)?,
    )
    .map_err(corrupt)?;
    Ok(a)
}

/// An application without its answers (lists show none: the answers are not opened).
async fn summary(
    app: &App,
    conn: &mut Conn,
    row: &ApplicationRow,
) -> Result<Application, AppError> {
    let service = catalog::get_version(app, conn, &row.service_id, row.service_version).await?;
    let answers = Answers::new();
    Ok(Application {
        id: row.id.clone(),
        number: row.number.clone(),
        account_id: row.account_id.clone(),
        status: Status::parse(&row.status)
            .ok_or_else(|| corrupt(format!("status {}", row.status)))?,
        service,
        answers,
        step: usize::try_from(row.step).unwrap_or(1),
        created_at: row.created_at,
        submitted_at: row.submitted_at,
        due_on: row
            .due_on
            .as_deref()
            .and_then(|d| kabinet_domain::profile::date(d).ok()),
        version: row.version,
        clarification_due: row
            .clarification_due_on
            .as_deref()
            .and_then(|d| kabinet_domain::profile::date(d).ok()),
        organization_id: row.organization_id.clone(),
    })
}

/// The row of an application the caller may reach in the context they act in: their
/// own while acting as a private person, their organisation's while acting for it
/// (and `need` allowed to their role there). Anything else — another person's, an
/// organisation's seen as a private person or from another organisation — is "not
/// found", exactly as an unknown id (ASVS V8.4.1).
async fn own(
    conn: &mut Conn,
    who: &SignedIn,
    id: &str,
    need: OrgAction,
) -> Result<ApplicationRow, AppError> {
    let row = store::get(conn, id).await?.ok_or(AppError::NotFound)?;
    reachable(who, &row, need)?;
    Ok(row)
}

/// The rule of [`own`] for a row already read.
fn reachable(who: &SignedIn, row: &ApplicationRow, need: OrgAction) -> Result<(), AppError> {
    match (&who.acting, &row.organization_id) {
        (None, None) if row.account_id == who.account.id => Ok(()),
        (Some(acting), Some(org)) if &acting.organization_id == org => {
            who.authorize_for_org(need).map(|_| ())
        }
        _ => Err(AppError::NotFound),
    }
}

/// Whose applications the caller sees: their own, or the organisation's they act for.
fn owner(who: &SignedIn) -> Owner<'_> {
    match &who.acting {
        Some(a) => Owner::Organization(&a.organization_id),
        None => Owner::Person(&who.account.id),
    }
}

/// Tells whoever follows an application: its applicant, or — for an organisation's
/// application — every member who may read it.
async fn notify_owner(
    conn: &mut Conn,
    app: &App,
    now: OffsetDateTime,
    row_account: &str,
    organization_id: Option<&str>,
    notice: &notices::Notice<'_>,
) -> Result<(), AppError> {
    match organization_id {
        None => notices::notify(conn, app, now, row_account, notice)
            .await
            .map(|_| ()),
        Some(org) => {
            for (account, role) in kabinet_store::organizations::members(conn, org).await? {
                if kabinet_domain::organisation::Role::parse(&role)
                    .is_some_and(|r| OrgAction::ReadApplications.allows(r))
                {
                    notices::notify(conn, app, now, &account, notice).await?;
                }
            }
            Ok(())
        }
    }
}

fn move_error(e: MoveError) -> AppError {
    match e {
        MoveError::NotFromHere => AppError::Conflict(e.message_key()),
        MoveError::NotYours => AppError::Refused(e.message_key()),
        MoveError::ReasonRequired => {
            AppError::Validation(vec![FieldError::new("reason", e.message_key())])
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn record_move(
    app: &App,
    conn: &mut Conn,
    ctx: &Ctx,
    row: &ApplicationRow,
    from: Status,
    to: Status,
    actor: &str,
    actor_kind: &str,
    reason: Option<&str>,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    if !store::set_status(conn, &row.id, from.as_str(), to.as_str(), now).await? {
        return Err(AppError::Conflict("application-changed-meanwhile"));
    }
    if to == Status::NeedsClarification {
        let calendar = catalog::calendar(conn).await?;
        let due = calendar.add_working_days(now.date(), CLARIFICATION_WORKING_DAYS);
        store::set_clarification_due(conn, &row.id, Some(&due.to_string())).await?;
    } else if from == Status::NeedsClarification {
        store::set_clarification_due(conn, &row.id, None).await?;
    }
    let reason = reason
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| r.chars().take(2000).collect::<String>());
    store::add_event(
        conn,
        &row.id,
        &Event {
            from_status: Some(from.as_str().into()),
            to_status: to.as_str().into(),
            actor: actor.into(),
            actor_kind: actor_kind.into(),
            reason: reason.clone(),
            at: now,
        },
    )
    .await?;
    audit_event(
        conn,
        ctx,
        now,
        actor,
        "application.moved",
        &format!("application:{}", row.id),
        json!({ "from": from.as_str(), "to": to.as_str() }),
    )
    .await?;
    let number = row.number.clone().unwrap_or_default();
    let status = app.i18n.t(&format!("status-{}", to.as_str()));
    let reason_text = reason
        .map(|r| {
            app.i18n
                .t_with("notice-application-reason", &[("reason", &r)])
        })
        .unwrap_or_default();
    notify_owner(
        conn,
        app,
        now,
        &row.account_id,
        row.organization_id.as_deref(),
        &notices::Notice {
            category: kabinet_domain::notify::Category::ApplicationStatus,
            subject_key: "notice-application-moved-subject",
            text_key: "notice-application-moved-message",
            args: &[
                ("number", &number),
                ("status", &status),
                ("reason", &reason_text),
            ],
            link: Some(format!("/applications/{}", row.id)),
        },
    )
    .await?;
    Ok(())
}

/// Every message key this module may use in an answer.
pub const MESSAGE_KEYS: &[&str] = &[
    "form-unknown-field",
    "application-organisations-only",
    "application-individuals-only",
    "application-needs-confirmed",
    "application-needs-standard",
    "application-not-draft",
    "application-document-required",
    "application-document-kind",
    "application-changed-meanwhile",
    "application-no-comments",
    "application-no-attachments",
    "application-file-too-large",
    "application-file-type",
    "application-files-too-many",
    "application-files-too-big",
    "application-status-unknown",
    "application-result-missing",
    "application-result-not-now",
    "application-move-not-allowed",
    "application-move-forbidden",
    "application-reason-required",
    "application-answered",
];
