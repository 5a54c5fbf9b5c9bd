//! «Мои данные» pages: the overview with the account level, three edit forms
//! (personal data, documents, addresses) and «История изменений». Forms post and
//! redirect; on an error the form comes back with everything typed and an error
//! summary linked to the fields.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use kabinet_app::profile::{self, Address, AddressInput, PassportInput, Profile, ProfileInput};

use super::auth::{form_errors, respond, see_other};
use super::{Errors, Layout};
use crate::session::Visit;
use crate::{AppState, WebError, format};

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
    level_code: String,
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
        level_code: p.level.clone(),
        level_note: p.level_note.clone(),
        missing: p
            .missing_for_standard()
            .into_iter()
            .map(|k| state.i18n.t(k))
            .collect(),
        confirmed: p.level == "confirmed",
        sections: sections(&state, &p),
        contacts: kabinet_app::contacts::list(&state.app, who)
            .await
            .map(|c| c.into_iter().map(|c| c.value).collect())
            .unwrap_or_default(),
    };
    respond(StatusCode::OK, &page, None)
}

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
    let confirmed = p.level == "confirmed";
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
    let confirmed = who.account.level == "confirmed";
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

/// A history row as shown.
pub struct HistoryRow {
    /// When.
    pub at: String,
    /// Which field (Russian).
    pub field: String,
    /// Before.
    pub old_value: String,
    /// After.
    pub new_value: String,
    /// Who (Russian).
    pub actor: String,
}

#[derive(Template)]
#[template(path = "profile_history.html")]
struct HistoryPage<'a> {
    l: Layout<'a>,
    rows: Vec<HistoryRow>,
}

/// `GET /profile/history` «История изменений».
pub async fn history(State(state): State<AppState>, visit: Visit) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let changes = match profile::history(&state.app, who, 200).await {
        Ok(c) => c,
        Err(e) => return WebError::from(e).page_response(),
    };
    let t = |k: &str| state.i18n.t(k);
    let level = |v: Option<String>| match v.as_deref() {
        Some(l @ ("simplified" | "standard" | "confirmed")) => t(&format!("level-{l}")),
        other => dash(other.map(str::to_owned)),
    };
    let rows = changes
        .into_iter()
        .map(|c| {
            let is_level = c.field == "level";
            HistoryRow {
                at: format::datetime(c.at),
                field: t(&format!("history-field-{}", c.field.replace('_', "-"))),
                old_value: if is_level {
                    level(c.old_value)
                } else {
                    dash(c.old_value)
                },
                new_value: if is_level {
                    level(c.new_value)
                } else {
                    dash(c.new_value)
                },
                actor: t(&format!("history-actor-{}", c.actor_kind)),
            }
        })
        .collect();
    let page = HistoryPage {
        l: Layout::for_visit(&state, &visit),
        rows,
    };
    respond(StatusCode::OK, &page, None)
}

// ---- Телефоны и почта (PR-3) ----

/// A contact in the list.
pub struct ContactRow {
    /// `email` or `phone`.
    pub kind: String,
    /// The address or number.
    pub value: String,
    /// The removal page.
    pub remove_href: String,
}

#[derive(Template)]
#[template(path = "profile_contacts.html")]
struct ContactsPage<'a> {
    l: Layout<'a>,
    csrf: String,
    contacts: Vec<ContactRow>,
    contact: String,
    errors: Errors,
}

#[derive(Template)]
#[template(path = "profile_contact_confirm.html")]
struct ContactConfirmPage<'a> {
    l: Layout<'a>,
    csrf: String,
    contact: String,
    errors: Errors,
}

#[derive(Template)]
#[template(path = "profile_contact_remove.html")]
struct ContactRemovePage<'a> {
    l: Layout<'a>,
    csrf: String,
    id: String,
    value: String,
    errors: Errors,
}

async fn contacts_page(
    state: &AppState,
    visit: &Visit,
    status: StatusCode,
    contact: String,
    errors: Errors,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let contacts = match kabinet_app::contacts::list(&state.app, who).await {
        Ok(c) => c,
        Err(e) => return WebError::from(e).page_response(),
    };
    let page = ContactsPage {
        l: Layout::for_visit(state, visit),
        csrf: who.csrf_token.clone(),
        contacts: contacts
            .into_iter()
            .map(|c| ContactRow {
                remove_href: format!(
                    "/profile/contacts/remove?id={}",
                    format::percent_encode(&c.id)
                ),
                kind: c.kind,
                value: c.value,
            })
            .collect(),
        contact,
        errors,
    };
    respond(status, &page, None)
}

