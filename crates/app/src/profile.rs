//! «Мои данные» (PR-1 … PR-5, ID-11): read and change personal data, the change
//! history, the account level, the staff's identity confirmation and prefill for forms.
//!
//! Every change runs in one transaction with its history rows, its audit entry and
//! its notice. Passport, СНИЛС and ИНН are sealed (see [`crate::crypto`]); the audit
//! and the history only ever see them masked.

use kabinet_domain::access::Action;
use kabinet_domain::ids::{IdError, Inn, Passport, Snils};
use kabinet_domain::login::LoginId;
use kabinet_domain::profile::{self as rules, ProfileError};
use kabinet_store::profiles::{self, Change, IndexColumn, ProfileRow};
use kabinet_store::requests::{self, Kind};
use kabinet_store::{Conn, accounts};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::{Date, OffsetDateTime};

use crate::auth::SignedIn;
use crate::auth::{audit_event, notices};
use crate::registry::{PassportCheck, PersonCheck, Verdict};
use crate::{App, AppError, Ctx, FieldError};

/// A structured address (PR-1). Every part may be empty; `line` is a free-text
/// address for what does not fit the parts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// Почтовый индекс, 6 digits.
    pub postal_code: Option<String>,
    /// Регион.
    pub region: Option<String>,
    /// Населённый пункт.
    pub city: Option<String>,
    /// Улица.
    pub street: Option<String>,
    /// Дом (with корпус, строение).
    pub house: Option<String>,
    /// Квартира.
    pub flat: Option<String>,
    /// Free text.
    pub line: Option<String>,
}

impl Address {
    /// One line, the way an address is written on an envelope.
    pub fn one_line(&self) -> String {
        if let Some(line) = &self.line
            && self.region.is_none()
            && self.city.is_none()
            && self.street.is_none()
        {
            return [self.postal_code.clone(), Some(line.clone())]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ");
        }
        [
            self.postal_code.clone(),
            self.region.clone(),
            self.city.clone(),
            self.street.clone(),
            self.house.as_ref().map(|h| format!("д. {h}")),
            self.flat.as_ref().map(|f| format!("кв. {f}")),
            self.line.clone(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
    }

    fn is_empty(&self) -> bool {
        *self == Address::default()
    }
}

/// A passport with its issue date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassportData {
    /// Series, 4 digits.
    pub series: String,
    /// Number, 6 digits.
    pub number: String,
    /// Issue date.
    pub issued_on: Date,
    /// Issuer code, 6 digits.
    pub issuer_code: String,
}

/// A person's data as the owner sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Profile {
    /// Фамилия.
    pub last_name: Option<String>,
    /// Имя.
    pub first_name: Option<String>,
    /// Отчество.
    pub middle_name: Option<String>,
    /// Дата рождения.
    pub birth_date: Option<Date>,
    /// Паспорт РФ.
    pub passport: Option<PassportData>,
    /// СНИЛС, 11 digits.
    pub snils: Option<String>,
    /// ИНН, 12 digits.
    pub inn: Option<String>,
    /// Адрес регистрации.
    pub registration_address: Option<Address>,
    /// Почтовый адрес.
    pub postal_address: Option<Address>,
    /// `simplified`, `standard`, `confirmed`.
    pub level: String,
    /// Why the level did not rise at the last check.
    pub level_note: Option<String>,
}

impl Profile {
    /// Фамилия Имя Отчество.
    pub fn full_name(&self) -> Option<String> {
        let parts: Vec<&str> = [&self.last_name, &self.first_name, &self.middle_name]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }

    /// What is still missing for the `standard` level, as message keys.
    pub fn missing_for_standard(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.last_name.is_none() || self.first_name.is_none() {
            out.push("profile-missing-name");
        }
        if self.birth_date.is_none() {
            out.push("profile-missing-birth-date");
        }
        if self.snils.is_none() {
            out.push("profile-missing-snils");
        }
        if self.passport.is_none() {
            out.push("profile-missing-passport");
        }
        out
    }

    /// PR-5: the value of a form binding such as `profile.snils` or
    /// `profile.address.registration`, as a form field shows it; `None` when the
    /// binding is unknown or the value is not filled.
    pub fn prefill(&self, binding: &str) -> Option<String> {
        let key = binding.strip_prefix("profile.")?;
        let date = |d: &Date| crate::format::day(*d);
        match key {
            "last_name" => self.last_name.clone(),
            "first_name" => self.first_name.clone(),
            "middle_name" => self.middle_name.clone(),
            "full_name" => self.full_name(),
            "birth_date" => self.birth_date.as_ref().map(date),
            "snils" => self
                .snils
                .as_deref()
                .and_then(|s| Snils::parse(s).ok())
                .map(|s| s.to_string()),
            "inn" => self.inn.clone(),
            "passport" => self
                .passport
                .as_ref()
                .map(|p| format!("{} {}", p.series, p.number)),
            "passport.series" => self.passport.as_ref().map(|p| p.series.clone()),
            "passport.number" => self.passport.as_ref().map(|p| p.number.clone()),
            "passport.issued_on" => self.passport.as_ref().map(|p| date(&p.issued_on)),
            "passport.issuer_code" => self.passport.as_ref().map(|p| {
                let (a, b) = p.issuer_code.split_at(3.min(p.issuer_code.len()));
                format!("{a}-{b}")
            }),
            "address.registration" => self.registration_address.as_ref().map(Address::one_line),
            "address.postal" => self
                .postal_address
                .as_ref()
                .or(self.registration_address.as_ref())
                .map(Address::one_line),
            _ => None,
        }
    }
}

