//! Profile input as typed and its checking into a profile (every error collected).

use crate::FieldError;
use kabinet_domain::ids::{IdError, Inn, Passport, Snils};
use kabinet_domain::profile::{self as rules, ProfileError};
use serde::Deserialize;
use time::Date;

use super::*;

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

pub(super) fn name_key(field: &str, e: ProfileError) -> &'static str {
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

pub(super) fn date_key(field: &str, e: ProfileError) -> &'static str {
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

pub(super) fn opt(text: &str) -> Option<&str> {
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

pub(super) fn id_error(field: &str, e: &IdError) -> FieldError {
    FieldError::new(field, e.message_key())
}

pub(super) fn address(prefix: &str, a: &AddressInput) -> Result<Address, Vec<FieldError>> {
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
