//! The staff area `/staff` (BO-1 … BO-3, AUD-2) with its own layout: the work queue,
//! an application with the moves the role allows, the supervisor's overview with a
//! server-rendered chart, staff administration and blocking, the audit log.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use kabinet_app::applications::{self, Detail};
use kabinet_app::auth::SignedIn;
use kabinet_app::backoffice::{self, QueueItem, Urgency};
use kabinet_app::{AppError, catalog};
use kabinet_domain::access::{Action, StaffRole};
use kabinet_domain::application::{Mover, Status, moves_for};

use super::applications::{AnswerGroup, CommentRow, FileRow, HistoryRow, answers};
use super::auth::{form_errors, respond, see_other};
use super::{Errors, Layout};
use crate::api::staff::{AuditParams, QueueParams, audit_csv, csv_response};
use crate::session::Visit;
use crate::upload;
use crate::{AppState, WebError, format};

/// What the staff layout shows: the role and the sections it may open.
pub struct Nav {
    /// The role, in Russian.
    pub role: String,
    /// «Очередь заявлений».
    pub queue: bool,
    /// «Сводка».
    pub overview: bool,
    /// «Сотрудники и блокировки».
    pub accounts: bool,
    /// «Журнал аудита».
    pub audit: bool,
    /// «Подтверждение личности» and «Изменение данных».
    pub identity: bool,
    /// «Обращения».
    pub support: bool,
}

fn may(who: &SignedIn, action: Action) -> bool {
    who.authorize(action).is_ok()
}

/// The signed-in staff member and the layout's sections; otherwise the answer to give
/// (sign in first, or «only for staff»).
fn staff<'v>(state: &AppState, visit: &'v Visit) -> Result<(&'v SignedIn, Nav), Box<Response>> {
    staff_for(state, visit, Action::StaffArea)
}

/// As [`staff`], for a page of one action: refused outright when the role may not.
fn staff_for<'v>(
    state: &AppState,
    visit: &'v Visit,
    action: Action,
) -> Result<(&'v SignedIn, Nav), Box<Response>> {
    let Some(who) = &visit.signed_in else {
        return Err(Box::new(see_other("/login", None)));
    };
    for a in [Action::StaffArea, action] {
        if let Err(e) = who.authorize(a) {
            return Err(Box::new(WebError::from(e).page_response()));
        }
    }
    let role = who.account.staff_role.clone().unwrap_or_default();
    let nav = Nav {
        role: state.i18n.t(&format!("staff-role-{role}")),
        queue: may(who, Action::ProcessApplications),
        overview: may(who, Action::ViewOverview),
        accounts: may(who, Action::ManageAccounts),
        audit: may(who, Action::ReadAudit),
        identity: may(who, Action::ConfirmIdentity),
        support: may(who, Action::HandleSupport),
    };
    Ok((who, nav))
}

fn status_label(state: &AppState, s: &str) -> String {
    state.i18n.t(&format!("status-{s}"))
}

#[derive(Template)]
#[template(path = "staff_home.html")]
struct HomePage<'a> {
    l: Layout<'a>,
    nav: Nav,
}

/// `GET /staff`
pub async fn home(State(state): State<AppState>, visit: Visit) -> Response {
    let (_, nav) = match staff(&state, &visit) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    respond(
        StatusCode::OK,
        &HomePage {
            l: Layout::for_visit(&state, &visit),
            nav,
        },
        None,
    )
}

/// A queue line as shown.
pub struct QueueRow {
    /// Link.
    pub href: String,
    /// Number.
    pub number: String,
    /// Service.
    pub service: String,
    /// Status.
    pub status: String,
    /// Submitted.
    pub submitted: String,
    /// Due.
    pub due: String,
    /// «Просрочено», «Срок — сегодня или завтра» or empty.
    pub urgency: String,
    /// CSS class for the row.
    pub class: &'static str,
    /// Who has it.
    pub assignee: String,
}

/// A choice in a select.
pub struct Choice {
    /// Value.
    pub value: String,
    /// Label.
    pub label: String,
    /// Selected.
    pub selected: bool,
}

fn urgency_text(state: &AppState, u: Urgency) -> (String, &'static str) {
    match u {
        Urgency::Overdue => (state.i18n.t("staff-urgency-overdue"), "row-overdue"),
        Urgency::DueSoon => (state.i18n.t("staff-urgency-due-soon"), "row-due-soon"),
        _ => (String::new(), ""),
    }
}

fn queue_rows(state: &AppState, who: &SignedIn, items: Vec<QueueItem>) -> Vec<QueueRow> {
    items
        .into_iter()
        .map(|i| {
            let (urgency, class) = urgency_text(state, i.urgency);
            QueueRow {
                href: format!("/staff/applications/{}", i.id),
                number: i.number,
                service: i.service_title,
                status: status_label(state, &i.status),
                submitted: i.submitted_at.map(format::datetime).unwrap_or_default(),
                due: i.due_on.map(kabinet_app::format::day).unwrap_or_default(),
                urgency,
                class,
                assignee: match (&i.assignee, i.assignee_email) {
                    (Some(a), _) if *a == who.account.id => state.i18n.t("staff-assignee-me"),
                    (_, Some(e)) => e,
                    _ => "—".into(),
                },
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "staff_queue.html")]
struct QueuePage<'a> {
    l: Layout<'a>,
    nav: Nav,
    rows: Vec<QueueRow>,
    statuses: Vec<Choice>,
    services: Vec<Choice>,
    assignees: Vec<Choice>,
    overdue: bool,
    total: i64,
    prev: Option<String>,
    next: Option<String>,
    errors: Errors,
}

fn choices(pairs: Vec<(String, String)>, current: Option<&str>, any: String) -> Vec<Choice> {
    std::iter::once((String::new(), any))
        .chain(pairs)
        .map(|(value, label)| Choice {
            selected: current.unwrap_or("") == value,
            value,
            label,
        })
        .collect()
}

fn page_link(p: &QueueParams, page: i64) -> String {
    let mut parts = vec![format!("page={page}")];
    for (k, v) in [
        ("status", &p.status),
        ("service_id", &p.service_id),
        ("overdue", &p.overdue),
        ("assignee", &p.assignee),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            parts.push(format!("{k}={}", format::percent_encode(v)));
        }
    }
    format!("/staff/applications?{}", parts.join("&"))
}