/// The bindings [`Profile::prefill`] knows, for the catalog's validation.
pub const PREFILL_BINDINGS: &[&str] = &[
    "profile.last_name",
    "profile.first_name",
    "profile.middle_name",
    "profile.full_name",
    "profile.birth_date",
    "profile.snils",
    "profile.inn",
    "profile.passport",
    "profile.passport.series",
    "profile.passport.number",
    "profile.passport.issued_on",
    "profile.passport.issuer_code",
    "profile.address.registration",
    "profile.address.postal",
    "profile.email",
    "profile.phone",
];

/// Passport fields as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct PassportInput {
    /// Серия.
    #[serde(default)]
    pub series: String,
    /// Номер.
    #[serde(default)]
    pub number: String,
    /// Дата выдачи.
    #[serde(default)]
    pub issued_on: String,
    /// Код подразделения.
    #[serde(default)]
    pub issuer_code: String,
}

/// Address fields as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct AddressInput {
    /// Почтовый индекс.
    #[serde(default)]
    pub postal_code: String,
    /// Регион.
    #[serde(default)]
    pub region: String,
    /// Населённый пункт.
    #[serde(default)]
    pub city: String,
    /// Улица.
    #[serde(default)]
    pub street: String,
    /// Дом.
    #[serde(default)]
    pub house: String,
    /// Квартира.
    #[serde(default)]
    pub flat: String,
    /// Одной строкой.
    #[serde(default)]
    pub line: String,
}

/// A change as typed: a field that is present is set (an empty text clears it);
/// an absent field stays as it is.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ProfileInput {
    /// Фамилия.
    pub last_name: Option<String>,
    /// Имя.
    pub first_name: Option<String>,
    /// Отчество.
    pub middle_name: Option<String>,
    /// Дата рождения, `ДД.ММ.ГГГГ` or `ГГГГ-ММ-ДД`.
    pub birth_date: Option<String>,
    /// СНИЛС as typed.
    pub snils: Option<String>,
    /// ИНН as typed (a person's, 12 digits).
    pub inn: Option<String>,
    /// Паспорт: all four parts, or all empty to remove it.
    pub passport: Option<PassportInput>,
    /// Адрес регистрации.
    pub registration_address: Option<AddressInput>,
    /// Почтовый адрес.
    pub postal_address: Option<AddressInput>,
}

/// The fields that identify a person: locked once the identity is confirmed.
pub(crate) const IDENTITY_FIELDS: &[&str] = &[
    "last_name",
    "first_name",
    "middle_name",
    "birth_date",
    "snils",
    "passport",
];

fn name_key(field: &str, e: ProfileError) -> &'static str {
    match (field, e) {
        ("last_name", ProfileError::Empty) => "profile-last-name-empty",
        ("last_name", ProfileError::NameTooLong) => "profile-last-name-too-long",
        ("last_name", _) => "profile-last-name-characters",
        ("first_name", ProfileError::Empty) => "profile-first-name-empty",
        ("first_name", ProfileError::NameTooLong) => "profile-first-name-too-long",
        ("first_name", _) => "profile-first-name-characters",
        (_, ProfileError::NameTooLong) => "profile-middle-name-too-long",
        _ => "profile-middle-name-characters",
    }
}

fn date_key(field: &str, e: ProfileError) -> &'static str {
    let birth = field == "birth_date";
    match e {
        ProfileError::Empty if birth => "profile-birth-date-empty",
        ProfileError::Empty => "profile-issued-on-empty",
        ProfileError::DateFormat if birth => "profile-birth-date-format",
        ProfileError::DateFormat => "profile-issued-on-format",
        ProfileError::DateNotReal if birth => "profile-birth-date-not-real",
        ProfileError::DateNotReal => "profile-issued-on-not-real",
        ProfileError::DateInFuture if birth => "profile-birth-date-future",
        ProfileError::DateInFuture => "profile-issued-on-future",
        ProfileError::BirthTooEarly => "profile-birth-date-too-early",
        _ => "profile-issued-on-before-14",
    }
}

