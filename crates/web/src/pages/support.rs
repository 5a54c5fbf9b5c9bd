//! «Обратная связь» (linked from every page), «Мои обращения» and a ticket's
//! conversation; the staff side lives under `/staff/support`. Forms are multipart so
//! that a document can go with a message; no JavaScript.

use askama::Template;
use axum::Router;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use kabinet_app::AppError;
use kabinet_app::support::{self, NewTicket, TicketView};

use super::common::{form_csrf, form_errors, respond, see_other};
use super::{Errors, Layout};
use crate::session::Visit;
use crate::upload::{self, Parts};
use crate::{AppState, WebError, format};

/// A message as shown.
pub struct MessageRow {
    /// «Вы», «Сотрудник поддержки» …
    pub author: String,
    /// When.
    pub at: String,
    /// Text.
    pub text: String,
    /// The attached file's link.
    pub file_href: Option<String>,
    /// Written by staff.
    pub staff: bool,
}

/// The conversation of a ticket, for its author (`staff` false) or staff.
pub fn message_rows(state: &AppState, v: &TicketView, for_staff: bool) -> Vec<MessageRow> {
    v.messages
        .iter()
        .map(|m| MessageRow {
            author: state.i18n.t(&format!(
                "support-author-{}{}",
                m.author_kind,
                if for_staff { "-staff-view" } else { "" }
            )),
            at: format::datetime(m.at),
            text: m.text.clone(),
            file_href: m
                .file_id
                .as_ref()
                .map(|f| format!("/api/v1/support/tickets/{}/files/{f}", v.ticket.id)),
            staff: m.author_kind == "staff",
        })
        .collect()
}

/// The status in Russian.
pub fn status_text(state: &AppState, s: &str) -> String {
    state.i18n.t(&format!("support-status-{s}"))
}

#[derive(Template)]
#[template(path = "feedback.html")]
struct FeedbackPage<'a> {
    l: Layout<'a>,
    csrf: String,
    signed_in: bool,
    subject: String,
    text: String,
    contact: String,
    page: String,
    sent: Option<String>,
    errors: Errors,
}

/// `?from=/path`
#[derive(serde::Deserialize)]
pub struct FromQuery {
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    sent: Option<String>,
}

#[allow(clippy::too_many_arguments)]
fn feedback_page(
    state: &AppState,
    visit: &Visit,
    status: StatusCode,
    parts: &Parts,
    page: String,
    sent: Option<String>,
    errors: Errors,
) -> Response {
    let (csrf, cookie): (String, Option<HeaderValue>) = form_csrf(visit, state);
    let view = FeedbackPage {
        l: Layout::for_visit(state, visit),
        csrf,
        signed_in: visit.signed_in.is_some(),
        subject: parts.text("subject"),
        text: parts.text("text"),
        contact: parts.text("contact"),
        page,
        sent,
        errors,
    };
    respond(status, &view, cookie)
}

/// `GET /feedback`: the form (a visitor also leaves a contact).
pub async fn feedback(
    State(state): State<AppState>,
    visit: Visit,
    Query(q): Query<FromQuery>,
) -> Response {
    let page = q
        .from
        .filter(|p| p.starts_with('/') && !p.starts_with("//"))
        .unwrap_or_default();
    feedback_page(
        &state,
        &visit,
        StatusCode::OK,
        &Parts::default(),
        page,
        q.sent,
        Errors::default(),
    )
}

/// `POST /feedback`: a signed-in person goes to the new ticket; a visitor sees its
/// number (and gets it at the contact they gave).
pub async fn feedback_submit(
    State(state): State<AppState>,
    visit: Visit,
    multipart: Multipart,
) -> Response {
    let parts = match upload::read(multipart).await {
        Ok(p) => p,
        Err(WebError::TooLarge(key)) => {
            return feedback_page(
                &state,
                &visit,
                StatusCode::PAYLOAD_TOO_LARGE,
                &Parts::default(),
                String::new(),
                None,
                Errors::one("file", state.i18n.t(key)),
            );
        }
        Err(e) => return e.page_response(),
    };
    let page = parts.text("page");
    let result = if visit.form_csrf_ok(&parts.text("csrf_token")) {
        let input = NewTicket {
            subject: parts.text("subject"),
            text: parts.text("text"),
            contact: parts.text("contact"),
            page: page.clone(),
        };
        support::create(
            &state.app,
            &visit.ctx,
            visit.signed_in.as_ref(),
            &input,
            parts.files.get("file"),
        )
        .await
    } else {
        Err(AppError::Refused("auth-csrf"))
    };
    match result {
        Ok(t) if visit.signed_in.is_some() => see_other(&format!("/support/{}", t.id), None),
        Ok(t) => see_other(
            &format!("/feedback?sent={}", format::percent_encode(&t.number)),
            None,
        ),
        Err(e) => {
            let (status, errors) = match e {
                AppError::Conflict(key) => (
                    StatusCode::TOO_MANY_REQUESTS,
                    Errors::one("subject", state.i18n.t(key)),
                ),
                AppError::UnsupportedType(key) => (
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    Errors::one("file", state.i18n.t(key)),
                ),
                e => match form_errors(&state, e, "subject") {
                    Ok(pair) => pair,
                    Err(e) => return e.page_response(),
                },
            };
            feedback_page(&state, &visit, status, &parts, page, None, errors)
        }
    }
}

