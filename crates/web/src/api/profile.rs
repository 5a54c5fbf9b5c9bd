//! «Мои данные» in the API: `GET/PATCH /api/v1/me`, the change history, and the staff
//! call that confirms an identity.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kabinet_app::profile::{self, AddressInput, PassportInput, Profile, ProfileInput};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::json::{ApiJson, ApiQuery};
use crate::error::Problem;
use crate::session::Visit;
use crate::{AppState, WebError};

/// A structured address.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressBody {
    /// Почтовый индекс (6 digits).
    #[serde(default)]
    pub postal_code: Option<String>,
    /// Регион.
    #[serde(default)]
    pub region: Option<String>,
    /// Населённый пункт.
    #[serde(default)]
    pub city: Option<String>,
    /// Улица.
    #[serde(default)]
    pub street: Option<String>,
    /// Дом.
    #[serde(default)]
    pub house: Option<String>,
    /// Квартира.
    #[serde(default)]
    pub flat: Option<String>,
    /// The address in one line, for what does not fit the parts.
    #[serde(default)]
    pub line: Option<String>,
}

/// A passport of the RF.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PassportBody {
    /// Series, 4 digits (`45 06` accepted).
    #[serde(default)]
    pub series: Option<String>,
    /// Number, 6 digits.
    #[serde(default)]
    pub number: Option<String>,
    /// Issue date `YYYY-MM-DD` (or `ДД.ММ.ГГГГ` on input).
    #[serde(default)]
    pub issued_on: Option<String>,
    /// Issuer code `NNN-NNN`.
    #[serde(default)]
    pub issuer_code: Option<String>,
}

/// The signed-in person's data.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// The account.
    pub account_id: String,
    /// `simplified`, `standard` or `confirmed`.
    pub level: String,
    /// Why the level did not rise at the last registry check.
    pub level_note: Option<String>,
    /// What is still missing for the `standard` level (Russian words).
    pub missing_for_standard: Vec<String>,
    /// Фамилия.
    pub last_name: Option<String>,
    /// Имя.
    pub first_name: Option<String>,
    /// Отчество.
    pub middle_name: Option<String>,
    /// `YYYY-MM-DD`.
    pub birth_date: Option<String>,
    /// 11 digits.
    pub snils: Option<String>,
    /// 12 digits.
    pub inn: Option<String>,
    /// The passport.
    pub passport: Option<PassportBody>,
    /// Адрес регистрации.
    pub registration_address: Option<AddressBody>,
    /// Почтовый адрес.
    pub postal_address: Option<AddressBody>,
}

fn address_body(a: &profile::Address) -> AddressBody {
    AddressBody {
        postal_code: a.postal_code.clone(),
        region: a.region.clone(),
        city: a.city.clone(),
        street: a.street.clone(),
        house: a.house.clone(),
        flat: a.flat.clone(),
        line: a.line.clone(),
    }
}

fn me(state: &AppState, account_id: &str, p: &Profile) -> Me {
    Me {
        account_id: account_id.to_owned(),
        level: p.level.as_str().to_owned(),
        level_note: p.level_note.clone(),
        missing_for_standard: p
            .missing_for_standard()
            .into_iter()
            .map(|k| state.i18n.t(k))
            .collect(),
        last_name: p.last_name.clone(),
        first_name: p.first_name.clone(),
        middle_name: p.middle_name.clone(),
        birth_date: p.birth_date.map(|d| d.to_string()),
        snils: p.snils.clone(),
        inn: p.inn.clone(),
        passport: p.passport.as_ref().map(|x| PassportBody {
            series: Some(x.series.clone()),
            number: Some(x.number.clone()),
            issued_on: Some(x.issued_on.to_string()),
            issuer_code: Some(format!("{}-{}", &x.issuer_code[..3], &x.issuer_code[3..])),
        }),
        registration_address: p.registration_address.as_ref().map(address_body),
        postal_address: p.postal_address.as_ref().map(address_body),
    }
}