/// Every message key this module can put in a field error (checked against the catalog).
pub const MESSAGE_KEYS: &[&str] = &[
    "profile-last-name-empty",
    "profile-last-name-too-long",
    "profile-last-name-characters",
    "profile-first-name-empty",
    "profile-first-name-too-long",
    "profile-first-name-characters",
    "profile-middle-name-too-long",
    "profile-middle-name-characters",
    "profile-birth-date-empty",
    "profile-birth-date-format",
    "profile-birth-date-not-real",
    "profile-birth-date-future",
    "profile-birth-date-too-early",
    "profile-issued-on-empty",
    "profile-issued-on-format",
    "profile-issued-on-not-real",
    "profile-issued-on-future",
    "profile-issued-on-before-14",
    "profile-postal-code",
    "profile-address-too-long",
    "profile-snils-taken",
    "profile-inn-taken",
    "profile-locked",
    "profile-missing-name",
    "profile-missing-birth-date",
    "profile-missing-snils",
    "profile-missing-passport",
    "profile-registry-unavailable",
    "profile-registry-mismatch",
    "profile-changed-meanwhile",
    "identity-method",
    "identity-needs-standard",
    "identity-already-confirmed",
    "identity-scan-required",
    "identity-request-needs-standard",
    "identity-request-pending",
    "request-reason-required",
    "request-already-decided",
    "change-request-not-needed",
    "change-request-document",
    "change-request-nothing",
    "change-request-snils-taken",
    "file-empty",
    "file-too-big",
    "file-type",
    "file-owner-quota",
    "contact-already-yours",
    "contact-taken",
    "contact-last",
    "privacy-staff-close",
    "privacy-confirm-required",
];

fn opt(text: &str) -> Option<&str> {
    let t = text.trim();
    (!t.is_empty()).then_some(t)
}

