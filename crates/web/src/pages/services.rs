//! «Услуги»: the catalog by section, search, and a service's page (CAT-1, CAT-2).

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use kabinet_app::catalog::{self, Service};

use super::Layout;
use super::common::respond;
use crate::api::services::SearchQuery;
use crate::session::Visit;
use crate::{AppState, WebError};

/// A card.
pub struct Card {
    /// Link.
    pub href: String,
    /// Title.
    pub title: String,
    /// Summary.
    pub summary: String,
    /// Section (shown in search results).
    pub section: String,
}

/// A section with its cards.
pub struct SectionView {
    /// Title.
    pub title: String,
    /// Cards.
    pub cards: Vec<Card>,
}

#[derive(Template)]
#[template(path = "services.html")]
struct CatalogPage<'a> {
    l: Layout<'a>,
    q: String,
    sections: Vec<SectionView>,
    results: Option<Vec<Card>>,
}

fn card(s: &Service) -> Card {
    Card {
        href: format!("/services/{}", s.def.id),
        title: s.def.title.clone(),
        summary: s.def.summary.clone(),
        section: s.def.section.clone(),
    }
}

/// `GET /services?q=`
pub async fn catalog_page(
    State(state): State<AppState>,
    visit: Visit,
    Query(q): Query<SearchQuery>,
) -> Response {
    let all = match catalog::all(&state.app).await {
        Ok(a) => a,
        Err(e) => return WebError::from(e).page_response(),
    };
    let mut sections: Vec<SectionView> = Vec::new();
    for s in &all {
        match sections.iter_mut().find(|x| x.title == s.def.section) {
            Some(sec) => sec.cards.push(card(s)),
            None => sections.push(SectionView {
                title: s.def.section.clone(),
                cards: vec![card(s)],
            }),
        }
    }
    let results = (!q.q.trim().is_empty()).then(|| {
        catalog::search(&all, &q.q)
            .iter()
            .map(|h| card(h.service))
            .collect()
    });
    let page = CatalogPage {
        l: Layout::for_visit(&state, &visit),
        q: q.q.trim().to_owned(),
        sections,
        results,
    };
    respond(StatusCode::OK, &page, None)
}

#[derive(Template)]
#[template(path = "service.html")]
struct ServicePage<'a> {
    l: Layout<'a>,
    s: Service,
    paragraphs: Vec<String>,
    applicants: String,
    level: String,
    fee: String,
    signed_in: bool,
    csrf: String,
}

/// `GET /services/{id}`
pub async fn service_page(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
) -> Response {
    let s = match catalog::get(&state.app, &id).await {
        Ok(s) => s,
        Err(e) => return WebError::from(e).page_response(),
    };
    let t = |k: &str| state.i18n.t(k);
    let applicants = s
        .def
        .applicants
        .iter()
        .map(|a| match a {
            catalog::Applicant::Individual => t("service-applicant-individual"),
            catalog::Applicant::Organisation => t("service-applicant-organisation"),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let page = ServicePage {
        l: Layout::for_visit(&state, &visit),
        paragraphs: s
            .def
            .description
            .split("\n\n")
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect(),
        applicants,
        level: t(&format!("level-{}", s.def.level)),
        fee: s.def.fee_text(),
        signed_in: visit.signed_in.is_some(),
        csrf: visit
            .signed_in
            .as_ref()
            .map(|w| w.csrf_token.clone())
            .unwrap_or_default(),
        s,
    };
    respond(StatusCode::OK, &page, None)
}

/// «Услуги»: `/services` and a service's page.
pub fn router() -> Router<AppState> {
    let pages = Router::new()
        .route("/", get(catalog_page))
        .route("/{id}", get(service_page));
    Router::new().nest("/services", pages)
}
