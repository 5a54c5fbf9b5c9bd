//! «Информация об организации» `/organizations/{id}`, and the way back to it after an action.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use kabinet_app::AppError;
use kabinet_app::organisations;

use super::{Input, t, text_inputs};
use crate::pages::common::{form_errors, respond, see_other};
use crate::pages::{Errors, Layout};
use crate::session::Visit;
use crate::{AppState, WebError, format};

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

/// A statutory document as listed.
pub struct DocRow {
    /// Download link.
    pub href: String,
    /// Kind (Russian).
    pub kind: String,
    /// File name.
    pub name: String,
    /// Size (Russian).
    pub size: String,
    /// When.
    pub at: String,
}

/// A line of «История изменений».
pub struct HistoryRow {
    /// When.
    pub at: String,
    /// Who.
    pub who: String,
    /// What (Russian), with the changed fields.
    pub what: String,
}

/// A change request as listed.
pub struct ChangeRow {
    /// When.
    pub at: String,
    /// What changes (Russian).
    pub fields: String,
    /// Status (Russian).
    pub status: String,
    /// Staff's comment.
    pub decision: String,
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
    card: Vec<(String, String)>,
    members: Vec<MemberRow>,
    documents: Vec<DocRow>,
    document_kinds: Vec<(String, String)>,
    history: Vec<HistoryRow>,
    changes: Vec<ChangeRow>,
    edit: Vec<Input>,
    change: Vec<Input>,
    reason: String,
    id: String,
    csrf: String,
    manage: bool,
    invite: bool,
    can_act: bool,
    acting_here: bool,
    roles: Vec<(String, String)>,
    errors: Errors,
}

/// `GET /organizations/{id}`: «Информация об организации» (members only).
pub async fn show(State(state): State<AppState>, visit: Visit, Path(id): Path<String>) -> Response {
    org_page(&state, &visit, &id, StatusCode::OK, Errors::default(), None).await
}

/// The names of fields in «История изменений» and change requests (Russian).
fn field_names(state: &AppState, fields: &[&str]) -> String {
    fields
        .iter()
        .map(|f| t(state, &format!("org-field-{f}")))
        .collect::<Vec<_>>()
        .join(", ")
}

