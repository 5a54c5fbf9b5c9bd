//! Applying and following applications in the browser (APP-1 … APP-8): a service's
//! form one step per group of questions (saved at each step), the documents, «Проверьте
//! данные», «Мои заявления» and «Черновики» with filters, and an application's page
//! with «История статуса», comments, the clarification answer and withdrawal.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use kabinet_app::AppError;
use kabinet_app::applications::{self, Application, Detail};
use kabinet_domain::application::{Mover, Status, moves_for};
use kabinet_domain::form::{Field, FieldType};

use super::auth::{form_errors, respond, see_other};
use super::{Errors, Layout};
use crate::api::applications::ListQuery;
use crate::session::Visit;
use crate::{AppState, WebError, format, upload};

fn status_name(state: &AppState, s: Status) -> String {
    state.i18n.t(&format!("status-{}", s.as_str()))
}

/// `{"draft": "Черновик", …}` for the live script.
fn status_names(state: &AppState) -> String {
    let map: BTreeMap<&str, String> = Status::ALL
        .iter()
        .map(|s| (s.as_str(), status_name(state, *s)))
        .collect();
    serde_json::to_string(&map).unwrap_or_default()
}

/// `POST /services/{id}/apply`
pub async fn apply(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    if !visit.form_csrf_ok(form.get("csrf_token").map_or("", String::as_str)) {
        return WebError::Refused("auth-csrf").page_response();
    }
    match applications::create_draft(&state.app, &visit.ctx, who, &id, &BTreeMap::new()).await {
        Ok(a) => see_other(&format!("/applications/{}/step/1", a.id), None),
        Err(e) => WebError::from(e).page_response(),
    }
}

/// Whether the visitor may change the application they see: always their own; for an
/// organisation's, not an observer (who reads it only; `domain::access`).
fn may_file(visit: &Visit) -> bool {
    visit
        .signed_in
        .as_ref()
        .and_then(|w| w.acting.as_ref())
        .is_none_or(|acting| {
            kabinet_domain::access::OrgAction::FileApplications.allows(acting.role)
        })
}

/// A form field as rendered.
pub struct Input {
    /// Name and id.
    pub name: String,
    /// Label.
    pub label: String,
    /// Hint.
    pub hint: Option<String>,
    /// `text`, `textarea`, `select`, `checkbox`.
    pub widget: &'static str,
    /// `inputmode`.
    pub inputmode: &'static str,
    /// `autocomplete`.
    pub autocomplete: &'static str,
    /// Current value as shown.
    pub value: String,
    /// Options of a select: (value, label, selected).
    pub options: Vec<(String, String, bool)>,
    /// Required.
    pub required: bool,
    /// The error.
    pub error: Option<String>,
}

/// How a stored value is shown in a form (dates as ДД.ММ.ГГГГ, identifiers formatted).
fn shown(f: &Field, stored: &str) -> String {
    match f.kind {
        FieldType::Date => kabinet_domain::profile::date(stored)
            .map_or_else(|_| stored.to_owned(), kabinet_app::format::day),
        FieldType::Snils => kabinet_domain::ids::Snils::parse(stored)
            .map_or_else(|_| stored.to_owned(), |s| s.to_string()),
        _ => stored.to_owned(),
    }
}

