//! «Безопасность»: the active sessions, ending one or all the others.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use kabinet_app::auth;
use serde::Deserialize;

use super::CsrfForm;
use crate::pages::Layout;
use crate::pages::common::{respond, see_other};
use crate::session::Visit;
use crate::{AppState, WebError, format};

struct SessionRow {
    id: String,
    device: String,
    address: String,
    last_seen: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "security.html")]
struct SecurityPage<'a> {
    l: Layout<'a>,
    csrf: String,
    status: String,
    level: String,
    last_sign_in: String,
    sessions: Vec<SessionRow>,
    mfa: String,
}

/// A short device description from a User-Agent.
fn device(user_agent: Option<&str>) -> String {
    let Some(ua) = user_agent else {
        return "—".to_owned();
    };
    let browser = ["YaBrowser", "Edg", "Firefox", "Chrome", "Safari"]
        .into_iter()
        .find(|b| ua.contains(b))
        .map(|b| match b {
            "YaBrowser" => "Яндекс Браузер",
            "Edg" => "Edge",
            other => other,
        });
    let system = ["Android", "iPhone", "Windows", "Mac OS", "Linux"]
        .into_iter()
        .find(|s| ua.contains(s));
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b}, {s}"),
        (Some(b), None) => b.to_owned(),
        _ => ua.chars().take(60).collect(),
    }
}

/// `GET /security`
pub async fn security_page(State(state): State<AppState>, visit: Visit) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    if who.access_actor().must_change_password {
        return see_other("/security/password", None);
    }
    let sessions = match auth::sessions_of(&state.app, who).await {
        Ok(s) => s,
        Err(e) => return WebError::from(e).page_response(),
    };
    let t = &state.i18n;
    let mfa = if who.has_second_factor {
        t.t("page-mfa-on")
    } else {
        t.t("page-mfa-off")
    };
    let page = SecurityPage {
        mfa,
        l: Layout::for_visit(&state, &visit),
        csrf: who.csrf_token.clone(),
        status: t.t(&format!("status-{}", who.status())),
        level: t.t(&format!("level-{}", who.account.level)),
        last_sign_in: who
            .account
            .previous_sign_in_at
            .map_or_else(|| t.t("page-security-never"), format::datetime),
        sessions: sessions
            .into_iter()
            .map(|s| SessionRow {
                current: s.id == who.session_id,
                device: device(s.user_agent.as_deref()),
                address: s.address.unwrap_or_else(|| "—".to_owned()),
                last_seen: format::datetime(s.last_seen_at),
                id: s.id,
            })
            .collect(),
    };
    respond(StatusCode::OK, &page, None)
}

/// The end-session form.
#[derive(Debug, Deserialize)]
pub struct EndSessionForm {
    csrf_token: String,
    session: String,
}

/// `POST /security/sessions/end`
pub async fn end_session(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<EndSessionForm>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    if !visit.form_csrf_ok(&form.csrf_token) {
        return WebError::Refused("auth-csrf").page_response();
    }
    match auth::end_session(&state.app, &visit.ctx, who, &form.session).await {
        Ok(()) => see_other("/security", None),
        Err(e) => WebError::from(e).page_response(),
    }
}

/// `POST /security/sessions/end-others`
pub async fn end_others(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<CsrfForm>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    if !visit.form_csrf_ok(&form.csrf_token) {
        return WebError::Refused("auth-csrf").page_response();
    }
    match auth::end_other_sessions(&state.app, &visit.ctx, who).await {
        Ok(_) => see_other("/security", None),
        Err(e) => WebError::from(e).page_response(),
    }
}
