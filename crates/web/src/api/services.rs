//! The services catalog in the API (CAT-1, CAT-2).

use axum::Json;
use axum::extract::{Path, State};
use kabinet_app::catalog::{self, Service};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::json::ApiQuery;
use crate::error::Problem;
use crate::{AppState, WebError};

/// A service in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceItem {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Section.
    pub section: String,
    /// One sentence.
    pub summary: String,
    /// `service` or `appeal`.
    pub kind: String,
    /// The account level needed.
    pub level: String,
    /// Processing time in working days.
    pub processing_days: u32,
    /// Fee in kopecks.
    pub fee_kopecks: u64,
}

/// A list of services.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceList {
    /// By relevance when searching, else by section and title.
    pub items: Vec<ServiceItem>,
}

fn kind(s: &Service) -> String {
    match s.def.kind {
        catalog::Kind::Service => "service".into(),
        catalog::Kind::Appeal => "appeal".into(),
    }
}

fn item(s: &Service) -> ServiceItem {
    ServiceItem {
        id: s.def.id.clone(),
        title: s.def.title.clone(),
        section: s.def.section.clone(),
        summary: s.def.summary.clone(),
        kind: kind(s),
        level: s.def.level.clone(),
        processing_days: s.def.processing_days,
        fee_kopecks: s.def.fee_kopecks,
    }
}

/// `?q=`
#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    /// Words in Russian; other word forms and one typo per word are forgiven.
    #[serde(default)]
    pub q: String,
}

/// The catalog, or a search in it.
#[utoipa::path(get, path = "/api/v1/services", tag = "services",
    summary = "Каталог услуг и поиск по нему",
    params(("q" = Option<String>, Query, description = "Search words (Russian word forms and typos are forgiven)")),
    responses((status = 200, description = "The services", body = ServiceList)))]
pub async fn list(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> Result<Json<ServiceList>, WebError> {
    let all = catalog::all(&state.app).await?;
    let items = if q.q.trim().is_empty() {
        all.iter().map(item).collect()
    } else {
        catalog::search(&all, &q.q)
            .into_iter()
            .map(|h| item(h.service))
            .collect()
    };
    Ok(Json(ServiceList { items }))
}

/// A form field.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldItem {
    /// Name (the key in `fields` of an application).
    pub name: String,
    /// `text`, `textarea`, `number`, `date`, `select`, `checkbox`, `snils`, `inn`, `ogrn`, `ogrnip`, `kpp`, `phone`, `email`, `passport`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Must be filled.
    pub required: bool,
    /// Label.
    pub label: String,
    /// Hint.
    pub hint: Option<String>,
    /// For `select`: `[{"value", "label"}]`.
    #[schema(value_type = Vec<Object>)]
    pub options: Vec<serde_json::Value>,
    /// The step (group of questions), from 1.
    pub step: usize,
    /// Where the value is prefilled from.
    pub prefill: Option<String>,
}

/// A document to attach.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ServiceDocument)]
pub struct DocumentItem {
    /// Kind (the `kind` of an attachment).
    pub kind: String,
    /// What.
    pub title: String,
    /// Needed before submitting.
    pub required: bool,
    /// `pdf`, `jpeg`, `png`.
    pub formats: Vec<String>,
    /// Largest file, MB.
    pub max_mb: u32,
}

/// A service with its form.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceDetail {
    /// The list fields.
    #[serde(flatten)]
    pub item: ServiceItem,
    /// The version in force.
    pub version: i64,
    /// Description.
    pub description: String,
    /// `individual`, `organisation`.
    pub applicants: Vec<String>,
    /// What the applicant receives.
    pub result: String,
    /// Step titles.
    pub steps: Vec<String>,
    /// Every field.
    pub fields: Vec<FieldItem>,
    /// Documents.
    pub documents: Vec<DocumentItem>,
}

/// One service with its form.
#[utoipa::path(get, path = "/api/v1/services/{id}", tag = "services",
    summary = "Услуга и её форма",
    params(("id" = String, Path, description = "The service id")),
    responses(
        (status = 200, description = "The service", body = ServiceDetail),
        (status = 404, description = "No such service", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ServiceDetail>, WebError> {
    let s = catalog::get(&state.app, &id).await?;
    Ok(Json(detail(&s)))
}

fn to_json(v: &impl Serialize) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

/// The API form of a service.
pub fn detail(s: &Service) -> ServiceDetail {
    ServiceDetail {
        item: item(s),
        version: s.version,
        description: s.def.description.clone(),
        applicants: s
            .def
            .applicants
            .iter()
            .map(|a| to_json(a).as_str().unwrap_or_default().to_owned())
            .collect(),
        result: s.def.result.clone(),
        steps: s.def.steps.iter().map(|st| st.title.clone()).collect(),
        fields: s
            .def
            .steps
            .iter()
            .enumerate()
            .flat_map(|(i, st)| {
                st.fields.iter().map(move |f| FieldItem {
                    name: f.name.clone(),
                    kind: to_json(&f.kind).as_str().unwrap_or_default().to_owned(),
                    required: f.required,
                    label: f.label.clone(),
                    hint: f.hint.clone(),
                    options: f.options.iter().map(to_json).collect(),
                    step: i + 1,
                    prefill: f.prefill.clone(),
                })
            })
            .collect(),
        documents: s
            .def
            .documents
            .iter()
            .map(|d| DocumentItem {
                kind: d.kind.clone(),
                title: d.title.clone(),
                required: d.required,
                formats: d.formats.clone(),
                max_mb: d.max_mb,
            })
            .collect(),
    }
}

/// The routes of this area, each declared once by its `#[utoipa::path]`.
pub(crate) fn router() -> utoipa_axum::router::OpenApiRouter<crate::AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(list))
        .routes(utoipa_axum::routes!(get))
}
