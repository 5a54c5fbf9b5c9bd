//! «Проверьте данные»: the answers as the applicant will send them, and sending.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use kabinet_app::AppError;
use kabinet_app::applications::{self, Application};
use kabinet_domain::application::Status;
use kabinet_domain::form::FieldType;

use super::may_file;
use super::steps::{StepLink, shown, steps};
use crate::pages::common::{respond, see_other};
use crate::pages::{Errors, Layout};
use crate::session::Visit;
use crate::{AppState, WebError};

/// An answer in the review.
pub struct AnswerRow {
    /// The question.
    pub label: String,
    /// The answer.
    pub value: String,
}

/// A group of answers.
pub struct AnswerGroup {
    /// The step's title.
    pub title: String,
    /// Where to change it.
    pub href: String,
    /// Answers.
    pub rows: Vec<AnswerRow>,
}

/// The answers grouped by step, as labels and shown values.
pub fn answers(a: &Application) -> Vec<AnswerGroup> {
    a.service
        .def
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| AnswerGroup {
            title: s.title.clone(),
            href: format!("/applications/{}/step/{}", a.id, i + 1),
            rows: s
                .fields
                .iter()
                .map(|f| AnswerRow {
                    label: f.label.clone(),
                    value: a.answers.get(&f.name).map_or_else(
                        || "—".to_owned(),
                        |v| match f.kind {
                            FieldType::Select => f
                                .options
                                .iter()
                                .find(|o| &o.value == v)
                                .map_or_else(|| v.clone(), |o| o.label.clone()),
                            FieldType::Checkbox => "Да".to_owned(),
                            _ => shown(f, v),
                        },
                    ),
                })
                .collect(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "application_review.html")]
struct ReviewPage<'a> {
    l: Layout<'a>,
    may_file: bool,
    a: Application,
    steps: Vec<StepLink>,
    groups: Vec<AnswerGroup>,
    documents: Vec<String>,
    csrf: String,
    problems: Vec<(String, String)>,
}

async fn review_page(
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
        Ok(d) if d.application.status == Status::Draft => d,
        Ok(d) => return see_other(&format!("/applications/{}", d.application.id), None),
        Err(e) => return WebError::from(e).page_response(),
    };
    let a = d.application.clone();
    // Each problem links to the step (or the documents) where it is fixed.
    let problems = errors
        .list
        .iter()
        .map(|e| {
            let href = if e.field.starts_with("document_") {
                format!("/applications/{}/documents", a.id)
            } else {
                a.service
                    .def
                    .steps
                    .iter()
                    .position(|s| s.fields.iter().any(|f| f.name == e.field))
                    .map_or_else(
                        || "#submit".to_owned(),
                        |i| format!("/applications/{}/step/{}#{}", a.id, i + 1, e.field),
                    )
            };
            (href, e.message.clone())
        })
        .collect();
    let page = ReviewPage {
        may_file: may_file(visit),
        problems,
        l: Layout::for_visit(state, visit),
        steps: steps(&a, usize::MAX),
        groups: answers(&a),
        documents: d.files.iter().map(|f| f.file.file_name.clone()).collect(),
        csrf: who.csrf_token.clone(),
        a,
    };
    respond(status, &page, None)
}

/// `GET /applications/{id}/review` «Проверьте данные».
pub async fn review(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
) -> Response {
    review_page(&state, &visit, &id, StatusCode::OK, Errors::default()).await
}

/// `POST /applications/{id}/submit`
pub async fn submit(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    if !visit.form_csrf_ok(form.get("csrf_token").map_or("", String::as_str)) {
        return review_page(
            &state,
            &visit,
            &id,
            StatusCode::BAD_REQUEST,
            Errors::one("submit", state.i18n.t("auth-csrf")),
        )
        .await;
    }
    match applications::submit(&state.app, &visit.ctx, who, &id).await {
        Ok(_) => see_other(&format!("/applications/{id}?submitted=1"), None),
        Err(AppError::Validation(fields)) => {
            // On the review, each problem links to the step holding the field.
            let errors = Errors::from_fields(&state.i18n, &fields);
            review_page(
                &state,
                &visit,
                &id,
                StatusCode::UNPROCESSABLE_ENTITY,
                errors,
            )
            .await
        }
        Err(e) => WebError::from(e).page_response(),
    }
}