/// `GET /staff/applications`: the work queue.
pub async fn queue(
    State(state): State<AppState>,
    visit: Visit,
    Query(p): Query<QueueParams>,
) -> Response {
    let (who, nav) = match staff_for(&state, &visit, Action::ProcessApplications) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    const PER_PAGE: i64 = 50;
    let page = p.page.unwrap_or(1).max(1);
    let (rows, total, errors) =
        match backoffice::queue(&state.app, who, &p.query(), page, PER_PAGE).await {
            Ok((items, total)) => (queue_rows(&state, who, items), total, Errors::default()),
            Err(e) => match form_errors(&state, e, "status") {
                Ok((_, errors)) => (Vec::new(), 0, errors),
                Err(e) => return e.page_response(),
            },
        };
    let titles = match catalog::titles(&state.app).await {
        Ok(t) => t,
        Err(e) => return WebError::from(e).page_response(),
    };
    let t = |k: &str| state.i18n.t(k);
    let statuses = Status::ALL
        .iter()
        .filter(|s| **s != Status::Draft)
        .map(|s| (s.as_str().to_owned(), status_label(&state, s.as_str())))
        .collect();
    let assignees = vec![
        ("me".to_owned(), t("staff-filter-mine")),
        ("none".to_owned(), t("staff-filter-unassigned")),
    ];
    let page_view = QueuePage {
        l: Layout::for_visit(&state, &visit),
        nav,
        rows,
        statuses: choices(statuses, p.status.as_deref(), t("staff-filter-open")),
        services: choices(
            titles,
            p.service_id.as_deref(),
            t("staff-filter-any-service"),
        ),
        assignees: choices(assignees, p.assignee.as_deref(), t("staff-filter-anyone")),
        overdue: matches!(p.overdue.as_deref(), Some("true" | "1" | "on")),
        total,
        prev: (page > 1).then(|| page_link(&p, page - 1)),
        next: (page * PER_PAGE < total).then(|| page_link(&p, page + 1)),
        errors,
    };
    respond(StatusCode::OK, &page_view, None)
}

/// A move the staff member may make now.
pub struct MoveButton {
    /// Target status.
    pub to: String,
    /// Button text.
    pub label: String,
    /// A reason is required.
    pub reason_required: bool,
}

#[derive(Template)]
#[template(path = "staff_application.html")]
struct ApplicationPage<'a> {
    l: Layout<'a>,
    nav: Nav,
    id: String,
    number: String,
    title: String,
    status: String,
    due: String,
    urgency: String,
    assignee: String,
    applicant: String,
    can_take: bool,
    reassign: Vec<Choice>,
    moves: Vec<MoveButton>,
    can_result: bool,
    groups: Vec<AnswerGroup>,
    history: Vec<HistoryRow>,
    comments: Vec<CommentRow>,
    files: Vec<FileRow>,
    csrf: String,
    errors: Errors,
}

async fn application_page(
    state: &AppState,
    visit: &Visit,
    id: &str,
    status: StatusCode,
    errors: Errors,
) -> Response {
    let (who, nav) = match staff_for(state, visit, Action::ProcessApplications) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let d: Detail = match applications::get_for_staff(&state.app, &visit.ctx, who, id).await {
        Ok(d) => d,
        Err(e) => return WebError::from(e).page_response(),
    };
    let people = match backoffice::assignees(&state.app, who).await {
        Ok(p) => p,
        Err(e) => return WebError::from(e).page_response(),
    };
    let applicant = match &d.application.organization_id {
        Some(org) => {
            match kabinet_app::organisations::label_for_staff(&state.app, who, org).await {
                Ok(label) => format!("{}: {label}", state.i18n.t("staff-applicant-organisation")),
                Err(e) => return WebError::from(e).page_response(),
            }
        }
        None => state.i18n.t("staff-applicant-person"),
    };
    let a = &d.application;
    let t = |k: &str| state.i18n.t(k);
    let assignee_id = d.assignee.clone();
    let mine = assignee_id.as_deref() == Some(who.account.id.as_str());
    let role = who
        .account
        .staff_role
        .as_deref()
        .and_then(StaffRole::parse)
        .unwrap_or(StaffRole::Operator);
    let open = matches!(
        a.status,
        Status::Submitted | Status::InProgress | Status::NeedsClarification | Status::Approved
    );
    let may_move = open && (mine || assignee_id.is_none() || role == StaffRole::Supervisor);
    let moves = if may_move {
        moves_for(a.status, Mover::Staff(role))
            .into_iter()
            .map(|to| MoveButton {
                to: to.as_str().to_owned(),
                label: t(&format!("staff-move-{}", to.as_str())),
                reason_required: matches!(to, Status::NeedsClarification | Status::Rejected),
            })
            .collect()
    } else {
        Vec::new()
    };
    let today = state.app.clock.now().date();
    let (urgency, _) = urgency_text(state, Urgency::of(a.status.as_str(), a.due_on, today));
    let reassign = if open && may(who, Action::ReassignApplications) {
        choices(
            people.clone(),
            assignee_id.as_deref(),
            t("staff-reassign-choose"),
        )
    } else {
        Vec::new()
    };
    let page = ApplicationPage {
        l: Layout::for_visit(state, visit),
        nav,
        applicant,
        id: a.id.clone(),
        number: a.number.clone().unwrap_or_default(),
        title: a.service.def.title.clone(),
        status: status_label(state, a.status.as_str()),
        due: a.due_on.map(kabinet_app::format::day).unwrap_or_default(),
        urgency,
        assignee: match &assignee_id {
            Some(_) if mine => t("staff-assignee-me"),
            Some(a) => people
                .iter()
                .find(|(id, _)| id == a)
                .map_or_else(|| a.clone(), |(_, e)| e.clone()),
            None => t("staff-assignee-nobody"),
        },
        can_take: open && assignee_id.is_none(),
        reassign,
        moves,
        can_result: a.status == Status::Approved && (mine || role == StaffRole::Supervisor),
        groups: answers(a),
        history: d
            .history
            .iter()
            .map(|e| HistoryRow {
                at: format::datetime(e.at),
                status: status_label(state, &e.to_status),
                actor: t(&format!("actor-{}", e.actor_kind)),
                reason: e.reason.clone().unwrap_or_default(),
            })
            .collect(),
        comments: d
            .comments
            .iter()
            .map(|c| CommentRow {
                author: if c.internal {
                    format!(
                        "{} · {}",
                        t(&format!("actor-{}", c.author_kind)),
                        t("staff-note-internal")
                    )
                } else {
                    t(&format!("actor-{}", c.author_kind))
                },
                at: format::datetime(c.at),
                text: c.text.clone(),
            })
            .collect(),
        files: d
            .files
            .iter()
            .map(|f| FileRow {
                href: format!("/api/v1/applications/{}/files/{}", a.id, f.file.id),
                name: f.file.file_name.clone(),
                result: f.kind == "result",
            })
            .collect(),
        csrf: who.csrf_token.clone(),
        errors,
    };
    respond(status, &page, None)
}

/// `GET /staff/applications/{id}`: reading it is recorded in the audit log.
pub async fn application(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
) -> Response {
    application_page(&state, &visit, &id, StatusCode::OK, Errors::default()).await
}

