//! The form one step per group of questions, saved at each step (APP-2).

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use kabinet_app::applications::{self, Application};
use kabinet_domain::application::Status;
use kabinet_domain::form::{Field, FieldType};

use crate::pages::common::{form_errors, respond, see_other};
use crate::pages::{Errors, Layout};
use crate::session::Visit;
use crate::{AppState, WebError};

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
pub(super) fn shown(f: &Field, stored: &str) -> String {
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

pub(super) fn steps(a: &Application, current: usize) -> Vec<StepLink> {
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