fn inputs(
    state: &AppState,
    fields: &[Field],
    values: &BTreeMap<String, String>,
    raw: Option<&HashMap<String, String>>,
    errors: &Errors,
) -> Vec<Input> {
    fields
        .iter()
        .map(|f| {
            let value = match raw {
                Some(r) => r.get(&f.name).cloned().unwrap_or_default(),
                None => values.get(&f.name).map(|v| shown(f, v)).unwrap_or_default(),
            };
            let (widget, inputmode, autocomplete) = match f.kind {
                FieldType::Textarea => ("textarea", "text", "off"),
                FieldType::Select => ("select", "text", "off"),
                FieldType::Checkbox => ("checkbox", "text", "off"),
                FieldType::Number
                | FieldType::Date
                | FieldType::Snils
                | FieldType::Inn
                | FieldType::Ogrn
                | FieldType::Ogrnip
                | FieldType::Kpp
                | FieldType::Passport => ("text", "numeric", "off"),
                FieldType::Phone => ("text", "tel", "tel"),
                FieldType::Email => ("text", "email", "email"),
                _ => ("text", "text", "off"),
            };
            let hint = f
                .hint
                .clone()
                .or_else(|| (f.kind == FieldType::Date).then(|| state.i18n.t("hint-date")));
            Input {
                options: f
                    .options
                    .iter()
                    .map(|o| (o.value.clone(), o.label.clone(), o.value == value))
                    .collect(),
                name: f.name.clone(),
                label: if f.required || f.kind == FieldType::Checkbox {
                    f.label.clone()
                } else {
                    format!("{} {}", f.label, state.i18n.t("form-optional"))
                },
                hint,
                widget,
                inputmode,
                autocomplete,
                required: f.required,
                error: errors.get(&f.name).map(str::to_owned),
                value,
            }
        })
        .collect()
}

/// A step in the progress list.
pub struct StepLink {
    /// Title.
    pub title: String,
    /// Link (when reachable).
    pub href: Option<String>,
    /// The one shown now.
    pub current: bool,
}

fn steps(a: &Application, current: usize) -> Vec<StepLink> {
    let mut out: Vec<StepLink> = a
        .service
        .def
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| StepLink {
            title: s.title.clone(),
            href: (i < a.step).then(|| format!("/applications/{}/step/{}", a.id, i + 1)),
            current: current == i + 1,
        })
        .collect();
    let n = a.service.def.steps.len();
    if !a.service.def.documents.is_empty() {
        out.push(StepLink {
            title: "Документы".into(),
            href: (a.step > n).then(|| format!("/applications/{}/documents", a.id)),
            current: current == n + 1,
        });
    }
    out.push(StepLink {
        title: "Проверьте данные".into(),
        href: (a.step > n).then(|| format!("/applications/{}/review", a.id)),
        current: current == usize::MAX,
    });
    out
}

#[derive(Template)]
#[template(path = "application_step.html")]
struct StepPage<'a> {
    l: Layout<'a>,
    a: Application,
    n: usize,
    total: usize,
    title: String,
    steps: Vec<StepLink>,
    inputs: Vec<Input>,
    csrf: String,
    errors: Errors,
}

async fn draft(state: &AppState, visit: &Visit, id: &str) -> Result<Application, Response> {
    let Some(who) = &visit.signed_in else {
        return Err(see_other("/login", None));
    };
    match applications::get(&state.app, who, id).await {
        Ok(d) if d.application.status == Status::Draft => Ok(d.application),
        Ok(d) => Err(see_other(
            &format!("/applications/{}", d.application.id),
            None,
        )),
        Err(e) => Err(WebError::from(e).page_response()),
    }
}

fn step_page(
    state: &AppState,
    visit: &Visit,
    a: Application,
    n: usize,
    raw: Option<&HashMap<String, String>>,
    status: StatusCode,
    errors: Errors,
) -> Response {
    let Some(step) = a.service.def.steps.get(n.wrapping_sub(1)) else {
        return WebError::NotFound.page_response();
    };
    let page = StepPage {
        l: Layout::for_visit(state, visit),
        n,
        total: a.service.def.steps.len(),
        title: step.title.clone(),
        steps: steps(&a, n),
        inputs: inputs(state, &step.fields, &a.answers, raw, &errors),
        csrf: visit
            .signed_in
            .as_ref()
            .map(|w| w.csrf_token.clone())
            .unwrap_or_default(),
        errors,
        a,
    };
    respond(status, &page, None)
}

/// `GET /applications/{id}/step/{n}`
pub async fn step_show(
    State(state): State<AppState>,
    visit: Visit,
    Path((id, n)): Path<(String, usize)>,
) -> Response {
    match draft(&state, &visit, &id).await {
        Ok(a) => step_page(
            &state,
            &visit,
            a,
            n,
            None,
            StatusCode::OK,
            Errors::default(),
        ),
        Err(r) => r,
    }
}

