//! «Мои организации», registering one and «Информация об организации» (ORG-1), without
//! JavaScript; the staff's verification queue lives under `/staff/organizations`.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use kabinet_app::AppError;
use kabinet_app::organisations::{self, NewOrganisation};

use super::auth::{form_errors, respond, see_other};
use super::{Errors, Layout};
use crate::session::Visit;
use crate::{AppState, WebError, format};

/// An organisation as listed.
pub struct OrgRow {
    /// Link.
    pub href: String,
    /// Name.
    pub name: String,
    /// Status (Russian).
    pub status: String,
    /// The viewer's role (Russian).
    pub role: String,
}

/// A text field of the form.
pub struct Input {
    /// Name and id.
    pub name: &'static str,
    /// Label (Russian).
    pub label: String,
    /// Hint (Russian), may be empty.
    pub hint: String,
    /// What was typed.
    pub value: String,
}

#[derive(Template)]
#[template(path = "organizations.html")]
struct ListPage<'a> {
    l: Layout<'a>,
    csrf: String,
    rows: Vec<OrgRow>,
    confirmed: bool,
    kind: String,
    inputs: Vec<Input>,
    errors: Errors,
}

fn t(state: &AppState, key: &str) -> String {
    state.i18n.t(key)
}

async fn list_page(
    state: &AppState,
    visit: &Visit,
    status: StatusCode,
    form: HashMap<String, String>,
    errors: Errors,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let list = match organisations::mine(&state.app, who).await {
        Ok(l) => l,
        Err(e) => return WebError::from(e).page_response(),
    };
    let rows = list
        .into_iter()
        .map(|(o, role)| OrgRow {
            href: format!("/organizations/{}", o.id),
            status: t(state, &format!("org-status-{}", o.status.replace('_', "-"))),
            role: t(state, &format!("org-role-{role}")),
            name: o.full_name,
        })
        .collect();
    let inputs = [
        ("inn", "org-inn", "org-inn-hint"),
        ("ogrn", "org-ogrn-or-ogrnip", "org-ogrn-hint"),
        ("kpp", "org-kpp", "org-kpp-hint"),
        ("full_name", "org-full-name", ""),
        ("short_name", "org-short-name", ""),
        ("legal_address", "org-address", ""),
    ]
    .into_iter()
    .map(|(name, label, hint)| Input {
        name,
        label: t(state, label),
        hint: if hint.is_empty() {
            String::new()
        } else {
            t(state, hint)
        },
        value: form.get(name).cloned().unwrap_or_default(),
    })
    .collect();
    let page = ListPage {
        l: Layout::for_visit(state, visit),
        csrf: who.csrf_token.clone(),
        rows,
        confirmed: who.account.level == "confirmed",
        kind: form.get("kind").cloned().unwrap_or_default(),
        inputs,
        errors,
    };
    respond(status, &page, None)
}

/// `GET /organizations`
pub async fn list(State(state): State<AppState>, visit: Visit) -> Response {
    list_page(
        &state,
        &visit,
        StatusCode::OK,
        HashMap::new(),
        Errors::default(),
    )
    .await
}

/// `POST /organizations`: registers one; it waits for staff verification.
pub async fn create(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let result = if super::form_signed_in(&visit, &form).is_ok() {
        let input = NewOrganisation {
            kind: get("kind"),
            inn: get("inn"),
            ogrn: get("ogrn"),
            kpp: get("kpp"),
            full_name: get("full_name"),
            short_name: get("short_name"),
            legal_address: get("legal_address"),
            registered_on: get("registered_on"),
            responsible: get("responsible"),
            contact_email: get("contact_email"),
            contact_phone: get("contact_phone"),
        };
        organisations::create(&state.app, &visit.ctx, who, &input).await
    } else {
        Err(AppError::Refused("auth-csrf"))
    };
    match result {
        Ok(v) => see_other(&format!("/organizations/{}", v.org.id), None),
        Err(AppError::Conflict(key)) => {
            let errors = Errors::one("inn", state.i18n.t(key));
            list_page(&state, &visit, StatusCode::CONFLICT, form, errors).await
        }
        Err(e) => match form_errors(&state, e, "kind") {
            Ok((status, errors)) => list_page(&state, &visit, status, form, errors).await,
            Err(e) => e.page_response(),
        },
    }
}

/// A member as shown.
pub struct MemberRow {
    /// Account id.
    pub account: String,
    /// Account id (short) or «Вы».
    pub who: String,
    /// Role (Russian).
    pub role: String,
    /// Role name.
    pub role_value: String,
    /// It is the viewer.
    pub me: bool,
}