async fn after(
    state: &AppState,
    visit: &Visit,
    id: &str,
    result: Result<(), AppError>,
    field: &str,
) -> Response {
    let (status, errors) = match result {
        Ok(()) => return see_other(&format!("/staff/applications/{id}"), None),
        Err(AppError::Conflict(key)) => {
            (StatusCode::CONFLICT, Errors::one(field, state.i18n.t(key)))
        }
        Err(AppError::TooLarge(key)) => (
            StatusCode::PAYLOAD_TOO_LARGE,
            Errors::one(field, state.i18n.t(key)),
        ),
        Err(AppError::UnsupportedType(key)) => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Errors::one(field, state.i18n.t(key)),
        ),
        Err(e) => match form_errors(state, e, field) {
            Ok(pair) => pair,
            Err(e) => return e.page_response(),
        },
    };
    application_page(state, visit, id, status, errors).await
}

fn text<'f>(form: &'f HashMap<String, String>, k: &str) -> &'f str {
    form.get(k).map_or("", String::as_str)
}

/// `POST /staff/applications/{id}/assign`: «Взять в работу» (a submitted one also
/// moves to «В работе») or a supervisor's reassignment.
pub async fn assign(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let result = async {
        let who = super::form_signed_in(&visit, &form)?;
        let assignee = text(&form, "assignee");
        backoffice::assign(&state.app, &visit.ctx, who, &id, assignee).await?;
        if assignee == "me" {
            let d = applications::get_for_staff(&state.app, &visit.ctx, who, &id).await?;
            if d.application.status == Status::Submitted {
                applications::transition(&state.app, &visit.ctx, who, &id, "in_progress", "")
                    .await?;
            }
        }
        Ok(())
    }
    .await;
    after(&state, &visit, &id, result, "assignee").await
}

/// `POST /staff/applications/{id}/transition`
pub async fn transition(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let result = async {
        let who = super::form_signed_in(&visit, &form)?;
        applications::transition(
            &state.app,
            &visit.ctx,
            who,
            &id,
            text(&form, "to"),
            text(&form, "reason"),
        )
        .await
    }
    .await;
    after(&state, &visit, &id, result, "reason").await
}

/// `POST /staff/applications/{id}/comment`: public, or an internal note.
pub async fn comment(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let result = async {
        let who = super::form_signed_in(&visit, &form)?;
        applications::staff_comment(
            &state.app,
            &visit.ctx,
            who,
            &id,
            text(&form, "text"),
            form.contains_key("internal"),
        )
        .await
    }
    .await;
    after(&state, &visit, &id, result, "text").await
}

/// `POST /staff/applications/{id}/result`: the result document (multipart).
pub async fn result(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let result = match upload::read_with(
        multipart,
        applications::MAX_ATTACHMENT,
        Some("application-file-too-large"),
    )
    .await
    {
        Ok(parts) if !visit.form_csrf_ok(&parts.text("csrf_token")) => {
            Err(AppError::Refused("auth-csrf"))
        }
        Ok(parts) => match parts.file("file") {
            Ok(file) => applications::attach_result(&state.app, &visit.ctx, who, &id, file)
                .await
                .map(|_| ()),
            Err(e) => Err(e),
        },
        Err(WebError::TooLarge(key)) => Err(AppError::TooLarge(key)),
        Err(e) => return e.page_response(),
    };
    after(&state, &visit, &id, result, "file").await
}

/// A bar of the chart.
pub struct Bar {
    /// `x` of the received bar.
    pub x: i64,
    /// Heights and tops.
    pub received_h: i64,
    /// Top of the received bar.
    pub received_y: i64,
    /// Height of the completed bar.
    pub completed_h: i64,
    /// Top of the completed bar.
    pub completed_y: i64,
    /// Day label (DD.MM), shown every fifth day.
    pub label: String,
    /// The day in full, for the table.
    pub day: String,
    /// Received.
    pub received: i64,
    /// Completed.
    pub completed: i64,
}

/// A count line.
pub struct CountRow {
    /// What.
    pub key: String,
    /// How many.
    pub count: i64,
    /// Of them overdue.
    pub overdue: i64,
}

#[derive(Template)]
#[template(path = "staff_overview.html")]
struct OverviewPage<'a> {
    l: Layout<'a>,
    nav: Nav,
    by_status: Vec<CountRow>,
    by_service: Vec<CountRow>,
    by_operator: Vec<CountRow>,
    bars: Vec<Bar>,
    max: i64,
    chart_desc: String,
}

/// Chart geometry: 30 days × 20 px, 160 px of bars.
const CHART_H: i64 = 160;

/// `GET /staff/overview`: counts and the last 30 days as an SVG chart with its table.
pub async fn overview(State(state): State<AppState>, visit: Visit) -> Response {
    let (who, nav) = match staff_for(&state, &visit, Action::ViewOverview) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let o = match backoffice::overview(&state.app, who).await {
        Ok(o) => o,
        Err(e) => return WebError::from(e).page_response(),
    };
    let max = o
        .per_day
        .iter()
        .map(|(_, r, c)| (*r).max(*c))
        .max()
        .unwrap_or(0)
        .max(1);
    let scale = |n: i64| n * CHART_H / max;
    let bars: Vec<Bar> = o
        .per_day
        .iter()
        .enumerate()
        .map(|(i, (d, r, c))| {
            let i = i64::try_from(i).unwrap_or(0);
            Bar {
                x: 40 + i * 20,
                received_h: scale(*r),
                received_y: 10 + CHART_H - scale(*r),
                completed_h: scale(*c),
                completed_y: 10 + CHART_H - scale(*c),
                label: if i % 5 == 0 {
                    format!("{:02}.{:02}", d.day(), u8::from(d.month()))
                } else {
                    String::new()
                },
                day: kabinet_app::format::day(*d),
                received: *r,
                completed: *c,
            }
        })
        .collect();
    let received: i64 = bars.iter().map(|b| b.received).sum();
    let completed: i64 = bars.iter().map(|b| b.completed).sum();
    let chart_desc = state.i18n.t_with(
        "staff-chart-desc",
        &[
            ("received", &received.to_string()),
            ("completed", &completed.to_string()),
        ],
    );
    let nobody = state.i18n.t("staff-assignee-nobody");
    let page = OverviewPage {
        l: Layout::for_visit(&state, &visit),
        nav,
        by_status: o
            .by_status
            .into_iter()
            .map(|(s, n)| CountRow {
                key: status_label(&state, &s),
                count: n,
                overdue: 0,
            })
            .collect(),
        by_service: o
            .by_service
            .into_iter()
            .map(|(k, n, od)| CountRow {
                key: k,
                count: n,
                overdue: od,
            })
            .collect(),
        by_operator: o
            .by_operator
            .into_iter()
            .map(|(k, n, od)| CountRow {
                key: k.unwrap_or_else(|| nobody.clone()),
                count: n,
                overdue: od,
            })
            .collect(),
        bars,
        max,
        chart_desc,
    };
    respond(StatusCode::OK, &page, None)
}

