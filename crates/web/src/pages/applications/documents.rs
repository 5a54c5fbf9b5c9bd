//! The documents step: a slot per document the service asks for, and the upload.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use kabinet_app::AppError;
use kabinet_app::applications::{self, Application};

use super::steps::{StepLink, steps};
use crate::pages::common::{form_errors, respond, see_other};
use crate::pages::{Errors, Layout};
use crate::session::Visit;
use crate::{AppState, WebError, upload};

/// A document slot on the documents step.
pub struct DocSlot {
    /// Kind.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Required.
    pub required: bool,
    /// `PDF, JPEG, PNG до 5 МБ`.
    pub rules: String,
    /// Names of the files attached to it.
    pub attached: Vec<String>,
    /// The error.
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "application_documents.html")]
struct DocumentsPage<'a> {
    l: Layout<'a>,
    a: Application,
    steps: Vec<StepLink>,
    slots: Vec<DocSlot>,
    csrf: String,
    errors: Errors,
}

async fn documents_page(
    state: &AppState,
    visit: &Visit,
    id: &str,
    status: StatusCode,
    errors: Errors,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let d = match applications::get(&state.app, who, id).await {
        Ok(d) => d,
        Err(e) => return WebError::from(e).page_response(),
    };
    let a = d.application.clone();
    let slots = a
        .service
        .def
        .documents
        .iter()
        .map(|doc| DocSlot {
            kind: doc.kind.clone(),
            title: doc.title.clone(),
            required: doc.required,
            rules: format!(
                "{}, до {} МБ",
                doc.formats
                    .iter()
                    .map(|f| f.to_uppercase())
                    .collect::<Vec<_>>()
                    .join(", "),
                doc.max_mb
            ),
            attached: d
                .files
                .iter()
                .filter(|f| f.kind == doc.kind)
                .map(|f| f.file.file_name.clone())
                .collect(),
            error: errors.get(&format!("file_{}", doc.kind)).map(str::to_owned),
        })
        .collect();
    let page = DocumentsPage {
        l: Layout::for_visit(state, visit),
        steps: steps(&a, a.service.def.steps.len() + 1),
        slots,
        csrf: who.csrf_token.clone(),
        errors,
        a,
    };
    respond(status, &page, None)
}

/// `GET /applications/{id}/documents`
pub async fn documents(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
) -> Response {
    documents_page(&state, &visit, &id, StatusCode::OK, Errors::default()).await
}

/// `POST /applications/{id}/documents`: one file for one document.
pub async fn documents_upload(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let limit = match applications::attachment_limit(&state.app, who, &id).await {
        Ok(l) => l,
        Err(e) => return WebError::from(e).page_response(),
    };
    let parts = match upload::read_with(multipart, limit, Some("application-file-too-large")).await
    {
        Ok(p) => p,
        Err(WebError::TooLarge(key)) => {
            let errors = Errors::one("file", state.i18n.t(key));
            return documents_page(&state, &visit, &id, StatusCode::PAYLOAD_TOO_LARGE, errors)
                .await;
        }
        Err(e) => return e.page_response(),
    };
    let kind = parts.text("kind");
    let field = format!("file_{kind}");
    if !visit.form_csrf_ok(&parts.text("csrf_token")) {
        return documents_page(
            &state,
            &visit,
            &id,
            StatusCode::BAD_REQUEST,
            Errors::one(&field, state.i18n.t("auth-csrf")),
        )
        .await;
    }
    let Some(file) = parts.files.get("file") else {
        return documents_page(
            &state,
            &visit,
            &id,
            StatusCode::UNPROCESSABLE_ENTITY,
            Errors::one(&field, state.i18n.t("file-empty")),
        )
        .await;
    };
    match applications::attach(&state.app, &visit.ctx, who, &id, &kind, file).await {
        Ok(_) => see_other(&format!("/applications/{id}/documents"), None),
        Err(AppError::TooLarge(key)) => {
            documents_page(
                &state,
                &visit,
                &id,
                StatusCode::PAYLOAD_TOO_LARGE,
                Errors::one(&field, state.i18n.t(key)),
            )
            .await
        }
        Err(AppError::UnsupportedType(key)) => {
            documents_page(
                &state,
                &visit,
                &id,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                Errors::one(&field, state.i18n.t(key)),
            )
            .await
        }
        // A limit on the files (issue 15 F10) is shown at the form it came from.
        Err(AppError::Validation(mut fields)) => {
            for f in fields.iter_mut().filter(|f| f.field == "file") {
                f.field.clone_from(&field);
            }
            let errors = Errors::from_fields(&state.i18n, &fields);
            documents_page(
                &state,
                &visit,
                &id,
                StatusCode::UNPROCESSABLE_ENTITY,
                errors,
            )
            .await
        }
        Err(e) => match form_errors(&state, e, &field) {
            Ok((status, errors)) => documents_page(&state, &visit, &id, status, errors).await,
            Err(e) => e.page_response(),
        },
    }
}