#[allow(clippy::too_many_lines)]
pub(super) async fn org_page(
    state: &AppState,
    visit: &Visit,
    id: &str,
    status: StatusCode,
    errors: Errors,
    typed: Option<&HashMap<String, String>>,
) -> Response {
    let state = state.clone();
    let id = id.to_owned();
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let app = &state.app;
    let loaded = async {
        Ok::<_, AppError>((
            organisations::get(app, who, &id).await?,
            organisations::members_named(app, who, &id).await?,
            organisations::documents(app, who, &id).await?,
            organisations::history(app, who, &id).await?,
            organisations::change_requests(app, who, &id).await?,
        ))
    }
    .await;
    let (v, members, documents, history, changes) = match loaded {
        Ok(x) => x,
        Err(e) => return WebError::from(e).page_response(),
    };
    let legal = v.org.kind == "legal_entity";
    let manage = v.role == Some(kabinet_domain::organisation::Role::Administrator);
    let names: HashMap<String, String> = members
        .iter()
        .map(|(a, _, n)| (format!("account:{a}"), n.clone()))
        .collect();
    let stored: HashMap<String, String> = [
        ("full_name", Some(v.org.full_name.clone())),
        ("short_name", v.org.short_name.clone()),
        ("legal_address", Some(v.org.legal_address.clone())),
        (
            "registered_on",
            v.org
                .card
                .registered_on
                .as_deref()
                .and_then(|d| kabinet_domain::profile::date(d).ok())
                .map(kabinet_app::format::day),
        ),
        ("responsible", v.org.card.responsible.clone()),
        ("contact_email", v.org.card.contact_email.clone()),
        ("contact_phone", v.org.card.contact_phone.clone()),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v)))
    .collect();
    let edit_values = typed
        .filter(|f| f.contains_key("full_name"))
        .unwrap_or(&stored);
    let empty = HashMap::new();
    let change_values = typed.filter(|f| f.contains_key("reason")).unwrap_or(&empty);
    let page = OrgPage {
        l: Layout::for_visit(&state, visit),
        id: v.org.id.clone(),
        csrf: who.csrf_token.clone(),
        manage,
        invite: manage && v.org.status == "active",
        can_act: v.org.status == "active",
        acting_here: who
            .acting
            .as_ref()
            .is_some_and(|a| a.organization_id == v.org.id),
        roles: kabinet_domain::organisation::Role::ALL
            .iter()
            .map(|r| {
                (
                    r.as_str().to_owned(),
                    t(&state, &format!("org-role-{}", r.as_str())),
                )
            })
            .collect(),
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
        card: [
            ("org-registered-on", stored.get("registered_on")),
            ("org-responsible", stored.get("responsible")),
            ("org-contact-email", stored.get("contact_email")),
            ("org-contact-phone", stored.get("contact_phone")),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (t(&state, k), v.clone())))
        .collect(),
        members: members
            .into_iter()
            .map(|(account, role, name)| MemberRow {
                me: account == who.account.id,
                who: if account == who.account.id {
                    format!("{name} ({})", t(&state, "org-member-you"))
                } else {
                    name
                },
                role: t(&state, &format!("org-role-{role}")),
                role_value: role,
                account,
            })
            .collect(),
        documents: documents
            .into_iter()
            .map(|d| DocRow {
                href: format!("/organizations/{}/documents/{}", v.org.id, d.file_id),
                kind: t(&state, &format!("org-document-kind-{}", d.kind)),
                name: d.file_name,
                size: kabinet_app::format::size(d.size),
                at: format::datetime(d.at),
            })
            .collect(),
        document_kinds: organisations::DOCUMENT_KINDS
            .iter()
            .map(|k| {
                (
                    (*k).to_owned(),
                    t(&state, &format!("org-document-kind-{k}")),
                )
            })
            .collect(),
        history: history
            .into_iter()
            .map(|e| {
                let details: serde_json::Value =
                    serde_json::from_str(&e.details).unwrap_or_default();
                let fields: Vec<&str> = details["fields"]
                    .as_array()
                    .map(|a| a.iter().filter_map(|f| f.as_str()).collect())
                    .unwrap_or_default();
                let what = t(&state, &format!("org-what-{}", e.what));
                HistoryRow {
                    at: format::datetime(e.at),
                    who: match e.actor_kind.as_str() {
                        "staff" => t(&state, "org-history-staff"),
                        "system" => t(&state, "org-history-system"),
                        _ => names
                            .get(&e.actor)
                            .cloned()
                            .unwrap_or_else(|| e.actor.chars().skip(8).take(8).collect()),
                    },
                    what: if fields.is_empty() {
                        what
                    } else {
                        format!("{what}: {}", field_names(&state, &fields))
                    },
                }
            })
            .collect(),
        changes: changes
            .into_iter()
            .map(|c| ChangeRow {
                at: format::datetime(c.request.created_at),
                fields: field_names(&state, &c.request.fields.split(',').collect::<Vec<_>>()),
                status: t(&state, &format!("org-change-status-{}", c.request.status)),
                decision: c.request.decision.unwrap_or_default(),
            })
            .collect(),
        edit: text_inputs(
            &state,
            &[
                ("full_name", "org-full-name", ""),
                ("short_name", "org-short-name", ""),
                ("legal_address", "org-address", ""),
                (
                    "registered_on",
                    "org-registered-on",
                    "org-registered-on-hint",
                ),
                ("responsible", "org-responsible", "org-responsible-hint"),
                ("contact_email", "org-contact-email", ""),
                ("contact_phone", "org-contact-phone", ""),
            ],
            edit_values,
        ),
        change: text_inputs(
            &state,
            &[
                ("inn", "org-change-new-inn", ""),
                ("ogrn", if legal { "org-ogrn" } else { "org-ogrnip" }, ""),
                ("kpp", "org-change-new-kpp", ""),
            ],
            change_values,
        ),
        reason: change_values.get("reason").cloned().unwrap_or_default(),
        errors,
        name: v.org.full_name,
        short_name: v.org.short_name.unwrap_or_default(),
        inn: v.inn,
        ogrn: v.ogrn,
        kpp: v.kpp.unwrap_or_default(),
        address: v.org.legal_address,
    };
    respond(status, &page, None)
}

pub(super) fn field(form: &HashMap<String, String>, k: &str) -> String {
    form.get(k).cloned().unwrap_or_default()
}

pub(super) async fn after(
    state: &AppState,
    visit: &Visit,
    id: &str,
    result: Result<(), AppError>,
    field_name: &str,
    typed: Option<&HashMap<String, String>>,
) -> Response {
    match result {
        Ok(()) => see_other(&format!("/organizations/{id}"), None),
        Err(AppError::Conflict(key)) => {
            let errors = Errors::one(field_name, state.i18n.t(key));
            org_page(state, visit, id, StatusCode::CONFLICT, errors, typed).await
        }
        Err(e) => match form_errors(state, e, field_name) {
            Ok((status, errors)) => org_page(state, visit, id, status, errors, typed).await,
            Err(e) => e.page_response(),
        },
    }
}