/// A staff account as shown.
pub struct StaffRow {
    /// Id.
    pub id: String,
    /// E-mail.
    pub email: String,
    /// Role choices.
    pub roles: Vec<Choice>,
    /// Role in Russian.
    pub role: String,
    /// Blocked.
    pub blocked: bool,
    /// Why.
    pub reason: String,
    /// Last sign-in.
    pub last: String,
    /// It is the viewer.
    pub me: bool,
}

/// An account found by its identifier.
pub struct FoundAccount {
    /// Id.
    pub id: String,
    /// `person` or `staff`, in Russian.
    pub kind: String,
    /// Blocked.
    pub blocked: bool,
    /// Why.
    pub reason: String,
}

#[derive(Template)]
#[template(path = "staff_accounts.html")]
struct AccountsPage<'a> {
    l: Layout<'a>,
    nav: Nav,
    csrf: String,
    rows: Vec<StaffRow>,
    roles: Vec<Choice>,
    created: Option<(String, String)>,
    found: Option<FoundAccount>,
    login: String,
    email: String,
    errors: Errors,
}

fn role_choices(state: &AppState, current: &str) -> Vec<Choice> {
    StaffRole::ALL
        .iter()
        .map(|r| Choice {
            value: r.as_str().to_owned(),
            label: state.i18n.t(&format!("staff-role-{}", r.as_str())),
            selected: r.as_str() == current,
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn accounts_page(
    state: &AppState,
    visit: &Visit,
    status: StatusCode,
    created: Option<(String, String)>,
    found: Option<FoundAccount>,
    login: String,
    email: String,
    errors: Errors,
) -> Response {
    let (who, nav) = match staff_for(state, visit, Action::ManageAccounts) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let members = match backoffice::staff_members(&state.app, who).await {
        Ok(m) => m,
        Err(e) => return WebError::from(e).page_response(),
    };
    let rows = members
        .into_iter()
        .map(|m| StaffRow {
            roles: role_choices(state, &m.role),
            role: state.i18n.t(&format!("staff-role-{}", m.role)),
            blocked: m.status == "blocked",
            reason: m.status_reason.unwrap_or_default(),
            last: m.last_sign_in_at.map(format::datetime).unwrap_or_default(),
            me: m.id == who.account.id,
            id: m.id,
            email: m.email,
        })
        .collect();
    let page = AccountsPage {
        l: Layout::for_visit(state, visit),
        nav,
        csrf: who.csrf_token.clone(),
        rows,
        roles: role_choices(state, "operator"),
        created,
        found,
        login,
        email,
        errors,
    };
    respond(status, &page, None)
}

/// `GET /staff/accounts` (administrators).
pub async fn accounts(State(state): State<AppState>, visit: Visit) -> Response {
    accounts_page(
        &state,
        &visit,
        StatusCode::OK,
        None,
        None,
        String::new(),
        String::new(),
        Errors::default(),
    )
    .await
}

async fn accounts_error(
    state: &AppState,
    visit: &Visit,
    e: AppError,
    field: &str,
    login: String,
    email: String,
) -> Response {
    let (status, errors) = match e {
        AppError::Conflict(key) => (StatusCode::CONFLICT, Errors::one(field, state.i18n.t(key))),
        AppError::NotFound if field == "login" => (
            StatusCode::NOT_FOUND,
            Errors::one(field, state.i18n.t("backoffice-account-not-found")),
        ),
        e => match form_errors(state, e, field) {
            Ok(pair) => pair,
            Err(e) => return e.page_response(),
        },
    };
    accounts_page(state, visit, status, None, None, login, email, errors).await
}

/// `POST /staff/accounts`: create a staff account; the one-time password is shown once.
pub async fn create_staff(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let email = text(&form, "email").to_owned();
    let made = async {
        let who = super::form_signed_in(&visit, &form)?;
        backoffice::create_staff(&state.app, &visit.ctx, who, &email, text(&form, "role")).await
    }
    .await;
    match made {
        Ok(m) => {
            accounts_page(
                &state,
                &visit,
                StatusCode::CREATED,
                Some((email, m.one_time_password)),
                None,
                String::new(),
                String::new(),
                Errors::default(),
            )
            .await
        }
        Err(e) => accounts_error(&state, &visit, e, "email", String::new(), email).await,
    }
}

/// `POST /staff/accounts/{id}/role`
pub async fn set_role(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let r = async {
        let who = super::form_signed_in(&visit, &form)?;
        backoffice::set_role(&state.app, &visit.ctx, who, &id, text(&form, "role")).await
    }
    .await;
    match r {
        Ok(()) => see_other("/staff/accounts", None),
        Err(e) => accounts_error(&state, &visit, e, "role", String::new(), String::new()).await,
    }
}

/// `POST /staff/accounts/{id}/block` and `/unblock`.
async fn block_or_unblock(
    state: AppState,
    visit: Visit,
    id: String,
    form: HashMap<String, String>,
    block: bool,
) -> Response {
    let r = async {
        let who = super::form_signed_in(&visit, &form)?;
        backoffice::set_blocked(
            &state.app,
            &visit.ctx,
            who,
            &id,
            block,
            text(&form, "reason"),
        )
        .await
    }
    .await;
    match r {
        Ok(()) => see_other("/staff/accounts", None),
        Err(e) => accounts_error(&state, &visit, e, "reason", String::new(), String::new()).await,
    }
}

/// `POST /staff/accounts/{id}/block`
pub async fn block(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    block_or_unblock(state, visit, id, form, true).await
}

/// `POST /staff/accounts/{id}/unblock`
pub async fn unblock(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    block_or_unblock(state, visit, id, form, false).await
}

/// `POST /staff/accounts/find`: an account by e-mail, phone, СНИЛС or ИНН.
pub async fn find(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let login = text(&form, "login").to_owned();
    let r = async {
        let who = super::form_signed_in(&visit, &form)?;
        backoffice::find_account(&state.app, &visit.ctx, who, &login).await
    }
    .await;
    match r {
        Ok(a) => {
            let found = FoundAccount {
                kind: state.i18n.t(&format!("staff-account-kind-{}", a.kind)),
                blocked: a.status == "blocked",
                reason: a.status_reason.unwrap_or_default(),
                id: a.id,
            };
            accounts_page(
                &state,
                &visit,
                StatusCode::OK,
                None,
                Some(found),
                login,
                String::new(),
                Errors::default(),
            )
            .await
        }
        Err(e) => accounts_error(&state, &visit, e, "login", login, String::new()).await,
    }
}

/// An audit entry as shown.
pub struct AuditRow {
    /// Sequence number.
    pub seq: i64,
    /// When.
    pub at: String,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// On what.
    pub object: String,
    /// Details.
    pub details: String,
}

#[derive(Template)]
#[template(path = "staff_audit.html")]
struct AuditPage<'a> {
    l: Layout<'a>,
    nav: Nav,
    q: AuditParams,
    rows: Vec<AuditRow>,
    csv_href: String,
    next: Option<String>,
    errors: Errors,
}

fn audit_query(p: &AuditParams) -> String {
    [
        ("actor", &p.actor),
        ("object", &p.object),
        ("action", &p.action),
        ("from", &p.from),
        ("to", &p.to),
    ]
    .iter()
    .filter_map(|(k, v)| {
        v.as_deref()
            .filter(|v| !v.is_empty())
            .map(|v| format!("{k}={}", format::percent_encode(v)))
    })
    .collect::<Vec<_>>()
    .join("&")
}

/// `GET /staff/audit`: search (auditors, administrators).
pub async fn audit(
    State(state): State<AppState>,
    visit: Visit,
    Query(q): Query<AuditParams>,
) -> Response {
    let (who, nav) = match staff_for(&state, &visit, Action::ReadAudit) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let (rows, more, errors, status) =
        match backoffice::audit_search(&state.app, &visit.ctx, who, &q.search(), 100, q.before)
            .await
        {
            Ok((entries, more)) => (entries, more, Errors::default(), StatusCode::OK),
            Err(e) => match form_errors(&state, e, "from") {
                Ok((status, errors)) => (Vec::new(), false, errors, status),
                Err(e) => return e.page_response(),
            },
        };
    let query = audit_query(&q);
    let next = if more {
        rows.last()
            .map(|e| format!("/staff/audit?{query}&before={}", e.seq))
    } else {
        None
    };
    let page = AuditPage {
        l: Layout::for_visit(&state, &visit),
        nav,
        csv_href: format!("/staff/audit.csv?{query}"),
        rows: rows
            .into_iter()
            .map(|e| AuditRow {
                seq: e.seq,
                at: e.at,
                actor: e.actor,
                action: e.action,
                object: e.object,
                details: e.details,
            })
            .collect(),
        q,
        next,
        errors,
    };
    respond(status, &page, None)
}

/// `GET /staff/audit.csv`: the same search as a CSV file (up to 10,000 rows).
pub async fn audit_csv_file(
    State(state): State<AppState>,
    visit: Visit,
    Query(q): Query<AuditParams>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    match backoffice::audit_search(&state.app, &visit.ctx, who, &q.search(), 10_000, q.before).await
    {
        Ok((entries, _)) => csv_response(audit_csv(&entries)),
        Err(e) => WebError::from(e).page_response(),
    }
}

// ---- identity confirmation and change requests (BO-4) ----

/// Which queue.
fn kind_of(path: &str) -> Option<(kabinet_store::requests::Kind, &'static str)> {
    match path {
        "change-requests" => Some((kabinet_store::requests::Kind::Change, "change-requests")),
        "identity-requests" => Some((kabinet_store::requests::Kind::Identity, "identity-requests")),
        _ => None,
    }
}

/// A pending request as listed.
pub struct RequestLine {
    /// Link.
    pub href: String,
    /// Filed.
    pub at: String,
    /// What (Russian).
    pub what: String,
}

#[derive(Template)]
#[template(path = "staff_requests.html")]
struct RequestsPage<'a> {
    l: Layout<'a>,
    nav: Nav,
    identity: bool,
    rows: Vec<RequestLine>,
}

fn what_text(state: &AppState, identity: bool, what: &str) -> String {
    let t = |k: &str| state.i18n.t(k);
    if identity {
        t(&format!("identity-method-{}", what.replace('_', "-")))
    } else {
        what.split(',')
            .map(|f| t(&format!("history-field-{}", f.replace('_', "-"))))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// `GET /staff/identity-requests` and `/staff/change-requests`: pending, oldest first.
pub async fn requests(
    State(state): State<AppState>,
    visit: Visit,
    Path(queue): Path<String>,
) -> Response {
    let (who, nav) = match staff_for(&state, &visit, Action::ConfirmIdentity) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let Some((kind, slug)) = kind_of(&queue) else {
        return WebError::NotFound.page_response();
    };
    let identity = slug == "identity-requests";
    let list = match kabinet_app::identity::queue(&state.app, who, kind).await {
        Ok(l) => l,
        Err(e) => return WebError::from(e).page_response(),
    };
    let rows = list
        .into_iter()
        .map(|r| RequestLine {
            href: format!("/staff/{slug}/{}", r.id),
            at: format::datetime(r.created_at),
            what: what_text(&state, identity, &r.what),
        })
        .collect();
    respond(
        StatusCode::OK,
        &RequestsPage {
            l: Layout::for_visit(&state, &visit),
            nav,
            identity,
            rows,
        },
        None,
    )
}

/// A line of personal data: label, now, proposed.
pub struct DataRow {
    /// Label.
    pub label: String,
    /// Now.
    pub now: String,
    /// Proposed (change requests).
    pub proposed: String,
    /// It changes.
    pub changed: bool,
}

fn data_rows(
    state: &AppState,
    now: &kabinet_app::profile::Profile,
    next: Option<&kabinet_app::profile::Profile>,
) -> Vec<DataRow> {
    type Getter = fn(&kabinet_app::profile::Profile) -> String;
    let fields: [(&str, Getter); 6] = [
        ("history-field-last-name", |p| {
            p.last_name.clone().unwrap_or_default()
        }),
        ("history-field-first-name", |p| {
            p.first_name.clone().unwrap_or_default()
        }),
        ("history-field-middle-name", |p| {
            p.middle_name.clone().unwrap_or_default()
        }),
        ("history-field-birth-date", |p| {
            p.birth_date
                .map(kabinet_app::format::day)
                .unwrap_or_default()
        }),
        ("history-field-passport", |p| {
            p.passport
                .as_ref()
                .map(|d| {
                    format!(
                        "{} {}, выдан {}, код подразделения {}",
                        d.series,
                        d.number,
                        kabinet_app::format::day(d.issued_on),
                        d.issuer_code
                    )
                })
                .unwrap_or_default()
        }),
        ("history-field-snils", |p| {
            p.snils.clone().unwrap_or_default()
        }),
    ];
    fields
        .iter()
        .map(|(key, get)| {
            let now_value = get(now);
            let proposed = next.map(get).unwrap_or_default();
            DataRow {
                label: state.i18n.t(key),
                changed: next.is_some() && proposed != now_value,
                now: now_value,
                proposed,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "staff_request.html")]
struct RequestPage<'a> {
    l: Layout<'a>,
    nav: Nav,
    identity: bool,
    slug: &'static str,
    id: String,
    at: String,
    what: String,
    method: String,
    text: String,
    status: String,
    pending: bool,
    level: String,
    file_href: Option<String>,
    rows: Vec<DataRow>,
    csrf: String,
    errors: Errors,
}

async fn request_page(
    state: &AppState,
    visit: &Visit,
    queue: &str,
    id: &str,
    status: StatusCode,
    errors: Errors,
) -> Response {
    let (who, nav) = match staff_for(state, visit, Action::ConfirmIdentity) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let Some((kind, slug)) = kind_of(queue) else {
        return WebError::NotFound.page_response();
    };
    let identity = slug == "identity-requests";
    let review = match kabinet_app::identity::review(&state.app, &visit.ctx, who, kind, id).await {
        Ok(r) => r,
        Err(e) => return WebError::from(e).page_response(),
    };
    let r = &review.request;
    let page = RequestPage {
        l: Layout::for_visit(state, visit),
        nav,
        identity,
        slug,
        id: r.id.clone(),
        at: format::datetime(r.created_at),
        what: what_text(state, identity, &r.what),
        method: if identity {
            r.what.clone()
        } else {
            String::new()
        },
        text: r.text.clone().unwrap_or_default(),
        status: state.i18n.t(&format!("request-status-{}", r.status)),
        pending: r.status == "pending",
        level: state.i18n.t(&format!("level-{}", review.person.level)),
        file_href: r.file_id.as_ref().map(|f| format!("/api/v1/files/{f}")),
        rows: data_rows(state, &review.person, review.proposed.as_ref()),
        csrf: who.csrf_token.clone(),
        errors,
    };
    respond(status, &page, None)
}

/// `GET /staff/{queue}/{id}`: the request with the person's data and the document.
pub async fn request(
    State(state): State<AppState>,
    visit: Visit,
    Path((queue, id)): Path<(String, String)>,
) -> Response {
    request_page(
        &state,
        &visit,
        &queue,
        &id,
        StatusCode::OK,
        Errors::default(),
    )
    .await
}

/// `POST /staff/{queue}/{id}/{decision}`: confirm (identity), approve (change) or
/// refuse (both; a reason is required).
pub async fn decide_request(
    State(state): State<AppState>,
    visit: Visit,
    Path((queue, id, decision)): Path<(String, String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let Some((kind, slug)) = kind_of(&queue) else {
        return WebError::NotFound.page_response();
    };
    let identity = slug == "identity-requests";
    let result = async {
        let who = super::form_signed_in(&visit, &form)?;
        match (identity, decision.as_str()) {
            (_, "refuse") if identity => {
                kabinet_app::identity::refuse_identity(
                    &state.app,
                    &visit.ctx,
                    who,
                    &id,
                    text(&form, "reason"),
                )
                .await
            }
            (_, "refuse") => {
                kabinet_app::identity::refuse_change(
                    &state.app,
                    &visit.ctx,
                    who,
                    &id,
                    text(&form, "reason"),
                )
                .await
            }
            (true, "confirm") => {
                let method = match text(&form, "method") {
                    "video" => kabinet_app::profile::ConfirmMethod::Video,
                    _ => kabinet_app::profile::ConfirmMethod::InPerson,
                };
                let review =
                    kabinet_app::identity::review(&state.app, &visit.ctx, who, kind, &id).await?;
                kabinet_app::profile::confirm_identity(
                    &state.app,
                    &visit.ctx,
                    who,
                    &review.request.account_id,
                    method,
                    text(&form, "comment"),
                )
                .await
            }
            (false, "approve") => {
                kabinet_app::identity::approve_change(&state.app, &visit.ctx, who, &id).await
            }
            _ => Err(AppError::NotFound),
        }
    }
    .await;
    let field = if decision == "refuse" {
        "reason"
    } else {
        "comment"
    };
    match result {
        Ok(()) => see_other(&format!("/staff/{slug}"), None),
        Err(AppError::Conflict(key)) => {
            request_page(
                &state,
                &visit,
                &queue,
                &id,
                StatusCode::CONFLICT,
                Errors::one(field, state.i18n.t(key)),
            )
            .await
        }
        Err(e) => match form_errors(&state, e, field) {
            Ok((status, errors)) => request_page(&state, &visit, &queue, &id, status, errors).await,
            Err(e) => e.page_response(),
        },
    }
}

// ---- support tickets (BO-5) ----

use super::support::{
    MessageRow, TicketRow, checked_parts, failure, message_rows, status_text, ticket_rows,
};

/// `?status=&escalated=`
#[derive(serde::Deserialize, Default)]
pub struct SupportQuery {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    escalated: Option<String>,
}

#[derive(Template)]
#[template(path = "staff_support.html")]
struct SupportPage<'a> {
    l: Layout<'a>,
    nav: Nav,
    rows: Vec<TicketRow>,
    statuses: Vec<Choice>,
    escalated: bool,
}

/// `GET /staff/support`: open tickets, the longest waiting first.
pub async fn support_queue(
    State(state): State<AppState>,
    visit: Visit,
    Query(q): Query<SupportQuery>,
) -> Response {
    let (who, nav) = match staff_for(&state, &visit, Action::HandleSupport) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let status = q.status.as_deref().filter(|s| !s.is_empty());
    let escalated = matches!(q.escalated.as_deref(), Some("true" | "1" | "on"));
    let list = match kabinet_app::support::queue(&state.app, who, status, escalated).await {
        Ok(l) => l,
        Err(e) => return WebError::from(e).page_response(),
    };
    let statuses = kabinet_app::support::STATUSES
        .iter()
        .map(|s| ((*s).to_owned(), status_text(&state, s)))
        .collect();
    let page = SupportPage {
        l: Layout::for_visit(&state, &visit),
        nav,
        rows: ticket_rows(&state, list, "/staff/support"),
        statuses: choices(statuses, status, state.i18n.t("support-status-open")),
        escalated,
    };
    respond(StatusCode::OK, &page, None)
}

#[derive(Template)]
#[template(path = "staff_ticket.html")]
struct TicketPage<'a> {
    l: Layout<'a>,
    nav: Nav,
    id: String,
    number: String,
    subject: String,
    status: String,
    escalated: bool,
    open: bool,
    contact: Option<String>,
    page: Option<String>,
    messages: Vec<MessageRow>,
    csrf: String,
    errors: Errors,
}

async fn ticket_page(
    state: &AppState,
    visit: &Visit,
    id: &str,
    status: StatusCode,
    errors: Errors,
) -> Response {
    let (who, nav) = match staff_for(state, visit, Action::HandleSupport) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let v = match kabinet_app::support::get_for_staff(&state.app, &visit.ctx, who, id).await {
        Ok(v) => v,
        Err(e) => return WebError::from(e).page_response(),
    };
    let page = TicketPage {
        l: Layout::for_visit(state, visit),
        nav,
        messages: message_rows(state, &v, true),
        id: v.ticket.id.clone(),
        number: v.ticket.number.clone(),
        subject: v.ticket.subject.clone(),
        status: status_text(state, &v.ticket.status),
        escalated: v.ticket.escalated,
        open: v.ticket.status != "closed",
        contact: v.contact.clone(),
        page: v.ticket.page.clone(),
        csrf: who.csrf_token.clone(),
        errors,
    };
    respond(status, &page, None)
}

/// `GET /staff/support/{id}`: the conversation (the view is recorded).
pub async fn support_ticket(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
) -> Response {
    ticket_page(&state, &visit, &id, StatusCode::OK, Errors::default()).await
}

/// `POST /staff/support/{id}/answer`: text and/or a file, and the status after it.
pub async fn support_answer(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let result = async {
        let parts = checked_parts(&visit, multipart).await?;
        kabinet_app::support::answer(
            &state.app,
            &visit.ctx,
            who,
            &id,
            &parts.text("text"),
            &parts.text("status"),
            parts.files.get("file"),
        )
        .await
    }
    .await;
    match result {
        Ok(()) => see_other(&format!("/staff/support/{id}"), None),
        Err(e) => match failure(&state, e, "text") {
            Ok((status, errors)) => ticket_page(&state, &visit, &id, status, errors).await,
            Err(e) => e.page_response(),
        },
    }
}

/// `POST /staff/support/{id}/escalate`
pub async fn support_escalate(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let result = async {
        let who = super::form_signed_in(&visit, &form)?;
        kabinet_app::support::escalate(&state.app, &visit.ctx, who, &id, text(&form, "reason"))
            .await
    }
    .await;
    match result {
        Ok(()) => see_other(&format!("/staff/support/{id}"), None),
        Err(e) => match failure(&state, e, "reason") {
            Ok((status, errors)) => ticket_page(&state, &visit, &id, status, errors).await,
            Err(e) => e.page_response(),
        },
    }
}

// ---- broadcasts (NTF-2 `news`) ----

/// A broadcast as listed.
pub struct BroadcastRow {
    /// Title.
    pub title: String,
    /// Audience (Russian).
    pub audience: String,
    /// Sent.
    pub at: String,
    /// Done.
    pub done: bool,
    /// Recipients.
    pub total: i64,
    /// Processed.
    pub processed: i64,
}

#[derive(Template)]
#[template(path = "staff_broadcasts.html")]
struct BroadcastsPage<'a> {
    l: Layout<'a>,
    nav: Nav,
    csrf: String,
    rows: Vec<BroadcastRow>,
    title: String,
    body: String,
    errors: Errors,
}

async fn broadcasts_page(
    state: &AppState,
    visit: &Visit,
    status: StatusCode,
    form: &HashMap<String, String>,
    errors: Errors,
) -> Response {
    let (who, nav) = match staff_for(state, visit, Action::ManageAccounts) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let list = match kabinet_app::broadcast::list(&state.app, who).await {
        Ok(l) => l,
        Err(e) => return WebError::from(e).page_response(),
    };
    let t = |k: &str| state.i18n.t(k);
    let rows = list
        .into_iter()
        .map(|b| BroadcastRow {
            audience: match &b.level {
                Some(l) => t(&format!("level-{l}")),
                None => t("broadcast-everyone"),
            },
            at: format::datetime(b.created_at),
            done: b.status == "done",
            total: b.total,
            processed: b.processed,
            title: b.title,
        })
        .collect();
    let page = BroadcastsPage {
        l: Layout::for_visit(state, visit),
        nav,
        csrf: who.csrf_token.clone(),
        rows,
        title: text(form, "title").to_owned(),
        body: text(form, "text").to_owned(),
        errors,
    };
    respond(status, &page, None)
}

/// `GET /staff/broadcasts` (administrators): the form and the progress of each.
pub async fn broadcasts(State(state): State<AppState>, visit: Visit) -> Response {
    broadcasts_page(
        &state,
        &visit,
        StatusCode::OK,
        &HashMap::new(),
        Errors::default(),
    )
    .await
}

/// `POST /staff/broadcasts`
pub async fn send_broadcast(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let r = async {
        let who = super::form_signed_in(&visit, &form)?;
        let level = Some(text(&form, "level")).filter(|l| !l.is_empty());
        kabinet_app::broadcast::create(
            &state.app,
            &visit.ctx,
            who,
            text(&form, "title"),
            text(&form, "text"),
            level,
        )
        .await
    }
    .await;
    match r {
        Ok(_) => see_other("/staff/broadcasts", None),
        Err(e) => match form_errors(&state, e, "title") {
            Ok((status, errors)) => broadcasts_page(&state, &visit, status, &form, errors).await,
            Err(e) => e.page_response(),
        },
    }
}

// ---- an account's notifications and their delivery (NTF-5 for staff) ----

/// A notification as staff see it.
pub struct DeliveryView {
    /// When.
    pub at: String,
    /// Category (Russian).
    pub category: String,
    /// Title.
    pub title: String,
    /// In «Мои сообщения», read or not (Russian).
    pub inbox: String,
    /// `channel: state (attempts, error)` per delivery.
    pub deliveries: Vec<String>,
}

#[derive(Template)]
#[template(path = "staff_deliveries.html")]
struct DeliveriesPage<'a> {
    l: Layout<'a>,
    nav: Nav,
    rows: Vec<DeliveryView>,
}

/// `GET /staff/accounts/{id}/notifications`
pub async fn deliveries(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
) -> Response {
    let (who, nav) = match staff(&state, &visit) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let list = match kabinet_app::inbox::for_staff(&state.app, &visit.ctx, who, &id).await {
        Ok(l) => l,
        Err(e) => return WebError::from(e).page_response(),
    };
    let t = |k: &str| state.i18n.t(k);
    let rows = list
        .into_iter()
        .map(|(n, d)| DeliveryView {
            at: format::datetime(n.created_at),
            category: t(&format!("notify-category-{}", n.category.replace('_', "-"))),
            inbox: if !n.in_inbox {
                t("staff-delivery-not-in-inbox")
            } else if n.read_at.is_some() {
                t("messages-read")
            } else {
                t("messages-new")
            },
            title: n.title,
            deliveries: d
                .into_iter()
                .map(|(kind, status, attempts, error)| {
                    let state_text = t(&format!(
                        "messages-delivery-{}",
                        crate::api::notifications::delivery_status(&status)
                    ));
                    let mut s = format!(
                        "{}: {state_text}, {attempts}",
                        t(&format!("messages-channel-{kind}"))
                    );
                    if let Some(e) = error {
                        s.push_str(&format!(" — {e}"));
                    }
                    s
                })
                .collect(),
        })
        .collect();
    respond(
        StatusCode::OK,
        &DeliveriesPage {
            l: Layout::for_visit(&state, &visit),
            nav,
            rows,
        },
        None,
    )
}

// ---- organisation verification (BO-4) ----

/// An organisation waiting for verification.
pub struct PendingOrg {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Kind (Russian).
    pub kind: String,
    /// `ИНН …, ОГРН …, КПП …`.
    pub identifiers: String,
    /// Address.
    pub address: String,
    /// Registered.
    pub at: String,
    /// Statutory documents: `(link, kind and file name)`.
    pub documents: Vec<(String, String)>,
    /// The registry's answer, if it was asked.
    pub note: String,
}

/// A change of identifiers waiting for a decision.
pub struct PendingChange {
    /// The request's id.
    pub id: String,
    /// The organisation's name.
    pub name: String,
    /// Identifiers now.
    pub current: String,
    /// Identifiers proposed.
    pub proposed: String,
    /// Why.
    pub reason: String,
    /// Asked.
    pub at: String,
}

#[derive(Template)]
#[template(path = "staff_organizations.html")]
struct OrganizationsPage<'a> {
    l: Layout<'a>,
    nav: Nav,
    csrf: String,
    rows: Vec<PendingOrg>,
    changes: Vec<PendingChange>,
    errors: Errors,
}