fn after_fields(a: &Application) -> String {
    if a.service.def.documents.is_empty() {
        format!("/applications/{}/review", a.id)
    } else {
        format!("/applications/{}/documents", a.id)
    }
}

/// `POST /applications/{id}/step/{n}`: saves the step, goes on.
pub async fn step_save(
    State(state): State<AppState>,
    visit: Visit,
    Path((id, n)): Path<(String, usize)>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let a = match draft(&state, &visit, &id).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    if !visit.form_csrf_ok(form.get("csrf_token").map_or("", String::as_str)) {
        let first = a
            .service
            .def
            .steps
            .get(n.wrapping_sub(1))
            .and_then(|s| s.fields.first())
            .map(|f| f.name.clone())
            .unwrap_or_default();
        return step_page(
            &state,
            &visit,
            a,
            n,
            Some(&form),
            StatusCode::BAD_REQUEST,
            Errors::one(&first, state.i18n.t("auth-csrf")),
        );
    }
    let given: BTreeMap<String, String> = form
        .iter()
        .filter(|(k, _)| *k != "csrf_token")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    match applications::save_step(&state.app, &visit.ctx, who, &id, n, &given).await {
        Ok(saved) => {
            if n < saved.service.def.steps.len() {
                see_other(&format!("/applications/{id}/step/{}", n + 1), None)
            } else {
                see_other(&after_fields(&saved), None)
            }
        }
        Err(e) => match form_errors(&state, e, "") {
            Ok((status, errors)) => step_page(&state, &visit, a, n, Some(&form), status, errors),
            Err(e) => e.page_response(),
        },
    }
}

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

/// A row of «Мои заявления».
pub struct ListRow {
    /// Link.
    pub href: String,
    /// Number or «черновик».
    pub number: String,
    /// Service title.
    pub service: String,
    /// Created.
    pub created: String,
    /// Status.
    pub status: String,
    /// Due date.
    pub due: String,
    /// For the live script.
    pub id: String,
}

#[derive(Template)]
#[template(path = "applications.html")]
struct ListPage<'a> {
    l: Layout<'a>,
    drafts: bool,
    rows: Vec<ListRow>,
    total: i64,
    page: i64,
    pages: i64,
    q: ListQuery,
    statuses: Vec<(String, String)>,
    services: Vec<(String, String)>,
    status_names: String,
    base: String,
    query_rest: String,
    errors: Errors,
}

fn list_rows(state: &AppState, items: &[Application]) -> Vec<ListRow> {
    items
        .iter()
        .map(|a| ListRow {
            href: if a.status == Status::Draft {
                format!(
                    "/applications/{}/step/{}",
                    a.id,
                    a.step.min(a.service.def.steps.len()).max(1)
                )
            } else {
                format!("/applications/{}", a.id)
            },
            number: a
                .number
                .clone()
                .unwrap_or_else(|| state.i18n.t("page-applications-no-number")),
            service: a.service.def.title.clone(),
            created: format::date(a.created_at),
            status: status_name(state, a.status),
            due: a
                .due_on
                .map(kabinet_app::format::day)
                .unwrap_or_else(|| "—".into()),
            id: a.id.clone(),
        })
        .collect()
}

async fn list_page(state: AppState, visit: Visit, q: ListQuery, drafts: bool) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let mut q = q;
    q.drafts = Some(drafts);
    let (filter, errors) = match crate::api::applications::filter(&q) {
        Ok(f) => (f, Errors::default()),
        Err(WebError::Validation(fields)) => (
            kabinet_store::applications::Filter {
                drafts: Some(drafts),
                ..Default::default()
            },
            Errors::from_fields(&state.i18n, &fields),
        ),
        Err(e) => return e.page_response(),
    };
    let page = q.page.unwrap_or(1).max(1);
    let per_page = 50;
    let (items, total) = match applications::list(&state.app, who, &filter, page, per_page).await {
        Ok(x) => x,
        Err(e) => return WebError::from(e).page_response(),
    };
    let services = kabinet_app::catalog::titles(&state.app)
        .await
        .unwrap_or_default();
    let rest: String = [
        ("status", &q.status),
        ("service_id", &q.service_id),
        ("from", &q.from),
        ("to", &q.to),
        ("number", &q.number),
    ]
    .iter()
    .filter_map(|(k, v)| {
        v.as_deref()
            .filter(|v| !v.is_empty())
            .map(|v| format!("&{k}={}", format::percent_encode(v)))
    })
    .collect();
    let status = if errors.list.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page_view = ListPage {
        l: Layout::for_visit(&state, &visit),
        drafts,
        rows: list_rows(&state, &items),
        total,
        page,
        pages: (total + per_page - 1) / per_page,
        statuses: Status::ALL
            .iter()
            .filter(|s| **s != Status::Draft)
            .map(|s| (s.as_str().to_owned(), status_name(&state, *s)))
            .collect(),
        services,
        status_names: status_names(&state),
        base: if drafts {
            "/applications/drafts".into()
        } else {
            "/applications".into()
        },
        query_rest: rest,
        q,
        errors,
    };
    respond(status, &page_view, None)
}

