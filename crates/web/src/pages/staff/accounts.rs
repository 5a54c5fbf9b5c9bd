//! Staff administration `/staff/accounts`: staff accounts and their roles, finding an
//! account, blocking and unblocking, and an account's notifications with their delivery
//! (NTF-5 for staff).

use kabinet_domain::account::AccountStatus;
use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use kabinet_app::AppError;
use kabinet_app::backoffice;
use kabinet_domain::access::{Action, StaffRole};

use super::{Choice, Nav, staff, staff_for, text};
use crate::pages::common::{form_errors, respond, see_other};
use crate::pages::{Errors, Layout};
use crate::session::Visit;
use crate::{AppState, WebError, format};

/// A staff account as shown.
pub struct StaffRow {
    /// Id.
    pub id: String,
    /// E-mail.
    pub email: String,
    /// Role choices.
    pub roles: Vec<Choice>,
    /// Role in Russian.
    pub role: String,
    /// Blocked.
    pub blocked: bool,
    /// Why.
    pub reason: String,
    /// Last sign-in.
    pub last: String,
    /// It is the viewer.
    pub me: bool,
}

/// An account found by its identifier.
pub struct FoundAccount {
    /// Id.
    pub id: String,
    /// `person` or `staff`, in Russian.
    pub kind: String,
    /// Blocked.
    pub blocked: bool,
    /// Why.
    pub reason: String,
}

#[derive(Template)]
#[template(path = "staff_accounts.html")]
struct AccountsPage<'a> {
    l: Layout<'a>,
    nav: Nav,
    csrf: String,
    rows: Vec<StaffRow>,
    roles: Vec<Choice>,
    created: Option<(String, String)>,
    found: Option<FoundAccount>,
    login: String,
    email: String,
    errors: Errors,
}