/// A ticket as listed.
pub struct TicketRow {
    /// Link.
    pub href: String,
    /// Number.
    pub number: String,
    /// Subject.
    pub subject: String,
    /// Status.
    pub status: String,
    /// Last change.
    pub updated: String,
    /// Escalated (staff lists).
    pub escalated: bool,
}

/// Rows of a ticket list linking under `base`.
pub fn ticket_rows(
    state: &AppState,
    list: Vec<kabinet_store::support::Ticket>,
    base: &str,
) -> Vec<TicketRow> {
    list.into_iter()
        .map(|t| TicketRow {
            href: format!("{base}/{}", t.id),
            number: t.number,
            subject: t.subject,
            status: status_text(state, &t.status),
            updated: format::datetime(t.updated_at),
            escalated: t.escalated,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "support_list.html")]
struct ListPage<'a> {
    l: Layout<'a>,
    rows: Vec<TicketRow>,
}

/// `GET /support`: «Мои обращения».
pub async fn list(State(state): State<AppState>, visit: Visit) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    match support::mine(&state.app, who).await {
        Ok(list) => respond(
            StatusCode::OK,
            &ListPage {
                l: Layout::for_visit(&state, &visit),
                rows: ticket_rows(&state, list, "/support"),
            },
            None,
        ),
        Err(e) => WebError::from(e).page_response(),
    }
}

#[derive(Template)]
#[template(path = "support_ticket.html")]
struct TicketPage<'a> {
    l: Layout<'a>,
    id: String,
    number: String,
    subject: String,
    status: String,
    open: bool,
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
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let v = match support::get_own(&state.app, who, id).await {
        Ok(v) => v,
        Err(e) => return WebError::from(e).page_response(),
    };
    let page = TicketPage {
        l: Layout::for_visit(state, visit),
        messages: message_rows(state, &v, false),
        id: v.ticket.id.clone(),
        number: v.ticket.number.clone(),
        subject: v.ticket.subject.clone(),
        status: status_text(state, &v.ticket.status),
        open: v.ticket.status != "closed",
        csrf: who.csrf_token.clone(),
        errors,
    };
    respond(status, &page, None)
}

/// `GET /support/{id}`
pub async fn show(State(state): State<AppState>, visit: Visit, Path(id): Path<String>) -> Response {
    ticket_page(&state, &visit, &id, StatusCode::OK, Errors::default()).await
}

/// Re-renders a page after a failed action: the status and the field errors.
pub fn failure(
    state: &AppState,
    e: AppError,
    field: &str,
) -> Result<(StatusCode, Errors), WebError> {
    match e {
        AppError::Conflict(key) => {
            Ok((StatusCode::CONFLICT, Errors::one(field, state.i18n.t(key))))
        }
        AppError::TooLarge(key) => Ok((
            StatusCode::PAYLOAD_TOO_LARGE,
            Errors::one("file", state.i18n.t(key)),
        )),
        AppError::UnsupportedType(key) => Ok((
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Errors::one("file", state.i18n.t(key)),
        )),
        e => form_errors(state, e, field),
    }
}

/// Reads a multipart form with its CSRF token checked.
pub async fn checked_parts(visit: &Visit, multipart: Multipart) -> Result<Parts, AppError> {
    match upload::read(multipart).await {
        Ok(p) if visit.form_csrf_ok(&p.text("csrf_token")) => Ok(p),
        Ok(_) => Err(AppError::Refused("auth-csrf")),
        Err(WebError::TooLarge(key)) => Err(AppError::TooLarge(key)),
        Err(_) => Err(AppError::Validation(vec![kabinet_app::FieldError::new(
            "file",
            "file-empty",
        )])),
    }
}

/// `POST /support/{id}/reply`: a message and/or a document.
pub async fn reply(
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
        support::reply(
            &state.app,
            &visit.ctx,
            who,
            &id,
            &parts.text("text"),
            parts.files.get("file"),
        )
        .await
    }
    .await;
    match result {
        Ok(()) => see_other(&format!("/support/{id}"), None),
        Err(e) => match failure(&state, e, "text") {
            Ok((status, errors)) => ticket_page(&state, &visit, &id, status, errors).await,
            Err(e) => e.page_response(),
        },
    }
}

/// `POST /support/{id}/close`
pub async fn close(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<std::collections::HashMap<String, String>>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let token = form.get("csrf_token").map_or("", String::as_str);
    let result = if visit.form_csrf_ok(token) {
        support::close(&state.app, &visit.ctx, who, &id).await
    } else {
        Err(AppError::Refused("auth-csrf"))
    };
    match result {
        Ok(()) => see_other(&format!("/support/{id}"), None),
        Err(e) => match failure(&state, e, "text") {
            Ok((status, errors)) => ticket_page(&state, &visit, &id, status, errors).await,
            Err(e) => e.page_response(),
        },
    }
}

/// «Мои обращения» (`/support/...`) and the feedback form (`/feedback`).
pub fn router() -> Router<AppState> {
    let tickets = Router::new()
        .route("/", get(list))
        .route("/{id}", get(show))
        .route("/{id}/reply", post(reply).layer(super::upload_body_limit()))
        .route("/{id}/close", post(close));
    Router::new().nest("/support", tickets).route(
        "/feedback",
        get(feedback)
            .post(feedback_submit)
            .layer(super::upload_body_limit()),
    )
}