/// `GET /applications` «Мои заявления».
pub async fn list(
    State(state): State<AppState>,
    visit: Visit,
    Query(q): Query<ListQuery>,
) -> Response {
    list_page(state, visit, q, false).await
}

/// `GET /applications/drafts` «Черновики».
pub async fn drafts(
    State(state): State<AppState>,
    visit: Visit,
    Query(q): Query<ListQuery>,
) -> Response {
    list_page(state, visit, q, true).await
}

/// A history row.
pub struct HistoryRow {
    /// When.
    pub at: String,
    /// Status reached.
    pub status: String,
    /// Who.
    pub actor: String,
    /// Why.
    pub reason: String,
}

/// A comment as shown.
pub struct CommentRow {
    /// Who.
    pub author: String,
    /// When.
    pub at: String,
    /// Text.
    pub text: String,
}

/// A file as shown.
pub struct FileRow {
    /// Link.
    pub href: String,
    /// Name.
    pub name: String,
    /// The result document.
    pub result: bool,
}

#[derive(Template)]
#[template(path = "application.html")]
struct DetailPage<'a> {
    l: Layout<'a>,
    id: String,
    title: String,
    number: String,
    status: String,
    due: String,
    submitted: bool,
    groups: Vec<AnswerGroup>,
    history: Vec<HistoryRow>,
    comments: Vec<CommentRow>,
    files: Vec<FileRow>,
    can_comment: bool,
    can_attach: bool,
    can_withdraw: bool,
    clarification: Option<String>,
    clarification_due: String,
    status_names: String,
    csrf: String,
    errors: Errors,
}

/// `?submitted=1`
#[derive(serde::Deserialize)]
pub struct DetailQuery {
    #[serde(default)]
    submitted: Option<String>,
}

fn detail_page(
    state: &AppState,
    visit: &Visit,
    d: Detail,
    submitted: bool,
    status: StatusCode,
    errors: Errors,
) -> Response {
    let a = &d.application;
    let t = |k: &str| state.i18n.t(k);
    let may_file = may_file(visit);
    let history = d
        .history
        .iter()
        .map(|e| HistoryRow {
            at: format::datetime(e.at),
            status: Status::parse(&e.to_status)
                .map_or_else(|| e.to_status.clone(), |s| status_name(state, s)),
            actor: t(&format!("actor-{}", e.actor_kind)),
            reason: e.reason.clone().unwrap_or_default(),
        })
        .collect();
    let clarification = (a.status == Status::NeedsClarification).then(|| {
        d.history
            .iter()
            .rev()
            .find(|e| e.to_status == "needs_clarification")
            .and_then(|e| e.reason.clone())
            .unwrap_or_default()
    });
    let page = DetailPage {
        l: Layout::for_visit(state, visit),
        id: a.id.clone(),
        title: a.service.def.title.clone(),
        number: a.number.clone().unwrap_or_default(),
        status: status_name(state, a.status),
        due: a.due_on.map(kabinet_app::format::day).unwrap_or_default(),
        submitted,
        groups: answers(a),
        history,
        comments: d
            .comments
            .iter()
            .map(|c| CommentRow {
                author: t(&format!("actor-{}", c.author_kind)),
                at: format::datetime(c.at),
                text: c.text.clone(),
            })
            .collect(),
        files: d
            .files
            .iter()
            .map(|f| FileRow {
                href: format!("/api/v1/applications/{}/files/{}", a.id, f.file.id),
                name: f.file.file_name.clone(),
                result: f.kind == "result",
            })
            .collect(),
        can_comment: may_file && !a.status.is_final() && a.status != Status::Draft,
        can_attach: may_file && a.status == Status::NeedsClarification,
        can_withdraw: may_file
            && moves_for(a.status, Mover::Applicant).contains(&Status::Withdrawn),
        clarification,
        clarification_due: a
            .clarification_due
            .map(kabinet_app::format::day)
            .unwrap_or_default(),
        status_names: status_names(state),
        csrf: visit
            .signed_in
            .as_ref()
            .map(|w| w.csrf_token.clone())
            .unwrap_or_default(),
        errors,
    };
    respond(status, &page, None)
}

