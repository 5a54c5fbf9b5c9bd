//! The three edit forms `/profile/{section}`: personal data, documents, addresses.

use kabinet_domain::account::AccountLevel;
use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use kabinet_app::profile::{self, AddressInput, PassportInput, Profile, ProfileInput};

use crate::pages::common::{form_errors, respond, see_other};
use crate::pages::{Errors, Layout};
use crate::session::Visit;
use crate::{AppState, WebError};

/// A form field as shown.
pub struct FieldView {
    /// `id` and `name`.
    pub id: String,
    /// Label.
    pub label: String,
    /// Hint under the label.
    pub hint: Option<String>,
    /// Current or typed value.
    pub value: String,
    /// The error, when there is one.
    pub error: Option<String>,
    /// `autocomplete`.
    pub autocomplete: &'static str,
    /// `inputmode`.
    pub inputmode: &'static str,
    /// Read-only because the identity is confirmed.
    pub locked: bool,
}

/// A group of fields (a fieldset when it has a legend).
pub struct Group {
    /// Legend.
    pub legend: Option<String>,
    /// Fields.
    pub fields: Vec<FieldView>,
}

#[derive(Template)]
#[template(path = "profile_edit.html")]
struct EditPage<'a> {
    l: Layout<'a>,
    title: String,
    action: String,
    csrf: String,
    groups: Vec<Group>,
    errors: Errors,
    locked_note: bool,
}

/// (id, label key, hint key, autocomplete, inputmode)
type Def = (
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static str,
);

const PERSONAL: &[Def] = &[
    ("last_name", "field-last-name", None, "family-name", "text"),
    ("first_name", "field-first-name", None, "given-name", "text"),
    (
        "middle_name",
        "field-middle-name",
        Some("hint-middle-name"),
        "additional-name",
        "text",
    ),
    (
        "birth_date",
        "field-birth-date",
        Some("hint-date"),
        "bday",
        "numeric",
    ),
];
const PASSPORT: &[Def] = &[
    (
        "passport_series",
        "field-passport-series",
        Some("hint-passport-series"),
        "off",
        "numeric",
    ),
    (
        "passport_number",
        "field-passport-number",
        None,
        "off",
        "numeric",
    ),
    (
        "passport_issued_on",
        "field-passport-issued-on",
        Some("hint-date"),
        "off",
        "numeric",
    ),
    (
        "passport_issuer_code",
        "field-passport-issuer-code",
        Some("hint-issuer-code"),
        "off",
        "numeric",
    ),
];
const NUMBERS: &[Def] = &[
    ("snils", "field-snils", Some("hint-snils"), "off", "numeric"),
    ("inn", "field-inn", Some("hint-inn"), "off", "numeric"),
];
const ADDRESS: &[Def] = &[
    (
        "postal_code",
        "field-postal-code",
        None,
        "postal-code",
        "numeric",
    ),
    ("region", "field-region", None, "address-level1", "text"),
    ("city", "field-city", None, "address-level2", "text"),
    ("street", "field-street", None, "address-line1", "text"),
    ("house", "field-house", None, "address-line2", "text"),
    ("flat", "field-flat", None, "address-line3", "text"),
    (
        "line",
        "field-address-line",
        Some("hint-address-line"),
        "off",
        "text",
    ),
];

fn current_values(p: &Profile) -> HashMap<String, String> {
    let mut v = HashMap::new();
    let mut put = |k: &str, val: Option<String>| {
        if let Some(val) = val {
            v.insert(k.to_owned(), val);
        }
    };
    put("last_name", p.last_name.clone());
    put("first_name", p.first_name.clone());
    put("middle_name", p.middle_name.clone());
    put("birth_date", p.prefill("profile.birth_date"));
    put("passport_series", p.prefill("profile.passport.series"));
    put("passport_number", p.prefill("profile.passport.number"));
    put(
        "passport_issued_on",
        p.prefill("profile.passport.issued_on"),
    );
    put(
        "passport_issuer_code",
        p.prefill("profile.passport.issuer_code"),
    );
    put("snils", p.prefill("profile.snils"));
    put("inn", p.inn.clone());
    for (prefix, a) in [
        ("registration_address", &p.registration_address),
        ("postal_address", &p.postal_address),
    ] {
        if let Some(a) = a {
            for (k, val) in [
                ("postal_code", &a.postal_code),
                ("region", &a.region),
                ("city", &a.city),
                ("street", &a.street),
                ("house", &a.house),
                ("flat", &a.flat),
                ("line", &a.line),
            ] {
                put(&format!("{prefix}_{k}"), val.clone());
            }
        }
    }
    v
}

const LOCKED: &[&str] = &[
    "last_name",
    "first_name",
    "middle_name",
    "birth_date",
    "passport_series",
    "passport_number",
    "passport_issued_on",
    "passport_issuer_code",
    "snils",
];

