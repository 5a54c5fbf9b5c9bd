//! An application as staff see it `/staff/applications/{id}` (BO-2): the moves the
//! role allows, taking it into work, comments and the result document.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use kabinet_app::AppError;
use kabinet_app::applications::{self, Detail};
use kabinet_app::backoffice::{self, Urgency};
use kabinet_domain::access::{Action, CaseAction, StaffRole};
use kabinet_domain::application::{Mover, Status, moves_for};

use super::queue::urgency_text;
use super::{Choice, Nav, choices, staff_for, status_label, text};
use crate::pages::applications::detail::{CommentRow, FileRow, HistoryRow};
use crate::pages::applications::review::{AnswerGroup, answers};
use crate::pages::common::{form_errors, respond, see_other};
use crate::pages::{Errors, Layout};
use crate::session::Visit;
use crate::upload;
use crate::{AppState, WebError, format};

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
    // Who may do what with this application: the matrix in `domain::access`.
    let may_move = open && who.may_case(CaseAction::Move, assignee_id.as_deref());
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
    let reassign = if open && who.may_case(CaseAction::Reassign, assignee_id.as_deref()) {
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
        can_take: open
            && assignee_id.is_none()
            && who.may_case(CaseAction::Take, assignee_id.as_deref()),
        reassign,
        moves,
        can_result: a.status == Status::Approved
            && who.may_case(CaseAction::AttachResult, assignee_id.as_deref()),
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

/// `POST /staff/applications/{id}/assign`: «Взять в работу» (a submitted one also
/// moves to «В работе») or a supervisor's reassignment.
pub async fn assign(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let result = async {
        let who = crate::pages::form_signed_in(&visit, &form)?;
        let assignee = text(&form, "assignee");
        // `me` is «Взять в работу»: one use case (assign and start, one transaction),
        // the same as the API's.
        backoffice::assign(&state.app, &visit.ctx, who, &id, assignee).await
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
        let who = crate::pages::form_signed_in(&visit, &form)?;
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
        let who = crate::pages::form_signed_in(&visit, &form)?;
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
