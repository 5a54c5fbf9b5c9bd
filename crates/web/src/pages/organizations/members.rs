//! Members and acting: inviting, a member's role and removal, accepting an invitation,
//! acting for an organisation or as the private person again.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use kabinet_app::AppError;
use kabinet_app::organisations;

use super::list_page;
use super::page::{after, field, org_page};
use crate::pages::Errors;
use crate::pages::common::{form_errors, see_other};
use crate::session::Visit;
use crate::{AppState, WebError};

/// `POST /organizations/{id}/invite`
pub async fn invite(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let result = if crate::pages::form_signed_in(&visit, &form).is_ok() {
        organisations::invite(
            &state.app,
            &visit.ctx,
            who,
            &id,
            &field(&form, "contact"),
            &field(&form, "role"),
        )
        .await
        .map(|_| ())
    } else {
        Err(AppError::Refused("auth-csrf"))
    };
    after(&state, &visit, &id, result, "contact", None).await
}

/// `POST /organizations/{id}/members/{account}/{role|remove}`
pub async fn member(
    State(state): State<AppState>,
    visit: Visit,
    Path((id, account, what)): Path<(String, String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let role = field(&form, "role");
    let next = match what.as_str() {
        "role" => Some(role.as_str()),
        "remove" => None,
        _ => return WebError::NotFound.page_response(),
    };
    let result = if crate::pages::form_signed_in(&visit, &form).is_ok() {
        organisations::change_member(&state.app, &visit.ctx, who, &id, &account, next).await
    } else {
        Err(AppError::Refused("auth-csrf"))
    };
    if result.is_ok() && next.is_none() && account == who.account.id {
        return see_other("/organizations", None);
    }
    after(&state, &visit, &id, result, "members", None).await
}

/// `POST /organizations/invitation`: accept or decline a code (`decision`).
pub async fn invitation(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let accept = field(&form, "decision") != "decline";
    let result = if crate::pages::form_signed_in(&visit, &form).is_ok() {
        organisations::answer_invitation(&state.app, &visit.ctx, who, &field(&form, "code"), accept)
            .await
    } else {
        Err(AppError::Refused("auth-csrf"))
    };
    match result {
        Ok((org, _)) if accept => see_other(&format!("/organizations/{org}"), None),
        Ok(_) => see_other("/organizations", None),
        Err(AppError::Conflict(key)) => {
            list_page(
                &state,
                &visit,
                StatusCode::CONFLICT,
                form,
                Errors::one("code", state.i18n.t(key)),
            )
            .await
        }
        Err(e) => match form_errors(&state, e, "code") {
            Ok((status, errors)) => list_page(&state, &visit, status, form, errors).await,
            Err(e) => e.page_response(),
        },
    }
}

/// `POST /organizations/{id}/act`: the session acts for the organisation from now on;
/// «Мои заявления» become the organisation's.
pub async fn act(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let who = match crate::pages::form_guard(&visit, &form) {
        Ok(who) => who,
        Err(r) => return *r,
    };
    match organisations::switch(&state.app, &visit.ctx, who, Some(&id)).await {
        Ok(_) => see_other("/applications", None),
        Err(AppError::Conflict(key)) => {
            let errors = Errors::one("act", state.i18n.t(key));
            org_page(&state, &visit, &id, StatusCode::CONFLICT, errors, None).await
        }
        Err(e) => WebError::from(e).page_response(),
    }
}

/// `POST /organizations/personal`: back to acting as the private person.
pub async fn personal(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let who = match crate::pages::form_guard(&visit, &form) {
        Ok(who) => who,
        Err(r) => return *r,
    };
    match organisations::switch(&state.app, &visit.ctx, who, None).await {
        Ok(_) => see_other("/applications", None),
        Err(e) => WebError::from(e).page_response(),
    }
}
