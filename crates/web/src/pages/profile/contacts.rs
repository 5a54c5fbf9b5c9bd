//! «Телефоны и почта» (PR-3): adding, confirming and removing a contact.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use crate::pages::common::{form_errors, respond, see_other};
use crate::pages::{Errors, Layout};
use crate::session::Visit;
use crate::{AppState, WebError, format};

/// A contact in the list.
pub struct ContactRow {
    /// `email` or `phone`.
    pub kind: String,
    /// The address or number.
    pub value: String,
    /// The removal page.
    pub remove_href: String,
}

#[derive(Template)]
#[template(path = "profile_contacts.html")]
struct ContactsPage<'a> {
    l: Layout<'a>,
    csrf: String,
    contacts: Vec<ContactRow>,
    contact: String,
    errors: Errors,
}

#[derive(Template)]
#[template(path = "profile_contact_confirm.html")]
struct ContactConfirmPage<'a> {
    l: Layout<'a>,
    csrf: String,
    contact: String,
    errors: Errors,
}

#[derive(Template)]
#[template(path = "profile_contact_remove.html")]
struct ContactRemovePage<'a> {
    l: Layout<'a>,
    csrf: String,
    id: String,
    value: String,
    errors: Errors,
}

async fn contacts_page(
    state: &AppState,
    visit: &Visit,
    status: StatusCode,
    contact: String,
    errors: Errors,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let contacts = match kabinet_app::contacts::list(&state.app, who).await {
        Ok(c) => c,
        Err(e) => return WebError::from(e).page_response(),
    };
    let page = ContactsPage {
        l: Layout::for_visit(state, visit),
        csrf: who.csrf_token.clone(),
        contacts: contacts
            .into_iter()
            .map(|c| ContactRow {
                remove_href: format!(
                    "/profile/contacts/remove?id={}",
                    format::percent_encode(&c.id)
                ),
                kind: c.kind,
                value: c.value,
            })
            .collect(),
        contact,
        errors,
    };
    respond(status, &page, None)
}

/// `GET /profile/contacts`
pub async fn contacts(State(state): State<AppState>, visit: Visit) -> Response {
    contacts_page(
        &state,
        &visit,
        StatusCode::OK,
        String::new(),
        Errors::default(),
    )
    .await
}

/// The form of «Добавить»: the contact and the password (entered again).
#[derive(serde::Deserialize)]
pub struct AddContactForm {
    csrf_token: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    password: String,
}

/// `POST /profile/contacts` sends the code.
pub async fn contacts_add(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<AddContactForm>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    if !visit.form_csrf_ok(&form.csrf_token) {
        let errors = Errors::one("contact", state.i18n.t("auth-csrf"));
        return contacts_page(
            &state,
            &visit,
            StatusCode::BAD_REQUEST,
            form.contact,
            errors,
        )
        .await;
    }
    let result = async {
        kabinet_app::auth::reauthenticate(&state.app, &visit.ctx, who, &form.password).await?;
        kabinet_app::contacts::start_add(&state.app, &visit.ctx, who, &form.contact).await
    }
    .await;
    match result {
        Ok(contact) => see_other(
            &format!(
                "/profile/contacts/confirm?contact={}",
                format::percent_encode(&contact)
            ),
            None,
        ),
        Err(e) => match form_errors(&state, e, "contact") {
            Ok((status, errors)) => {
                contacts_page(&state, &visit, status, form.contact, errors).await
            }
            Err(e) => e.page_response(),
        },
    }
}

/// `?contact=`
#[derive(serde::Deserialize)]
pub struct ContactQuery {
    #[serde(default)]
    contact: String,
}

/// `GET /profile/contacts/confirm?contact=…` «Введите код».
pub async fn contacts_confirm_page(
    State(state): State<AppState>,
    visit: Visit,
    axum::extract::Query(q): axum::extract::Query<ContactQuery>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let page = ContactConfirmPage {
        l: Layout::for_visit(&state, &visit),
        csrf: who.csrf_token.clone(),
        contact: q.contact,
        errors: Errors::default(),
    };
    respond(StatusCode::OK, &page, None)
}

/// The code form.
#[derive(serde::Deserialize)]
pub struct ConfirmContactForm {
    csrf_token: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    code: String,
}

/// `POST /profile/contacts/confirm`
pub async fn contacts_confirm(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<ConfirmContactForm>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let (status, errors) = if !visit.form_csrf_ok(&form.csrf_token) {
        (
            StatusCode::BAD_REQUEST,
            Errors::one("code", state.i18n.t("auth-csrf")),
        )
    } else {
        match kabinet_app::contacts::confirm_add(
            &state.app,
            &visit.ctx,
            who,
            &form.contact,
            &form.code,
        )
        .await
        {
            Ok(_) => return see_other("/profile/contacts", None),
            Err(kabinet_app::AppError::Conflict(key)) => {
                (StatusCode::CONFLICT, Errors::one("code", state.i18n.t(key)))
            }
            Err(e) => match form_errors(&state, e, "code") {
                Ok(pair) => pair,
                Err(e) => return e.page_response(),
            },
        }
    };
    let page = ContactConfirmPage {
        l: Layout::for_visit(&state, &visit),
        csrf: who.csrf_token.clone(),
        contact: form.contact,
        errors,
    };
    respond(status, &page, None)
}

/// `?id=`
#[derive(serde::Deserialize)]
pub struct IdQuery {
    #[serde(default)]
    id: String,
}

async fn remove_page(
    state: &AppState,
    visit: &Visit,
    id: String,
    status: StatusCode,
    errors: Errors,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let contacts = match kabinet_app::contacts::list(&state.app, who).await {
        Ok(c) => c,
        Err(e) => return WebError::from(e).page_response(),
    };
    let Some(found) = contacts.into_iter().find(|c| c.id == id) else {
        return WebError::NotFound.page_response();
    };
    let page = ContactRemovePage {
        l: Layout::for_visit(state, visit),
        csrf: who.csrf_token.clone(),
        id,
        value: found.value,
        errors,
    };
    respond(status, &page, None)
}

/// `GET /profile/contacts/remove?id=…` asks for the password.
pub async fn contacts_remove_page(
    State(state): State<AppState>,
    visit: Visit,
    axum::extract::Query(q): axum::extract::Query<IdQuery>,
) -> Response {
    remove_page(&state, &visit, q.id, StatusCode::OK, Errors::default()).await
}

/// The removal form.
#[derive(serde::Deserialize)]
pub struct RemoveContactForm {
    csrf_token: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    password: String,
}

/// `POST /profile/contacts/remove`
pub async fn contacts_remove(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<RemoveContactForm>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    if !visit.form_csrf_ok(&form.csrf_token) {
        let errors = Errors::one("password", state.i18n.t("auth-csrf"));
        return remove_page(&state, &visit, form.id, StatusCode::BAD_REQUEST, errors).await;
    }
    let result = async {
        kabinet_app::auth::reauthenticate(&state.app, &visit.ctx, who, &form.password).await?;
        kabinet_app::contacts::remove(&state.app, &visit.ctx, who, &form.id).await
    }
    .await;
    match result {
        Ok(()) => see_other("/profile/contacts", None),
        Err(kabinet_app::AppError::Conflict(key)) => {
            let errors = Errors::one("password", state.i18n.t(key));
            remove_page(&state, &visit, form.id, StatusCode::CONFLICT, errors).await
        }
        Err(e) => match form_errors(&state, e, "password") {
            Ok((status, errors)) => remove_page(&state, &visit, form.id, status, errors).await,
            Err(e) => e.page_response(),
        },
    }
}
