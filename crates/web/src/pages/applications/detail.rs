//! An application's page: «История статуса», comments, the clarification answer,
//! withdrawal and attaching a file.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use kabinet_app::AppError;
use kabinet_app::applications::{self, Detail};
use kabinet_domain::application::{Mover, Status, moves_for};

use super::review::{AnswerGroup, answers};
use super::{may_file, status_name, status_names};
use crate::pages::common::{form_errors, respond, see_other};
use crate::pages::{Errors, Layout};
use crate::session::Visit;
use crate::{AppState, WebError, format, upload};

/// A history row.
pub struct HistoryRow {
    /// When.
    pub at: String,
    /// Status reached.
    pub status: String,
    /// Who.
    pub actor: String,
    /// Why.
    pub reason: String,
}

/// A comment as shown.
pub struct CommentRow {
    /// Who.
    pub author: String,
    /// When.
    pub at: String,
    /// Text.
    pub text: String,
}

/// A file as shown.
pub struct FileRow {
    /// Link.
    pub href: String,
    /// Name.
    pub name: String,
    /// The result document.
    pub result: bool,
}

#[derive(Template)]
#[template(path = "application.html")]
struct DetailPage<'a> {
    l: Layout<'a>,
    id: String,
    title: String,
    number: String,
    status: String,
    due: String,
    submitted: bool,
    groups: Vec<AnswerGroup>,
    history: Vec<HistoryRow>,
    comments: Vec<CommentRow>,
    files: Vec<FileRow>,
    can_comment: bool,
    can_attach: bool,
    can_withdraw: bool,
    clarification: Option<String>,
    clarification_due: String,
    status_names: String,
    csrf: String,
    errors: Errors,
}

/// `?submitted=1`
#[derive(serde::Deserialize)]
pub struct DetailQuery {
    #[serde(default)]
    submitted: Option<String>,
}

fn detail_page(
    state: &AppState,
    visit: &Visit,
    d: Detail,
    submitted: bool,
    status: StatusCode,
    errors: Errors,
) -> Response {
    let a = &d.application;
    let t = |k: &str| state.i18n.t(k);
    let may_file = may_file(visit);
    let history = d
        .history
        .iter()
        .map(|e| HistoryRow {
            at: format::datetime(e.at),
            status: Status::parse(&e.to_status)
                .map_or_else(|| e.to_status.clone(), |s| status_name(state, s)),
            actor: t(&format!("actor-{}", e.actor_kind)),
            reason: e.reason.clone().unwrap_or_default(),
        })
        .collect();
    let clarification = (a.status == Status::NeedsClarification).then(|| {
        d.history
            .iter()
            .rev()
            .find(|e| e.to_status == "needs_clarification")
            .and_then(|e| e.reason.clone())
            .unwrap_or_default()
    });
    let page = DetailPage {
        l: Layout::for_visit(state, visit),
        id: a.id.clone(),
        title: a.service.def.title.clone(),
        number: a.number.clone().unwrap_or_default(),
        status: status_name(state, a.status),
        due: a.due_on.map(kabinet_app::format::day).unwrap_or_default(),
        submitted,
        groups: answers(a),
        history,
        comments: d
            .comments
            .iter()
            .map(|c| CommentRow {
                author: t(&format!("actor-{}", c.author_kind)),
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
        can_comment: may_file && !a.status.is_final() && a.status != Status::Draft,
        can_attach: may_file && a.status == Status::NeedsClarification,
        can_withdraw: may_file
            && moves_for(a.status, Mover::Applicant).contains(&Status::Withdrawn),
        clarification,
        clarification_due: a
            .clarification_due
            .map(kabinet_app::format::day)
            .unwrap_or_default(),
        status_names: status_names(state),
        csrf: visit
            .signed_in
            .as_ref()
            .map(|w| w.csrf_token.clone())
            .unwrap_or_default(),
        errors,
    };
    respond(status, &page, None)
}

/// `GET /applications/{id}`
pub async fn show(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    match applications::get(&state.app, who, &id).await {
        Ok(d) if d.application.status == Status::Draft => {
            see_other(&format!("/applications/{id}/review"), None)
        }
        Ok(d) => detail_page(
            &state,
            &visit,
            d,
            q.submitted.is_some(),
            StatusCode::OK,
            Errors::default(),
        ),
        Err(e) => WebError::from(e).page_response(),
    }
}

async fn after_action(
    state: &AppState,
    visit: &Visit,
    id: &str,
    result: Result<(), AppError>,
    field: &str,
) -> Response {
    match result {
        Ok(()) => see_other(&format!("/applications/{id}"), None),
        Err(e) => {
            let Some(who) = &visit.signed_in else {
                return see_other("/login", None);
            };
            let (status, errors) = match e {
                AppError::TooLarge(key) => (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    Errors::one(field, state.i18n.t(key)),
                ),
                AppError::UnsupportedType(key) => (
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    Errors::one(field, state.i18n.t(key)),
                ),
                AppError::Conflict(key) => {
                    (StatusCode::CONFLICT, Errors::one(field, state.i18n.t(key)))
                }
                other => match form_errors(state, other, field) {
                    Ok(pair) => pair,
                    Err(e) => return e.page_response(),
                },
            };
            match applications::get(&state.app, who, id).await {
                Ok(d) => detail_page(state, visit, d, false, status, errors),
                Err(e) => WebError::from(e).page_response(),
            }
        }
    }
}

/// `POST /applications/{id}/comment`
pub async fn comment(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let result = if visit.form_csrf_ok(form.get("csrf_token").map_or("", String::as_str)) {
        applications::comment(
            &state.app,
            &visit.ctx,
            who,
            &id,
            form.get("text").map_or("", String::as_str),
        )
        .await
    } else {
        Err(AppError::Refused("auth-csrf"))
    };
    after_action(&state, &visit, &id, result, "text").await
}

/// `POST /applications/{id}/withdraw`
pub async fn withdraw(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let result = if visit.form_csrf_ok(form.get("csrf_token").map_or("", String::as_str)) {
        applications::withdraw(
            &state.app,
            &visit.ctx,
            who,
            &id,
            form.get("reason").map_or("", String::as_str),
        )
        .await
    } else {
        Err(AppError::Refused("auth-csrf"))
    };
    after_action(&state, &visit, &id, result, "reason").await
}

/// `POST /applications/{id}/attach`: a document in answer to a clarification.
pub async fn attach(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let limit = match applications::attachment_limit(&state.app, who, &id).await {
        Ok(l) => l,
        Err(e) => return WebError::from(e).page_response(),
    };
    let result = match upload::read_with(multipart, limit, Some("application-file-too-large")).await
    {
        Ok(parts) if !visit.form_csrf_ok(&parts.text("csrf_token")) => {
            Err(AppError::Refused("auth-csrf"))
        }
        Ok(parts) => match parts.file("file") {
            Ok(file) => applications::attach(&state.app, &visit.ctx, who, &id, "other", file)
                .await
                .map(|_| ()),
            Err(e) => Err(e),
        },
        Err(WebError::TooLarge(key)) => Err(AppError::TooLarge(key)),
        Err(e) => return e.page_response(),
    };
    after_action(&state, &visit, &id, result, "file").await
}