fn groups(
    state: &AppState,
    section: &str,
    values: &HashMap<String, String>,
    errors: &Errors,
    confirmed: bool,
) -> Vec<Group> {
    let t = |k: &str| state.i18n.t(k);
    let fields = |defs: &[Def], prefix: &str| -> Vec<FieldView> {
        defs.iter()
            .map(|(id, label, hint, autocomplete, inputmode)| {
                let id = if prefix.is_empty() {
                    (*id).to_owned()
                } else {
                    format!("{prefix}_{id}")
                };
                FieldView {
                    label: t(label),
                    hint: hint.map(t),
                    value: values.get(&id).cloned().unwrap_or_default(),
                    error: errors.get(&id).map(str::to_owned),
                    autocomplete,
                    inputmode,
                    locked: confirmed && LOCKED.contains(&id.as_str()),
                    id,
                }
            })
            .collect()
    };
    match section {
        "personal" => vec![Group {
            legend: None,
            fields: fields(PERSONAL, ""),
        }],
        "documents" => vec![
            Group {
                legend: Some(t("field-passport")),
                fields: fields(PASSPORT, ""),
            },
            Group {
                legend: None,
                fields: fields(NUMBERS, ""),
            },
        ],
        _ => vec![
            Group {
                legend: Some(t("page-profile-registration-address")),
                fields: fields(ADDRESS, "registration_address"),
            },
            Group {
                legend: Some(t("page-profile-postal-address")),
                fields: fields(ADDRESS, "postal_address"),
            },
        ],
    }
}

fn title_key(section: &str) -> Option<&'static str> {
    match section {
        "personal" => Some("page-profile-personal"),
        "documents" => Some("page-profile-documents"),
        "addresses" => Some("page-profile-addresses"),
        _ => None,
    }
}

fn input(section: &str, form: &HashMap<String, String>) -> ProfileInput {
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let address = |prefix: &str| AddressInput {
        postal_code: get(&format!("{prefix}_postal_code")),
        region: get(&format!("{prefix}_region")),
        city: get(&format!("{prefix}_city")),
        street: get(&format!("{prefix}_street")),
        house: get(&format!("{prefix}_house")),
        flat: get(&format!("{prefix}_flat")),
        line: get(&format!("{prefix}_line")),
    };
    // Fields a confirmed person cannot change are shown read-only and not sent;
    // what is not sent stays as it is.
    let field = |k: &str| form.get(k).cloned();
    match section {
        "personal" => ProfileInput {
            last_name: field("last_name"),
            first_name: field("first_name"),
            middle_name: field("middle_name"),
            birth_date: field("birth_date"),
            ..ProfileInput::default()
        },
        "documents" => ProfileInput {
            snils: field("snils"),
            inn: field("inn"),
            passport: form.contains_key("passport_series").then(|| PassportInput {
                series: get("passport_series"),
                number: get("passport_number"),
                issued_on: get("passport_issued_on"),
                issuer_code: get("passport_issuer_code"),
            }),
            ..ProfileInput::default()
        },
        _ => ProfileInput {
            registration_address: Some(address("registration_address")),
            postal_address: Some(address("postal_address")),
            ..ProfileInput::default()
        },
    }
}

/// `GET /profile/{section}`
pub async fn edit_page(
    State(state): State<AppState>,
    visit: Visit,
    Path(section): Path<String>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let Some(title) = title_key(&section) else {
        return WebError::NotFound.page_response();
    };
    let p = match profile::get(&state.app, who).await {
        Ok(p) => p,
        Err(e) => return WebError::from(e).page_response(),
    };
    let errors = Errors::default();
    let confirmed = p.level == AccountLevel::Confirmed;
    let page = EditPage {
        l: Layout::for_visit(&state, &visit),
        title: state.i18n.t(title),
        action: format!("/profile/{section}"),
        csrf: who.csrf_token.clone(),
        groups: groups(&state, &section, &current_values(&p), &errors, confirmed),
        errors,
        locked_note: confirmed && section != "addresses",
    };
    respond(StatusCode::OK, &page, None)
}

/// `POST /profile/{section}`
pub async fn edit_submit(
    State(state): State<AppState>,
    visit: Visit,
    Path(section): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let Some(title) = title_key(&section) else {
        return WebError::NotFound.page_response();
    };
    let first_field = match section.as_str() {
        "personal" => "last_name",
        "documents" => "passport_series",
        _ => "registration_address_postal_code",
    };
    let given = form.get("csrf_token").map(String::as_str).unwrap_or("");
    let (status, errors) = if !visit.form_csrf_ok(given) {
        (
            StatusCode::BAD_REQUEST,
            Errors::one(first_field, state.i18n.t("auth-csrf")),
        )
    } else {
        match profile::update(&state.app, &visit.ctx, who, &input(&section, &form)).await {
            Ok(_) => return see_other("/profile", None),
            Err(e) => match form_errors(&state, e, first_field) {
                Ok(pair) => pair,
                Err(e) => return e.page_response(),
            },
        }
    };
    let confirmed = who.account.level == AccountLevel::Confirmed;
    // Read-only fields are not sent: show them from the profile, the rest as typed.
    let mut shown = form.clone();
    if confirmed && let Ok(p) = profile::get(&state.app, who).await {
        for (k, v) in current_values(&p) {
            if LOCKED.contains(&k.as_str()) {
                shown.insert(k, v);
            }
        }
    }
    let page = EditPage {
        l: Layout::for_visit(&state, &visit),
        title: state.i18n.t(title),
        action: format!("/profile/{section}"),
        csrf: who.csrf_token.clone(),
        groups: groups(&state, &section, &shown, &errors, confirmed),
        errors,
        locked_note: confirmed && section != "addresses",
    };
    respond(status, &page, None)
}
