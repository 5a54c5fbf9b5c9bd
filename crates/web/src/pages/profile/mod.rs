//! «Мои данные» pages: the overview with the account level, three edit forms
//! (personal data, documents, addresses) and «История изменений». Forms post and
//! redirect; on an error the form comes back with everything typed and an error
//! summary linked to the fields.
//!
//! This module holds the overview and the router of every `/profile/...` route; one file
//! per action group below.

pub mod contacts;
pub mod data;
pub mod edit;
pub mod history;
pub mod identity;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use kabinet_app::profile::{self, Address, Profile};
use kabinet_domain::account::AccountLevel;

use crate::pages::Layout;
use crate::pages::common::{respond, see_other};
use crate::session::Visit;
use crate::{AppState, WebError};

/// One row of a summary list.
pub struct Row {
    /// Label.
    pub label: String,
    /// Value, or a dash.
    pub value: String,
}

/// One part of the overview.
pub struct Section {
    /// Heading.
    pub title: String,
    /// The edit page.
    pub edit: &'static str,
    /// Rows.
    pub rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage<'a> {
    l: Layout<'a>,
    level: String,
    level_code: AccountLevel,
    level_note: Option<String>,
    missing: Vec<String>,
    confirmed: bool,
    sections: Vec<Section>,
    contacts: Vec<String>,
}

fn dash(v: Option<String>) -> String {
    v.filter(|s| !s.is_empty())
        .unwrap_or_else(|| "—".to_owned())
}

fn sections(state: &AppState, p: &Profile) -> Vec<Section> {
    let t = |k: &str| state.i18n.t(k);
    let row = |k: &str, v: Option<String>| Row {
        label: t(k),
        value: dash(v),
    };
    vec![
        Section {
            title: t("page-profile-personal"),
            edit: "/profile/personal",
            rows: vec![
                row("field-last-name", p.last_name.clone()),
                row("field-first-name", p.first_name.clone()),
                row("field-middle-name", p.middle_name.clone()),
                row(
                    "field-birth-date",
                    p.birth_date.map(kabinet_app::format::day),
                ),
            ],
        },
        Section {
            title: t("page-profile-documents"),
            edit: "/profile/documents",
            rows: vec![
                row(
                    "field-passport",
                    p.passport.as_ref().map(|x| {
                        state.i18n.t_with(
                            "page-profile-passport-value",
                            &[
                                ("series", &format!("{} {}", &x.series[..2], &x.series[2..])),
                                ("number", &x.number),
                                ("date", &kabinet_app::format::day(x.issued_on)),
                                (
                                    "code",
                                    &format!("{}-{}", &x.issuer_code[..3], &x.issuer_code[3..]),
                                ),
                            ],
                        )
                    }),
                ),
                row("field-snils", p.prefill("profile.snils")),
                row("field-inn", p.inn.clone()),
            ],
        },
        Section {
            title: t("page-profile-addresses"),
            edit: "/profile/addresses",
            rows: vec![
                row(
                    "page-profile-registration-address",
                    p.registration_address.as_ref().map(Address::one_line),
                ),
                row(
                    "page-profile-postal-address",
                    p.postal_address.as_ref().map(Address::one_line),
                ),
            ],
        },
    ]
}

/// `GET /profile` «Мои данные».
pub async fn show(State(state): State<AppState>, visit: Visit) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let p = match profile::get(&state.app, who).await {
        Ok(p) => p,
        Err(e) => return WebError::from(e).page_response(),
    };
    let page = ProfilePage {
        l: Layout::for_visit(&state, &visit),
        level: state.i18n.t(&format!("level-{}", p.level)),
        level_code: p.level,
        level_note: p.level_note.clone(),
        missing: p
            .missing_for_standard()
            .into_iter()
            .map(|k| state.i18n.t(k))
            .collect(),
        confirmed: p.level == AccountLevel::Confirmed,
        sections: sections(&state, &p),
        contacts: kabinet_app::contacts::list(&state.app, who)
            .await
            .map(|c| c.into_iter().map(|c| c.value).collect())
            .unwrap_or_default(),
    };
    respond(StatusCode::OK, &page, None)
}

/// Every `/profile/...` page, nested under `/profile`; `/{section}` is one of the edit
/// forms, and every other page's static segment wins over it.
pub fn router() -> Router<AppState> {
    let pages = Router::new()
        .route("/", get(show))
        .route("/history", get(history::history))
        .route("/data", get(data::data))
        .route("/data/export", get(data::data).post(data::data_export))
        .route("/data/close", post(data::data_close))
        .route(
            "/identity",
            get(identity::identity_show)
                .post(identity::identity_submit)
                .layer(super::upload_body_limit()),
        )
        .route(
            "/change-request",
            get(identity::change_show)
                .post(identity::change_submit)
                .layer(super::upload_body_limit()),
        )
        .route(
            "/contacts",
            get(contacts::contacts).post(contacts::contacts_add),
        )
        .route(
            "/contacts/confirm",
            get(contacts::contacts_confirm_page).post(contacts::contacts_confirm),
        )
        .route(
            "/contacts/remove",
            get(contacts::contacts_remove_page).post(contacts::contacts_remove),
        )
        .route("/{section}", get(edit::edit_page).post(edit::edit_submit));
    Router::new().nest("/profile", pages)
}
