//! The organisation's data, a change of its identifiers and its documents.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use kabinet_app::organisations::{self, NewOrganisation};

use super::page::{after, field};
use crate::pages::common::see_other;
use crate::session::Visit;
use crate::{AppState, WebError};

/// `POST /organizations/{id}/data`: an administrator changes the organisation's data.
pub async fn data(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let who = match crate::pages::form_guard(&visit, &form) {
        Ok(who) => who,
        Err(r) => return *r,
    };
    let input = NewOrganisation {
        full_name: field(&form, "full_name"),
        short_name: field(&form, "short_name"),
        legal_address: field(&form, "legal_address"),
        registered_on: field(&form, "registered_on"),
        responsible: field(&form, "responsible"),
        contact_email: field(&form, "contact_email"),
        contact_phone: field(&form, "contact_phone"),
        ..NewOrganisation::default()
    };
    let result = organisations::update_data(&state.app, &visit.ctx, who, &id, &input)
        .await
        .map(|_| ());
    after(&state, &visit, &id, result, "full_name", Some(&form)).await
}

/// `POST /organizations/{id}/change-request`: an administrator asks staff to change
/// identifiers.
pub async fn change_request(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let who = match crate::pages::form_guard(&visit, &form) {
        Ok(who) => who,
        Err(r) => return *r,
    };
    let input = NewOrganisation {
        inn: field(&form, "inn"),
        ogrn: field(&form, "ogrn"),
        kpp: field(&form, "kpp"),
        ..NewOrganisation::default()
    };
    let result = organisations::request_change(
        &state.app,
        &visit.ctx,
        who,
        &id,
        &input,
        &field(&form, "reason"),
    )
    .await
    .map(|_| ());
    after(&state, &visit, &id, result, "reason", Some(&form)).await
}

/// `POST /organizations/{id}/documents`: an administrator uploads a statutory
/// document (multipart form).
pub async fn upload_document(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    multipart: axum::extract::Multipart,
) -> Response {
    let parts = match crate::upload::read(multipart).await {
        Ok(p) => p,
        Err(e) => return e.page_response(),
    };
    let who = match crate::pages::form_guard(&visit, &parts.fields) {
        Ok(who) => who,
        Err(r) => return *r,
    };
    let result = match parts.file("file") {
        Ok(file) => {
            organisations::add_document(&state.app, &visit.ctx, who, &id, &parts.text("kind"), file)
                .await
                .map(|_| ())
        }
        Err(e) => Err(e),
    };
    after(&state, &visit, &id, result, "file", None).await
}

/// `GET /organizations/{id}/documents/{file_id}`: downloads a statutory document.
pub async fn download_document(
    State(state): State<AppState>,
    visit: Visit,
    Path((id, file_id)): Path<(String, String)>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    match organisations::document(&state.app, &visit.ctx, who, &id, &file_id).await {
        Ok((record, bytes)) => crate::download::file_response(&record, bytes),
        Err(e) => WebError::from(e).page_response(),
    }
}