#[derive(Template)]
#[template(path = "organization.html")]
struct OrgPage<'a> {
    l: Layout<'a>,
    name: String,
    short_name: String,
    kind: String,
    inn: String,
    ogrn_label: String,
    ogrn: String,
    kpp: String,
    address: String,
    status: String,
    decision: String,
    updated: String,
    role: String,
    members: Vec<MemberRow>,
    id: String,
    csrf: String,
    manage: bool,
    invite: bool,
    roles: Vec<(String, String)>,
    errors: Errors,
}

/// `GET /organizations/{id}`: «Информация об организации» (members only).
pub async fn show(State(state): State<AppState>, visit: Visit, Path(id): Path<String>) -> Response {
    org_page(&state, &visit, &id, StatusCode::OK, Errors::default()).await
}

async fn org_page(
    state: &AppState,
    visit: &Visit,
    id: &str,
    status: StatusCode,
    errors: Errors,
) -> Response {
    let state = state.clone();
    let id = id.to_owned();
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let (v, members) = match (
        organisations::get(&state.app, who, &id).await,
        organisations::members(&state.app, who, &id).await,
    ) {
        (Ok(v), Ok(m)) => (v, m),
        (Err(e), _) | (_, Err(e)) => return WebError::from(e).page_response(),
    };
    let legal = v.org.kind == "legal_entity";
    let manage = v.role == Some(kabinet_domain::organisation::Role::Administrator);
    let page = OrgPage {
        l: Layout::for_visit(&state, visit),
        id: v.org.id.clone(),
        csrf: who.csrf_token.clone(),
        manage,
        invite: manage && v.org.status == "active",
        roles: kabinet_domain::organisation::Role::ALL
            .iter()
            .map(|r| {
                (
                    r.as_str().to_owned(),
                    t(&state, &format!("org-role-{}", r.as_str())),
                )
            })
            .collect(),
        errors,
        kind: t(
            &state,
            &format!("org-kind-{}", v.org.kind.replace('_', "-")),
        ),
        ogrn_label: t(&state, if legal { "org-ogrn" } else { "org-ogrnip" }),
        status: t(
            &state,
            &format!("org-status-{}", v.org.status.replace('_', "-")),
        ),
        decision: v.org.decision.clone().unwrap_or_default(),
        updated: format::datetime(v.org.updated_at),
        role: v
            .role
            .map(|r| t(&state, &format!("org-role-{}", r.as_str())))
            .unwrap_or_default(),
        members: members
            .into_iter()
            .map(|(account, role)| MemberRow {
                me: account == who.account.id,
                who: if account == who.account.id {
                    t(&state, "org-member-you")
                } else {
                    account.chars().take(8).collect()
                },
                role: t(&state, &format!("org-role-{role}")),
                role_value: role,
                account,
            })
            .collect(),
        name: v.org.full_name,
        short_name: v.org.short_name.unwrap_or_default(),
        inn: v.inn,
        ogrn: v.ogrn,
        kpp: v.kpp.unwrap_or_default(),
        address: v.org.legal_address,
    };
    respond(status, &page, None)
}

fn field(form: &HashMap<String, String>, k: &str) -> String {
    form.get(k).cloned().unwrap_or_default()
}

async fn after(
    state: &AppState,
    visit: &Visit,
    id: &str,
    result: Result<(), AppError>,
    field_name: &str,
) -> Response {
    match result {
        Ok(()) => see_other(&format!("/organizations/{id}"), None),
        Err(AppError::Conflict(key)) => {
            let errors = Errors::one(field_name, state.i18n.t(key));
            org_page(state, visit, id, StatusCode::CONFLICT, errors).await
        }
        Err(e) => match form_errors(state, e, field_name) {
            Ok((status, errors)) => org_page(state, visit, id, status, errors).await,
            Err(e) => e.page_response(),
        },
    }
}

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
    let result = if super::form_signed_in(&visit, &form).is_ok() {
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
    after(&state, &visit, &id, result, "contact").await
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
    let result = if super::form_signed_in(&visit, &form).is_ok() {
        organisations::change_member(&state.app, &visit.ctx, who, &id, &account, next).await
    } else {
        Err(AppError::Refused("auth-csrf"))
    };
    if result.is_ok() && next.is_none() && account == who.account.id {
        return see_other("/organizations", None);
    }
    after(&state, &visit, &id, result, "members").await
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
    let result = if super::form_signed_in(&visit, &form).is_ok() {
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