/// Applies `input` to `current`, collecting every field error.
pub(crate) fn merge(
    current: &Profile,
    input: &ProfileInput,
    today: Date,
) -> Result<Profile, Vec<FieldError>> {
    let mut next = current.clone();
    let mut errors = Vec::new();
    for (field, value, target, required) in [
        ("last_name", &input.last_name, &mut next.last_name, true),
        ("first_name", &input.first_name, &mut next.first_name, true),
        (
            "middle_name",
            &input.middle_name,
            &mut next.middle_name,
            false,
        ),
    ] {
        let Some(value) = value else { continue };
        match rules::name(value) {
            Ok(v) => *target = Some(v),
            Err(ProfileError::Empty) if !required => *target = None,
            Err(e @ ProfileError::Empty) => errors.push(FieldError::new(field, name_key(field, e))),
            Err(e) => errors.push(FieldError::new(field, name_key(field, e))),
        }
    }
    if let Some(value) = &input.birth_date {
        if opt(value).is_none() {
            next.birth_date = None;
        } else {
            match rules::birth_date(value, today) {
                Ok(d) => next.birth_date = Some(d),
                Err(e) => errors.push(FieldError::new("birth_date", date_key("birth_date", e))),
            }
        }
    }
    if let Some(value) = &input.snils {
        match opt(value) {
            None => next.snils = None,
            Some(v) => match Snils::parse(v) {
                Ok(s) => next.snils = Some(s.as_str().to_owned()),
                Err(e) => errors.push(id_error("snils", &e)),
            },
        }
    }
    if let Some(value) = &input.inn {
        match opt(value) {
            None => next.inn = None,
            Some(v) => match Inn::parse_person(v) {
                Ok(i) => next.inn = Some(i.as_str().to_owned()),
                Err(e) => errors.push(id_error("inn", &e)),
            },
        }
    }
    if let Some(p) = &input.passport {
        let parts = [&p.series, &p.number, &p.issued_on, &p.issuer_code];
        if parts.iter().all(|s| opt(s).is_none()) {
            next.passport = None;
        } else {
            let series = kabinet_domain::ids::PassportSeries::parse(&p.series)
                .map_err(|e| errors.push(id_error("passport.series", &e)))
                .ok();
            let number = kabinet_domain::ids::PassportNumber::parse(&p.number)
                .map_err(|e| errors.push(id_error("passport.number", &e)))
                .ok();
            let issued = rules::passport_issued_on(&p.issued_on, next.birth_date, today)
                .map_err(|e| {
                    errors.push(FieldError::new(
                        "passport.issued_on",
                        date_key("issued_on", e),
                    ))
                })
                .ok();
            let code = kabinet_domain::ids::IssuerCode::parse(&p.issuer_code)
                .map_err(|e| errors.push(id_error("passport.issuer_code", &e)))
                .ok();
            if let (Some(series), Some(number), Some(issued_on), Some(code)) =
                (series, number, issued, code)
            {
                let passport = Passport {
                    series,
                    number,
                    issuer_code: code,
                };
                next.passport = Some(PassportData {
                    series: passport.series.as_str().to_owned(),
                    number: passport.number.as_str().to_owned(),
                    issued_on,
                    issuer_code: passport.issuer_code.as_str().to_owned(),
                });
            }
        }
    } else if let (Some(p), Some(birth)) = (&next.passport, next.birth_date)
        && p.issued_on < rules::add_years(birth, 14)
    {
        // A new birth date must still fit the passport already held.
        errors.push(FieldError::new("birth_date", "profile-issued-on-before-14"));
    }
    for (prefix, value, target) in [
        (
            "registration_address",
            &input.registration_address,
            &mut next.registration_address,
        ),
        (
            "postal_address",
            &input.postal_address,
            &mut next.postal_address,
        ),
    ] {
        let Some(a) = value else { continue };
        match address(prefix, a) {
            Ok(addr) => *target = (!addr.is_empty()).then_some(addr),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(next)
    } else {
        Err(errors)
    }
}

fn id_error(field: &str, e: &IdError) -> FieldError {
    FieldError::new(field, e.message_key())
}

fn address(prefix: &str, a: &AddressInput) -> Result<Address, Vec<FieldError>> {
    let mut errors = Vec::new();
    let postal_code = match opt(&a.postal_code) {
        None => None,
        Some(v) => rules::postal_code(v)
            .map_err(|_| {
                errors.push(FieldError::new(
                    format!("{prefix}.postal_code"),
                    "profile-postal-code",
                ))
            })
            .ok(),
    };
    let mut part = |name: &str, v: &str| {
        rules::address_part(v).unwrap_or_else(|_| {
            errors.push(FieldError::new(
                format!("{prefix}.{name}"),
                "profile-address-too-long",
            ));
            None
        })
    };
    let out = Address {
        postal_code,
        region: part("region", &a.region),
        city: part("city", &a.city),
        street: part("street", &a.street),
        house: part("house", &a.house),
        flat: part("flat", &a.flat),
        line: part("line", &a.line),
    };
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

// ---- storage mapping ----

fn place(column: &str, account_id: &str) -> String {
    format!("profiles.{column}:{account_id}")
}

fn open_row(app: &App, row: &ProfileRow, level: &str) -> Result<Profile, AppError> {
    let open = |column: &str, v: &Option<String>| -> Result<Option<String>, AppError> {
        v.as_deref()
            .map(|s| app.keys.open(&place(column, &row.account_id), s))
            .transpose()
            .map_err(|e| AppError::Store(kabinet_store::StoreError::Corrupt(e.to_string())))
    };
    let passport = open("passport", &row.passport_sealed)?
        .map(|json| serde_json::from_str::<PassportData>(&json))
        .transpose()
        .map_err(|e| {
            AppError::Store(kabinet_store::StoreError::Corrupt(format!("passport: {e}")))
        })?;
    let address = |v: &Option<String>| -> Result<Option<Address>, AppError> {
        v.as_deref()
            .map(serde_json::from_str::<Address>)
            .transpose()
            .map_err(|e| {
                AppError::Store(kabinet_store::StoreError::Corrupt(format!("address: {e}")))
            })
    };
    Ok(Profile {
        last_name: row.last_name.clone(),
        first_name: row.first_name.clone(),
        middle_name: row.middle_name.clone(),
        birth_date: row
            .birth_date
            .as_deref()
            .map(|d| {
                rules::date(d).map_err(|_| {
                    AppError::Store(kabinet_store::StoreError::Corrupt("birth_date".into()))
                })
            })
            .transpose()?,
        passport,
        snils: open("snils", &row.snils_sealed)?,
        inn: open("inn", &row.inn_sealed)?,
        registration_address: address(&row.registration_address)?,
        postal_address: address(&row.postal_address)?,
        level: level.to_owned(),
        level_note: row.level_note.clone(),
    })
}

fn seal_err(e: crate::crypto::CryptoError) -> AppError {
    AppError::Store(kabinet_store::StoreError::Corrupt(e.to_string()))
}

pub(crate) fn to_row(app: &App, account_id: &str, p: &Profile) -> Result<ProfileRow, AppError> {
    let seal = |column: &str, v: Option<String>| -> Result<Option<String>, AppError> {
        v.map(|s| app.keys.seal(&place(column, account_id), &s))
            .transpose()
            .map_err(seal_err)
    };
    let json = |a: &Option<Address>| a.as_ref().and_then(|a| serde_json::to_string(a).ok());
    Ok(ProfileRow {
        account_id: account_id.to_owned(),
        last_name: p.last_name.clone(),
        first_name: p.first_name.clone(),
        middle_name: p.middle_name.clone(),
        birth_date: p.birth_date.map(|d| d.to_string()),
        passport_sealed: seal(
            "passport",
            p.passport
                .as_ref()
                .and_then(|x| serde_json::to_string(x).ok()),
        )?,
        snils_sealed: seal("snils", p.snils.clone())?,
        snils_index: p.snils.as_deref().map(|s| app.keys.index("snils", s)),
        inn_sealed: seal("inn", p.inn.clone())?,
        inn_index: p.inn.as_deref().map(|s| app.keys.index("inn", s)),
        registration_address: json(&p.registration_address),
        postal_address: json(&p.postal_address),
        level_note: p.level_note.clone(),
    })
}

/// Masks the digits of an identifier but the last `visible`, keeping separators.
pub fn mask_digits(value: &str, visible: usize) -> String {
    let digits = value.chars().filter(char::is_ascii_digit).count();
    let mut seen = 0;
    value
        .chars()
        .map(|c| {
            if c.is_ascii_digit() {
                seen += 1;
                if seen + visible <= digits { '•' } else { c }
            } else {
                c
            }
        })
        .collect()
}

/// How a field's value appears in the history (identifiers masked).
pub(crate) fn shown(p: &Profile, field: &str) -> Option<String> {
    match field {
        "last_name" => p.last_name.clone(),
        "first_name" => p.first_name.clone(),
        "middle_name" => p.middle_name.clone(),
        "birth_date" => p.birth_date.map(crate::format::day),
        "snils" => p
            .snils
            .as_deref()
            .and_then(|s| Snils::parse(s).ok())
            .map(|s| mask_digits(&format!("{s}"), 3)),
        "inn" => p.inn.as_deref().map(|s| mask_digits(s, 4)),
        "passport" => p.passport.as_ref().map(|x| {
            mask_digits(
                &format!("{} {} {}", &x.series[..2], &x.series[2..], x.number),
                4,
            )
        }),
        "registration_address" => p.registration_address.as_ref().map(Address::one_line),
        "postal_address" => p.postal_address.as_ref().map(Address::one_line),
        _ => None,
    }
}

pub(crate) const FIELDS: &[&str] = &[
    "last_name",
    "first_name",
    "middle_name",
    "birth_date",
    "passport",
    "snils",
    "inn",
    "registration_address",
    "postal_address",
];

pub(crate) fn field_changed(a: &Profile, b: &Profile, field: &str) -> bool {
    match field {
        "passport" => a.passport != b.passport,
        "snils" => a.snils != b.snils,
        "inn" => a.inn != b.inn,
        "registration_address" => a.registration_address != b.registration_address,
        "postal_address" => a.postal_address != b.postal_address,
        _ => shown(a, field) != shown(b, field),
    }
}

fn person_check(p: &Profile) -> Option<PersonCheck> {
    let passport = p.passport.as_ref()?;
    Some(PersonCheck {
        last_name: p.last_name.clone()?,
        first_name: p.first_name.clone()?,
        middle_name: p.middle_name.clone(),
        birth_date: p.birth_date?.to_string(),
        snils: p.snils.clone()?,
        passport: PassportCheck {
            series: passport.series.clone(),
            number: passport.number.clone(),
            issued_on: passport.issued_on.to_string(),
            issuer_code: passport.issuer_code.clone(),
        },
    })
}

// ---- use cases ----

/// The signed-in person's data.
pub async fn get(app: &App, who: &SignedIn) -> Result<Profile, AppError> {
    who.authorize(Action::ManageOwnProfile)?;
    let mut conn = app
        .store
        .pool()
        .acquire()
        .await
        .map_err(kabinet_store::StoreError::from)?;
    load(app, &mut conn, &who.account.id).await
}

pub(crate) async fn load(
    app: &App,
    conn: &mut Conn,
    account_id: &str,
) -> Result<Profile, AppError> {
    let account = accounts::get(conn, account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let row = profiles::get(conn, account_id).await?;
    open_row(app, &row, &account.level)
}

/// What [`update`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Updated {
    /// The data after the change.
    pub profile: Profile,
    /// The fields that changed.
    pub changed: Vec<&'static str>,
}

/// Changes the signed-in person's data (PATCH semantics, see [`ProfileInput`]).
/// Checks the identity with the registry when it became complete or changed.
pub async fn update(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    input: &ProfileInput,
) -> Result<Updated, AppError> {
    who.authorize(Action::ManageOwnProfile)?;
    let account_id = who.account.id.clone();
    let today = app.clock.now().date();
    let current = {
        let mut conn = app
            .store
            .pool()
            .acquire()
            .await
            .map_err(kabinet_store::StoreError::from)?;
        load(app, &mut conn, &account_id).await?
    };
    let next = merge(&current, input, today).map_err(AppError::Validation)?;
    let changed: Vec<&'static str> = FIELDS
        .iter()
        .copied()
        .filter(|f| field_changed(&current, &next, f))
        .collect();
    if current.level == "confirmed" {
        let locked: Vec<FieldError> = changed
            .iter()
            .filter(|f| IDENTITY_FIELDS.contains(f))
            .map(|f| FieldError::new(*f, "profile-locked"))
            .collect();
        if !locked.is_empty() {
            return Err(AppError::Validation(locked));
        }
    }
    // A СНИЛС or ИНН of another account is refused before anything leaves for the
    // registry (checked again inside the transaction).
    {
        let mut conn = app
            .store
            .pool()
            .acquire()
            .await
            .map_err(kabinet_store::StoreError::from)?;
        let taken = taken_identifiers(app, &mut conn, &account_id, &current, &next).await?;
        if !taken.is_empty() {
            return Err(AppError::Validation(taken));
        }
    }
    // The registry is asked when the identity changed, or when a simplified account
    // has it complete (saving again retries a check the registry could not answer);
    // outside the transaction: no lock is held over the network.
    let identity_changed = changed.iter().any(|f| IDENTITY_FIELDS.contains(f));
    let needs_check = identity_changed || current.level == "simplified";
    let verdict = match person_check(&next) {
        Some(check) if needs_check => Some(app.registry.check(&check).await),
        _ => None,
    };
    if changed.is_empty() && verdict.is_none() {
        return Ok(Updated {
            profile: current,
            changed,
        });
    }

    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let fresh = load(app, &mut tx, &account_id).await?;
    if fresh != current {
        // Someone else changed it meanwhile: apply the input to what is there now.
        tx.rollback()
            .await
            .map_err(kabinet_store::StoreError::from)?;
        return Err(AppError::Conflict("profile-changed-meanwhile"));
    }
    let mut next = next;
    let errors = taken_identifiers(app, &mut tx, &account_id, &current, &next).await?;
    if !errors.is_empty() {
        tx.rollback()
            .await
            .map_err(kabinet_store::StoreError::from)?;
        return Err(AppError::Validation(errors));
    }

    // The level (ID-11).
    let old_level = current.level.clone();
    let mut level = old_level.clone();
    match &verdict {
        Some(Verdict::Match) => {
            if level == "simplified" {
                level = "standard".to_owned();
            }
            next.level_note = None;
        }
        Some(Verdict::Mismatch(reason)) => {
            if level == "standard" {
                level = "simplified".to_owned();
            }
            next.level_note = Some(
                app.i18n
                    .t_with("profile-registry-mismatch", &[("reason", reason)]),
            );
        }
        Some(Verdict::Unavailable(why)) => {
            tracing::warn!(registry = app.registry.name(), reason = %why, "identity registry unavailable");
            if level == "standard" && identity_changed {
                level = "simplified".to_owned();
            }
            next.level_note = Some(app.i18n.t("profile-registry-unavailable"));
        }
        None => {
            if level == "standard" && person_check(&next).is_none() {
                level = "simplified".to_owned();
            }
        }
    }
    next.level = level.clone();
    profiles::put(&mut tx, &to_row(app, &account_id, &next)?, now).await?;

    // Sign-in by СНИЛС and ИНН once the registry has checked the person.
    let checked = level != "simplified";
    let snils_login = next
        .snils
        .as_deref()
        .and_then(|s| Snils::parse(s).ok())
        .filter(|_| checked)
        .map(|s| app.login_key(&LoginId::Snils(s)));
    profiles::replace_login(&mut tx, &account_id, "snils", snils_login.as_deref(), now).await?;
    let inn_login = next
        .inn
        .as_deref()
        .and_then(|s| Inn::parse_person(s).ok())
        .filter(|_| checked)
        .map(|i| app.login_key(&LoginId::Inn(i)));
    profiles::replace_login(&mut tx, &account_id, "inn", inn_login.as_deref(), now).await?;

    let actor = who.actor();
    for field in &changed {
        record(
            &mut tx,
            &account_id,
            field,
            shown(&current, field),
            shown(&next, field),
            "user",
            None,
            now,
        )
        .await?;
    }
    if level != old_level {
        accounts::set_level(&mut tx, &account_id, &level).await?;
        record(
            &mut tx,
            &account_id,
            "level",
            Some(old_level.clone()),
            Some(level.clone()),
            // Only a registry answer is the registry's doing; a level lost because data
            // was removed is kabinet's rule.
            if verdict.is_some() {
                "registry"
            } else {
                "system"
            },
            None,
            now,
        )
        .await?;
        audit_event(
            &mut tx,
            ctx,
            now,
            "system",
            "profile.level_changed",
            &actor,
            json!({ "from": old_level, "to": level, "registry": app.registry.name() }),
        )
        .await?;
    }
    if changed.is_empty() {
        tx.commit().await?;
        return Ok(Updated {
            profile: next,
            changed,
        });
    }
    audit_event(
        &mut tx,
        ctx,
        now,
        &actor,
        "profile.updated",
        &actor,
        json!({ "fields": changed }),
    )
    .await?;
    notices::notify(
        &mut tx,
        app,
        now,
        &account_id,
        &notices::Notice {
            category: kabinet_domain::notify::Category::PersonalData,
            subject_key: "notice-profile-changed-subject",
            text_key: "notice-profile-changed-message",
            args: &[],
            link: Some("/profile/history".to_owned()),
        },
    )
    .await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(Updated {
        profile: next,
        changed,
    })
}

/// Field errors for a СНИЛС or ИНН that changed and belongs to another account.
async fn taken_identifiers(
    app: &App,
    conn: &mut Conn,
    account_id: &str,
    current: &Profile,
    next: &Profile,
) -> Result<Vec<FieldError>, AppError> {
    let mut errors = Vec::new();
    for (column, kind, before, after, key) in [
        (
            IndexColumn::Snils,
            "snils",
            &current.snils,
            &next.snils,
            "profile-snils-taken",
        ),
        (
            IndexColumn::Inn,
            "inn",
            &current.inn,
            &next.inn,
            "profile-inn-taken",
        ),
    ] {
        if before != after
            && let Some(v) = after
            && profiles::holder_of(conn, column, &app.keys.index(kind, v))
                .await?
                .is_some_and(|holder| holder != account_id)
        {
            errors.push(FieldError::new(kind, key));
        }
    }
    Ok(errors)
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn record(
    conn: &mut Conn,
    account_id: &str,
    field: &str,
    old_value: Option<String>,
    new_value: Option<String>,
    actor_kind: &str,
    actor_id: Option<String>,
    at: OffsetDateTime,
) -> Result<(), AppError> {
    profiles::add_change(
        conn,
        &Change {
            id: uuid::Uuid::now_v7().to_string(),
            account_id: account_id.to_owned(),
            field: field.to_owned(),
            old_value,
            new_value,
            actor_kind: actor_kind.to_owned(),
            actor_id,
            at,
        },
    )
    .await?;
    Ok(())
}

/// «История изменений» of the signed-in person, newest first.
pub async fn history(app: &App, who: &SignedIn, limit: i64) -> Result<Vec<Change>, AppError> {
    who.authorize(Action::ManageOwnProfile)?;
    let mut conn = app
        .store
        .pool()
        .acquire()
        .await
        .map_err(kabinet_store::StoreError::from)?;
    Ok(profiles::changes(&mut conn, &who.account.id, limit.clamp(1, 500)).await?)
}

/// How staff confirmed a person's identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfirmMethod {
    /// The person came with the passport.
    InPerson,
    /// A video meeting.
    Video,
}

impl ConfirmMethod {
    /// The API name.
    pub fn as_str(self) -> &'static str {
        match self {
            ConfirmMethod::InPerson => "in_person",
            ConfirmMethod::Video => "video",
        }
    }
}

/// Staff confirm a person's identity (ID-11): `standard` → `confirmed`.
pub async fn confirm_identity(
    app: &App,
    ctx: &Ctx,
    staff: &SignedIn,
    account_id: &str,
    method: ConfirmMethod,
    comment: &str,
) -> Result<(), AppError> {
    staff.authorize(Action::ConfirmIdentity)?;
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let account = accounts::get(&mut tx, account_id)
        .await?
        .filter(|a| a.kind == "person")
        .ok_or(AppError::NotFound)?;
    if account.level != "standard" {
        return Err(AppError::Conflict(if account.level == "confirmed" {
            "identity-already-confirmed"
        } else {
            "identity-needs-standard"
        }));
    }
    let comment: String = comment.trim().chars().take(1000).collect();
    accounts::set_level(&mut tx, account_id, "confirmed").await?;
    for pending in requests::of_account(&mut tx, Kind::Identity, account_id).await? {
        if pending.status == "pending" {
            let note = (!comment.is_empty()).then_some(comment.as_str());
            requests::decide(
                &mut tx,
                Kind::Identity,
                &pending.id,
                "confirmed",
                &staff.account.id,
                note,
                now,
            )
            .await?;
        }
    }
    record(
        &mut tx,
        account_id,
        "level",
        Some("standard".to_owned()),
        Some("confirmed".to_owned()),
        "staff",
        Some(staff.account.id.clone()),
        now,
    )
    .await?;
    audit_event(
        &mut tx,
        ctx,
        now,
        &staff.actor(),
        "profile.identity_confirmed",
        &format!("account:{account_id}"),
        json!({ "method": method.as_str(), "comment": comment }),
    )
    .await?;
    notices::notify(
        &mut tx,
        app,
        now,
        account_id,
        &notices::Notice {
            category: kabinet_domain::notify::Category::PersonalData,
            subject_key: "notice-identity-confirmed-subject",
            text_key: "notice-identity-confirmed-message",
            args: &[],
            link: Some("/profile/identity".to_owned()),
        },
    )
    .await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(())
}

/// What `kabinet keys rotate` re-sealed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rotated {
    /// Profiles (passport, СНИЛС, ИНН).
    pub profiles: usize,
    /// Change requests (their new values).
    pub change_requests: usize,
    /// Applications (their answers).
    pub applications: usize,
    /// Uploaded files.
    pub files: usize,
    /// Organisations' identifiers and identifier change requests.
    pub organizations: usize,
}

