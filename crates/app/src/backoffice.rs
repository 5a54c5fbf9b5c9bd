//! The back office (BO-1 … BO-3, AUD-2): the work queue and assignment, the
//! supervisor's overview, staff administration and blocking, audit search.

use kabinet_domain::access::{Action, StaffRole};
use kabinet_domain::login::LoginId;
use kabinet_store::accounts::{self, Account};
use kabinet_store::applications::{self as store, Assigned, QueueFilter};
use kabinet_store::audit::{self, Entry, Search};
use kabinet_store::{Conn, sessions};
use serde_json::json;
use time::{Date, Duration};

use crate::auth::{SignedIn, audit_event, notices};
use crate::{App, AppError, Ctx, FieldError, catalog, staff};

/// How close an item is to its due date (BO-3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Urgency {
    /// Past its due date and still open.
    Overdue,
    /// Due today or tomorrow.
    DueSoon,
    /// Time left.
    OnTime,
    /// Decided or closed: no deadline applies.
    Closed,
}

impl Urgency {
    /// The name used in the API and the message catalog.
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Overdue => "overdue",
            Urgency::DueSoon => "due_soon",
            Urgency::OnTime => "on_time",
            Urgency::Closed => "closed",
        }
    }

    /// How urgent an application due on `due` with `status` is on `today`.
    pub fn of(status: &str, due: Option<Date>, today: Date) -> Urgency {
        let open = matches!(
            status,
            "submitted" | "in_progress" | "needs_clarification" | "approved"
        );
        match due {
            _ if !open => Urgency::Closed,
            Some(d) if d < today => Urgency::Overdue,
            Some(d) if d <= today + Duration::days(1) => Urgency::DueSoon,
            _ => Urgency::OnTime,
        }
    }
}

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

fn field(name: &'static str, key: &'static str) -> AppError {
    AppError::Validation(vec![FieldError::new(name, key)])
}

fn role_of(account: &Account) -> Option<StaffRole> {
    account.staff_role.as_deref().and_then(StaffRole::parse)
}

/// The e-mail of every staff account by id.
async fn staff_emails(conn: &mut Conn) -> Result<Vec<(Account, String)>, AppError> {
    Ok(accounts::staff(conn).await?)
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
        .filter(|(a, _)| {
            a.status == "active"
                && matches!(
                    role_of(a),
                    Some(StaffRole::Operator | StaffRole::Supervisor)
                )
        })
        .map(|(a, e)| (a.id, e))
        .collect())
}

