//! The work queue: what is waiting, for whom, and assigning it.

use crate::audit::audit_event;
use crate::auth::{SignedIn, notices};
use crate::{App, AppError, Ctx, catalog};
use kabinet_domain::access::{Action, CaseAction};
use kabinet_domain::account::AccountStatus;
use kabinet_store::accounts::{self};
use kabinet_store::applications::{self as store, Assigned, QueueFilter};
use serde_json::json;
use time::Date;

use super::*;

/// One line of the work queue.
#[derive(Clone, Debug)]
pub struct QueueItem {
    /// The application.
    pub id: String,
    /// Its number.
    pub number: String,
    /// The service.
    pub service_id: String,
    /// The service's title.
    pub service_title: String,
    /// Status name.
    pub status: String,
    /// Submitted.
    pub submitted_at: Option<time::OffsetDateTime>,
    /// Due date.
    pub due_on: Option<Date>,
    /// The staff member who has it.
    pub assignee: Option<String>,
    /// Their e-mail.
    pub assignee_email: Option<String>,
    /// Deadline state.
    pub urgency: Urgency,
}

/// What the queue is asked for: the API's and the page's query parameters.
#[derive(Clone, Debug, Default)]
pub struct QueueQuery {
    /// A status name.
    pub status: Option<String>,
    /// A service id.
    pub service_id: Option<String>,
    /// Only overdue ones.
    pub overdue: bool,
    /// `me`, `none` or a staff account id.
    pub assignee: Option<String>,
    /// Closed ones too (by default only open ones unless a status is asked for).
    pub all: bool,
}

/// The work queue (BO-2): open applications, the earliest due first.
pub async fn queue(
    app: &App,
    who: &SignedIn,
    q: &QueueQuery,
    page: i64,
    per_page: i64,
) -> Result<(Vec<QueueItem>, i64), AppError> {
    who.authorize(Action::ProcessApplications)?;
    let today = app.clock.now().date();
    if let Some(s) = &q.status
        && kabinet_domain::application::Status::parse(s).is_none()
    {
        return Err(field("status", "application-status-unknown"));
    }
    let assigned = match q.assignee.as_deref() {
        None | Some("") | Some("any") => Assigned::Any,
        Some("me") => Assigned::To(who.account.id.clone()),
        Some("none") => Assigned::Nobody,
        Some(id) => Assigned::To(id.to_owned()),
    };
    let filter = QueueFilter {
        status: q.status.clone().filter(|s| !s.is_empty()),
        service_id: q.service_id.clone().filter(|s| !s.is_empty()),
        due_before: q.overdue.then(|| today.to_string()),
        assigned,
        open_only: !q.all || q.overdue,
    };
    let per_page = per_page.clamp(1, 100);
    let mut conn = app.store.acquire().await?;
    let (rows, total) =
        store::queue(&mut conn, &filter, per_page, (page.max(1) - 1) * per_page).await?;
    let titles = catalog::titles(app).await?;
    let staff = staff_emails(&mut conn).await?;
    let items = rows
        .into_iter()
        .map(|r| {
            let due_on = r
                .due_on
                .as_deref()
                .and_then(|d| kabinet_domain::profile::date(d).ok());
            QueueItem {
                service_title: titles
                    .iter()
                    .find(|(id, _)| *id == r.service_id)
                    .map(|(_, t)| t.clone())
                    .unwrap_or_else(|| r.service_id.clone()),
                assignee_email: r.assignee.as_ref().and_then(|a| {
                    staff
                        .iter()
                        .find(|(acc, _)| &acc.id == a)
                        .map(|(_, e)| e.clone())
                }),
                urgency: Urgency::of(&r.status, due_on, today),
                id: r.id,
                number: r.number.unwrap_or_default(),
                service_id: r.service_id,
                status: r.status,
                submitted_at: r.submitted_at,
                due_on,
                assignee: r.assignee,
            }
        })
        .collect();
    Ok((items, total))
}

/// Who may be given applications: active operators and supervisors, `(id, e-mail)`.
pub async fn assignees(app: &App, who: &SignedIn) -> Result<Vec<(String, String)>, AppError> {
    who.authorize(Action::ProcessApplications)?;
    let mut conn = app.store.acquire().await?;
    Ok(staff_emails(&mut conn)
        .await?
        .into_iter()
        .filter(|(a, _)| a.status == AccountStatus::Active && may_process(a))
        .map(|(a, e)| (a.id, e))
        .collect())
}

/// «Взять в работу» (`assignee` = `me` or one's own id: exactly
/// [`crate::applications::take_into_work`], which also starts a submitted
/// application) or, for a supervisor, giving it to another operator. Of two staff
/// taking a free application at once exactly one wins; the other gets
/// `Conflict("application-taken")`.
pub async fn assign(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    id: &str,
    assignee: &str,
) -> Result<(), AppError> {
    who.authorize(Action::ProcessApplications)?;
    let me = who.account.id.as_str();
    let target = match assignee.trim() {
        "" => return Err(field("assignee", "form-required")),
        "me" => me.to_owned(),
        other => other.to_owned(),
    };
    if target == me {
        // Taking for oneself is «Взять в работу», whether from the page or the API.
        return crate::applications::take_into_work(app, ctx, who, id).await;
    }
    who.authorize_case(CaseAction::Reassign, None)?;
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let row = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if row.status == "draft" {
        return Err(AppError::NotFound);
    }
    let ok = accounts::get(&mut tx, &target)
        .await?
        .is_some_and(|a| a.status == AccountStatus::Active && may_process(&a));
    if !ok {
        return Err(field("assignee", "backoffice-assignee-unknown"));
    }
    if row.assignee.as_deref() == Some(target.as_str()) {
        return Ok(());
    }
    // A supervisor may move it from anyone, while it is open.
    if !store::assign(&mut tx, id, &target, false, now).await? {
        return Err(if row.assignee.is_some() {
            AppError::Conflict("application-taken")
        } else {
            AppError::Conflict("application-closed")
        });
    }
    audit_event(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        "application.reassigned",
        &format!("application:{id}"),
        json!({ "assignee": format!("account:{target}"), "previous": row.assignee.map(|a| format!("account:{a}")) }),
    )
    .await?;
    let number = row.number.clone().unwrap_or_default();
    notices::notify(
        &mut tx,
        app,
        now,
        &target,
        &notices::Notice {
            category: kabinet_domain::notify::Category::ApplicationStatus,
            subject_key: "notice-application-assigned-subject",
            text_key: "notice-application-assigned-message",
            args: &[("number", &number)],
            link: Some(format!("/staff/applications/{id}")),
        },
    )
    .await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(())
}

/// Does the account's role carry the right to process applications (so it may be
/// given one)? The table is `domain::access`.
fn may_process(account: &kabinet_store::accounts::Account) -> bool {
    role_of(account).is_some_and(|r| r.carries(Action::ProcessApplications))
}
