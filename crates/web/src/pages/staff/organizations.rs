//! Organisation verification (BO-4): `/staff/organizations`, the decision on a new
//! organisation and on a change of its identifiers.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use kabinet_app::AppError;
use kabinet_domain::access::Action;

use super::{Nav, staff_for, text};
use crate::pages::common::{form_errors, respond, see_other};
use crate::pages::{Errors, Layout};
use crate::session::Visit;
use crate::{AppState, WebError, format};

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
        let who = crate::pages::form_signed_in(&visit, &form)?;
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
        let who = crate::pages::form_signed_in(&visit, &form)?;
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