/// «Взять в работу» (`assignee` = `me`) or, for a supervisor, giving it to another
/// operator. Of two staff taking a free application at once exactly one wins; the
/// other gets `Conflict("application-taken")`.
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
    let reassign = target != me;
    if reassign {
        who.authorize(Action::ReassignApplications)?;
    }
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let row = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if row.status == "draft" {
        return Err(AppError::NotFound);
    }
    if reassign {
        let ok = accounts::get(&mut tx, &target).await?.is_some_and(|a| {
            a.status == "active"
                && matches!(
                    role_of(&a),
                    Some(StaffRole::Operator | StaffRole::Supervisor)
                )
        });
        if !ok {
            return Err(field("assignee", "backoffice-assignee-unknown"));
        }
    }
    if row.assignee.as_deref() == Some(target.as_str()) {
        return Ok(());
    }
    // Taking for oneself only succeeds while nobody has it; a supervisor may move it.
    if !store::assign(&mut tx, id, &target, !reassign, now).await? {
        return Err(if row.assignee.is_some() || !reassign {
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
        if reassign {
            "application.reassigned"
        } else {
            "application.taken"
        },
        &format!("application:{id}"),
        json!({ "assignee": format!("account:{target}"), "previous": row.assignee.map(|a| format!("account:{a}")) }),
    )
    .await?;
    if reassign {
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
    }
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(())
}

/// Counts for the supervisor's overview (BO-3).
#[derive(Clone, Debug, Default)]
pub struct Overview {
    /// `(status, count)`.
    pub by_status: Vec<(String, i64)>,
    /// `(service title, open, overdue)`.
    pub by_service: Vec<(String, i64, i64)>,
    /// `(staff e-mail or «не назначено», open, overdue)`.
    pub by_operator: Vec<(Option<String>, i64, i64)>,
    /// The last 30 days, oldest first: `(day, received, completed)`.
    pub per_day: Vec<(Date, i64, i64)>,
}

fn bump<K: PartialEq + Clone>(list: &mut Vec<(K, i64, i64)>, key: &K, n: i64, overdue: i64) {
    match list.iter_mut().find(|(k, _, _)| k == key) {
        Some(e) => {
            e.1 += n;
            e.2 += overdue;
        }
        None => list.push((key.clone(), n, overdue)),
    }
}

/// The supervisor's overview: counts by status, service and operator, and the
/// applications received and completed per day over the last 30 days.
pub async fn overview(app: &App, who: &SignedIn) -> Result<Overview, AppError> {
    who.authorize(Action::ViewOverview)?;
    let today = app.clock.now().date();
    let since = today - Duration::days(29);
    let mut conn = app.store.acquire().await?;
    let rows = store::workload(&mut conn, &today.to_string()).await?;
    let days = store::per_day(&mut conn, &since.to_string()).await?;
    let staff = staff_emails(&mut conn).await?;
    drop(conn);
    let titles = catalog::titles(app).await?;
    let mut out = Overview::default();
    for (status, service, assignee, n, overdue) in rows {
        match out.by_status.iter_mut().find(|(s, _)| *s == status) {
            Some(e) => e.1 += n,
            None => out.by_status.push((status.clone(), n)),
        }
        let open = matches!(
            status.as_str(),
            "submitted" | "in_progress" | "needs_clarification" | "approved"
        );
        if !open {
            continue;
        }
        let title = titles
            .iter()
            .find(|(id, _)| *id == service)
            .map(|(_, t)| t.clone())
            .unwrap_or(service);
        bump(&mut out.by_service, &title, n, overdue);
        let email = assignee.and_then(|a| {
            staff
                .iter()
                .find(|(acc, _)| acc.id == a)
                .map(|(_, e)| e.clone())
        });
        bump(&mut out.by_operator, &email, n, overdue);
    }
    let order = [
        "submitted",
        "in_progress",
        "needs_clarification",
        "approved",
        "rejected",
        "completed",
        "withdrawn",
    ];
    out.by_status
        .sort_by_key(|(s, _)| order.iter().position(|o| o == s).unwrap_or(order.len()));
    out.by_service
        .sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    out.by_operator.sort_by_key(|e| std::cmp::Reverse(e.1));
    for i in 0..30 {
        let day = since + Duration::days(i);
        let key = day.to_string();
        let (r, c) = days
            .iter()
            .find(|(d, _, _)| *d == key)
            .map(|(_, r, c)| (*r, *c))
            .unwrap_or((0, 0));
        out.per_day.push((day, r, c));
    }
    Ok(out)
}

/// Tells every active supervisor, once per application and due date, about open
/// applications past their due date (BO-3). Returns how many were raised.
pub async fn raise_overdue(app: &App) -> Result<usize, AppError> {
    let now = app.clock.now();
    let today = now.date().to_string();
    let mut tx = app.store.begin().await?;
    let due = store::claim_overdue(&mut tx, &today, 500).await?;
    if due.is_empty() {
        return Ok(0);
    }
    let supervisors: Vec<String> = accounts::staff(&mut tx)
        .await?
        .into_iter()
        .filter(|(a, _)| a.status == "active" && role_of(a) == Some(StaffRole::Supervisor))
        .map(|(a, _)| a.id)
        .collect();
    for (id, number, due_on) in &due {
        audit_event(
            &mut tx,
            &Ctx::system(),
            now,
            "system",
            "application.overdue",
            &format!("application:{id}"),
            json!({ "due_on": due_on }),
        )
        .await?;
        for s in &supervisors {
            notices::notify(
                &mut tx,
                app,
                now,
                s,
                &notices::Notice {
                    category: kabinet_domain::notify::Category::Deadlines,
                    subject_key: "notice-application-overdue-subject",
                    text_key: "notice-application-overdue-message",
                    args: &[("number", number.as_str()), ("due", due_on.as_str())],
                    link: Some(format!("/staff/applications/{id}")),
                },
            )
            .await?;
        }
    }
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(due.len())
}

// ---- staff administration (BO-1) ----

/// A staff account as the administrator sees it.
#[derive(Clone, Debug)]
pub struct StaffMember {
    /// Account id.
    pub id: String,
    /// E-mail (the sign-in).
    pub email: String,
    /// Role name.
    pub role: String,
    /// `active` or `blocked`.
    pub status: String,
    /// Why blocked.
    pub status_reason: Option<String>,
    /// Has a second factor.
    pub last_sign_in_at: Option<time::OffsetDateTime>,
}

/// Every staff account.
pub async fn staff_members(app: &App, who: &SignedIn) -> Result<Vec<StaffMember>, AppError> {
    who.authorize(Action::ManageAccounts)?;
    let mut conn = app.store.acquire().await?;
    Ok(staff_emails(&mut conn)
        .await?
        .into_iter()
        .map(|(a, email)| StaffMember {
            id: a.id,
            email,
            role: a.staff_role.unwrap_or_default(),
            status: a.status,
            status_reason: a.status_reason,
            last_sign_in_at: a.last_sign_in_at,
        })
        .collect())
}

/// An administrator creates a staff account; the one-time password is shown once.
pub async fn create_staff(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    email: &str,
    role: &str,
) -> Result<staff::NewStaff, AppError> {
    who.authorize(Action::ManageAccounts)?;
    staff::create_staff(app, ctx, email, role).await
}

/// Changes a staff member's role. Administrators cannot change their own (so that
/// the last one cannot lock everyone out).
pub async fn set_role(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    id: &str,
    role: &str,
) -> Result<(), AppError> {
    who.authorize(Action::ManageAccounts)?;
    let role = StaffRole::parse(role).ok_or_else(|| field("role", "staff-role-unknown"))?;
    if id == who.account.id {
        return Err(AppError::Conflict("backoffice-own-account"));
    }
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let account = accounts::get(&mut tx, id)
        .await?
        .filter(|a| a.kind == "staff")
        .ok_or(AppError::NotFound)?;
    if role_of(&account) == Some(role) {
        return Ok(());
    }
    accounts::set_role(&mut tx, id, role.as_str()).await?;
    audit_event(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        "staff.role_changed",
        &format!("account:{id}"),
        json!({ "from": account.staff_role, "to": role.as_str() }),
    )
    .await?;
    notices::security_notice(
        &mut tx,
        app,
        now,
        id,
        "notice-staff-role-subject",
        "notice-staff-role-message",
        &[(
            "role",
            &app.i18n.t(&format!("staff-role-{}", role.as_str())),
        )],
    )
    .await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(())
}

/// Finds an account by a sign-in identifier (e-mail, phone, СНИЛС, ИНН) for the
/// administrator's blocking form; `(id, kind, status, reason)`.
pub async fn find_account(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    login: &str,
) -> Result<Account, AppError> {
    who.authorize(Action::ManageAccounts)?;
    let candidates = LoginId::candidates(login.trim());
    if candidates.is_empty() {
        return Err(field("login", "backoffice-login-invalid"));
    }
    let mut conn = app.store.acquire().await?;
    for c in candidates {
        let key = app.login_key(&c);
        if let Some(a) = accounts::find_by_login(&mut conn, &key).await? {
            audit_event(
                &mut conn,
                ctx,
                app.clock.now(),
                &who.actor(),
                "account.looked_up",
                &format!("account:{}", a.id),
                json!({}),
            )
            .await?;
            return Ok(a);
        }
    }
    Err(AppError::NotFound)
}

/// Blocks (`block` = true, with a reason) or unblocks an account, staff or applicant.
/// Blocking ends all its sessions at once; the person is told.
pub async fn set_blocked(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    id: &str,
    block: bool,
    reason: &str,
) -> Result<(), AppError> {
    who.authorize(Action::ManageAccounts)?;
    let reason = reason.trim();
    if block && reason.is_empty() {
        return Err(field("reason", "backoffice-reason-required"));
    }
    if id == who.account.id {
        return Err(AppError::Conflict("backoffice-own-account"));
    }
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let account = accounts::get(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (status, action, subject, message) = if block {
        (
            "blocked",
            "account.blocked",
            "notice-account-blocked-subject",
            "notice-account-blocked-message",
        )
    } else {
        (
            "active",
            "account.unblocked",
            "notice-account-unblocked-subject",
            "notice-account-unblocked-message",
        )
    };
    if !block && account.status != "blocked" {
        return Err(AppError::Conflict("backoffice-not-blocked"));
    }
    if account.status == status {
        return Ok(());
    }
    let reason_text: String = reason.chars().take(500).collect();
    accounts::set_status(&mut tx, id, status, block.then_some(reason_text.as_str())).await?;
    let ended = if block {
        sessions::delete_for_account(&mut tx, id, None).await?
    } else {
        0
    };
    audit_event(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        action,
        &format!("account:{id}"),
        json!({ "reason": reason_text, "sessions_ended": ended }),
    )
    .await?;
    notices::security_notice(&mut tx, app, now, id, subject, message, &[]).await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(())
}

// ---- audit (AUD-2) ----

/// One page of the audit log for an auditor, newest first, and whether more follow.
/// Searching is itself recorded.
pub async fn audit_search(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    search: &Search,
    limit: i64,
    before_seq: Option<i64>,
) -> Result<(Vec<Entry>, bool), AppError> {
    who.authorize(Action::ReadAudit)?;
    let mut errors = Vec::new();
    for (name, value) in [("from", &search.from), ("to", &search.to)] {
        if let Some(v) = value
            && kabinet_domain::profile::date(v).is_err()
        {
            errors.push(FieldError::new(name, "backoffice-date-invalid"));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let mut conn = app.store.acquire().await?;
    let found = audit::search(&mut conn, search, limit.clamp(1, 10_000), before_seq).await?;
    audit_event(
        &mut conn,
        ctx,
        app.clock.now(),
        &who.actor(),
        "audit.searched",
        "audit_log",
        json!({
            "actor": search.actor, "object": search.object, "action": search.action,
            "from": search.from, "to": search.to, "rows": found.0.len(),
        }),
    )
    .await?;
    Ok(found)
}