/// `GET /profile/contacts`
pub async fn contacts(State(state): State<AppState>, visit: Visit) -> Response {
    contacts_page(
        &state,
        &visit,
        StatusCode::OK,
        String::new(),
        Errors::default(),
    )
    .await
}

/// The form of «Добавить»: the contact and the password (entered again).
#[derive(serde::Deserialize)]
pub struct AddContactForm {
    csrf_token: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    password: String,
}

/// `POST /profile/contacts` sends the code.
pub async fn contacts_add(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<AddContactForm>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    if !visit.form_csrf_ok(&form.csrf_token) {
        let errors = Errors::one("contact", state.i18n.t("auth-csrf"));
        return contacts_page(
            &state,
            &visit,
            StatusCode::BAD_REQUEST,
            form.contact,
            errors,
        )
        .await;
    }
    let result = async {
        kabinet_app::auth::reauthenticate(&state.app, &visit.ctx, who, &form.password).await?;
        kabinet_app::contacts::start_add(&state.app, &visit.ctx, who, &form.contact).await
    }
    .await;
    match result {
        Ok(contact) => see_other(
            &format!(
                "/profile/contacts/confirm?contact={}",
                format::percent_encode(&contact)
            ),
            None,
        ),
        Err(e) => match form_errors(&state, e, "contact") {
            Ok((status, errors)) => {
                contacts_page(&state, &visit, status, form.contact, errors).await
            }
            Err(e) => e.page_response(),
        },
    }
}

/// `?contact=`
#[derive(serde::Deserialize)]
pub struct ContactQuery {
    #[serde(default)]
    contact: String,
}

/// `GET /profile/contacts/confirm?contact=…` «Введите код».
pub async fn contacts_confirm_page(
    State(state): State<AppState>,
    visit: Visit,
    axum::extract::Query(q): axum::extract::Query<ContactQuery>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let page = ContactConfirmPage {
        l: Layout::for_visit(&state, &visit),
        csrf: who.csrf_token.clone(),
        contact: q.contact,
        errors: Errors::default(),
    };
    respond(StatusCode::OK, &page, None)
}

/// The code form.
#[derive(serde::Deserialize)]
pub struct ConfirmContactForm {
    csrf_token: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    code: String,
}

/// `POST /profile/contacts/confirm`
pub async fn contacts_confirm(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<ConfirmContactForm>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let (status, errors) = if !visit.form_csrf_ok(&form.csrf_token) {
        (
            StatusCode::BAD_REQUEST,
            Errors::one("code", state.i18n.t("auth-csrf")),
        )
    } else {
        match kabinet_app::contacts::confirm_add(
            &state.app,
            &visit.ctx,
            who,
            &form.contact,
            &form.code,
        )
        .await
        {
            Ok(_) => return see_other("/profile/contacts", None),
            Err(kabinet_app::AppError::Conflict(key)) => {
                (StatusCode::CONFLICT, Errors::one("code", state.i18n.t(key)))
            }
            Err(e) => match form_errors(&state, e, "code") {
                Ok(pair) => pair,
                Err(e) => return e.page_response(),
            },
        }
    };
    let page = ContactConfirmPage {
        l: Layout::for_visit(&state, &visit),
        csrf: who.csrf_token.clone(),
        contact: form.contact,
        errors,
    };
    respond(status, &page, None)
}

/// `?id=`
#[derive(serde::Deserialize)]
pub struct IdQuery {
    #[serde(default)]
    id: String,
}

async fn remove_page(
    state: &AppState,
    visit: &Visit,
    id: String,
    status: StatusCode,
    errors: Errors,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let contacts = match kabinet_app::contacts::list(&state.app, who).await {
        Ok(c) => c,
        Err(e) => return WebError::from(e).page_response(),
    };
    let Some(found) = contacts.into_iter().find(|c| c.id == id) else {
        return WebError::NotFound.page_response();
    };
    let page = ContactRemovePage {
        l: Layout::for_visit(state, visit),
        csrf: who.csrf_token.clone(),
        id,
        value: found.value,
        errors,
    };
    respond(status, &page, None)
}

