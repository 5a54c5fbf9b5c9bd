//! «Подтвердить личность» and «Заявление на изменение данных»: forms with a file
//! (`multipart/form-data`, no JavaScript), and the state of the person's requests.

use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use kabinet_app::identity;
use kabinet_app::profile;
use kabinet_domain::account::AccountLevel;
use kabinet_store::requests::Request;

use super::edit::{FieldView, Group};
use crate::pages::common::{form_errors, respond, see_other};
use crate::pages::{Errors, Layout};
use crate::session::Visit;
use crate::upload::{self, Parts};
use crate::{AppState, WebError, format};

/// A request as listed.
pub struct RequestRow {
    /// Filed.
    pub at: String,
    /// What (Russian).
    pub what: String,
    /// Status (Russian).
    pub status: String,
    /// Staff's reason or comment.
    pub decision: Option<String>,
    /// The attached file's link.
    pub file_href: Option<String>,
}

fn rows(state: &AppState, list: Vec<Request>, identity: bool) -> Vec<RequestRow> {
    let t = |k: &str| state.i18n.t(k);
    list.into_iter()
        .map(|r| RequestRow {
            at: format::datetime(r.created_at),
            what: if identity {
                t(&format!("identity-method-{}", r.what.replace('_', "-")))
            } else {
                r.what
                    .split(',')
                    .map(|f| t(&format!("history-field-{}", f.replace('_', "-"))))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            status: t(&format!("request-status-{}", r.status)),
            decision: r.decision,
            file_href: r.file_id.map(|id| format!("/api/v1/files/{id}")),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "identity.html")]
struct IdentityPage<'a> {
    l: Layout<'a>,
    csrf: String,
    level: AccountLevel,
    can_request: bool,
    method: String,
    comment: String,
    requests: Vec<RequestRow>,
    errors: Errors,
}

async fn identity_page(
    state: &AppState,
    visit: &Visit,
    status: StatusCode,
    parts: &Parts,
    errors: Errors,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let (p, list) = match (
        profile::get(&state.app, who).await,
        identity::my_identity_requests(&state.app, who).await,
    ) {
        (Ok(p), Ok(list)) => (p, list),
        (Err(e), _) | (_, Err(e)) => return WebError::from(e).page_response(),
    };
    let pending = list.iter().any(|r| r.status == "pending");
    let page = IdentityPage {
        l: Layout::for_visit(state, visit),
        csrf: who.csrf_token.clone(),
        can_request: p.level == AccountLevel::Standard && !pending,
        level: p.level,
        method: parts.text("method"),
        comment: parts.text("comment"),
        requests: rows(state, list, true),
        errors,
    };
    respond(status, &page, None)
}

/// `GET /profile/identity`
pub async fn identity_show(State(state): State<AppState>, visit: Visit) -> Response {
    identity_page(
        &state,
        &visit,
        StatusCode::OK,
        &Parts::default(),
        Errors::default(),
    )
    .await
}

fn csrf_ok(visit: &Visit, parts: &Parts) -> bool {
    visit.form_csrf_ok(&parts.text("csrf_token"))
}

/// `POST /profile/identity`
pub async fn identity_submit(
    State(state): State<AppState>,
    visit: Visit,
    multipart: Multipart,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let parts = match upload::read(multipart).await {
        Ok(p) => p,
        Err(WebError::Validation(fields)) => {
            return match form_errors(&state, kabinet_app::AppError::Validation(fields), "scan") {
                Ok((status, errors)) => {
                    identity_page(&state, &visit, status, &Parts::default(), errors).await
                }
                Err(e) => e.page_response(),
            };
        }
        Err(e) => return e.page_response(),
    };
    if !csrf_ok(&visit, &parts) {
        let errors = Errors::one("method_in_person", state.i18n.t("auth-csrf"));
        return identity_page(&state, &visit, StatusCode::BAD_REQUEST, &parts, errors).await;
    }
    let result = async {
        let method = crate::api::identity::method(&parts)?;
        identity::request_confirmation(
            &state.app,
            &visit.ctx,
            who,
            method,
            &parts.text("comment"),
            parts.files.get("scan"),
        )
        .await
    }
    .await;
    match result {
        Ok(_) => see_other("/profile/identity", None),
        Err(kabinet_app::AppError::Conflict(key)) => {
            let errors = Errors::one("method_in_person", state.i18n.t(key));
            identity_page(&state, &visit, StatusCode::CONFLICT, &parts, errors).await
        }
        Err(e) => match form_errors(&state, e, "method_in_person") {
            Ok((status, mut errors)) => {
                for e in &mut errors.list {
                    if e.field == "method" {
                        e.field = "method_in_person".to_owned();
                    }
                }
                identity_page(&state, &visit, status, &parts, errors).await
            }
            Err(e) => e.page_response(),
        },
    }
}

#[derive(Template)]
#[template(path = "change_request.html")]
struct ChangePage<'a> {
    l: Layout<'a>,
    csrf: String,
    confirmed: bool,
    groups: Vec<Group>,
    reason: String,
    requests: Vec<RequestRow>,
    errors: Errors,
}