/// `PATCH /api/v1/me`: the fields given are set (an empty string or `null` inside an
/// object clears that part; an empty passport object removes the passport); the fields
/// left out stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MePatch {
    /// Фамилия.
    pub last_name: Option<String>,
    /// Имя.
    pub first_name: Option<String>,
    /// Отчество.
    pub middle_name: Option<String>,
    /// `YYYY-MM-DD` or `ДД.ММ.ГГГГ`.
    pub birth_date: Option<String>,
    /// СНИЛС as typed.
    pub snils: Option<String>,
    /// A person's ИНН (12 digits).
    pub inn: Option<String>,
    /// The passport: all four parts, or all empty.
    pub passport: Option<PassportBody>,
    /// Адрес регистрации.
    pub registration_address: Option<AddressBody>,
    /// Почтовый адрес.
    pub postal_address: Option<AddressBody>,
}

fn text(v: Option<String>) -> String {
    v.unwrap_or_default()
}

fn address_input(a: AddressBody) -> AddressInput {
    AddressInput {
        postal_code: text(a.postal_code),
        region: text(a.region),
        city: text(a.city),
        street: text(a.street),
        house: text(a.house),
        flat: text(a.flat),
        line: text(a.line),
    }
}

impl From<MePatch> for ProfileInput {
    fn from(p: MePatch) -> ProfileInput {
        ProfileInput {
            last_name: p.last_name,
            first_name: p.first_name,
            middle_name: p.middle_name,
            birth_date: p.birth_date,
            snils: p.snils,
            inn: p.inn,
            passport: p.passport.map(|x| PassportInput {
                series: text(x.series),
                number: text(x.number),
                issued_on: text(x.issued_on),
                issuer_code: text(x.issuer_code),
            }),
            registration_address: p.registration_address.map(address_input),
            postal_address: p.postal_address.map(address_input),
        }
    }
}