/// `GET /applications/{id}`
pub async fn show(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    match applications::get(&state.app, who, &id).await {
        Ok(d) if d.application.status == Status::Draft => {
            see_other(&format!("/applications/{id}/review"), None)
        }
        Ok(d) => detail_page(
            &state,
            &visit,
            d,
            q.submitted.is_some(),
            StatusCode::OK,
            Errors::default(),
        ),
        Err(e) => WebError::from(e).page_response(),
    }
}

async fn after_action(
    state: &AppState,
    visit: &Visit,
    id: &str,
    result: Result<(), AppError>,
    field: &str,
) -> Response {
    match result {
        Ok(()) => see_other(&format!("/applications/{id}"), None),
        Err(e) => {
            let Some(who) = &visit.signed_in else {
                return see_other("/login", None);
            };
            let (status, errors) = match e {
                AppError::TooLarge(key) => (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    Errors::one(field, state.i18n.t(key)),
                ),
                AppError::UnsupportedType(key) => (
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    Errors::one(field, state.i18n.t(key)),
                ),
                AppError::Conflict(key) => {
                    (StatusCode::CONFLICT, Errors::one(field, state.i18n.t(key)))
                }
                other => match form_errors(state, other, field) {
                    Ok(pair) => pair,
                    Err(e) => return e.page_response(),
                },
            };
            match applications::get(&state.app, who, id).await {
                Ok(d) => detail_page(state, visit, d, false, status, errors),
                Err(e) => WebError::from(e).page_response(),
            }
        }
    }
}

/// `POST /applications/{id}/comment`
pub async fn comment(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let result = if visit.form_csrf_ok(form.get("csrf_token").map_or("", String::as_str)) {
        applications::comment(
            &state.app,
            &visit.ctx,
            who,
            &id,
            form.get("text").map_or("", String::as_str),
        )
        .await
    } else {
        Err(AppError::Refused("auth-csrf"))
    };
    after_action(&state, &visit, &id, result, "text").await
}

/// `POST /applications/{id}/withdraw`
pub async fn withdraw(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let result = if visit.form_csrf_ok(form.get("csrf_token").map_or("", String::as_str)) {
        applications::withdraw(
            &state.app,
            &visit.ctx,
            who,
            &id,
            form.get("reason").map_or("", String::as_str),
        )
        .await
    } else {
        Err(AppError::Refused("auth-csrf"))
    };
    after_action(&state, &visit, &id, result, "reason").await
}

/// `POST /applications/{id}/attach`: a document in answer to a clarification.
pub async fn attach(
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
    let result = match upload::read_with(multipart, limit, Some("application-file-too-large")).await
    {
        Ok(parts) if !visit.form_csrf_ok(&parts.text("csrf_token")) => {
            Err(AppError::Refused("auth-csrf"))
        }
        Ok(parts) => match parts.file("file") {
            Ok(file) => applications::attach(&state.app, &visit.ctx, who, &id, "other", file)
                .await
                .map(|_| ()),
            Err(e) => Err(e),
        },
        Err(WebError::TooLarge(key)) => Err(AppError::TooLarge(key)),
        Err(e) => return e.page_response(),
    };
    after_action(&state, &visit, &id, result, "file").await
}
