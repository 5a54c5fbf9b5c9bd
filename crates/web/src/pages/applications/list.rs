//! «Мои заявления» and «Черновики» with their filters.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use kabinet_app::applications::{self, Application};
use kabinet_domain::application::Status;

use super::{status_name, status_names};
use crate::api::applications::ListQuery;
use crate::pages::common::{respond, see_other};
use crate::pages::{Errors, Layout};
use crate::session::Visit;
use crate::{AppState, WebError, format};

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