/// `ИНН …, ОГРН …, КПП …` as staff read them.
fn identifiers_line(
    state: &AppState,
    kind: &str,
    inn: &str,
    ogrn: &str,
    kpp: Option<&str>,
) -> String {
    let t = |k: &str| state.i18n.t(k);
    let legal = kind == "legal_entity";
    let mut line = format!(
        "{} {inn}, {} {ogrn}",
        t("org-inn"),
        t(if legal { "org-ogrn" } else { "org-ogrnip" }),
    );
    if let Some(k) = kpp {
        line.push_str(&format!(", {} {k}", t("org-kpp")));
    }
    line
}

async fn organizations_page(
    state: &AppState,
    visit: &Visit,
    status: StatusCode,
    errors: Errors,
) -> Response {
    let (who, nav) = match staff_for(state, visit, Action::ConfirmIdentity) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let loaded = async {
        let list = kabinet_app::organisations::pending(&state.app, who).await?;
        let mut with_documents = Vec::with_capacity(list.len());
        for v in list {
            let docs = kabinet_app::organisations::documents(&state.app, who, &v.org.id).await?;
            with_documents.push((v, docs));
        }
        let changes = kabinet_app::organisations::pending_changes(&state.app, who).await?;
        Ok::<_, AppError>((with_documents, changes))
    }
    .await;
    let (list, changes) = match loaded {
        Ok(l) => l,
        Err(e) => return WebError::from(e).page_response(),
    };
    let t = |k: &str| state.i18n.t(k);
    let rows = list
        .into_iter()
        .map(|(v, docs)| PendingOrg {
            kind: t(&format!("org-kind-{}", v.org.kind.replace('_', "-"))),
            at: format::datetime(v.org.created_at),
            address: v.org.legal_address.clone(),
            name: v.org.full_name.clone(),
            note: v.org.decision.clone().unwrap_or_default(),
            identifiers: identifiers_line(state, &v.org.kind, &v.inn, &v.ogrn, v.kpp.as_deref()),
            documents: docs
                .into_iter()
                .map(|d| {
                    (
                        format!("/organizations/{}/documents/{}", v.org.id, d.file_id),
                        format!(
                            "{}: {}",
                            t(&format!("org-document-kind-{}", d.kind)),
                            d.file_name
                        ),
                    )
                })
                .collect(),
            id: v.org.id,
        })
        .collect();
    let changes = changes
        .into_iter()
        .map(|(c, v)| PendingChange {
            id: c.request.id.clone(),
            name: v.org.full_name.clone(),
            current: identifiers_line(state, &v.org.kind, &v.inn, &v.ogrn, v.kpp.as_deref()),
            proposed: identifiers_line(state, &v.org.kind, &c.inn, &c.ogrn, c.kpp.as_deref()),
            reason: c.request.reason,
            at: format::datetime(c.request.created_at),
        })
        .collect();
    let page = OrganizationsPage {
        l: Layout::for_visit(state, visit),
        nav,
        csrf: who.csrf_token.clone(),
        rows,
        changes,
        errors,
    };
    respond(status, &page, None)
}