const FIELDS: &[(&str, &str, Option<&str>, &str)] = &[
    ("last_name", "field-last-name", None, "family-name"),
    ("first_name", "field-first-name", None, "given-name"),
    (
        "middle_name",
        "field-middle-name",
        Some("hint-middle-name"),
        "additional-name",
    ),
    ("birth_date", "field-birth-date", Some("hint-date"), "bday"),
    ("snils", "field-snils", Some("hint-snils"), "off"),
    (
        "passport_series",
        "field-passport-series",
        Some("hint-passport-series"),
        "off",
    ),
    ("passport_number", "field-passport-number", None, "off"),
    (
        "passport_issued_on",
        "field-passport-issued-on",
        Some("hint-date"),
        "off",
    ),
    (
        "passport_issuer_code",
        "field-passport-issuer-code",
        Some("hint-issuer-code"),
        "off",
    ),
];

async fn change_page(
    state: &AppState,
    visit: &Visit,
    status: StatusCode,
    parts: Option<&Parts>,
    errors: Errors,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let (p, list) = match (
        profile::get(&state.app, who).await,
        identity::my_change_requests(&state.app, who).await,
    ) {
        (Ok(p), Ok(list)) => (p, list),
        (Err(e), _) | (_, Err(e)) => return WebError::from(e).page_response(),
    };
    let current = |id: &str| -> String {
        let binding = match id {
            "passport_series" => "profile.passport.series".to_owned(),
            "passport_number" => "profile.passport.number".to_owned(),
            "passport_issued_on" => "profile.passport.issued_on".to_owned(),
            "passport_issuer_code" => "profile.passport.issuer_code".to_owned(),
            other => format!("profile.{other}"),
        };
        p.prefill(&binding).unwrap_or_default()
    };
    let fields = FIELDS
        .iter()
        .map(|(id, label, hint, autocomplete)| FieldView {
            id: (*id).to_owned(),
            label: state.i18n.t(label),
            hint: hint.map(|h| state.i18n.t(h)),
            value: parts.map_or_else(|| current(id), |p| p.text(id)),
            error: errors.get(id).map(str::to_owned),
            autocomplete,
            inputmode: if matches!(*id, "last_name" | "first_name" | "middle_name") {
                "text"
            } else {
                "numeric"
            },
            locked: false,
        })
        .collect();
    let page = ChangePage {
        l: Layout::for_visit(state, visit),
        csrf: who.csrf_token.clone(),
        confirmed: p.level == AccountLevel::Confirmed,
        groups: vec![Group {
            legend: None,
            fields,
        }],
        reason: parts.map(|p| p.text("reason")).unwrap_or_default(),
        requests: rows(state, list, false),
        errors,
    };
    respond(status, &page, None)
}

/// `GET /profile/change-request`
pub async fn change_show(State(state): State<AppState>, visit: Visit) -> Response {
    change_page(&state, &visit, StatusCode::OK, None, Errors::default()).await
}

/// `POST /profile/change-request`
pub async fn change_submit(
    State(state): State<AppState>,
    visit: Visit,
    multipart: Multipart,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let parts = match upload::read(multipart).await {
        Ok(p) => p,
        Err(WebError::Validation(fields)) => {
            return match form_errors(
                &state,
                kabinet_app::AppError::Validation(fields),
                "document",
            ) {
                Ok((status, errors)) => change_page(&state, &visit, status, None, errors).await,
                Err(e) => e.page_response(),
            };
        }
        Err(e) => return e.page_response(),
    };
    if !csrf_ok(&visit, &parts) {
        let errors = Errors::one("last_name", state.i18n.t("auth-csrf"));
        return change_page(
            &state,
            &visit,
            StatusCode::BAD_REQUEST,
            Some(&parts),
            errors,
        )
        .await;
    }
    let input = crate::api::identity::change_input(&parts);
    match identity::request_change(
        &state.app,
        &visit.ctx,
        who,
        &input,
        &parts.text("reason"),
        parts.files.get("document"),
    )
    .await
    {
        Ok(_) => see_other("/profile/change-request", None),
        Err(kabinet_app::AppError::Conflict(key)) => {
            let errors = Errors::one("last_name", state.i18n.t(key));
            change_page(&state, &visit, StatusCode::CONFLICT, Some(&parts), errors).await
        }
        Err(e) => match form_errors(&state, e, "last_name") {
            Ok((status, errors)) => change_page(&state, &visit, status, Some(&parts), errors).await,
            Err(e) => e.page_response(),
        },
    }
}
