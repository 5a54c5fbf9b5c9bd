//! Support tickets for staff (BO-5): `/staff/support`, a ticket, the answer and escalation.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use kabinet_domain::access::Action;

use super::{Choice, Nav, choices, staff_for, text};
use crate::pages::common::{respond, see_other};
use crate::pages::support::{
    MessageRow, TicketRow, checked_parts, failure, message_rows, status_text, ticket_rows,
};
use crate::pages::{Errors, Layout};
use crate::session::Visit;
use crate::{AppState, WebError};

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
        let who = crate::pages::form_signed_in(&visit, &form)?;
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