/// The signed-in person's data (PR-1).
#[utoipa::path(get, path = "/api/v1/me", tag = "profile",
    summary = "Мои данные",
    responses(
        (status = 200, description = "The data", body = Me),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn get_me(State(state): State<AppState>, visit: Visit) -> Result<Json<Me>, WebError> {
    let who = visit.require()?;
    let p = profile::get(&state.app, who).await?;
    Ok(Json(me(&state, &who.account.id, &p)))
}

/// Changes the signed-in person's data (PR-1, PR-2); checks the identity with the
/// registry when it is complete, which may raise the level to `standard` (ID-11).
#[utoipa::path(patch, path = "/api/v1/me", tag = "profile",
    summary = "Изменить мои данные",
    request_body = MePatch,
    params(("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses(
        (status = 200, description = "The data after the change", body = Me),
        (status = 409, description = "Changed meanwhile in another window", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Field errors (nothing was saved)", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn patch_me(
    State(state): State<AppState>,
    visit: Visit,
    ApiJson(body): ApiJson<MePatch>,
) -> Result<Json<Me>, WebError> {
    let who = visit.require_with_csrf_header()?;
    let updated = profile::update(&state.app, &visit.ctx, who, &body.into()).await?;
    Ok(Json(me(&state, &who.account.id, &updated.profile)))
}

/// One change of personal data.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeItem {
    /// When (RFC 3339).
    pub at: String,
    /// The field: `last_name`, `snils`, `passport`, `level`, …
    pub field: String,
    /// Before; identifiers masked.
    pub old_value: Option<String>,
    /// After; identifiers masked.
    pub new_value: Option<String>,
    /// Who: `user`, `staff`, `registry`, `system`.
    pub actor_kind: String,
}

/// The history.
#[derive(Debug, Serialize, ToSchema)]
pub struct History {
    /// Newest first.
    pub items: Vec<ChangeItem>,
}

/// `?limit=`
#[derive(Debug, Deserialize)]
pub struct HistoryQuery {
    limit: Option<i64>,
}

/// «История изменений» (PR-4), newest first.
#[utoipa::path(get, path = "/api/v1/me/history", tag = "profile",
    summary = "История изменений моих данных",
    params(("limit" = Option<i64>, Query, description = "At most this many (1–500, default 100)")),
    responses(
        (status = 200, description = "The changes", body = History),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn history(
    State(state): State<AppState>,
    visit: Visit,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> Result<Json<History>, WebError> {
    let who = visit.require()?;
    let items = profile::history(&state.app, who, q.limit.unwrap_or(100))
        .await?
        .into_iter()
        .map(|c| ChangeItem {
            at: kabinet_store::ts::format(c.at),
            field: c.field,
            old_value: c.old_value,
            new_value: c.new_value,
            actor_kind: c.actor_kind,
        })
        .collect();
    Ok(Json(History { items }))
}

/// `POST /api/v1/staff/accounts/{id}/confirm-identity`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmIdentity {
    /// `in_person` or `video`.
    pub method: String,
    /// What was checked.
    #[serde(default)]
    pub comment: String,
}

/// Staff confirm a person's identity: the level becomes `confirmed` (ID-11).
#[utoipa::path(post, path = "/api/v1/staff/accounts/{id}/confirm-identity", tag = "staff",
    summary = "Подтвердить личность заявителя",
    request_body = ConfirmIdentity,
    params(
        ("id" = String, Path, description = "The applicant's account"),
        ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")
    ),
    responses(
        (status = 200, description = "Confirmed"),
        (status = 403, description = "Not staff, no second factor, or a role that may not", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such applicant", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The account is not at the standard level", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown method", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn confirm_identity(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ConfirmIdentity>,
) -> Result<StatusCode, WebError> {
    let who = visit.require_with_csrf_header()?;
    let method = match body.method.as_str() {
        "in_person" => profile::ConfirmMethod::InPerson,
        "video" => profile::ConfirmMethod::Video,
        _ => {
            return Err(
                kabinet_app::AppError::Validation(vec![kabinet_app::FieldError::new(
                    "method",
                    "identity-method",
                )])
                .into(),
            );
        }
    };
    profile::confirm_identity(&state.app, &visit.ctx, who, &id, method, &body.comment).await?;
    Ok(StatusCode::OK)
}

/// A confirmed phone or e-mail.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactBody {
    /// Id for removal: the sign-in key, e.g. `email:ivan@example.ru`.
    pub id: String,
    /// `email` or `phone`.
    pub kind: String,
    /// The address or the number (E.164).
    pub value: String,
}

/// The contacts.
#[derive(Debug, Serialize, ToSchema)]
pub struct Contacts {
    /// Oldest first.
    pub items: Vec<ContactBody>,
}

fn contact_body(c: kabinet_app::contacts::ContactItem) -> ContactBody {
    ContactBody {
        id: c.id,
        kind: c.kind,
        value: c.value,
    }
}

/// The account's confirmed phones and e-mails (PR-3).
#[utoipa::path(get, path = "/api/v1/me/contacts", tag = "profile",
    summary = "Мои телефоны и почта",
    responses(
        (status = 200, description = "The contacts", body = Contacts),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn contacts(
    State(state): State<AppState>,
    visit: Visit,
) -> Result<Json<Contacts>, WebError> {
    let who = visit.require()?;
    let items = kabinet_app::contacts::list(&state.app, who)
        .await?
        .into_iter()
        .map(contact_body)
        .collect();
    Ok(Json(Contacts { items }))
}

/// `POST /api/v1/me/contacts`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewContact {
    /// A phone number or an e-mail address, as typed.
    pub contact: String,
}

/// The contact a code went to.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactPending {
    /// As it will be stored.
    pub contact: String,
}

/// Sends a code to a new contact. Needs the password entered in the last 10 minutes
/// (`POST /api/v1/session/reauth`). The answer is the same whether or not the contact
/// belongs to another account.
#[utoipa::path(post, path = "/api/v1/me/contacts", tag = "profile",
    summary = "Добавить телефон или почту: отправить код",
    request_body = NewContact,
    params(("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses(
        (status = 202, description = "Code sent", body = ContactPending),
        (status = 403, description = "The password must be entered again first", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a phone or e-mail, or already yours", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many codes", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn add_contact(
    State(state): State<AppState>,
    visit: Visit,
    ApiJson(body): ApiJson<NewContact>,
) -> Result<(StatusCode, Json<ContactPending>), WebError> {
    let who = visit.require_with_csrf_header()?;
    let contact =
        kabinet_app::contacts::start_add(&state.app, &visit.ctx, who, &body.contact).await?;
    Ok((StatusCode::ACCEPTED, Json(ContactPending { contact })))
}

/// `POST /api/v1/me/contacts/confirm`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmContact {
    /// The contact, as sent to `POST /api/v1/me/contacts`.
    pub contact: String,
    /// The 6-digit code.
    pub code: String,
}

/// Confirms a new contact with its code.
#[utoipa::path(post, path = "/api/v1/me/contacts/confirm", tag = "profile",
    summary = "Добавить телефон или почту: ввести код",
    request_body = ConfirmContact,
    params(("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses(
        (status = 201, description = "Added", body = ContactBody),
        (status = 409, description = "Taken by another account meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Wrong, expired or spent code", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn confirm_contact(
    State(state): State<AppState>,
    visit: Visit,
    ApiJson(body): ApiJson<ConfirmContact>,
) -> Result<(StatusCode, Json<ContactBody>), WebError> {
    let who = visit.require_with_csrf_header()?;
    let item =
        kabinet_app::contacts::confirm_add(&state.app, &visit.ctx, who, &body.contact, &body.code)
            .await?;
    Ok((StatusCode::CREATED, Json(contact_body(item))))
}

/// Removes a contact (not the last confirmed one). Needs a recent password entry.
#[utoipa::path(delete, path = "/api/v1/me/contacts/{id}", tag = "profile",
    summary = "Удалить телефон или почту",
    params(
        ("id" = String, Path, description = "The contact's id from the list"),
        ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "The password must be entered again first", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such contact of yours", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The last confirmed contact", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn remove_contact(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
) -> Result<StatusCode, WebError> {
    let who = visit.require_with_csrf_header()?;
    kabinet_app::contacts::remove(&state.app, &visit.ctx, who, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// «Скачать мои данные» (PR-6): a ZIP with `kabinet-data.json`, `kabinet-data.html`
/// and the uploaded files. Needs a recent password entry (`POST /api/v1/session/reauth`),
/// like closing the account.
#[utoipa::path(get, path = "/api/v1/me/export", tag = "profile",
    summary = "Скачать все мои данные (ZIP)",
    responses(
        (status = 200, description = "The archive", content_type = "application/zip"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The password must be entered again first (POST /api/v1/session/reauth)", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn export(
    State(state): State<AppState>,
    visit: Visit,
) -> Result<axum::response::Response, WebError> {
    let who = visit.require()?;
    let bytes = kabinet_app::privacy::export(&state.app, &visit.ctx, who).await?;
    Ok(crate::download::data_archive(bytes))
}

/// «Удалить учётную запись» (PR-6): needs a recent password entry. The account stops
/// signing in at once; its personal data is erased after `privacy.retention_days`.
#[utoipa::path(delete, path = "/api/v1/me", tag = "profile",
    summary = "Удалить учётную запись",
    params(("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses(
        (status = 204, description = "Closed; the session is over"),
        (status = 403, description = "The password must be entered again first, or a staff account", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn close(
    State(state): State<AppState>,
    visit: Visit,
) -> Result<axum::response::Response, WebError> {
    use axum::response::IntoResponse as _;
    let who = visit.require_with_csrf_header()?;
    kabinet_app::privacy::close_account(&state.app, &visit.ctx, who).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().append(
        axum::http::header::SET_COOKIE,
        crate::session::clear_session_cookie(&visit.headers, &state),
    );
    Ok(response)
}

/// The routes of this area, each declared once by its `#[utoipa::path]`.
pub(crate) fn router() -> utoipa_axum::router::OpenApiRouter<crate::AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(get_me, patch_me, close))
        .routes(utoipa_axum::routes!(export))
        .routes(utoipa_axum::routes!(history))
        .routes(utoipa_axum::routes!(contacts, add_contact))
        .routes(utoipa_axum::routes!(confirm_contact))
        .routes(utoipa_axum::routes!(remove_contact))
        .routes(utoipa_axum::routes!(confirm_identity))
}