fn role_choices(state: &AppState, current: &str) -> Vec<Choice> {
    StaffRole::ALL
        .iter()
        .map(|r| Choice {
            value: r.as_str().to_owned(),
            label: state.i18n.t(&format!("staff-role-{}", r.as_str())),
            selected: r.as_str() == current,
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn accounts_page(
    state: &AppState,
    visit: &Visit,
    status: StatusCode,
    created: Option<(String, String)>,
    found: Option<FoundAccount>,
    login: String,
    email: String,
    errors: Errors,
) -> Response {
    let (who, nav) = match staff_for(state, visit, Action::ManageAccounts) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let members = match backoffice::staff_members(&state.app, who).await {
        Ok(m) => m,
        Err(e) => return WebError::from(e).page_response(),
    };
    let rows = members
        .into_iter()
        .map(|m| StaffRow {
            roles: role_choices(state, &m.role),
            role: state.i18n.t(&format!("staff-role-{}", m.role)),
            blocked: m.status == AccountStatus::Blocked,
            reason: m.status_reason.unwrap_or_default(),
            last: m.last_sign_in_at.map(format::datetime).unwrap_or_default(),
            me: m.id == who.account.id,
            id: m.id,
            email: m.email,
        })
        .collect();
    let page = AccountsPage {
        l: Layout::for_visit(state, visit),
        nav,
        csrf: who.csrf_token.clone(),
        rows,
        roles: role_choices(state, "operator"),
        created,
        found,
        login,
        email,
        errors,
    };
    respond(status, &page, None)
}

/// `GET /staff/accounts` (administrators).
pub async fn accounts(State(state): State<AppState>, visit: Visit) -> Response {
    accounts_page(
        &state,
        &visit,
        StatusCode::OK,
        None,
        None,
        String::new(),
        String::new(),
        Errors::default(),
    )
    .await
}

async fn accounts_error(
    state: &AppState,
    visit: &Visit,
    e: AppError,
    field: &str,
    login: String,
    email: String,
) -> Response {
    let (status, errors) = match e {
        AppError::Conflict(key) => (StatusCode::CONFLICT, Errors::one(field, state.i18n.t(key))),
        AppError::NotFound if field == "login" => (
            StatusCode::NOT_FOUND,
            Errors::one(field, state.i18n.t("backoffice-account-not-found")),
        ),
        e => match form_errors(state, e, field) {
            Ok(pair) => pair,
            Err(e) => return e.page_response(),
        },
    };
    accounts_page(state, visit, status, None, None, login, email, errors).await
}

/// `POST /staff/accounts`: create a staff account; the one-time password is shown once.
pub async fn create_staff(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let email = text(&form, "email").to_owned();
    let made = async {
        let who = crate::pages::form_signed_in(&visit, &form)?;
        backoffice::create_staff(&state.app, &visit.ctx, who, &email, text(&form, "role")).await
    }
    .await;
    match made {
        Ok(m) => {
            accounts_page(
                &state,
                &visit,
                StatusCode::CREATED,
                Some((email, m.one_time_password)),
                None,
                String::new(),
                String::new(),
                Errors::default(),
            )
            .await
        }
        Err(e) => accounts_error(&state, &visit, e, "email", String::new(), email).await,
    }
}

/// `POST /staff/accounts/{id}/role`
pub async fn set_role(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let r = async {
        let who = crate::pages::form_signed_in(&visit, &form)?;
        backoffice::set_role(&state.app, &visit.ctx, who, &id, text(&form, "role")).await
    }
    .await;
    match r {
        Ok(()) => see_other("/staff/accounts", None),
        Err(e) => accounts_error(&state, &visit, e, "role", String::new(), String::new()).await,
    }
}

/// `POST /staff/accounts/{id}/block` and `/unblock`.
async fn block_or_unblock(
    state: AppState,
    visit: Visit,
    id: String,
    form: HashMap<String, String>,
    block: bool,
) -> Response {
    let r = async {
        let who = crate::pages::form_signed_in(&visit, &form)?;
        backoffice::set_blocked(
            &state.app,
            &visit.ctx,
            who,
            &id,
            block,
            text(&form, "reason"),
        )
        .await
    }
    .await;
    match r {
        Ok(()) => see_other("/staff/accounts", None),
        Err(e) => accounts_error(&state, &visit, e, "reason", String::new(), String::new()).await,
    }
}

/// `POST /staff/accounts/{id}/block`
pub async fn block(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    block_or_unblock(state, visit, id, form, true).await
}

/// `POST /staff/accounts/{id}/unblock`
pub async fn unblock(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    block_or_unblock(state, visit, id, form, false).await
}

/// `POST /staff/accounts/find`: an account by e-mail, phone, СНИЛС or ИНН.
pub async fn find(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let login = text(&form, "login").to_owned();
    let r = async {
        let who = crate::pages::form_signed_in(&visit, &form)?;
        backoffice::find_account(&state.app, &visit.ctx, who, &login).await
    }
    .await;
    match r {
        Ok(a) => {
            let found = FoundAccount {
                kind: state.i18n.t(&format!("staff-account-kind-{}", a.kind)),
                blocked: a.status == AccountStatus::Blocked,
                reason: a.status_reason.unwrap_or_default(),
                id: a.id,
            };
            accounts_page(
                &state,
                &visit,
                StatusCode::OK,
                None,
                Some(found),
                login,
                String::new(),
                Errors::default(),
            )
            .await
        }
        Err(e) => accounts_error(&state, &visit, e, "login", login, String::new()).await,
    }
}

/// A notification as staff see it.
pub struct DeliveryView {
    /// When.
    pub at: String,
    /// Category (Russian).
    pub category: String,
    /// Title.
    pub title: String,
    /// In «Мои сообщения», read or not (Russian).
    pub inbox: String,
    /// `channel: state (attempts, error)` per delivery.
    pub deliveries: Vec<String>,
}

#[derive(Template)]
#[template(path = "staff_deliveries.html")]
struct DeliveriesPage<'a> {
    l: Layout<'a>,
    nav: Nav,
    rows: Vec<DeliveryView>,
}

/// `GET /staff/accounts/{id}/notifications`
pub async fn deliveries(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
) -> Response {
    let (who, nav) = match staff(&state, &visit) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let list = match kabinet_app::inbox::for_staff(&state.app, &visit.ctx, who, &id).await {
        Ok(l) => l,
        Err(e) => return WebError::from(e).page_response(),
    };
    let t = |k: &str| state.i18n.t(k);
    let rows = list
        .into_iter()
        .map(|(n, d)| DeliveryView {
            at: format::datetime(n.created_at),
            category: t(&format!("notify-category-{}", n.category.replace('_', "-"))),
            inbox: if !n.in_inbox {
                t("staff-delivery-not-in-inbox")
            } else if n.read_at.is_some() {
                t("messages-read")
            } else {
                t("messages-new")
            },
            title: n.title,
            deliveries: d
                .into_iter()
                .map(|(kind, status, attempts, error)| {
                    let state_text = t(&format!(
                        "messages-delivery-{}",
                        crate::api::notifications::delivery_status(&status)
                    ));
                    let mut s = format!(
                        "{}: {state_text}, {attempts}",
                        t(&format!("messages-channel-{kind}"))
                    );
                    if let Some(e) = error {
                        s.push_str(&format!(" — {e}"));
                    }
                    s
                })
                .collect(),
        })
        .collect();
    respond(
        StatusCode::OK,
        &DeliveriesPage {
            l: Layout::for_visit(&state, &visit),
            nav,
            rows,
        },
        None,
    )
}