/// Re-seals everything sealed under an older key with the current one, in batches:
/// profiles, change requests and uploaded files (`kabinet keys rotate`). Safe to run
/// again; an interrupted run continues where it stopped.
pub async fn rotate_keys(app: &App) -> Result<Rotated, AppError> {
    let current = app.keys.current_id().to_owned();
    let corrupt = |e: crate::crypto::CryptoError| {
        AppError::Store(kabinet_store::StoreError::Corrupt(e.to_string()))
    };
    let mut done = Rotated::default();
    let mut after = String::new();
    loop {
        let mut tx = app.store.begin().await?;
        let batch = profiles::stale_sealed(&mut tx, &current, &after, 200).await?;
        let Some(last) = batch.last() else {
            tx.commit().await?;
            break;
        };
        after = last.account_id.clone();
        let now = app.clock.now();
        for row in &batch {
            let account = accounts::get(&mut tx, &row.account_id)
                .await?
                .ok_or(AppError::NotFound)?;
            let profile = open_row(app, row, &account.level)?;
            let mut fresh = to_row(app, &row.account_id, &profile)?;
            fresh.level_note = row.level_note.clone();
            profiles::put(&mut tx, &fresh, now).await?;
            done.profiles += 1;
        }
        tx.commit().await?;
    }
    let mut after = String::new();
    loop {
        let mut tx = app.store.begin().await?;
        let batch = requests::stale_change_requests(&mut tx, &current, &after, 200).await?;
        let Some((last, _)) = batch.last() else {
            tx.commit().await?;
            break;
        };
        after = last.clone();
        for (id, sealed) in &batch {
            let place = format!("change_requests:{id}");
            let plain = app.keys.open(&place, sealed).map_err(corrupt)?;
            requests::set_change_sealed(
                &mut tx,
                id,
                &app.keys.seal(&place, &plain).map_err(corrupt)?,
            )
            .await?;
            done.change_requests += 1;
        }
        tx.commit().await?;
    }
    let mut after = String::new();
    loop {
        let mut tx = app.store.begin().await?;
        let batch =
            kabinet_store::applications::stale_sealed(&mut tx, &current, &after, 500).await?;
        let Some((last, _)) = batch.last() else {
            tx.commit().await?;
            break;
        };
        after = last.clone();
        for (id, sealed) in &batch {
            let place = format!("applications.fields:{id}");
            let plain = app.keys.open(&place, sealed).map_err(corrupt)?;
            kabinet_store::applications::set_sealed(
                &mut tx,
                id,
                &app.keys.seal(&place, &plain).map_err(corrupt)?,
            )
            .await?;
            done.applications += 1;
        }
        tx.commit().await?;
    }
    for which in [
        kabinet_store::organizations::Sealed::Identifiers,
        kabinet_store::organizations::Sealed::Proposals,
    ] {
        let mut after = String::new();
        loop {
            let mut tx = app.store.begin().await?;
            let batch =
                kabinet_store::organizations::stale_sealed(&mut tx, which, &current, &after, 200)
                    .await?;
            let Some((last, _)) = batch.last() else {
                tx.commit().await?;
                break;
            };
            after = last.clone();
            for (id, sealed) in &batch {
                let place = match which {
                    kabinet_store::organizations::Sealed::Identifiers => {
                        format!("organizations:{id}")
                    }
                    kabinet_store::organizations::Sealed::Proposals => {
                        format!("organization_change_requests:{id}")
                    }
                };
                let plain = app.keys.open(&place, sealed).map_err(corrupt)?;
                kabinet_store::organizations::set_sealed(
                    &mut tx,
                    which,
                    id,
                    &app.keys.seal(&place, &plain).map_err(corrupt)?,
                )
                .await?;
                done.organizations += 1;
            }
            tx.commit().await?;
        }
    }
    let mut after = String::new();
    loop {
        let mut conn = app
            .store
            .pool()
            .acquire()
            .await
            .map_err(kabinet_store::StoreError::from)?;
        let batch = requests::files_after(&mut conn, &after, 200).await?;
        drop(conn);
        let Some(last) = batch.last() else { break };
        after = last.id.clone();
        for record in &batch {
            if crate::files::reseal(app, record).await? {
                done.files += 1;
            }
        }
    }
    let mut tx = app.store.begin().await?;
    audit_event(
        &mut tx,
        &Ctx::system(),
        app.clock.now(),
        "cli",
        "keys.rotated",
        "keys",
        json!({ "key": current, "profiles": done.profiles, "change_requests": done.change_requests, "applications": done.applications, "files": done.files, "organizations": done.organizations }),
    )
    .await?;
    tx.commit().await?;
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn masks_keep_the_shape() {
        assert_eq!(mask_digits("112-233-445 95", 3), "•••-•••-••5 95");
        assert_eq!(mask_digits("500100732259", 4), "••••••••2259");
        assert_eq!(mask_digits("45 06 123456", 4), "•• •• ••3456");
    }

    #[test]
    fn merge_collects_every_error_and_keeps_the_rest() {
        let today = date!(2026 - 11 - 23);
        let input = ProfileInput {
            last_name: Some("Иванов1".into()),
            first_name: Some("Иван".into()),
            birth_date: Some("31.02.1990".into()),
            snils: Some("112-233-445 96".into()),
            passport: Some(PassportInput {
                series: "45 06".into(),
                number: "12345".into(),
                issued_on: "01.01.2030".into(),
                issuer_code: "770-001".into(),
            }),
            registration_address: Some(AddressInput {
                postal_code: "1010".into(),
                ..AddressInput::default()
            }),
            ..ProfileInput::default()
        };
        let errors = merge(&Profile::default(), &input, today).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "last_name",
                "birth_date",
                "snils",
                "passport.number",
                "passport.issued_on",
                "registration_address.postal_code"
            ]
        );
        assert!(
            errors
                .iter()
                .all(|e| MESSAGE_KEYS.contains(&e.key) || e.key.starts_with("id-"))
        );
    }

    #[test]
    fn prefill_bindings_answer() {
        let p = Profile {
            last_name: Some("Иванова".into()),
            first_name: Some("Мария".into()),
            snils: Some("11223344595".into()),
            birth_date: Some(date!(1990 - 02 - 01)),
            registration_address: Some(Address {
                postal_code: Some("101000".into()),
                city: Some("Москва".into()),
                street: Some("ул. Мясницкая".into()),
                house: Some("1".into()),
                ..Address::default()
            }),
            ..Profile::default()
        };
        assert_eq!(
            p.prefill("profile.snils").as_deref(),
            Some("112-233-445 95")
        );
        assert_eq!(
            p.prefill("profile.full_name").as_deref(),
            Some("Иванова Мария")
        );
        assert_eq!(
            p.prefill("profile.birth_date").as_deref(),
            Some("01.02.1990")
        );
        assert_eq!(
            p.prefill("profile.address.registration").as_deref(),
            Some("101000, Москва, ул. Мясницкая, д. 1")
        );
        assert_eq!(
            p.prefill("profile.address.postal"),
            p.prefill("profile.address.registration")
        );
        assert_eq!(p.prefill("profile.inn"), None);
        assert_eq!(p.prefill("profile.nonsense"), None);
        assert_eq!(p.prefill("snils"), None);
        for b in PREFILL_BINDINGS {
            let _ = p.prefill(b);
        }
    }
}