/// `GET /profile/contacts/remove?id=…` asks for the password.
pub async fn contacts_remove_page(
    State(state): State<AppState>,
    visit: Visit,
    axum::extract::Query(q): axum::extract::Query<IdQuery>,
) -> Response {
    remove_page(&state, &visit, q.id, StatusCode::OK, Errors::default()).await
}

/// The removal form.
#[derive(serde::Deserialize)]
pub struct RemoveContactForm {
    csrf_token: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    password: String,
}

/// `POST /profile/contacts/remove`
pub async fn contacts_remove(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<RemoveContactForm>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    if !visit.form_csrf_ok(&form.csrf_token) {
        let errors = Errors::one("password", state.i18n.t("auth-csrf"));
        return remove_page(&state, &visit, form.id, StatusCode::BAD_REQUEST, errors).await;
    }
    let result = async {
        kabinet_app::auth::reauthenticate(&state.app, &visit.ctx, who, &form.password).await?;
        kabinet_app::contacts::remove(&state.app, &visit.ctx, who, &form.id).await
    }
    .await;
    match result {
        Ok(()) => see_other("/profile/contacts", None),
        Err(kabinet_app::AppError::Conflict(key)) => {
            let errors = Errors::one("password", state.i18n.t(key));
            remove_page(&state, &visit, form.id, StatusCode::CONFLICT, errors).await
        }
        Err(e) => match form_errors(&state, e, "password") {
            Ok((status, errors)) => remove_page(&state, &visit, form.id, status, errors).await,
            Err(e) => e.page_response(),
        },
    }
}

// ---- Ваши данные (PR-6) ----

#[derive(Template)]
#[template(path = "profile_data.html")]
struct DataPage<'a> {
    l: Layout<'a>,
    csrf: String,
    retention_days: u32,
    staff: bool,
    errors: Errors,
}

fn data_page(state: &AppState, visit: &Visit, status: StatusCode, errors: Errors) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let page = DataPage {
        l: Layout::for_visit(state, visit),
        csrf: who.csrf_token.clone(),
        retention_days: state.app.settings.retention_days,
        staff: who.account.kind != "person",
        errors,
    };
    respond(status, &page, None)
}

/// `GET /profile/data` «Ваши данные».
pub async fn data(State(state): State<AppState>, visit: Visit) -> Response {
    data_page(&state, &visit, StatusCode::OK, Errors::default())
}

/// `GET /profile/data/export`: the ZIP.
pub async fn data_export(State(state): State<AppState>, visit: Visit) -> Response {
    match crate::api::profile::export(State(state), visit).await {
        Ok(r) => r,
        Err(WebError::Unauthorized(_)) => see_other("/login", None),
        Err(e) => e.page_response(),
    }
}

/// The closing form.
#[derive(serde::Deserialize)]
pub struct CloseForm {
    csrf_token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    understood: Option<String>,
}

#[derive(Template)]
#[template(path = "closed.html")]
struct ClosedPage<'a> {
    l: Layout<'a>,
    retention_days: u32,
}

/// `POST /profile/data/close`
pub async fn data_close(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<CloseForm>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    if !visit.form_csrf_ok(&form.csrf_token) {
        return data_page(
            &state,
            &visit,
            StatusCode::BAD_REQUEST,
            Errors::one("password", state.i18n.t("auth-csrf")),
        );
    }
    if form.understood.is_none() {
        return data_page(
            &state,
            &visit,
            StatusCode::UNPROCESSABLE_ENTITY,
            Errors::one("understood", state.i18n.t("privacy-confirm-required")),
        );
    }
    let result = async {
        kabinet_app::auth::reauthenticate(&state.app, &visit.ctx, who, &form.password).await?;
        kabinet_app::privacy::close_account(&state.app, &visit.ctx, who).await
    }
    .await;
    match result {
        Ok(()) => {
            let page = ClosedPage {
                l: Layout::new(&state),
                retention_days: state.app.settings.retention_days,
            };
            let mut response = respond(StatusCode::OK, &page, None);
            response.headers_mut().append(
                axum::http::header::SET_COOKIE,
                crate::session::clear_session_cookie(&visit.headers, &state),
            );
            response
        }
        Err(e) => match form_errors(&state, e, "password") {
            Ok((status, errors)) => data_page(&state, &visit, status, errors),
            Err(e) => e.page_response(),
        },
    }
}