/// `GET /staff/organizations`: organisations waiting for verification.
pub async fn organizations(State(state): State<AppState>, visit: Visit) -> Response {
    organizations_page(&state, &visit, StatusCode::OK, Errors::default()).await
}

/// Back to the verification queue after a decision, or the queue with the error.
async fn after_organization_decision(
    state: &AppState,
    visit: &Visit,
    result: Result<(), AppError>,
) -> Response {
    match result {
        Ok(()) => see_other("/staff/organizations", None),
        Err(AppError::Conflict(key)) => {
            organizations_page(
                state,
                visit,
                StatusCode::CONFLICT,
                Errors::one("comment", state.i18n.t(key)),
            )
            .await
        }
        Err(e) => match form_errors(state, e, "comment") {
            Ok((status, errors)) => organizations_page(state, visit, status, errors).await,
            Err(e) => e.page_response(),
        },
    }
}

/// `POST /staff/organizations/{id}/{verify|refuse}`
pub async fn decide_organization(
    State(state): State<AppState>,
    visit: Visit,
    Path((id, decision)): Path<(String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let verify = match decision.as_str() {
        "verify" => true,
        "refuse" => false,
        _ => return WebError::NotFound.page_response(),
    };
    let r = async {
        let who = super::form_signed_in(&visit, &form)?;
        kabinet_app::organisations::decide(
            &state.app,
            &visit.ctx,
            who,
            &id,
            verify,
            text(&form, "comment"),
        )
        .await
    }
    .await;
    after_organization_decision(&state, &visit, r).await
}

/// `POST /staff/organization-changes/{id}/{approve|refuse}`
pub async fn decide_organization_change(
    State(state): State<AppState>,
    visit: Visit,
    Path((id, decision)): Path<(String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let approve = match decision.as_str() {
        "approve" => true,
        "refuse" => false,
        _ => return WebError::NotFound.page_response(),
    };
    let r = async {
        let who = super::form_signed_in(&visit, &form)?;
        kabinet_app::organisations::decide_change(
            &state.app,
            &visit.ctx,
            who,
            &id,
            approve,
            text(&form, "comment"),
        )
        .await
    }
    .await;
    after_organization_decision(&state, &visit, r).await
}
